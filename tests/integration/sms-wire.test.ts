import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as zenvia from '../../src/lib/server/messaging/zenvia';
import * as twilio from '../../src/lib/server/messaging/twilio';
import { isOptOut, type Callback, type TwilioAccount, type WireMessage, type ZenviaAccount } from '../../src/lib/server/messaging/wire';
import { closedPort, deliver, listen, readBody, type Loopback } from '../support/fakes/loopback';
import { startFakeZenvia, type FakeZenvia } from '../support/fakes/zenvia';
import { startFakeTwilio, type FakeTwilio } from '../support/fakes/twilio';

const ZENVIA_TOKEN = 'zv-token-123';
const ZENVIA_SECRET = 'segredo-do-webhook-zenvia-0123456789';
const TWILIO_SID = 'AC' + '0123456789abcdef'.repeat(2);
const TWILIO_TOKEN = 'twilio-auth-token-abcdef';

type Hit = { path: string; answered: number; callback?: Callback };

/**
 * Our side of the callbacks, as the app's routes will be: reads the raw body, checks the Zenvia
 * secret in the path or the Twilio signature over the URL it was called at, then parses.
 */
async function startReceiver(): Promise<Loopback & { hits: Hit[] }> {
	const hits: Hit[] = [];
	let port = 0;
	const server = await listen(async (req, res) => {
		const raw = await readBody(req);
		const path = new URL(req.url ?? '/', 'http://x').pathname;
		const answer = (answered: number, callback?: Callback) => {
			hits.push({ path, answered, ...(callback ? { callback } : {}) });
			res.writeHead(answered).end();
		};
		if (path.startsWith('/webhooks/zenvia/')) {
			// /webhooks/zenvia/{account}/{secret}
			const secret = decodeURIComponent(path.split('/')[4] ?? '');
			if (!zenvia.callbackSecretMatches(secret, ZENVIA_SECRET)) return answer(404);
			let body: unknown;
			try {
				body = JSON.parse(raw);
			} catch {
				return answer(400);
			}
			return answer(200, zenvia.parseCallback(body));
		}
		if (path === '/webhooks/twilio') {
			const url = `http://127.0.0.1:${port}${req.url}`;
			const params = new URLSearchParams(raw);
			const signature = req.headers['x-twilio-signature'];
			if (!twilio.verifySignature(url, params, typeof signature === 'string' ? signature : null, TWILIO_TOKEN)) return answer(403);
			return answer(200, twilio.parseCallback(params, url));
		}
		answer(404);
	});
	port = server.port;
	return { ...server, hits };
}

function message(overrides: Partial<WireMessage> = {}): WireMessage {
	return {
		id: crypto.randomUUID(),
		channel: 'sms',
		to: '+5511987654321',
		text: 'Credor Exemplo: você tem uma proposta de acordo. Acesse o portal.',
		sender: { name: 'Credor Exemplo' },
		...overrides
	};
}

const lastCallback = (hits: Hit[]) => hits.filter((h) => h.callback).at(-1)?.callback;

