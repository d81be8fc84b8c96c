import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';

/**
 * A stand-in for Meta's Graph API (WhatsApp Cloud API) on loopback. It checks a send the way Graph
 * does (Bearer token, `/{version}/{phone-number-id}/messages`, the documented body shape, Meta's
 * error JSON) and posts webhooks the way Meta does: the payload written with non-ASCII escaped as
 * `\uXXXX` (lowercase hex) and `/` as `\/`, signed `X-Hub-Signature-256: sha256=<hmac>` with the
 * app secret. Sources: developers.facebook.com/docs/whatsapp/cloud-api/reference/messages,
 * …/support/error-codes, …/graph-api/webhooks/getting-started; the `\/` from
 * Secreto31126/whatsapp-api-js#380.
 */

export type FakeWhatsAppOptions = {
	token: string;
	phoneNumberId: string;
	appSecret: string;
	/** Digits (no '+'): Meta accepts the send, then the status webhook says `failed` 131026. */
	notOnWhatsApp?: string[];
	/** Other phone-number ids of the same business (a creditor's own number). */
	otherPhoneNumberIds?: string[];
	/** The Graph version in the path; default v26.0. */
	version?: string;
};

export type ReceivedRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: unknown };

/** A message the fake accepted. */
export type AcceptedMessage = {
	wamid: string;
	phoneNumberId: string;
	to: string;
	bizOpaque?: string;
	/** Meta will report it `failed` with 131026 (the number is in `notOnWhatsApp`). */
	undeliverable: boolean;
	body: Record<string, unknown>;
};

export type WebhookEvent =
	| {
			kind: 'status';
			wamid: string;
			status: 'sent' | 'delivered' | 'read' | 'failed';
			/** wa_id digits. */
			recipient: string;
			bizOpaque?: string;
			/** For `failed`: Meta's error code. */
			code?: number;
			at?: Date;
	  }
	| { kind: 'text'; from: string; body: string; name?: string; at?: Date }
	| { kind: 'button'; from: string; text: string; payload?: string; at?: Date };

export type DeliverOptions = {
	/**
	 * `meta` (default): the body as Meta writes it. `utf8`: the same body after a hop that decoded
	 * the `\uXXXX` escapes to UTF-8, still under Meta's signature.
	 */
	encoding?: 'meta' | 'utf8';
	/** Sign with another secret (a forger). */
	secret?: string;
	/** Change the body after signing (tampering on the way). */
	tamper?: (body: string) => string;
};

export type Delivery = { status: number; text: string; body: string; signature: string };

export type FakeWhatsApp = {
	/** The apiUrl to configure: http://127.0.0.1:PORT/v26.0 */
	url: string;
	received: ReceivedRequest[];
	accepted: AcceptedMessage[];
	/** Answers the next `n` sends with this status and a Meta error body (or `body`). */
	failNext(n: number, status: 400 | 429 | 500 | 503, body?: unknown, headers?: Record<string, string>): void;
	/** Reads the next `n` requests and never answers them. */
	hangNext(n: number): void;
	/** Builds, serialises, signs and POSTs one webhook to `webhookUrl`. */
	deliver(webhookUrl: string, event: WebhookEvent, opts?: DeliverOptions): Promise<Delivery>;
	/** The status webhook Meta would send next for an accepted message. */
	statusOf(message: AcceptedMessage, status: 'sent' | 'delivered' | 'read' | 'failed', code?: number): WebhookEvent;
	/** After each accepted send, post sent → delivered (or failed 131026) to `webhookUrl`; null stops. */
	autoStatuses(webhookUrl: string | null): void;
	/** Waits for the automatic webhooks posted so far; returns their answers. */
	settle(): Promise<Delivery[]>;
	close(): Promise<void>;
};

const WABA_ID = '102290129340398';
const DISPLAY_PHONE = '551140028922';

/** Titles and details as Meta's status webhooks carry them. */
const ERROR_TEXT: Record<number, { title: string; details: string }> = {
	131026: { title: 'Message undeliverable', details: 'Message Undeliverable.' },
	131047: {
		title: 'Re-engagement message',
		details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.'
	},
	131049: {
		title: 'This message was not delivered to maintain healthy ecosystem engagement.',
		details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.'
	},
	131000: { title: 'Something went wrong', details: 'Message failed to send due to an unknown error.' }
};

/**
 * JSON as Meta writes a webhook body: each UTF-16 code unit above 0x7F as `\u` + 4 lowercase hex
 * digits, and `/` as `\/`. Written apart from the driver's escaping on purpose, so a mistake in
 * one is not copied into the other.
 */
