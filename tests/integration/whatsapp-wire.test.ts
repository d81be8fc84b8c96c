import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import * as whatsapp from '../../src/lib/server/messaging/whatsapp';
import { isOptOut, type Callback, type WhatsAppAccount, type WireMessage } from '../../src/lib/server/messaging/wire';
import { startFakeWhatsApp, metaJson, signMeta, type FakeWhatsApp } from '../support/fakes/whatsapp';

const TOKEN = 'EAAG-test-token-0123456789';
const PHONE_NUMBER_ID = '106540352242922';
const CREDITOR_PHONE_NUMBER_ID = '109876543210987';
const APP_SECRET = 'f3a1c0ffee5ecret0000000000000000';
const NOT_ON_WHATSAPP = '5511930000000';

/** What our webhook route will do, on loopback: raw body → signature → parse. */
type Received = { verified: boolean; raw: Buffer; callback?: Callback };
async function startReceiver(): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
	const got: Received[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			const verified = whatsapp.verifySignature(raw, req.headers['x-hub-signature-256']?.toString() ?? null, APP_SECRET);
			if (!verified) {
				got.push({ verified, raw });
				res.writeHead(401).end('assinatura inválida');
				return;
			}
			got.push({ verified, raw, callback: whatsapp.parseCallback(JSON.parse(raw.toString('utf8'))) });
			res.writeHead(200).end('ok');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
		got,
		close: () => new Promise((r) => server.close(() => r()))
	};
}

let meta: FakeWhatsApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let account: WhatsAppAccount;