describe('Zenvia SMS', () => {
	let fake: FakeZenvia;
	let receiver: Awaited<ReturnType<typeof startReceiver>>;
	let account: ZenviaAccount;

	beforeAll(async () => {
		receiver = await startReceiver();
		fake = await startFakeZenvia({ token: ZENVIA_TOKEN, callbackUrl: receiver.url + zenvia.callbackPath(ZENVIA_SECRET) });
		account = { apiUrl: fake.url, token: ZENVIA_TOKEN, from: 'acerto-cobranca', callbackSecret: ZENVIA_SECRET };
	});
	afterAll(async () => {
		await fake.close();
		await receiver.close();
	});

	it('sends the documented request and returns the id Zenvia gave', async () => {
		const msg = message({ text: 'Olá! Sua negociação está disponível: ação já.' });
		const result = await zenvia.send(msg, account);
		expect(result).toEqual({ status: 'accepted', providerId: fake.messages.at(-1)!.id });
		const req = fake.received.at(-1)!;
		expect(req.method).toBe('POST');
		expect(req.path).toBe('/v2/channels/sms/messages');
		expect(req.headers['x-api-token']).toBe(ZENVIA_TOKEN);
		expect(req.headers['content-type']).toMatch(/^application\/json/);
		expect(JSON.parse(req.raw)).toEqual({
			from: 'acerto-cobranca',
			to: '5511987654321',
			contents: [{ type: 'text', text: 'Olá! Sua negociação está disponível: ação já.' }]
		});
	});

	it("speaks with the creditor's own sender when it has one", async () => {
		await zenvia.send(message({ sender: { name: 'Banco X', smsFrom: 'banco-x' } }), account);
		expect(JSON.parse(fake.received.at(-1)!.raw).from).toBe('banco-x');
	});

	it('a wrong token is a failure, not a retry', async () => {
		const result = await zenvia.send(message(), { ...account, token: 'errado' });
		expect(result).toMatchObject({ status: 'failed', code: 'AUTHENTICATION_ERROR', fallback: false });
	});

	it('429 is retried after the Retry-After Zenvia gave, and the next send goes through', async () => {
		fake.failNext(1, 429, undefined, { 'Retry-After': '30' });
		expect(await zenvia.send(message(), account)).toMatchObject({ status: 'retry', retryAfterMs: 30_000 });
		expect(await zenvia.send(message(), account)).toMatchObject({ status: 'accepted' });
	});

	it('500 INTERNAL_ERROR is retried', async () => {
		fake.failNext(1, 500);
		const result = await zenvia.send(message(), account);
		expect(result.status).toBe('retry');
		expect(result).not.toHaveProperty('retryAfterMs');
	});

	it('a refused connection is retried: nothing was sent', async () => {
		const result = await zenvia.send(message(), { ...account, apiUrl: `http://127.0.0.1:${await closedPort()}` });
		expect(result.status).toBe('retry');
	});

	it('no answer after the request went out is unknown: it may have been sent', async () => {
		fake.hangNext(1);
		const before = fake.received.length;
		const result = await zenvia.send(message(), account, { timeoutMs: 300 });
		expect(result.status).toBe('unknown');
		expect(fake.received.length).toBe(before + 1);
	});

	it('an invalid number fails for good and falls back to another channel', async () => {
		fake.numbers.invalid.add('5511900000000');
		const result = await zenvia.send(message({ to: '+5511900000000' }), account);
		expect(result).toMatchObject({ status: 'failed', code: 'VALIDATION_ERROR', fallback: true });
		// A text Zenvia refuses is the message's fault, not the number's.
		const long = await zenvia.send(message({ text: 'a'.repeat(2000) }), account);
		expect(long).toMatchObject({ status: 'failed', code: 'VALIDATION_ERROR', fallback: false });
	});

	it('statuses come back to our webhook and are parsed (SENT, DELIVERED)', async () => {
		const result = await zenvia.send(message(), account);
		if (result.status !== 'accepted') throw new Error(result.status);
		expect(await fake.sendStatus(result.providerId, 'SENT')).toBe(200);
		expect(lastCallback(receiver.hits)?.statuses).toEqual([
			expect.objectContaining({ providerId: result.providerId, status: 'sent', at: expect.any(Date) })
		]);
		expect(await fake.sendStatus(result.providerId, 'DELIVERED')).toBe(200);
		expect(lastCallback(receiver.hits)?.statuses[0]).toMatchObject({ providerId: result.providerId, status: 'delivered' });
	});

	it('a landline is taken, then NOT_DELIVERED: failed with fallback', async () => {
		const auto = await startFakeZenvia({
			token: ZENVIA_TOKEN,
			callbackUrl: receiver.url + zenvia.callbackPath(ZENVIA_SECRET),
			autoStatuses: true
		});
		try {
			auto.numbers.landline.add('551133334444');
			const result = await zenvia.send(message({ to: '+551133334444' }), { ...account, apiUrl: auto.url });
			if (result.status !== 'accepted') throw new Error(result.status);
			await auto.settled();
			expect(auto.callbacks.map((c) => c.answered)).toEqual([200, 200]);
			const statuses = receiver.hits.flatMap((h) => h.callback?.statuses ?? []).filter((s) => s.providerId === result.providerId);
			expect(statuses.map((s) => s.status)).toEqual(['sent', 'failed']);
			expect(statuses[1]).toMatchObject({ fallback: true, code: 'NOT_DELIVERED', reason: expect.stringContaining('Landline') });
		} finally {
			await auto.close();
		}
	});

	it('a callback to a URL with the wrong secret is refused and parsed not at all', async () => {
		fake.setCallbackUrl(receiver.url + zenvia.callbackPath('outro-segredo'));
		try {
			const result = await zenvia.send(message(), account);
			if (result.status !== 'accepted') throw new Error(result.status);
			expect(await fake.sendStatus(result.providerId, 'DELIVERED')).toBe(404);
			expect(receiver.hits.at(-1)).toEqual({ path: expect.stringContaining('outro-segredo'), answered: 404 });
		} finally {
			fake.setCallbackUrl(receiver.url + zenvia.callbackPath(ZENVIA_SECRET));
		}
	});

	it('replies arrive as inbound messages from the E.164 phone; SAIR, sair, PARAR and stop opt out', async () => {
		for (const text of ['SAIR', 'sair', 'PARAR', 'stop', 'Parar!']) {
			expect(await fake.sendInbound('5511987654321', text)).toBe(200);
			const [reply] = lastCallback(receiver.hits)!.inbound;
			expect(reply).toMatchObject({ channel: 'sms', from: '+5511987654321', text });
			expect(isOptOut(reply.text)).toBe(true);
		}
		await fake.sendInbound('5511987654321', 'Não quero mais, PARAR');
		const [reply] = lastCallback(receiver.hits)!.inbound;
		expect(reply.text).toBe('Não quero mais, PARAR');
		expect(isOptOut(reply.text)).toBe(false);
	});

	it('parseCallback never throws and finds nothing in other shapes', () => {
		fc.assert(
			fc.property(fc.anything(), (body) => {
				const parsed = zenvia.parseCallback(body);
				expect(parsed.statuses.length + parsed.inbound.length).toBeLessThanOrEqual(Array.isArray(body) ? body.length : 1);
			}),
			{ numRuns: 500 }
		);
		for (const body of [null, 'x', 1, {}, { type: 'MESSAGE_STATUS' }, { type: 'MESSAGE', message: {} }, [{ type: 'MESSAGE_STATUS', messageStatus: {} }]]) {
			expect(zenvia.parseCallback(body)).toEqual({ statuses: [], inbound: [] });
		}
		// Our own outgoing messages echoed by a MESSAGE subscription are not replies.
		expect(
			zenvia.parseCallback({ type: 'MESSAGE', direction: 'OUT', channel: 'sms', message: { from: 'acerto', contents: [{ type: 'text', text: 'SAIR' }] } })
		).toEqual({ statuses: [], inbound: [] });
	});
});

