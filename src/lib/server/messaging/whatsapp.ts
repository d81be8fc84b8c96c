import { createHmac, createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Callback, InboundEvent, SendOptions, SendResult, StatusEvent, WhatsAppAccount, WireMessage } from './wire';
import { isAnswer, parseRetryAfter, post } from './wire-http';

/**
 * WhatsApp Business Cloud API (Meta Graph) on the wire: one message out, the webhook in.
 *
 * Sources relied on:
 * - Sending: POST {graph}/{phone-number-id}/messages, `Authorization: Bearer`, body
 *   `{messaging_product:'whatsapp', recipient_type:'individual', to, type, text|template,
 *   biz_opaque_callback_data}`; answer `{messaging_product, contacts:[{input, wa_id}], messages:[{id}]}`
 *   (developers.facebook.com/docs/whatsapp/cloud-api/reference/messages; the request type as
 *   whatsapp-api-js types it, `ClientMessageRequest`).
 * - Errors: `{error:{message, type, code, error_subcode, error_data:{messaging_product, details},
 *   fbtrace_id}}`, and "build your error handling around `code` and `details`"
 *   (developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
 * - Webhook: `X-Hub-Signature-256: sha256=<hex>` over the payload "escaped unicode version … with
 *   lowercase hex digits" (developers.facebook.com/docs/graph-api/webhooks/getting-started, quoted
 *   in Secreto31126/whatsapp-api-js#290).
 * - Graph versions: v26.0 came out on 29 July 2026, v25.0 is served until 29 July 2028
 *   (developers.facebook.com/docs/graph-api/changelog).
 */
export const DEFAULT_WHATSAPP_API_URL = 'https://graph.facebook.com/v26.0';

/**
 * Codes after which nothing was sent and the same request may succeed later (Meta's error-code
 * table and the Graph API's own): unknown/service errors, rate limits (throughput 130429, pair
 * rate 131056: one message per user every ~6 s, spam rate 131048), maintenance.
 */
const RETRY_CODES = new Set([1, 2, 4, 17, 613, 80007, 130429, 131000, 131016, 131048, 131056, 131057, 133004]);

/**
 * Codes that say this destination does not receive our WhatsApp messages, so the next channel
 * should be tried:
 * - 131026 message undeliverable: not a WhatsApp number, terms of service not accepted, app too old;
 * - 131030 recipient not in the allowed list (test numbers: this sender cannot reach that phone);
 * - 131049 held back "to maintain healthy ecosystem engagement" (per-user marketing limit);
 * - 131050 the user stopped marketing messages from the business on WhatsApp (an opt-out of
 *   this channel only: other channels stay open, as with "SAIR");
 * - 130472 the user's number is part of a Meta experiment that holds marketing messages.
 * 131047 (more than 24 h since the debtor last wrote) is NOT here: the debtor can receive, just
 * not free text; the message must go again as a template. It fails with that code, see
 * WINDOW_CLOSED_CODE.
 */
const FALLBACK_CODES = new Set([131026, 131030, 131049, 131050, 130472]);

/** Free text outside the 24-hour window: send an approved template instead. */
export const WINDOW_CLOSED_CODE = '131047';

const graphError = z.object({
	error: z.object({
		message: z.string().optional(),
		type: z.string().optional(),
		code: z.coerce.number().optional(),
		error_subcode: z.coerce.number().optional(),
		error_data: z.object({ details: z.string().optional() }).optional(),
		fbtrace_id: z.string().optional()
	})
});

const acceptedBody = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });

/**
 * Meta refuses a whole template message whose text parameter holds a new line, a tab or more than
 * four spaces in a row (#132018, "Param text cannot have new-line/tab characters or more than 4
 * consecutive spaces"): an address or a name pasted from a spreadsheet must not cost the message.
 */
function templateParam(text: string): string {
	return text.replace(/[\r\n\t]+/g, ' ').replace(/ {5,}/g, ' ');
}

/** The request body Meta documents for a template (outside the window) or free text (inside it). */
export function messageBody(msg: WireMessage): Record<string, unknown> {
	const base = {
		messaging_product: 'whatsapp',
		recipient_type: 'individual',
		to: msg.to.replace(/^\+/, ''),
		// Echoed in every status webhook of this message (up to 512 characters). Brazilian mobiles
		// often come back with a wa_id missing the ninth digit, so the phone is no key to match on.
		biz_opaque_callback_data: msg.id
	};
	if (msg.template) {
		const { name, language, params } = msg.template;
		return {
			...base,
			type: 'template',
			template: {
				name,
				language: { code: language },
				...(params.length > 0 && {
					components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text: templateParam(text) })) }]
				})
			}
		};
	}
	return { ...base, type: 'text', text: { preview_url: true, body: msg.text } };
}

