import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase64urlNoPadding, decodeBase64urlIgnorePadding, encodeHexLowerCase } from '@oslojs/encoding';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { config } from '../config';

const enc = new TextEncoder();

export function mac(purpose: string, message: string): Uint8Array {
	return hmac(SHA256, enc.encode(`${purpose}:${config().appSecret}`), enc.encode(message));
}

export function macHex(purpose: string, message: string): string {
	return encodeHexLowerCase(mac(purpose, message));
}

export function equalHex(a: string, b: string): boolean {
	return a.length === b.length && constantTimeEqual(enc.encode(a), enc.encode(b));
}

/** `payload.signature`, both base64url: for campaign links. */
export function sign(purpose: string, payload: object): string {
	const body = encodeBase64urlNoPadding(enc.encode(JSON.stringify(payload)));
	return `${body}.${encodeBase64urlNoPadding(mac(purpose, body).slice(0, 16))}`;
}

export function verify<T>(purpose: string, token: string): T | null {
	const [body, sig] = token.split('.');
	if (!body || !sig) return null;
	try {
		const expected = mac(purpose, body).slice(0, 16);
		const given = decodeBase64urlIgnorePadding(sig);
		if (given.length !== expected.length || !constantTimeEqual(given, expected)) return null;
		return JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(body))) as T;
	} catch {
		return null;
	}
}

/**
 * Encrypts a secret kept in the database (TOTP keys, provider credentials) with AES-256-GCM under
 * a key derived from APP_SECRET and the purpose: a database dump alone gives nothing away.
 * `iv | tag | ciphertext`, base64.
 */
export function seal(purpose: string, plain: Uint8Array): string {
	const iv = randomBytes(12);
	const c = createCipheriv('aes-256-gcm', sealKey(purpose), iv);
	const body = Buffer.concat([c.update(plain), c.final()]);
	return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

export function unseal(purpose: string, sealed: string): Uint8Array {
	const raw = Buffer.from(sealed, 'base64');
	const d = createDecipheriv('aes-256-gcm', sealKey(purpose), raw.subarray(0, 12));
	d.setAuthTag(raw.subarray(12, 28));
	return new Uint8Array(Buffer.concat([d.update(raw.subarray(28)), d.final()]));
}

/** A JSON value sealed as `seal` does: provider credentials (messaging, Pix PSP) are kept this way. */
export function sealJson(purpose: string, value: unknown): string {
	return seal(purpose, enc.encode(JSON.stringify(value)));
}

/** The value `sealJson` sealed under the same purpose; throws when APP_SECRET changed or it was tampered with. */
export function unsealJson<T>(purpose: string, sealed: string): T {
	return JSON.parse(new TextDecoder().decode(unseal(purpose, sealed))) as T;
}

function sealKey(purpose: string): Buffer {
	return createHash('sha256').update(`${purpose}:${config().appSecret}`).digest();
}