describe('Twilio SMS', () => {
	let fake: FakeTwilio;
	let receiver: Awaited<ReturnType<typeof startReceiver>>;
	let account: TwilioAccount;
	let statusCallbackUrl: string;

	beforeAll(async () => {
		receiver = await startReceiver();
		statusCallbackUrl = receiver.url + '/webhooks/twilio';
		fake = await startFakeTwilio({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, inboundUrl: statusCallbackUrl });
		account = { apiUrl: fake.url, accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+5511400000000' };
	});
	afterAll(async () => {
		await fake.close();
		await receiver.close();
	});

	it('sends the documented form with Basic auth and our id in the StatusCallback', async () => {
		const msg = message({ text: 'Acordo disponível — pague com Pix até sexta & evite juros: 100% online' });
		const result = await twilio.send(msg, account, { statusCallbackUrl });
		const sent = fake.messages.at(-1)!;
		expect(result).toEqual({ status: 'accepted', providerId: sent.sid });
		expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
		const req = fake.received.at(-1)!;
		expect(req.path).toBe(`/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`);
		expect(req.headers.authorization).toBe('Basic ' + Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64'));
		expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		const form = Object.fromEntries(new URLSearchParams(req.raw));
		expect(form).toEqual({ To: '+5511987654321', From: '+5511400000000', Body: msg.text, StatusCallback: `${statusCallbackUrl}?m=${msg.id}` });
	});

	it('sends through a Messaging Service when the sender is one', async () => {
		const service = 'MG' + 'abcdef0123456789'.repeat(2);
		expect(await twilio.send(message(), { ...account, from: service })).toMatchObject({ status: 'accepted' });
		const form = new URLSearchParams(fake.received.at(-1)!.raw);
		expect(form.get('MessagingServiceSid')).toBe(service);
		expect(form.has('From')).toBe(false);
	});

	it('a wrong auth token is a failure (20003), not a retry', async () => {
		expect(await twilio.send(message(), { ...account, authToken: 'errado' })).toMatchObject({ status: 'failed', code: '20003', fallback: false });
	});

	it('429 (20429) waits for Retry-After; 503 is retried', async () => {
		fake.failNext(1, 429, undefined, { 'Retry-After': '2' });
		expect(await twilio.send(message(), account)).toMatchObject({ status: 'retry', retryAfterMs: 2000 });
		fake.failNext(1, 503);
		expect(await twilio.send(message(), account)).toMatchObject({ status: 'retry' });
		expect(await twilio.send(message(), account)).toMatchObject({ status: 'accepted' });
	});

	it('a refused connection is retried; no answer is unknown', async () => {
		expect((await twilio.send(message(), { ...account, apiUrl: `http://127.0.0.1:${await closedPort()}` })).status).toBe('retry');
		fake.hangNext(1);
		expect(await twilio.send(message(), account, { timeoutMs: 300 })).toMatchObject({ status: 'unknown' });
	});

	it('invalid numbers, landlines and STOPped recipients fail with fallback; an overlong body without', async () => {
		fake.numbers.invalid.add('+5511900000000');
		fake.numbers.landline.add('+551133334444');
		fake.numbers.optedOut.add('+5511911112222');
		expect(await twilio.send(message({ to: '+5511900000000' }), account)).toMatchObject({ status: 'failed', code: '21211', fallback: true });
		expect(await twilio.send(message({ to: '011987654321' }), account)).toMatchObject({ status: 'failed', code: '21211', fallback: true });
		expect(await twilio.send(message({ to: '+551133334444' }), account)).toMatchObject({ status: 'failed', code: '21614', fallback: true });
		expect(await twilio.send(message({ to: '+5511911112222' }), account)).toMatchObject({ status: 'failed', code: '21610', fallback: true });
		expect(await twilio.send(message({ text: 'x'.repeat(1601) }), account)).toMatchObject({ status: 'failed', code: '21617', fallback: false });
	});

	it('signed status callbacks reach our webhook with our message id: sent, then delivered', async () => {
		const auto = await startFakeTwilio({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, autoStatuses: true });
		try {
			const msg = message();
			const result = await twilio.send(msg, { ...account, apiUrl: auto.url }, { statusCallbackUrl });
			if (result.status !== 'accepted') throw new Error(result.status);
			await auto.settled();
			expect(auto.callbacks.map((c) => c.answered)).toEqual([200, 200]);
			const statuses = receiver.hits.flatMap((h) => h.callback?.statuses ?? []).filter((s) => s.providerId === result.providerId);
			expect(statuses).toEqual([
				expect.objectContaining({ status: 'sent', messageId: msg.id }),
				expect.objectContaining({ status: 'delivered', messageId: msg.id })
			]);
		} finally {
			await auto.close();
		}
	});

	it('undelivered: 30005 and 30006 fall back, 30003 (handset off) does not', async () => {
		const auto = await startFakeTwilio({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, autoStatuses: true });
		try {
			const cases = [
				['+5511955550003', '30003', false],
				['+5511955550005', '30005', true],
				['+5511955550006', '30006', true]
			] as const;
			for (const [to, code, fallback] of cases) {
				auto.numbers.undeliverable.set(to, code);
				const result = await twilio.send(message({ to }), { ...account, apiUrl: auto.url }, { statusCallbackUrl });
				if (result.status !== 'accepted') throw new Error(result.status);
				await auto.settled();
				const last = lastCallback(receiver.hits)!.statuses[0];
				expect(last).toMatchObject({ providerId: result.providerId, status: 'failed', code, fallback });
			}
		} finally {
			await auto.close();
		}
	});

	it('queued is not a new status; the callback is still accepted', async () => {
		const result = await twilio.send(message(), account, { statusCallbackUrl });
		if (result.status !== 'accepted') throw new Error(result.status);
		expect(await fake.sendStatus(result.providerId, 'queued')).toBe(200);
		expect(lastCallback(receiver.hits)).toEqual({ statuses: [], inbound: [] });
	});

	it('a replayed callback verifies; with a field tampered or at another URL it does not', async () => {
		const msg = message();
		const result = await twilio.send(msg, account, { statusCallbackUrl });
		if (result.status !== 'accepted') throw new Error(result.status);
		expect(await fake.sendStatus(result.providerId, 'undelivered', '30003')).toBe(200);
		const original = fake.callbacks.at(-1)!;
		const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': original.signature };

		expect(await deliver(original.url, original.raw, headers)).toBe(200);
		const tampered = new URLSearchParams(original.raw);
		tampered.set('MessageStatus', 'delivered');
		expect(await deliver(original.url, tampered.toString(), headers)).toBe(403);
		const added = new URLSearchParams(original.raw);
		added.set('ErrorCode', '30006');
		expect(await deliver(original.url, added.toString(), headers)).toBe(403);
		const otherMessage = original.url.replace(msg.id, crypto.randomUUID());
		expect(await deliver(otherMessage, original.raw, headers)).toBe(403);
		expect(await deliver(original.url, original.raw, { ...headers, 'x-twilio-signature': '' })).toBe(403);
		expect(twilio.verifySignature(original.url, new URLSearchParams(original.raw), original.signature, 'outro-token')).toBe(false);
	});

	it('replies arrive signed, accents intact; sair, PARAR and stop opt out', async () => {
		expect(await fake.sendInbound('+5511987654321', 'Não quero mais, PARAR')).toBe(200);
		const [reply] = lastCallback(receiver.hits)!.inbound;
		expect(reply).toMatchObject({ channel: 'sms', from: '+5511987654321', text: 'Não quero mais, PARAR', providerId: expect.stringMatching(/^SM/) });
		expect(isOptOut(reply.text)).toBe(false);
		for (const text of ['sair', 'PARAR', 'stop', ' Sair. ']) {
			expect(await fake.sendInbound('+5511987654321', text)).toBe(200);
			const [r] = lastCallback(receiver.hits)!.inbound;
			expect(r.text).toBe(text);
			expect(isOptOut(r.text)).toBe(true);
		}
		expect(lastCallback(receiver.hits)!.statuses).toEqual([]);
	});
});