export function metaJson(payload: unknown): string {
	const json = JSON.stringify(payload);
	let out = '';
	for (let i = 0; i < json.length; i++) {
		const unit = json.charCodeAt(i);
		if (unit > 0x7f) out += '\\u' + unit.toString(16).padStart(4, '0');
		else if (json[i] === '/') out += '\\/';
		else out += json[i];
	}
	return out;
}

/** Undoes only the `\uXXXX` escapes of non-ASCII units, as a transcoding proxy would. */
export function decodeNonAscii(body: string): string {
	return body.replace(/\\(\\|u([0-9a-f]{4}))/g, (whole, _esc, hex: string | undefined) => {
		if (!hex) return whole;
		const unit = parseInt(hex, 16);
		return unit > 0x7f ? String.fromCharCode(unit) : whole;
	});
}

export function signMeta(body: string, secret: string): string {
	return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** A wamid shaped like Meta's: base64 of the recipient digits and an upper-case hex id. */
function wamid(to: string): string {
	const id = randomBytes(10).toString('hex').toUpperCase();
	const bytes = Buffer.concat([
		Buffer.from([0x1c, 0x18, to.length]),
		Buffer.from(to),
		Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, id.length]),
		Buffer.from(id),
		Buffer.from([0x00])
	]);
	return 'wamid.' + bytes.toString('base64');
}

const fbtrace = () => randomBytes(12).toString('base64url');

function graphError(code: number, message: string, details?: string, extra: Record<string, unknown> = {}) {
	return {
		error: {
			message,
			type: 'OAuthException',
			code,
			...extra,
			...(details !== undefined && { error_data: { messaging_product: 'whatsapp', details } }),
			fbtrace_id: fbtrace()
		}
	};
}

const DEFAULT_FAILURES: Record<number, unknown> = {
	400: graphError(131047, '(#131047) Re-engagement message', ERROR_TEXT[131047].details),
	429: graphError(130429, '(#130429) Rate limit hit', 'Cloud API message throughput has been reached.'),
	500: graphError(131000, '(#131000) Something went wrong', ERROR_TEXT[131000].details),
	503: graphError(131016, '(#131016) Service unavailable', 'A service is temporarily unavailable.')
};

type Problem = { status: number; body: unknown };
const bad = (code: number, message: string, details?: string): Problem => ({ status: 400, body: graphError(code, message, details) });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body checks Graph makes on POST /messages, for the two types this project sends. */
function checkMessage(body: unknown): Problem | null {
	if (!isObject(body)) return bad(100, '(#100) The parameter messaging_product is required.');
	if (body.messaging_product !== 'whatsapp') {
		return bad(100, `(#100) Param messaging_product must be one of {WHATSAPP} - got "${String(body.messaging_product)}".`);
	}
	if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
		return bad(100, '(#100) Invalid parameter', 'recipient_type must be individual');
	}
	// Meta itself tolerates '+', spaces and dashes; the fake wants the digits the driver promises.
	if (typeof body.to !== 'string' || !/^\d{8,15}$/.test(body.to)) {
		return bad(100, '(#100) Invalid parameter', `to must be the phone number in digits, got ${JSON.stringify(body.to)}`);
	}
	const opaque = body.biz_opaque_callback_data;
	if (opaque !== undefined && (typeof opaque !== 'string' || opaque.length > 512)) {
		return bad(100, '(#100) Invalid parameter', 'biz_opaque_callback_data must be a string of at most 512 characters');
	}
	if (body.type === 'text') {
		const text = body.text;
		if (!isObject(text) || typeof text.body !== 'string' || text.body.length === 0) {
			return bad(131008, '(#131008) Required parameter is missing', "text['body'] is required");
		}
		if (text.body.length > 4096) return bad(100, "(#100) Param text['body'] must be at most 4096 characters long.");
		if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean') {
			return bad(100, "(#100) Param text['preview_url'] must be a boolean.");
		}
		return null;
	}
	if (body.type === 'template') return checkTemplate(body.template);
	return bad(100, `(#100) Param type must be one of {TEXT, TEMPLATE, …} - got "${String(body.type)}".`);
}