let seq = 0;
function message(over: Partial<WireMessage> = {}): WireMessage {
	return {
		id: `0b6c1d7e-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
		channel: 'whatsapp',
		to: '+5511987654321',
		text: 'Olá, Maria! Sua proposta está em https://acerto.example/c/loja/p/abc',
		sender: { name: 'Loja Exemplo' },
		...over
	};
}

beforeAll(async () => {
	meta = await startFakeWhatsApp({
		token: TOKEN,
		phoneNumberId: PHONE_NUMBER_ID,
		appSecret: APP_SECRET,
		notOnWhatsApp: [NOT_ON_WHATSAPP],
		otherPhoneNumberIds: [CREDITOR_PHONE_NUMBER_ID]
	});
	receiver = await startReceiver();
	account = { apiUrl: meta.url, token: TOKEN, phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET, verifyToken: 'vt-123' };
});

afterAll(async () => {
	await meta.close();
	await receiver.close();
});

beforeEach(() => {
	meta.autoStatuses(null);
	receiver.got.length = 0;
});

describe('sending through the Cloud API', () => {
	it('pins a real Graph version by default', () => {
		expect(whatsapp.DEFAULT_WHATSAPP_API_URL).toMatch(/^https:\/\/graph\.facebook\.com\/v2[3-9]\.0$/);
		expect(meta.url.endsWith('/v26.0')).toBe(true);
	});

	it('sends a template outside the window exactly as Meta documents it', async () => {
		const msg = message({ template: { name: 'lembrete_divida', language: 'pt_BR', params: ['Maria', 'R$ 1.234,56', 'Loja Exemplo'] } });
		const result = await whatsapp.send(msg, account);
		expect(result.status).toBe('accepted');
		const last = meta.received.at(-1)!;
		expect(last.path).toBe(`/v26.0/${PHONE_NUMBER_ID}/messages`);
		expect(last.headers.authorization).toBe(`Bearer ${TOKEN}`);
		expect(last.headers['content-type']).toBe('application/json');
		expect(last.body).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '5511987654321',
			type: 'template',
			template: {
				name: 'lembrete_divida',
				language: { code: 'pt_BR' },
				components: [
					{
						type: 'body',
						parameters: [
							{ type: 'text', text: 'Maria' },
							{ type: 'text', text: 'R$ 1.234,56' },
							{ type: 'text', text: 'Loja Exemplo' }
						]
					}
				]
			},
			biz_opaque_callback_data: msg.id
		});
		expect(result).toEqual({ status: 'accepted', providerId: meta.accepted.at(-1)!.wamid });
		expect(meta.accepted.at(-1)!.wamid).toMatch(/^wamid\.[A-Za-z0-9+/]+=*$/);
	});

	it('sends a template without variables without components', async () => {
		const result = await whatsapp.send(message({ template: { name: 'boas_vindas', language: 'pt_BR', params: [] } }), account);
		expect(result.status).toBe('accepted');
		expect((meta.received.at(-1)!.body as { template: object }).template).toEqual({ name: 'boas_vindas', language: { code: 'pt_BR' } });
	});

	it('flattens line breaks and runs of spaces in template parameters, which Meta refuses (#132018)', async () => {
		const msg = message({ template: { name: 'lembrete_divida', language: 'pt_BR', params: ['Rua A, 10\nApto 2', 'a\t\tb      c'] } });
		const result = await whatsapp.send(msg, account);
		expect(result.status).toBe('accepted');
		const params = (meta.received.at(-1)!.body as { template: { components: Array<{ parameters: Array<{ text: string }> }> } }).template
			.components[0].parameters;
		expect(params.map((p) => p.text)).toEqual(['Rua A, 10 Apto 2', 'a b c']);
	});

	it('sends free text inside the window, with the link preview', async () => {
		const msg = message();
		const result = await whatsapp.send(msg, account);
		expect(result.status).toBe('accepted');
		expect(meta.received.at(-1)!.body).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '5511987654321',
			type: 'text',
			text: { preview_url: true, body: msg.text },
			biz_opaque_callback_data: msg.id
		});
	});

	it("speaks from the creditor's own WhatsApp number when it has one", async () => {
		const result = await whatsapp.send(message({ sender: { name: 'Loja', whatsappPhoneNumberId: CREDITOR_PHONE_NUMBER_ID } }), account);
		expect(result.status).toBe('accepted');
		expect(meta.received.at(-1)!.path).toBe(`/v26.0/${CREDITOR_PHONE_NUMBER_ID}/messages`);
	});

	it('a wrong token fails for good, without falling back to another channel', async () => {
		const result = await whatsapp.send(message(), { ...account, token: 'EAAG-revoked' });
		expect(result).toMatchObject({ status: 'failed', code: '190', fallback: false });
	});

	it('an unknown phone-number id fails for good', async () => {
		const result = await whatsapp.send(message(), { ...account, phoneNumberId: '999' });
		expect(result).toMatchObject({ status: 'failed', code: '100', fallback: false });
	});

	it('a text longer than WhatsApp takes is refused by Meta and fails', async () => {
		const result = await whatsapp.send(message({ text: 'a'.repeat(4097) }), account);
		expect(result).toMatchObject({ status: 'failed', code: '100', fallback: false });
	});

	it('refuses a destination that is not E.164 without calling Meta', async () => {
		const before = meta.received.length;
		const result = await whatsapp.send(message({ to: '11987654321' }), account);
		expect(result).toMatchObject({ status: 'failed', fallback: false });
		expect(meta.received.length).toBe(before);
	});

	it('429 with Retry-After is a retry after that long', async () => {
		meta.failNext(1, 429, undefined, { 'retry-after': '7' });
		const result = await whatsapp.send(message(), account);
		expect(result).toMatchObject({ status: 'retry', retryAfterMs: 7000 });
		expect(result.status === 'retry' && result.reason).toContain('130429');
	});

	it('500 and 503 are retries', async () => {
		meta.failNext(1, 500);
		expect(await whatsapp.send(message(), account)).toMatchObject({ status: 'retry' });
		meta.failNext(1, 503);
		expect(await whatsapp.send(message(), account)).toMatchObject({ status: 'retry' });
		// And the one after goes through.
		expect(await whatsapp.send(message(), account)).toMatchObject({ status: 'accepted' });
	});

	it('a rate limit Graph answers with 400 (#130429, #131056) is a retry too', async () => {
		meta.failNext(1, 400, {
			error: { message: '(#131056) (Business Account, Consumer Account) pair rate limit hit', type: 'OAuthException', code: 131056 }
		});
		expect(await whatsapp.send(message(), account)).toMatchObject({ status: 'retry' });
	});

	it('free text outside the window (#131047) fails with that code, not as a fallback: send the template', async () => {
		meta.failNext(1, 400);
		const result = await whatsapp.send(message(), account);
		expect(result).toMatchObject({ status: 'failed', code: whatsapp.WINDOW_CLOSED_CODE, fallback: false });
	});

	it('an undeliverable number refused at once (#131026) falls back to the next channel', async () => {
		meta.failNext(1, 400, {
			error: { message: '(#131026) Message undeliverable', type: 'OAuthException', code: 131026, error_data: { details: 'Message Undeliverable.' } }
		});
		expect(await whatsapp.send(message(), account)).toMatchObject({ status: 'failed', code: '131026', fallback: true });
	});

	it('a closed port is a retry: nothing left', async () => {
		const port = await new Promise<number>((resolve) => {
			const s = net.createServer().listen(0, '127.0.0.1', () => {
				const p = (s.address() as AddressInfo).port;
				s.close(() => resolve(p));
			});
		});
		const result = await whatsapp.send(message(), { ...account, apiUrl: `http://127.0.0.1:${port}/v26.0` });
		expect(result).toMatchObject({ status: 'retry' });
		expect(result.status === 'retry' && result.reason).toContain('ECONNREFUSED');
	});

	it('no answer after sending is unknown: it may have gone out', async () => {
		meta.hangNext(1);
		const before = meta.received.length;
		const started = Date.now();
		const result = await whatsapp.send(message(), account, { timeoutMs: 300 });
		expect(result.status).toBe('unknown');
		expect(Date.now() - started).toBeLessThan(5000);
		expect(meta.received.length).toBe(before + 1);
	});

	it('a connection cut after sending is unknown', async () => {
		const server = http.createServer((req) => {
			req.resume();
			req.on('end', () => req.socket.destroy());
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const { port } = server.address() as AddressInfo;
		try {
			const result = await whatsapp.send(message(), { ...account, apiUrl: `http://127.0.0.1:${port}/v26.0` });
			expect(result.status).toBe('unknown');
		} finally {
			await new Promise((r) => server.close(r));
		}
	});
});

