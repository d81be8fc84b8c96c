/**
 * A Zenvia API v2 on loopback that checks SMS sends as Zenvia does and posts webhooks as Zenvia
 * does: unsigned JSON to the subscription's URL. Shapes from github.com/zenvia/zenvia-openapi-spec
 * (spec/info/description.md "Error Handling" and "Authentication", schemas/message/base.ts,
 * schemas/events/*, spec/tags/subscriptions.md). What the spec leaves open is ours and marked so:
 * the 429 body, the text limit (per account at Zenvia) and the cause given for a landline.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { deliver, sendJson, startFake, type Recorded } from './loopback';

export type ZenviaSent = { id: string; from: string; to: string; text: string };
export type ZenviaStatusCode = 'SENT' | 'DELIVERED' | 'NOT_DELIVERED' | 'REJECTED' | 'READ';
export type ZenviaCallback = { url: string; body: unknown; answered: number };

export type FakeZenviaOptions = {
	token: string;
	/** The subscription's webhook URL (MESSAGE_STATUS and MESSAGE IN both go there). */
	callbackUrl?: string;
	/** After accepting, post SENT then DELIVERED (NOT_DELIVERED for a landline) by itself. */
	autoStatuses?: boolean;
	/** Ours: Zenvia sets the longest concatenated text per account. */
	maxTextLength?: number;
};

const ERRORS: Record<number, { code: string; message: string }> = {
	400: { code: 'VALIDATION_ERROR', message: 'Validation error' },
	401: { code: 'AUTHENTICATION_ERROR', message: 'No authorization token was found' },
	404: { code: 'NOT_FOUND', message: 'Not found' },
	429: { code: 'TOO_MANY_REQUESTS', message: 'Too many requests' },
	500: { code: 'INTERNAL_ERROR', message: 'Internal error' }
};

function errorBody(status: number, details?: { code: string; path: string; message: string }[]) {
	const base = ERRORS[status] ?? ERRORS[500];
	return details ? { ...base, details } : base;
}

export type FakeZenvia = Awaited<ReturnType<typeof startFakeZenvia>>;

