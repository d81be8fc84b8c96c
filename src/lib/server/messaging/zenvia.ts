/**
 * SMS through Zenvia's API v2 (https://zenvia.github.io/zenvia-openapi-spec/v2/, source in
 * github.com/zenvia/zenvia-openapi-spec). Relied on:
 * - `POST /v2/channels/sms/messages`, token in the `X-API-TOKEN` header (spec/info/description.md,
 *   "Authentication"); body `{from, to, contents: [{type: 'text', text}]}`, `from` the sender id of
 *   the account's SMS integration and `to` the phone as digits with country code
 *   (spec/tags/sms.md, schemas/message/base.ts); the answer is the message with its `id`.
 * - Errors are `{code, message}` with 4xx/5xx; only 5xx is to be retried ("Error Handling" table:
 *   400 VALIDATION_ERROR, 401 AUTHENTICATION_ERROR, 404 NOT_FOUND, 409 DUPLICATED, 500 INTERNAL_ERROR).
 * - Status and inbound messages come to a subscription webhook (spec/tags/subscriptions.md):
 *   MESSAGE_STATUS `{id, timestamp, type, subscriptionId, channel, messageId, contentIndex,
 *   messageStatus: {timestamp, code, description, causes: [{channelErrorCode, reason, details}]}}`
 *   and MESSAGE `{…, direction: 'IN', message: {id, from, to, contents}}`. They carry no signature,
 *   so our webhook URL holds a secret. A webhook answered with an error is retried for about 15
 *   minutes, so a status that arrives before we stored the message id can be answered 404 and comes back.
 * - The v2 message schema has no field for our own id (no `externalId`): statuses are matched by
 *   Zenvia's message id alone.
 */
import { z } from 'zod';
import type { Callback, InboundEvent, SendOptions, SendResult, StatusEvent, WireMessage, ZenviaAccount } from './wire';
import { dateOr, isAnswer, post, retryable, secretsEqual, type Answer } from './wire-http';

export const DEFAULT_ZENVIA_API_URL = 'https://api.zenvia.com';
export const SEND_PATH = '/v2/channels/sms/messages';

/** Where our Zenvia webhook listens; the secret in the path is the only proof a callback is Zenvia's. */
export function callbackPath(secret: string, accountId = 'env'): string {
	return `/webhooks/zenvia/${encodeURIComponent(accountId)}/${encodeURIComponent(secret)}`;
}

/** Constant-time check of the secret a callback's URL carried against the account's. */
export function callbackSecretMatches(given: string, expected: string): boolean {
	return secretsEqual(given, expected);
}

/** Zenvia writes phones as digits with the country code ("5511999999999"); we keep E.164. */
export function toZenviaPhone(e164: string): string {
	return e164.replace(/\D/g, '');
}

function fromZenviaPhone(phone: string): string {
	const digits = phone.replace(/\D/g, '');
	return digits ? `+${digits}` : phone;
}

export async function send(msg: WireMessage, account: ZenviaAccount, opts: SendOptions = {}): Promise<SendResult> {
	if (msg.channel !== 'sms') throw new Error(`zenvia: canal ${msg.channel} não é SMS`);
	const body = {
		from: msg.sender.smsFrom ?? account.from,
		to: toZenviaPhone(msg.to),
		contents: [{ type: 'text', text: msg.text }]
	};
	const answer = await post(
		account.apiUrl.replace(/\/+$/, '') + SEND_PATH,
		{
			headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-token': account.token },
			body: JSON.stringify(body)
		},
		opts.timeoutMs
	);
	return isAnswer(answer) ? classify(answer) : answer;
}

const accepted = z.object({ id: z.string().min(1) });
const errorBody = z.object({
	code: z.string().optional(),
	message: z.string().optional(),
	description: z.string().optional(),
	details: z.array(z.object({ code: z.string().optional(), path: z.string().optional(), message: z.string().optional() })).optional()
});