function checkTemplate(t: unknown): Problem | null {
	if (!isObject(t) || typeof t.name !== 'string' || t.name === '') {
		return bad(131008, '(#131008) Required parameter is missing', "template['name'] is required");
	}
	if (!isObject(t.language) || typeof t.language.code !== 'string' || !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(t.language.code)) {
		return bad(131008, '(#131008) Required parameter is missing', "template['language']['code'] is required");
	}
	// A template without variables is sent without components; with them, each must be well formed.
	if (t.components === undefined) return null;
	if (!Array.isArray(t.components)) return bad(100, "(#100) Param template['components'] must be an array.");
	for (const c of t.components) {
		if (!isObject(c) || !['header', 'body', 'button'].includes(String(c.type)) || !Array.isArray(c.parameters)) {
			return bad(131009, '(#131009) Parameter value is not valid', 'component type and parameters are required');
		}
		for (const p of c.parameters) {
			if (!isObject(p) || p.type !== 'text' || typeof p.text !== 'string' || p.text === '') {
				return bad(131008, '(#131008) Required parameter is missing', 'Parameter of type text is missing text value');
			}
			if (/[\n\r\t]| {5,}/.test(p.text)) {
				return bad(
					132018,
					'(#132018) There was an issue with the parameters in your template.',
					'Param text cannot have new-line/tab characters or more than 4 consecutive spaces'
				);
			}
		}
	}
	return null;
}

