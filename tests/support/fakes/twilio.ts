/**
 * Twilio's Messages API on loopback: checks sends as Twilio does (path, Basic auth, form fields,
 * E.164, the 1,600-character body) and answers with Twilio's JSON and error codes; posts status
 * callbacks to the StatusCallback a message asked for, and replies to the inbound URL, as signed
 * form posts. Sources: twilio.com/docs/messaging/api/message-resource, /docs/usage/twilios-response,
 * /docs/api/errors/{21211,21614,21610,21617,20003}, /docs/messaging/guides/track-outbound-message-status,
 * /docs/messaging/guides/webhook-request, /docs/usage/security.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { deliver, sendJson, startFake, type Recorded } from './loopback';

export type TwilioSent = { sid: string; to: string; from: string; body: string; statusCallback?: string };
export type TwilioStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';
/** One callback as posted: replaying `raw` with `signature` to `url` is replaying Twilio's request. */
export type TwilioCallback = { url: string; raw: string; signature: string; answered: number };

export type FakeTwilioOptions = {
	accountSid: string;
	authToken: string;
	/** The number's "A message comes in" webhook. */
	inboundUrl?: string;
	/** After accepting, post `sent` then `delivered` (or `undelivered` with the number's ErrorCode) by itself. */
	autoStatuses?: boolean;
};

const MORE_INFO = 'https://www.twilio.com/docs/errors/';

function twilioError(status: number, code: number, message: string) {
	return { code, message, more_info: MORE_INFO + code, status };
}

const DEFAULT_ERRORS: Record<number, [number, string]> = {
	401: [20003, 'Authenticate'],
	404: [20404, 'The requested resource was not found'],
	429: [20429, 'Too Many Requests'],
	500: [20500, 'Internal Server Error'],
	503: [20503, 'Service Unavailable']
};

function defaultError(status: number) {
	const [code, message] = DEFAULT_ERRORS[status] ?? [20500, 'Internal Server Error'];
	return twilioError(status, code, message);
}

