/**
 * SMS through Twilio's Messages API. Relied on:
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth `AccountSid:AuthToken`,
 *   `application/x-www-form-urlencoded` with `To` (E.164), `From` or `MessagingServiceSid`, `Body`
 *   (at most 1,600 characters, error 21617) and `StatusCallback`; 201 with the Message resource
 *   (`sid` "SM…", `status` "queued") — twilio.com/docs/messaging/api/message-resource.
 * - Errors are JSON `{code, message, more_info, status}` (twilio.com/docs/usage/twilios-response):
 *   21211 invalid 'To', 21614 'To' is not a mobile number, 21610 the recipient replied STOP,
 *   20003 authentication, 20429 too many requests (HTTP 429).
 * - Status callbacks are form posts to the StatusCallback URL with `MessageSid`, `MessageStatus`
 *   (sent, delivered, undelivered, failed, read; none for the initial `queued`), `ErrorCode`, `To`,
 *   `From`, `AccountSid`… and no timestamp (twilio.com/docs/messaging/guides/track-outbound-message-status,
 *   …/outbound-message-status-in-status-callbacks). Replies come to the number's webhook as a form with
 *   `MessageSid`, `From`, `To`, `Body` (twilio.com/docs/messaging/guides/webhook-request).
 * - Both are signed in `X-Twilio-Signature`: base64(HMAC-SHA1(AuthToken, the full URL as Twilio
 *   requested it, query included, followed by every POST field sorted by name as name+value, no
 *   separators)) — twilio.com/docs/usage/security, and twilio-node src/webhooks/webhooks.ts, whose
 *   validator also accepts the URL with the default port added or removed, as Twilio's own
 *   signing is "inconsistent" about it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Callback, SendOptions, SendResult, StatusEvent, TwilioAccount, WireMessage } from './wire';
import { isAnswer, post, retryable, type Answer } from './wire-http';

export const DEFAULT_TWILIO_API_URL = 'https://api.twilio.com';
export const SIGNATURE_HEADER = 'x-twilio-signature';
/** The query parameter of the StatusCallback URL that carries our message id. */
export const MESSAGE_ID_PARAM = 'm';