/**
 * Puts one message on the wire and says what happened (see SendResult). Never throws.
 * `opts.statusCallbackUrl` is not used: Meta posts statuses to the webhook set on the app.
 */
export async function send(msg: WireMessage, account: WhatsAppAccount, opts: SendOptions = {}): Promise<SendResult> {
	if (!/^\+[1-9]\d{7,14}$/.test(msg.to)) {
		return { status: 'failed', reason: `número inválido para o WhatsApp: ${msg.to}`, code: 'invalid_to', fallback: false };
	}
	const phoneNumberId = msg.sender.whatsappPhoneNumberId || account.phoneNumberId;
	const url = `${account.apiUrl.replace(/\/+$/, '')}/${encodeURIComponent(phoneNumberId)}/messages`;
	const answer = await post(
		url,
		{
			headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify(messageBody(msg))
		},
		opts.timeoutMs
	);
	if (!isAnswer(answer)) return { ...answer, reason: `WhatsApp: ${answer.reason}` };
	return classify(answer.status, answer.headers.get('retry-after'), answer.text);
}

function classify(status: number, retryAfter: string | null, text: string): SendResult {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	if (status >= 200 && status < 300) {
		const ok = acceptedBody.safeParse(json);
		// 2xx without a message id: Meta took something, and we cannot tell what.
		if (!ok.success) return { status: 'unknown', reason: `resposta ${status} do WhatsApp sem id de mensagem` };
		return { status: 'accepted', providerId: ok.data.messages[0].id };
	}
	const parsed = graphError.safeParse(json);
	const error = parsed.success ? parsed.data.error : undefined;
	const code = error?.code;
	const reason = `WhatsApp ${status}${code !== undefined ? ` (#${code})` : ''}: ${describe(error) ?? (text.slice(0, 200) || 'sem detalhes')}`;
	if (code !== undefined && FALLBACK_CODES.has(code)) return { status: 'failed', reason, code: String(code), fallback: true };
	if (status === 429 || status >= 500 || (code !== undefined && RETRY_CODES.has(code))) {
		const ms = parseRetryAfter(retryAfter);
		return ms === undefined ? { status: 'retry', reason } : { status: 'retry', reason, retryAfterMs: ms };
	}
	return { status: 'failed', reason, code: code !== undefined ? String(code) : `http_${status}`, fallback: false };
}

function describe(error: z.infer<typeof graphError>['error'] | undefined): string | undefined {
	if (!error) return undefined;
	const details = error.error_data?.details;
	return [error.message, details].filter(Boolean).join(' — ') || undefined;
}


/**
 * Meta's escaping of a webhook payload: every UTF-16 code unit outside ASCII as `\uXXXX` with
 * lowercase hex, so an astral character (an emoji) becomes its two surrogates, as PHP's
 * `json_encode` writes them. DEL (0x7F) is ASCII and stays as it is.
 */
export function escapeNonAscii(text: string): string {
	return text.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks `X-Hub-Signature-256` (`sha256=` + hex HMAC-SHA256 with the app secret) in constant time.
 *
 * Meta signs "an escaped unicode version of the payload, with lowercase hex digits" and sends that
 * very text: the body on the wire is ASCII (`"Jo\u00e3o"`, and `\/` for a slash:
 * Secreto31126/whatsapp-api-js#380), so the raw bytes as received are what verifies. The trap is
 * hashing anything else: `JSON.stringify(JSON.parse(body))` writes `João` as UTF-8 bytes and `/`
 * bare, and only Portuguese or emoji text shows the mismatch. So the route must hand over the
 * raw body, never a parsed one.
 *
 * A second candidate covers a hop that decoded the `\uXXXX` escapes to UTF-8 and changed nothing
 * else (some proxies and re-encoders do): the received text escaped again the way Meta does. Any
 * other rewriting (keys reordered, spaces, `\/` unescaped) cannot be undone and does not verify.
 * Trying two candidates costs an attacker nothing: both are HMACs under the secret of what came in.
 */
export function verifySignature(rawBody: Uint8Array | string, header: string | null, appSecret: string): boolean {
	const given = header?.trim().match(SIGNATURE)?.[1];
	if (!given || !appSecret) return false;
	const expected = Buffer.from(given.toLowerCase(), 'hex');
	const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
	if (timingSafeEqual(hmac(appSecret, bytes), expected)) return true;
	if (!bytes.some((b) => b > 0x7f)) return false;
	const escaped = escapeNonAscii(bytes.toString('utf8'));
	return timingSafeEqual(hmac(appSecret, Buffer.from(escaped, 'utf8')), expected);
}

function hmac(secret: string, data: Buffer): Buffer {
	return createHmac('sha256', secret).update(data).digest();
}

/**
 * The subscription handshake (`GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=…&
 * hub.challenge=…`): the challenge to echo when the token is ours, otherwise null.
 */
export function verifyChallenge(params: URLSearchParams, verifyToken: string): string | null {
	const challenge = params.get('hub.challenge');
	if (params.get('hub.mode') !== 'subscribe' || !verifyToken || challenge === null) return null;
	const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
	// Digests first, so unequal lengths take the same time as unequal contents.
	return timingSafeEqual(digest(params.get('hub.verify_token') ?? ''), digest(verifyToken)) ? challenge : null;
}

// The webhook, as far as we read it. Every level is parsed on its own and what does not fit is
// skipped: Meta adds fields and kinds of change without notice, and one odd entry must not hide
// the statuses beside it.
const envelope = z.object({ object: z.literal('whatsapp_business_account'), entry: z.array(z.unknown()) });
const entry = z.object({ changes: z.array(z.unknown()) });
const change = z.object({
	field: z.literal('messages'),
	value: z.object({ statuses: z.array(z.unknown()).optional(), messages: z.array(z.unknown()).optional() })
});
const unixSeconds = z
	.string()
	.regex(/^\d{1,12}$/)
	.transform((s) => new Date(Number(s) * 1000));
const statusSchema = z.object({
	id: z.string().min(1),
	status: z.enum(['sent', 'delivered', 'read', 'failed']),
	timestamp: unixSeconds,
	biz_opaque_callback_data: z.string().min(1).optional(),
	errors: z
		.array(
			z.object({
				code: z.coerce.number(),
				title: z.string().optional(),
				message: z.string().optional(),
				error_data: z.object({ details: z.string().optional() }).optional()
			})
		)
		.optional()
});
const inboundSchema = z.object({
	// Since 2026 a user with a username may come without a phone (only `from_user_id`, a BSUID):
	// such a message cannot be matched to a debtor's phone and is skipped.
	from: z.string().regex(/^\d{8,15}$/),
	id: z.string().min(1),
	timestamp: unixSeconds,
	type: z.string(),
	text: z.object({ body: z.string() }).optional(),
	button: z.object({ text: z.string() }).optional(),
	interactive: z
		.object({
			button_reply: z.object({ title: z.string() }).optional(),
			list_reply: z.object({ title: z.string() }).optional()
		})
		.optional(),
	image: z.object({ caption: z.string().optional() }).optional(),
	video: z.object({ caption: z.string().optional() }).optional(),
	document: z.object({ caption: z.string().optional() }).optional()
});

/** A Meta webhook body (already JSON-parsed) as status and inbound events; anything else is empty. */
export function parseCallback(body: unknown): Callback {
	const out: Callback = { statuses: [], inbound: [] };
	const env = envelope.safeParse(body);
	if (!env.success) return out;
	for (const rawEntry of env.data.entry) {
		const e = entry.safeParse(rawEntry);
		if (!e.success) continue;
		for (const rawChange of e.data.changes) {
			const c = change.safeParse(rawChange);
			if (!c.success) continue;
			for (const s of c.data.value.statuses ?? []) {
				const event = toStatus(s);
				if (event) out.statuses.push(event);
			}
			for (const m of c.data.value.messages ?? []) {
				const event = toInbound(m);
				if (event) out.inbound.push(event);
			}
		}
	}
	return out;
}

function toStatus(raw: unknown): StatusEvent | null {
	const parsed = statusSchema.safeParse(raw);
	if (!parsed.success) return null;
	const s = parsed.data;
	const event: StatusEvent = { providerId: s.id, status: s.status, at: s.timestamp };
	if (s.biz_opaque_callback_data) event.messageId = s.biz_opaque_callback_data;
	const error = s.errors?.[0];
	if (error) {
		event.code = String(error.code);
		const reason = [error.title ?? error.message, error.error_data?.details].filter(Boolean).join(' — ');
		if (reason) event.reason = reason;
	}
	if (s.status === 'failed') event.fallback = error !== undefined && FALLBACK_CODES.has(error.code);
	return event;
}

function toInbound(raw: unknown): InboundEvent | null {
	const parsed = inboundSchema.safeParse(raw);
	if (!parsed.success) return null;
	const m = parsed.data;
	// `system` (the user changed number) and `request_welcome` are not words from the debtor.
	if (m.type === 'system' || m.type === 'request_welcome') return null;
	// Any other message opens the 24-hour window, so it is reported even without words (a photo,
	// a sticker): its text is then empty.
	const text =
		m.text?.body ??
		m.button?.text ??
		m.interactive?.button_reply?.title ??
		m.interactive?.list_reply?.title ??
		m.image?.caption ??
		m.video?.caption ??
		m.document?.caption ??
		'';
	return { channel: 'whatsapp', from: `+${m.from}`, text, at: m.timestamp, providerId: m.id };
}