function classify(answer: Answer): SendResult {
	if (answer.status >= 200 && answer.status < 300) {
		const ok = accepted.safeParse(answer.json);
		// Taken, but we cannot tell which message it became: treat as possibly sent.
		if (!ok.success) return { status: 'unknown', reason: `Zenvia: resposta ${answer.status} sem id da mensagem` };
		return { status: 'accepted', providerId: ok.data.id };
	}
	const retry = retryable(answer, 'Zenvia');
	if (retry) return retry;
	const err = errorBody.safeParse(answer.json);
	const e = err.success ? err.data : {};
	const code = e.code ?? String(answer.status);
	if (answer.status === 401 || answer.status === 403) {
		return { status: 'failed', reason: `Zenvia recusou o token da conta (${code})`, code, fallback: false };
	}
	const detail = [e.message ?? e.description, ...(e.details ?? []).map((d) => [d.path, d.message].filter(Boolean).join(': '))]
		.filter(Boolean)
		.join('; ');
	// A validation error about `to` is the number itself: SMS cannot reach it, another channel may.
	const badNumber = answer.status === 400 && (e.details ?? []).some((d) => d.path === 'to' || d.path?.endsWith('.to'));
	return {
		status: 'failed',
		reason: badNumber ? `Zenvia: número de telefone inválido para SMS (${detail || code})` : `Zenvia recusou a mensagem (${code}${detail ? `: ${detail}` : ''})`,
		code,
		fallback: badNumber
	};
}

const text = z.object({ type: z.literal('text'), text: z.string() });
const statusEvent = z.object({
	type: z.literal('MESSAGE_STATUS'),
	timestamp: z.string().optional(),
	channel: z.string().optional(),
	messageId: z.string().min(1),
	messageStatus: z.object({
		timestamp: z.string().optional(),
		code: z.string(),
		description: z.string().optional(),
		causes: z
			.array(z.object({ channelErrorCode: z.string().optional(), reason: z.string().optional(), details: z.string().optional() }))
			.optional()
	})
});
const messageEvent = z.object({
	type: z.literal('MESSAGE'),
	timestamp: z.string().optional(),
	channel: z.string().optional(),
	direction: z.string().optional(),
	message: z.object({
		id: z.string().optional(),
		from: z.string().min(1),
		direction: z.string().optional(),
		timestamp: z.string().optional(),
		contents: z.array(z.unknown())
	})
});

/**
 * Zenvia's codes in our terms. NOT_DELIVERED: the carrier could not deliver (a landline, a number
 * that no longer exists, a phone off past the validity): another channel may reach the person.
 * REJECTED: Zenvia refused it before any carrier saw it, which says nothing about the number.
 * CLICKED, DELETED, VERIFIED are not delivery states.
 */
const STATUS: Record<string, { status: StatusEvent['status']; fallback?: boolean }> = {
	SENT: { status: 'sent' },
	DELIVERED: { status: 'delivered' },
	READ: { status: 'read' },
	NOT_DELIVERED: { status: 'failed', fallback: true },
	REJECTED: { status: 'failed', fallback: false }
};

/** One webhook body (or several, should they come as an array) into statuses and replies; other shapes give nothing. */
export function parseCallback(body: unknown, now = new Date()): Callback {
	const out: Callback = { statuses: [], inbound: [] };
	for (const event of Array.isArray(body) ? body : [body]) {
		const status = statusEvent.safeParse(event);
		if (status.success) {
			const s = status.data;
			if (s.channel && s.channel !== 'sms') continue;
			const mapped = STATUS[s.messageStatus.code];
			if (!mapped) continue;
			const cause = s.messageStatus.causes?.[0];
			const reason = [cause?.reason, cause?.details].filter(Boolean).join(': ') || s.messageStatus.description;
			out.statuses.push({
				providerId: s.messageId,
				status: mapped.status,
				at: dateOr(s.messageStatus.timestamp ?? s.timestamp, now),
				...(mapped.status === 'failed' ? { code: cause?.channelErrorCode ?? s.messageStatus.code, fallback: mapped.fallback } : {}),
				...(reason ? { reason } : {})
			});
			continue;
		}
		const message = messageEvent.safeParse(event);
		if (message.success) {
			const m = message.data;
			if ((m.channel && m.channel !== 'sms') || (m.direction ?? m.message.direction) !== 'IN') continue;
			const words = m.message.contents.flatMap((c) => {
				const t = text.safeParse(c);
				return t.success ? [t.data.text] : [];
			});
			if (words.length === 0) continue;
			const reply: InboundEvent = {
				channel: 'sms',
				from: fromZenviaPhone(m.message.from),
				text: words.join('\n'),
				at: dateOr(m.message.timestamp ?? m.timestamp, now)
			};
			if (m.message.id) reply.providerId = m.message.id;
			out.inbound.push(reply);
		}
	}
	return out;
}