export function messagesPath(accountSid: string): string {
	return `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
}

/** Our callback URL with our message id in its query: the status finds our row even before the SID is stored. */
export function statusCallbackUrl(base: string, messageId: string): string {
	const url = new URL(base);
	url.searchParams.set(MESSAGE_ID_PARAM, messageId);
	return url.toString();
}

// A Messaging Service SID ("MG" + 32 hex) sends from the service's pool of numbers.
const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/i;

export async function send(msg: WireMessage, account: TwilioAccount, opts: SendOptions = {}): Promise<SendResult> {
	if (msg.channel !== 'sms') throw new Error(`twilio: canal ${msg.channel} não é SMS`);
	const from = msg.sender.smsFrom ?? account.from;
	const form = new URLSearchParams({ To: msg.to, Body: msg.text });
	form.set(MESSAGING_SERVICE_SID.test(from) ? 'MessagingServiceSid' : 'From', from);
	if (opts.statusCallbackUrl) form.set('StatusCallback', statusCallbackUrl(opts.statusCallbackUrl, msg.id));
	const answer = await post(
		account.apiUrl.replace(/\/+$/, '') + messagesPath(account.accountSid),
		{
			headers: {
				authorization: 'Basic ' + Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64'),
				'content-type': 'application/x-www-form-urlencoded',
				accept: 'application/json'
			},
			body: form.toString()
		},
		opts.timeoutMs
	);
	return isAnswer(answer) ? classify(answer) : answer;
}

/**
 * Codes that say SMS cannot reach this destination, so another channel should try: not a number
 * (21211), not a mobile (21614), opted out of SMS by replying STOP (21610: the opt-out covers this
 * channel only), and, in status callbacks, unknown handset (30005) and landline or unreachable
 * carrier (30006). 30003 (handset off or out of coverage) is passing and is not among them.
 */
const NO_SMS_HERE = new Set(['21211', '21614', '21610', '30005', '30006']);

const REASONS: Record<string, string> = {
	'21211': 'número de telefone inválido',
	'21614': 'o número não é de celular',
	'21610': 'o destinatário pediu para não receber SMS deste remetente (STOP)',
	'30003': 'aparelho inalcançável',
	'30005': 'número desconhecido pela operadora',
	'30006': 'telefone fixo ou operadora inalcançável'
};

function classify(answer: Answer): SendResult {
	const body = (answer.json ?? {}) as { sid?: unknown; code?: unknown; message?: unknown };
	if (answer.status >= 200 && answer.status < 300) {
		if (typeof body.sid === 'string' && body.sid) return { status: 'accepted', providerId: body.sid };
		return { status: 'unknown', reason: `Twilio: resposta ${answer.status} sem o SID da mensagem` };
	}
	const retry = retryable(answer, 'Twilio');
	if (retry) return retry;
	const code = typeof body.code === 'number' || typeof body.code === 'string' ? String(body.code) : String(answer.status);
	const message = typeof body.message === 'string' ? body.message : '';
	if (answer.status === 401 || code === '20003') {
		return { status: 'failed', reason: 'Twilio recusou as credenciais da conta (20003)', code, fallback: false };
	}
	return {
		status: 'failed',
		reason: `Twilio: ${REASONS[code] ?? 'mensagem recusada'} (${code}${message ? `: ${message}` : ''})`,
		code,
		fallback: NO_SMS_HERE.has(code)
	};
}

type Params = URLSearchParams | Record<string, string>;

function entries(params: Params): [string, string][] {
	return params instanceof URLSearchParams ? [...params] : Object.entries(params);
}

/** Twilio's request signature for `url` and the form fields it posted. */
export function signature(url: string, params: Params, authToken: string): string {
	const byName = new Map<string, string[]>();
	for (const [name, value] of entries(params)) byName.set(name, [...(byName.get(name) ?? []), value]);
	let data = url;
	for (const name of [...byName.keys()].sort()) {
		// A repeated field is signed once per distinct value, values in order (as twilio-node does).
		for (const value of [...new Set(byName.get(name))].sort()) data += name + value;
	}
	return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Whether `header` (X-Twilio-Signature) signs these fields at this URL, `url` being the full URL
 * Twilio requested (our public origin, the path and the query). Compared in constant time.
 */
export function verifySignature(url: string, params: Params, header: string | null, authToken: string): boolean {
	if (!header || !authToken) return false;
	const given = Buffer.from(header);
	let valid = false;
	for (const candidate of urlForms(url)) {
		const expected = Buffer.from(signature(candidate, params, authToken));
		// No early exit: every form is checked whatever the first gave.
		valid = (given.length === expected.length && timingSafeEqual(given, expected)) || valid;
	}
	return valid;
}

/** The URL as given, and with its default port written out or left out. */
function urlForms(url: string): string[] {
	const forms = new Set([url]);
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return [...forms];
	}
	// URL drops a default port (":443" on https), so `port` is set only for another one.
	const auth = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
	const rest = parsed.pathname + parsed.search;
	const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
	forms.add(`${parsed.protocol}//${auth}${parsed.hostname}${rest}`);
	forms.add(`${parsed.protocol}//${auth}${parsed.hostname}:${port}${rest}`);
	return [...forms];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Twilio's statuses in ours; queued, accepted, scheduled and sending say nothing new. */
const STATUS: Record<string, StatusEvent['status']> = {
	sent: 'sent',
	delivered: 'delivered',
	read: 'read',
	undelivered: 'failed',
	failed: 'failed',
	canceled: 'failed'
};

/**
 * A status callback or an incoming message, told apart by `MessageStatus` (status callbacks carry
 * it; replies carry `Body` and `SmsStatus=received`). `url` is the URL the callback came to: its
 * `m` query parameter is our message id. Twilio sends no time, so `now` is when it arrived.
 */
export function parseCallback(params: Params, url?: string, now = new Date()): Callback {
	const p = params instanceof URLSearchParams ? params : new URLSearchParams(params);
	const out: Callback = { statuses: [], inbound: [] };
	const sid = p.get('MessageSid') ?? p.get('SmsSid') ?? '';
	const messageStatus = p.get('MessageStatus') ?? (p.has('Body') ? null : p.get('SmsStatus'));
	if (messageStatus && messageStatus !== 'received' && messageStatus !== 'receiving') {
		const status = STATUS[messageStatus];
		if (!status || !sid) return out;
		const event: StatusEvent = { providerId: sid, status, at: now };
		const messageId = url ? messageIdOf(url) : undefined;
		if (messageId) event.messageId = messageId;
		if (status === 'failed') {
			const code = p.get('ErrorCode') || undefined;
			event.fallback = code !== undefined && NO_SMS_HERE.has(code);
			if (code) event.code = code;
			event.reason = (code && REASONS[code]) || p.get('ErrorMessage') || messageStatus;
		}
		out.statuses.push(event);
		return out;
	}
	const from = p.get('From');
	const body = p.get('Body');
	if (from && body !== null) {
		out.inbound.push({ channel: 'sms', from, text: body, at: now, ...(sid ? { providerId: sid } : {}) });
	}
	return out;
}

function messageIdOf(url: string): string | undefined {
	try {
		const id = new URL(url, 'http://callback.invalid').searchParams.get(MESSAGE_ID_PARAM);
		return id && UUID.test(id) ? id : undefined;
	} catch {
		return undefined;
	}
}