describe('status webhooks', () => {
	it('a number not on WhatsApp is accepted, then its failed status (131026) asks for the next channel', async () => {
		meta.autoStatuses(receiver.url);
		const msg = message({ to: `+${NOT_ON_WHATSAPP}`, template: { name: 'lembrete_divida', language: 'pt_BR', params: ['João'] } });
		const result = await whatsapp.send(msg, account);
		expect(result.status).toBe('accepted');
		const deliveries = await meta.settle();
		expect(deliveries.map((d) => d.status)).toEqual([200]);
		const [status] = receiver.got[0].callback!.statuses;
		expect(status).toMatchObject({ messageId: msg.id, status: 'failed', code: '131026', fallback: true });
		expect(result.status === 'accepted' && status.providerId).toBe(result.status === 'accepted' && result.providerId);
	});

	it('a deliverable number reports sent then delivered, with our id echoed back', async () => {
		meta.autoStatuses(receiver.url);
		const msg = message();
		await whatsapp.send(msg, account);
		await meta.settle();
		const statuses = receiver.got.flatMap((g) => g.callback!.statuses);
		expect(statuses.map((s) => [s.messageId, s.status])).toEqual([
			[msg.id, 'sent'],
			[msg.id, 'delivered']
		]);
		expect(statuses.every((s) => s.fallback === undefined && s.at instanceof Date)).toBe(true);
	});

	it('read, and a failure that is not the number (131000), arrive as they are', async () => {
		const msg = message();
		await whatsapp.send(msg, account);
		const sent = meta.accepted.at(-1)!;
		expect((await meta.deliver(receiver.url, meta.statusOf(sent, 'read'))).status).toBe(200);
		expect((await meta.deliver(receiver.url, meta.statusOf(sent, 'failed', 131000))).status).toBe(200);
		const statuses = receiver.got.flatMap((g) => g.callback!.statuses);
		expect(statuses[0]).toMatchObject({ messageId: msg.id, status: 'read' });
		expect(statuses[1]).toMatchObject({ messageId: msg.id, status: 'failed', code: '131000', fallback: false });
	});
});

