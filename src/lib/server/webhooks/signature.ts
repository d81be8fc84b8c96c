import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com, "Symmetric signature"): the secret is `whsec_` and the
 * base64 of its key bytes; the signature is `v1,` and the base64 of HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, the timestamp in whole seconds since the epoch.
 */

const PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64). */
export function newSecret(): string {
	return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
	return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` value for one message. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
	const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
	return `v1,${mac}`;
}

/** The three headers of a Standard Webhooks request, signed at `at`. */
export function headers(secret: string, id: string, body: string, at: Date): Record<string, string> {
	const ts = Math.floor(at.getTime() / 1000);
	return {
		'content-type': 'application/json',
		'user-agent': 'Acerto-Webhooks/1',
		'webhook-id': id,
		'webhook-timestamp': String(ts),
		'webhook-signature': sign(secret, id, ts, body)
	};
}