export async function startFakeZenvia(options: FakeZenviaOptions) {
	const messages: ZenviaSent[] = [];
	const callbacks: ZenviaCallback[] = [];
	const numbers = { invalid: new Set<string>(), landline: new Set<string>() };
	const maxText = options.maxTextLength ?? 1520;
	let callbackUrl = options.callbackUrl;

	async function post(body: unknown): Promise<number> {
		if (!callbackUrl) throw new Error('fake Zenvia: no callback URL configured');
		const url = callbackUrl;
		// As Zenvia: a JSON POST, no signature header of any kind.
		const answered = await deliver(url, JSON.stringify(body), { 'content-type': 'application/json' });
		callbacks.push({ url, body, answered });
		return answered;
	}

	/** An event with the envelope of schemas/events/base.ts: id, timestamp, type, subscriptionId, channel. */
	function postEvent(type: 'MESSAGE' | 'MESSAGE_STATUS', fields: Record<string, unknown>) {
		return post({ id: randomUUID(), timestamp: new Date().toISOString(), type, subscriptionId: 'sub-fake', channel: 'sms', ...fields });
	}

	function sendStatus(messageId: string, code: ZenviaStatusCode, cause?: { channelErrorCode?: string; reason?: string; details?: string }) {
		return postEvent('MESSAGE_STATUS', {
			messageId,
			contentIndex: 0,
			messageStatus: { timestamp: new Date().toISOString(), code, description: DESCRIPTIONS[code], ...(cause ? { causes: [cause] } : {}) }
		});
	}

	function sendInbound(from: string, text: string, to = 'acerto') {
		const message = { id: randomUUID(), from, to, direction: 'IN', channel: 'sms', contents: [{ type: 'text', text }], timestamp: new Date().toISOString() };
		return postEvent('MESSAGE', { direction: 'IN', message });
	}

	function handle(req: http.IncomingMessage, res: http.ServerResponse, { path, raw }: Recorded): void {
		if (req.method !== 'POST' || path !== '/v2/channels/sms/messages') return sendJson(res, 404, errorBody(404));
		if (req.headers['x-api-token'] !== options.token) return sendJson(res, 401, errorBody(401));
		if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
			return sendJson(res, 400, errorBody(400, [{ code: 'INVALID_CONTENT_TYPE', path: '', message: 'Content-Type must be application/json' }]));
		}
		let body: { from?: unknown; to?: unknown; contents?: unknown };
		try {
			body = JSON.parse(raw);
		} catch {
			return sendJson(res, 400, errorBody(400, [{ code: 'INVALID_JSON', path: '', message: 'Malformed JSON' }]));
		}
		const problems = validate(body, maxText);
		if (typeof body.to === 'string' && numbers.invalid.has(body.to)) {
			problems.push({ code: 'INVALID_PHONE', path: 'to', message: `Invalid phone number: ${body.to}` });
		}
		if (problems.length > 0) return sendJson(res, 400, errorBody(400, problems));
		const sent: ZenviaSent = {
			id: randomUUID(),
			from: body.from as string,
			to: body.to as string,
			text: (body.contents as { text: string }[]).map((c) => c.text).join('')
		};
		messages.push(sent);
		sendJson(res, 200, {
			id: sent.id,
			from: sent.from,
			to: sent.to,
			direction: 'OUT',
			channel: 'sms',
			contents: body.contents,
			timestamp: new Date().toISOString()
		});
		if (options.autoStatuses) {
			fake.later(async () => {
				await sendStatus(sent.id, 'SENT');
				if (numbers.landline.has(sent.to)) {
					// Ours: the spec names no cause for a landline; the shape is the spec's.
					await sendStatus(sent.id, 'NOT_DELIVERED', { reason: 'Landline', details: 'The number is a landline and cannot receive SMS' });
				} else {
					await sendStatus(sent.id, 'DELIVERED');
				}
			});
		}
	}

	const fake = await startFake(handle, (status) => errorBody(status));
	return {
		...fake,
		messages,
		callbacks,
		/** Phones as Zenvia writes them (digits): `invalid` fails validation, `landline` is taken but never delivered. */
		numbers,
		setCallbackUrl(url: string | undefined) {
			callbackUrl = url;
		},
		sendStatus,
		sendInbound
	};
}

// spec/tags/subscriptions.md, "Description field".
const DESCRIPTIONS: Record<ZenviaStatusCode, string> = {
	SENT: 'The message has been forwarded to the provider',
	DELIVERED: 'The message has been delivered by the provider',
	NOT_DELIVERED: 'The provider was unable to deliver the message',
	REJECTED: 'The message was rejected by the provider',
	READ: 'The message has been read by the recipient'
};

function validate(body: { from?: unknown; to?: unknown; contents?: unknown }, maxText: number) {
	const problems: { code: string; path: string; message: string }[] = [];
	// schemas/message/base.ts: from and to are strings of 1 to 64 characters, contents has at least one item.
	if (typeof body.from !== 'string' || body.from.length < 1 || body.from.length > 64) {
		problems.push({ code: 'INVALID_VALUE', path: 'from', message: 'from must be a string of 1 to 64 characters' });
	}
	// spec/tags/sms.md: the recipient is the contact's phone number, digits with country code.
	if (typeof body.to !== 'string' || !/^\d{12,13}$/.test(body.to)) {
		problems.push({ code: 'INVALID_PHONE', path: 'to', message: `Invalid phone number: ${String(body.to)}` });
	}
	if (!Array.isArray(body.contents) || body.contents.length === 0) {
		problems.push({ code: 'INVALID_VALUE', path: 'contents', message: 'contents must have at least one item' });
	} else {
		body.contents.forEach((c: { type?: unknown; text?: unknown }, i) => {
			if (c?.type !== 'text' || typeof c.text !== 'string' || c.text.length === 0) {
				problems.push({ code: 'INVALID_VALUE', path: `contents[${i}]`, message: 'SMS contents must be non-empty text' });
			} else if (c.text.length > maxText) {
				problems.push({ code: 'INVALID_LENGTH', path: `contents[${i}].text`, message: `text longer than ${maxText} characters` });
			}
		});
	}
	return problems;
}