describe('webhook signature (X-Hub-Signature-256)', () => {
	const accented = 'Olá, João — não quero mais. Preço: R$ 1.234,56 ç 😀 / fim';

	it('a body with accents, ç and an emoji, signed the Meta way, verifies', async () => {
		const d = await meta.deliver(receiver.url, { kind: 'text', from: '5511987654321', body: accented, name: 'João' });
		expect(d.status).toBe(200);
		// What Meta puts on the wire is ASCII: escapes, lowercase hex, the emoji as two surrogates, `\/`.
		expect(d.body).toMatch(/^[\x20-\x7e]+$/);
		expect(d.body).toContain('Ol\\u00e1, Jo\\u00e3o \\u2014 n\\u00e3o');
		expect(d.body).toContain('\\ud83d\\ude00');
		expect(d.body).toContain(' \\/ fim');
		expect(receiver.got[0].callback!.inbound[0].text).toBe(accented);
	});

	it('the naive HMAC over the UTF-8 JSON is not Meta’s: the trap is real', () => {
		const payload = { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { text: accented } }] }] };
		const asMeta = metaJson(payload);
		const naive = JSON.stringify(payload);
		const header = signMeta(asMeta, APP_SECRET);
		expect(signMeta(naive, APP_SECRET)).not.toBe(header);
		expect(whatsapp.verifySignature(asMeta, header, APP_SECRET)).toBe(true);
		// Re-serialising the parsed body loses `\/` as well as the escapes: nothing can verify that.
		expect(whatsapp.verifySignature(JSON.stringify(JSON.parse(asMeta)), header, APP_SECRET)).toBe(false);
	});

	it('still verifies a body whose escapes a proxy decoded to UTF-8', async () => {
		const d = await meta.deliver(receiver.url, { kind: 'text', from: '5511987654321', body: accented }, { encoding: 'utf8' });
		expect(d.body).toContain('João');
		expect(d.status).toBe(200);
		expect(receiver.got[0].callback!.inbound[0].text).toBe(accented);
	});

	it('a tampered body fails', async () => {
		const d = await meta.deliver(
			receiver.url,
			{ kind: 'text', from: '5511987654321', body: 'Olá, quero negociar' },
			{ tamper: (b) => b.replace('5511987654321', '5511911112222') }
		);
		expect(d.status).toBe(401);
		expect(receiver.got[0].verified).toBe(false);
	});

	it('a tampered accented body fails on the UTF-8 path too', async () => {
		const d = await meta.deliver(
			receiver.url,
			{ kind: 'text', from: '5511987654321', body: 'não quero mais' },
			{ encoding: 'utf8', tamper: (b) => b.replace('não', 'sim') }
		);
		expect(d.status).toBe(401);
	});

	it('another secret, a missing or malformed header fail', async () => {
		const forged = await meta.deliver(receiver.url, { kind: 'text', from: '5511987654321', body: 'SAIR' }, { secret: 'x'.repeat(32) });
		expect(forged.status).toBe(401);
		const body = metaJson({ object: 'whatsapp_business_account', entry: [] });
		const good = signMeta(body, APP_SECRET);
		expect(whatsapp.verifySignature(body, good, APP_SECRET)).toBe(true);
		expect(whatsapp.verifySignature(new TextEncoder().encode(body), good, APP_SECRET)).toBe(true);
		expect(whatsapp.verifySignature(body, good.toUpperCase().replace('SHA256=', 'sha256='), APP_SECRET)).toBe(true);
		expect(whatsapp.verifySignature(body, null, APP_SECRET)).toBe(false);
		expect(whatsapp.verifySignature(body, good.replace('sha256=', ''), APP_SECRET)).toBe(false);
		expect(whatsapp.verifySignature(body, good.slice(0, -2), APP_SECRET)).toBe(false);
		expect(whatsapp.verifySignature(body, 'sha1=' + createHmac('sha1', APP_SECRET).update(body).digest('hex'), APP_SECRET)).toBe(false);
		expect(whatsapp.verifySignature(body, good, '')).toBe(false);
	});

	it('escapes the way Meta documents it: "äöå" as \\u00e4\\u00f6\\u00e5', () => {
		expect(whatsapp.escapeNonAscii('äöå')).toBe('\\u00e4\\u00f6\\u00e5');
		expect(whatsapp.escapeNonAscii('a😀\x7f')).toBe('a\\ud83d\\ude00\x7f');
	});
});