/** Twilio's request signature, written out from twilio.com/docs/usage/security, apart from the driver's. */
function sign(url: string, form: URLSearchParams, authToken: string): string {
	const names = [...new Set(form.keys())].sort();
	const payload = url + names.map((name) => form.getAll(name).map((value) => name + value).join('')).join('');
	return createHmac('sha1', authToken).update(Buffer.from(payload, 'utf-8')).digest('base64');
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

// Twilio's Advanced Opt-Out keywords (support.twilio.com, error 21610).
const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'];

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;

export async function startFakeTwilio(options: FakeTwilioOptions) {
	const messages: TwilioSent[] = [];
	const callbacks: TwilioCallback[] = [];
	const numbers = {
		/** Answered 400 21211. */
		invalid: new Set<string>(),
		/** Answered 400 21614. */
		landline: new Set<string>(),
		/** Replied STOP before: answered 400 21610. */
		optedOut: new Set<string>(),
		/** Taken, then `undelivered` with this ErrorCode (30003, 30005, 30006…). */
		undeliverable: new Map<string, string>()
	};
	const messagesPath = `/2010-04-01/Accounts/${options.accountSid}/Messages.json`;

	async function post(url: string, form: URLSearchParams): Promise<number> {
		const signature = sign(url, form, options.authToken);
		const raw = form.toString();
		const answered = await deliver(url, raw, {
			'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
			'x-twilio-signature': signature,
			'user-agent': 'TwilioProxy/1.1'
		});
		callbacks.push({ url, raw, signature, answered });
		return answered;
	}

	/** Posts a status callback for message `messageSid` to the StatusCallback it was sent with. */
	function sendStatus(messageSid: string, status: TwilioStatus, errorCode?: string) {
		const message = messages.find((m) => m.sid === messageSid);
		if (!message?.statusCallback) throw new Error(`fake Twilio: message ${messageSid} asked for no StatusCallback`);
		const form = new URLSearchParams({
			SmsSid: message.sid,
			SmsStatus: status,
			MessageStatus: status,
			To: message.to,
			MessageSid: message.sid,
			AccountSid: options.accountSid,
			From: message.from,
			ApiVersion: '2010-04-01'
		});
		if (errorCode) form.set('ErrorCode', errorCode);
		if (status === 'delivered') form.set('RawDlrDoneDate', '2611301200');
		return post(message.statusCallback, form);
	}

	/** Posts a reply from `from` to the inbound URL, as Twilio's incoming message webhook. */
	function sendInbound(from: string, body: string, to = '+5511400000000') {
		if (!options.inboundUrl) throw new Error('fake Twilio: no inbound URL configured');
		const messageSid = sid('SM');
		const form = new URLSearchParams({
			ToCountry: 'BR',
			ToState: 'SP',
			SmsMessageSid: messageSid,
			NumMedia: '0',
			ToCity: 'SAO PAULO',
			FromZip: '',
			SmsSid: messageSid,
			FromState: 'SP',
			SmsStatus: 'received',
			FromCity: 'SAO PAULO',
			Body: body,
			FromCountry: 'BR',
			To: to,
			ToZip: '',
			NumSegments: '1',
			MessageSid: messageSid,
			AccountSid: options.accountSid,
			From: from,
			ApiVersion: '2010-04-01'
		});
		if (STOP_WORDS.includes(body.trim().toUpperCase())) form.set('OptOutType', 'STOP');
		return post(options.inboundUrl, form);
	}

	function authorized(header: string | undefined): boolean {
		const [scheme, value] = (header ?? '').split(' ');
		if (scheme !== 'Basic' || !value) return false;
		return Buffer.from(value, 'base64').toString() === `${options.accountSid}:${options.authToken}`;
	}

	function handle(req: http.IncomingMessage, res: http.ServerResponse, { path, raw }: Recorded): void {
		if (req.method !== 'POST' || !/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(path)) return sendJson(res, 404, defaultError(404));
		if (!authorized(req.headers.authorization) || path !== messagesPath) return sendJson(res, 401, defaultError(401));
		// A JSON body is not a form: Twilio sees no fields at all.
		const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(raw) : new URLSearchParams();
		const to = form.get('To');
		const from = form.get('From');
		const service = form.get('MessagingServiceSid');
		const body = form.get('Body');
		const callback = form.get('StatusCallback');
		const fail = (code: number, message: string) => sendJson(res, 400, twilioError(400, code, message));
		if (!to) return fail(21604, "A 'To' phone number is required.");
		if (!from && !service) return fail(21603, "A 'From' phone number is required.");
		if (!body) return fail(21602, 'Message body is required.');
		if (!/^\+[1-9]\d{7,14}$/.test(to) || numbers.invalid.has(to)) return fail(21211, `The 'To' number ${to} is not a valid phone number.`);
		if (service && !/^MG[0-9a-f]{32}$/.test(service)) return fail(21705, 'The Messaging Service Sid is invalid.');
		if (body.length > 1600) return fail(21617, 'The concatenated message body exceeds the 1600 character limit.');
		if (callback && !validCallbackUrl(callback)) return fail(21609, 'Invalid StatusCallback url');
		if (numbers.landline.has(to)) return fail(21614, `'To' number ${to} is not a valid mobile number`);
		if (numbers.optedOut.has(to)) return fail(21610, 'Attempt to send to unsubscribed recipient');
		const message: TwilioSent = { sid: sid('SM'), to, from: from ?? service ?? '', body, ...(callback ? { statusCallback: callback } : {}) };
		messages.push(message);
		const now = new Date().toUTCString().replace('GMT', '+0000');
		sendJson(res, 201, {
			account_sid: options.accountSid,
			api_version: '2010-04-01',
			body,
			date_created: now,
			date_sent: null,
			date_updated: now,
			direction: 'outbound-api',
			error_code: null,
			error_message: null,
			from: from ?? null,
			messaging_service_sid: service ?? null,
			num_media: '0',
			num_segments: '1',
			price: null,
			price_unit: 'USD',
			sid: message.sid,
			// With a Messaging Service the first status is `accepted`; without, `queued`.
			status: service ? 'accepted' : 'queued',
			subresource_uris: { media: `${messagesPath.replace('.json', '')}/${message.sid}/Media.json` },
			to,
			uri: `${messagesPath.replace('.json', '')}/${message.sid}.json`
		});
		if (options.autoStatuses && message.statusCallback) {
			// No callback for the initial status (…/outbound-message-status-in-status-callbacks).
			fake.later(async () => {
				await sendStatus(message.sid, 'sent');
				const errorCode = numbers.undeliverable.get(to);
				await sendStatus(message.sid, errorCode ? 'undelivered' : 'delivered', errorCode);
			});
		}
	}

	const fake = await startFake(handle, defaultError);
	return {
		...fake,
		messages,
		callbacks,
		numbers,
		sendStatus,
		sendInbound
	};
}

// "URL must contain a valid hostname and underscores are not allowed" (Messages resource, StatusCallback).
function validCallbackUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && !url.hostname.includes('_');
	} catch {
		return false;
	}
}