function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
	res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export async function startFakeWhatsApp(opts: FakeWhatsAppOptions): Promise<FakeWhatsApp> {
	const version = opts.version ?? 'v26.0';
	const phoneIds = new Set([opts.phoneNumberId, ...(opts.otherPhoneNumberIds ?? [])]);
	const notOnWhatsApp = new Set(opts.notOnWhatsApp ?? []);
	const received: ReceivedRequest[] = [];
	const accepted: AcceptedMessage[] = [];
	const failures: Array<{ status: number; body?: unknown; headers?: Record<string, string> }> = [];
	let hangs = 0;
	let autoUrl: string | null = null;
	const pending: Array<Promise<Delivery[]>> = [];

	function envelope(phoneNumberId: string, value: Record<string, unknown>) {
		return {
			object: 'whatsapp_business_account',
			entry: [
				{
					id: WABA_ID,
					changes: [
						{
							value: {
								messaging_product: 'whatsapp',
								metadata: { display_phone_number: DISPLAY_PHONE, phone_number_id: phoneNumberId },
								...value
							},
							field: 'messages'
						}
					]
				}
			]
		};
	}

	function payloadOf(event: WebhookEvent) {
		const timestamp = String(Math.floor((event.at ?? new Date()).getTime() / 1000));
		const phoneNumberId =
			event.kind === 'status' ? (accepted.find((m) => m.wamid === event.wamid)?.phoneNumberId ?? opts.phoneNumberId) : opts.phoneNumberId;
		if (event.kind === 'status') {
			const error = event.code !== undefined ? (ERROR_TEXT[event.code] ?? { title: 'Error', details: 'Error.' }) : undefined;
			const status = {
				id: event.wamid,
				status: event.status,
				timestamp,
				recipient_id: event.recipient,
				...(event.bizOpaque !== undefined && { biz_opaque_callback_data: event.bizOpaque }),
				...(event.status === 'failed'
					? {
							errors: [
								{
									code: event.code ?? 131000,
									title: error?.title ?? ERROR_TEXT[131000].title,
									message: error?.title ?? ERROR_TEXT[131000].title,
									error_data: { details: error?.details ?? ERROR_TEXT[131000].details },
									href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/'
								}
							]
						}
					: {
							conversation: { id: randomBytes(16).toString('hex'), origin: { type: 'utility' } },
							pricing: { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' }
						})
			};
			return envelope(phoneNumberId, { statuses: [status] });
		}
		const message =
			event.kind === 'text'
				? { from: event.from, id: wamid(event.from), timestamp, text: { body: event.body }, type: 'text' }
				: {
						context: { from: DISPLAY_PHONE, id: accepted.at(-1)?.wamid ?? wamid(event.from) },
						from: event.from,
						id: wamid(event.from),
						timestamp,
						type: 'button',
						button: { payload: event.payload ?? event.text, text: event.text }
					};
		const name = event.kind === 'text' ? (event.name ?? 'Cliente') : 'Cliente';
		return envelope(phoneNumberId, { contacts: [{ profile: { name }, wa_id: event.from }], messages: [message] });
	}

	async function deliver(webhookUrl: string, event: WebhookEvent, o: DeliverOptions = {}): Promise<Delivery> {
		const signed = metaJson(payloadOf(event));
		const signature = signMeta(signed, o.secret ?? opts.appSecret);
		let body = o.encoding === 'utf8' ? decodeNonAscii(signed) : signed;
		if (o.tamper) body = o.tamper(body);
		const res = await fetch(webhookUrl, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'user-agent': 'facebookexternalua',
				'x-hub-signature': 'sha1=' + createHmac('sha1', o.secret ?? opts.appSecret).update(signed).digest('hex'),
				'x-hub-signature-256': signature
			},
			body
		});
		return { status: res.status, text: await res.text(), body, signature };
	}

	function statusOf(m: AcceptedMessage, status: 'sent' | 'delivered' | 'read' | 'failed', code?: number): WebhookEvent {
		return { kind: 'status', wamid: m.wamid, status, recipient: m.to, bizOpaque: m.bizOpaque, code };
	}

	function autoPost(m: AcceptedMessage): void {
		const url = autoUrl;
		if (!url) return;
		const steps = m.undeliverable ? [statusOf(m, 'failed', 131026)] : [statusOf(m, 'sent'), statusOf(m, 'delivered')];
		const run = (async () => {
			// Meta's statuses come after the answer to the send, one webhook each, in order.
			await new Promise((r) => setImmediate(r));
			const out: Delivery[] = [];
			for (const step of steps) out.push(await deliver(url, step));
			return out;
		})();
		run.catch(() => {}); // settle() reports it
		pending.push(run);
	}

	async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const raw = await readBody(req);
		const path = new URL(req.url ?? '/', 'http://graph').pathname;
		let body: unknown = raw;
		try {
			body = JSON.parse(raw);
		} catch {
			// Kept as text: the checks below refuse it.
		}
		received.push({ method: req.method ?? '', path, headers: req.headers, body });
		if (hangs > 0) {
			hangs--;
			return; // Read, never answered: the client cannot know whether it was sent.
		}
		const failure = failures.shift();
		if (failure) return reply(res, failure.status, failure.body ?? DEFAULT_FAILURES[failure.status], failure.headers);

		if (req.headers.authorization !== `Bearer ${opts.token}`) {
			return reply(res, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
		}
		const match = path.match(/^\/([^/]+)\/([^/]+)\/messages$/);
		if (req.method !== 'POST' || !match || match[1] !== version) {
			return reply(res, 400, graphError(2500, `Unknown path components: ${path}`));
		}
		const phoneNumberId = decodeURIComponent(match[2]);
		if (!phoneIds.has(phoneNumberId)) {
			return reply(
				res,
				400,
				graphError(
					100,
					`Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
					undefined,
					{ error_subcode: 33 }
				)
			);
		}
		if (!String(req.headers['content-type'] ?? '').startsWith('application/json') || typeof body === 'string') {
			return reply(res, 400, graphError(100, '(#100) The parameter messaging_product is required.'));
		}
		const problem = checkMessage(body);
		if (problem) return reply(res, problem.status, problem.body);

		const msg = body as Record<string, unknown> & { to: string; type: string };
		const m: AcceptedMessage = {
			wamid: wamid(msg.to),
			phoneNumberId,
			to: msg.to,
			bizOpaque: typeof msg.biz_opaque_callback_data === 'string' ? msg.biz_opaque_callback_data : undefined,
			undeliverable: notOnWhatsApp.has(msg.to),
			body: msg
		};
		accepted.push(m);
		reply(res, 200, {
			messaging_product: 'whatsapp',
			contacts: [{ input: msg.to, wa_id: msg.to }],
			messages: [{ id: m.wamid, ...(msg.type === 'template' && { message_status: 'accepted' }) }]
		});
		autoPost(m);
	}

	const server = http.createServer((req, res) => {
		handle(req, res).catch((err) => {
			if (!res.headersSent) reply(res, 500, graphError(1, `fake failed: ${String(err)}`));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		url: `http://127.0.0.1:${port}/${version}`,
		received,
		accepted,
		failNext(n, status, body, headers) {
			for (let i = 0; i < n; i++) failures.push({ status, body, headers });
		},
		hangNext(n) {
			hangs += n;
		},
		deliver,
		statusOf,
		autoStatuses(webhookUrl) {
			autoUrl = webhookUrl;
		},
		async settle() {
			return (await Promise.all(pending.splice(0))).flat();
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

/** The app's environment for sending through this fake as its WhatsApp account. */
export function whatsappEnv(fake: Pick<FakeWhatsApp, 'url'>, o: Pick<FakeWhatsAppOptions, 'token' | 'phoneNumberId' | 'appSecret'> & { verifyToken: string }): Record<string, string> {
	return {
		MESSAGING_DRIVER: 'providers',
		WHATSAPP_API_URL: fake.url,
		WHATSAPP_TOKEN: o.token,
		WHATSAPP_PHONE_NUMBER_ID: o.phoneNumberId,
		WHATSAPP_APP_SECRET: o.appSecret,
		WHATSAPP_VERIFY_TOKEN: o.verifyToken
	};
}