describe('subscription handshake (hub.challenge)', () => {
	const q = (s: string) => new URLSearchParams(s);
	it('echoes the challenge when the verify token is ours', () => {
		expect(whatsapp.verifyChallenge(q('hub.mode=subscribe&hub.verify_token=vt-123&hub.challenge=1158201444'), 'vt-123')).toBe('1158201444');
	});
	it('refuses another token, another mode, a missing challenge and an unset token', () => {
		expect(whatsapp.verifyChallenge(q('hub.mode=subscribe&hub.verify_token=vt-124&hub.challenge=1'), 'vt-123')).toBeNull();
		expect(whatsapp.verifyChallenge(q('hub.mode=subscribe&hub.verify_token=vt-12&hub.challenge=1'), 'vt-123')).toBeNull();
		expect(whatsapp.verifyChallenge(q('hub.mode=unsubscribe&hub.verify_token=vt-123&hub.challenge=1'), 'vt-123')).toBeNull();
		expect(whatsapp.verifyChallenge(q('hub.mode=subscribe&hub.verify_token=vt-123'), 'vt-123')).toBeNull();
		expect(whatsapp.verifyChallenge(q('hub.mode=subscribe&hub.verify_token=&hub.challenge=1'), '')).toBeNull();
	});
});

describe('parseCallback', () => {
	const envelope = (value: object, field = 'messages') => ({
		object: 'whatsapp_business_account',
		entry: [{ id: '102290129340398', changes: [{ value: { messaging_product: 'whatsapp', metadata: { phone_number_id: PHONE_NUMBER_ID }, ...value }, field }] }]
	});

	it('reads statuses with and without our id, and errors', () => {
		const cb = whatsapp.parseCallback(
			envelope({
				statuses: [
					{ id: 'wamid.A', status: 'delivered', timestamp: '1764238453', recipient_id: '5511987654321', biz_opaque_callback_data: 'msg-1' },
					{ id: 'wamid.B', status: 'sent', timestamp: '1764238454', recipient_id: '551187654321' },
					{
						id: 'wamid.C',
						status: 'failed',
						timestamp: '1764238455',
						recipient_id: '5511930000000',
						biz_opaque_callback_data: 'msg-3',
						errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } }]
					},
					{
						id: 'wamid.D',
						status: 'failed',
						timestamp: '1764238456',
						errors: [{ code: 131047, title: 'Re-engagement message' }]
					}
				]
			})
		);
		expect(cb.inbound).toEqual([]);
		expect(cb.statuses).toEqual([
			{ providerId: 'wamid.A', messageId: 'msg-1', status: 'delivered', at: new Date(1764238453_000) },
			{ providerId: 'wamid.B', status: 'sent', at: new Date(1764238454_000) },
			{
				providerId: 'wamid.C',
				messageId: 'msg-3',
				status: 'failed',
				at: new Date(1764238455_000),
				code: '131026',
				reason: 'Message undeliverable — Message Undeliverable.',
				fallback: true
			},
			{ providerId: 'wamid.D', status: 'failed', at: new Date(1764238456_000), code: '131047', reason: 'Re-engagement message', fallback: false }
		]);
	});

	it('reads inbound text, template button replies and interactive replies; "sair" opts out', () => {
		const cb = whatsapp.parseCallback(
			envelope({
				contacts: [{ profile: { name: 'Maria' }, wa_id: '5511987654321' }],
				messages: [
					{ from: '5511987654321', id: 'wamid.M1', timestamp: '1764238460', type: 'text', text: { body: 'sair' } },
					{ from: '5511987654321', id: 'wamid.M2', timestamp: '1764238461', type: 'button', button: { payload: 'STOP', text: 'Parar' } },
					{
						from: '5511987654321',
						id: 'wamid.M3',
						timestamp: '1764238462',
						type: 'interactive',
						interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Quero negociar' } }
					},
					{ from: '5511987654321', id: 'wamid.M4', timestamp: '1764238463', type: 'sticker', sticker: { id: '1' } },
					{ from: '5511987654321', id: 'wamid.M5', timestamp: '1764238464', type: 'system', system: { body: 'changed number' } },
					// A username user whose phone Meta withholds: nothing to match it to.
					{ from_user_id: 'BR.1502576394655843', id: 'wamid.M6', timestamp: '1764238465', type: 'text', text: { body: 'oi' } }
				]
			})
		);
		expect(cb.statuses).toEqual([]);
		expect(cb.inbound).toEqual([
			{ channel: 'whatsapp', from: '+5511987654321', text: 'sair', at: new Date(1764238460_000), providerId: 'wamid.M1' },
			{ channel: 'whatsapp', from: '+5511987654321', text: 'Parar', at: new Date(1764238461_000), providerId: 'wamid.M2' },
			{ channel: 'whatsapp', from: '+5511987654321', text: 'Quero negociar', at: new Date(1764238462_000), providerId: 'wamid.M3' },
			{ channel: 'whatsapp', from: '+5511987654321', text: '', at: new Date(1764238463_000), providerId: 'wamid.M4' }
		]);
		expect(cb.inbound.map((e) => isOptOut(e.text))).toEqual([true, true, false, false]);
	});

	it('skips what it does not understand and keeps the rest', () => {
		const good = { id: 'wamid.OK', status: 'read', timestamp: '1764238470', biz_opaque_callback_data: 'msg-ok' };
		const cb = whatsapp.parseCallback({
			object: 'whatsapp_business_account',
			entry: [
				'nonsense',
				{ id: '1', changes: 'nope' },
				{
					id: '2',
					changes: [
						{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_name: 'lembrete_divida' } },
						{ field: 'messages', value: { statuses: [{ id: 'wamid.X', status: 'deleted', timestamp: '1' }, { status: 'sent' }, good] } },
						{ field: 'messages', value: { errors: [{ code: 131000, title: 'Something went wrong' }] } }
					]
				}
			]
		});
		expect(cb.statuses).toEqual([{ providerId: 'wamid.OK', messageId: 'msg-ok', status: 'read', at: new Date(1764238470_000) }]);
		expect(cb.inbound).toEqual([]);
	});

	it('returns nothing for valid JSON of another shape', () => {
		const empty = { statuses: [], inbound: [] };
		for (const body of [null, 42, 'x', [], {}, { object: 'page', entry: [] }, { object: 'instagram', entry: [{ changes: [] }] }, { entry: null }]) {
			expect(whatsapp.parseCallback(body)).toEqual(empty);
		}
	});
});
