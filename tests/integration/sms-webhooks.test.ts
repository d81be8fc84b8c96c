import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';
import * as messaging from '../../src/lib/server/messaging';
import { startApp, type App } from '../support/app-server';
import { closedPort } from '../support/fakes/loopback';
import { startFakeTwilio, type FakeTwilio } from '../support/fakes/twilio';
import { startFakeZenvia, type FakeZenvia } from '../support/fakes/zenvia';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';

/**
 * SMS callbacks through the built app's routes: Twilio's statuses (signed over the public URL we
 * gave it, our message id in its query) and replies, and Zenvia's (unsigned: a secret in the URL).
 */

const NOW = new Date('2026-12-07T13:00:00Z');
const TWILIO = { accountSid: 'AC' + '1'.repeat(32), authToken: 'twilio-auth-token-teste', from: '+5511400000000' };
const ZENVIA = { token: 'zenvia-token-teste', secret: 'segredo-do-callback-zenvia' };

let twilioApp: App;
let zenviaApp: App;
let tw: FakeTwilio;
let zv: FakeZenvia;
let w: Awaited<ReturnType<typeof factory.world>>;

async function sendOne(to: string, base: string): Promise<string> {
	const d = await factory.debtor(w.agency.id, { phone: to, email: null });
	const id = await messaging.enqueue(db(), { agencyId: w.agency.id, creditorId: w.creditor.id, debtorId: d.id, kind: 'notice', channel: 'sms', to, text: 'Olá! Seu acordo está disponível no portal.' });
	await messaging.deliverDue(db(), { now: () => NOW, only: [id], baseUrl: base });
	return id;
}

const status = async (id: string) =>
	(await db().execute<{ status: string; reason: string | null }>(sql`select status, reason from outbox where id = ${id}::uuid`))[0];

let own: Awaited<ReturnType<typeof ownDatabase>>;

beforeAll(async () => {
	own = await ownDatabase('smshooks');
	w = await factory.world();
	// Twilio signs the URL it was given: the app must know its public address, so it gets a fixed port.
	const port = await closedPort();
	const base = `http://127.0.0.1:${port}`;
	tw = await startFakeTwilio({ ...TWILIO, inboundUrl: `${base}/webhooks/twilio/env` });
	zv = await startFakeZenvia({ token: ZENVIA.token });
	const twilioEnv = { MESSAGING_DRIVER: 'providers', SMS_DRIVER: 'twilio', TWILIO_API_URL: tw.url, TWILIO_ACCOUNT_SID: TWILIO.accountSid, TWILIO_AUTH_TOKEN: TWILIO.authToken, TWILIO_FROM: TWILIO.from, JOBS: 'off' };
	twilioApp = await startApp(process.env.DATABASE_URL!, { ...twilioEnv, PORT: String(port), PUBLIC_BASE_URL: base });
	const zenviaEnv = { MESSAGING_DRIVER: 'providers', SMS_DRIVER: 'zenvia', ZENVIA_API_URL: zv.url, ZENVIA_API_TOKEN: ZENVIA.token, ZENVIA_FROM: 'acerto', ZENVIA_CALLBACK_SECRET: ZENVIA.secret, JOBS: 'off' };
	zenviaApp = await startApp(process.env.DATABASE_URL!, zenviaEnv);
	zv.setCallbackUrl(`${zenviaApp.base}/webhooks/zenvia/env/${ZENVIA.secret}`);
	Object.assign(process.env, twilioEnv, { PUBLIC_BASE_URL: base });
	resetConfig();
});

afterAll(async () => {
	await Promise.all([twilioApp?.stop(), zenviaApp?.stop()]);
	await Promise.all([tw?.close(), zv?.close()]);
	await own?.drop();
});

describe('Twilio', () => {
	it('statuses signed over our public URL reach the message by the id in that URL', async () => {
		const id = await sendOne('+5511955553001', twilioApp.base);
		const sent = tw.messages.at(-1)!;
		expect(sent.statusCallback).toBe(`${twilioApp.base}/webhooks/twilio/env?m=${id}`);
		expect(await tw.sendStatus(sent.sid, 'sent')).toBe(200);
		expect(await tw.sendStatus(sent.sid, 'delivered')).toBe(200);
		expect((await status(id)).status).toBe('delivered');
	});

	it('a callback whose signature does not match is refused and changes nothing', async () => {
		const id = await sendOne('+5511955553002', twilioApp.base);
		const form = new URLSearchParams({ MessageSid: tw.messages.at(-1)!.sid, MessageStatus: 'delivered', AccountSid: TWILIO.accountSid });
		const res = await fetch(`${twilioApp.base}/webhooks/twilio/env?m=${id}`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'c2lnbmF0dXJhIGZhbHNh' },
			body: form
		});
		expect(res.status).toBe(401);
		expect((await status(id)).status).toBe('sent');
	});

	it('undelivered with 30006 (a landline) hands the message to the next channel', async () => {
		const d = await factory.debtor(w.agency.id, { phone: '+5511955553003', email: 'fixo@example.com' });
		const id = await messaging.enqueue(db(), { agencyId: w.agency.id, creditorId: w.creditor.id, debtorId: d.id, kind: 'regua', purpose: 'reminder', channel: 'sms', to: d.phone!, text: 'Lembrete', fallback: ['email'] });
		await messaging.deliverDue(db(), { now: () => NOW, only: [id], baseUrl: twilioApp.base });
		expect(await tw.sendStatus(tw.messages.at(-1)!.sid, 'undelivered', '30006')).toBe(200);
		const rows = await db().execute<{ channel: string; status: string }>(sql`select channel, status from outbox where debtor_id = ${d.id}::uuid order by created_at`);
		expect(rows).toEqual([
			{ channel: 'sms', status: 'fallen_back' },
			{ channel: 'email', status: 'queued' }
		]);
	});

	it('a reply "Parar" (accents, case, punctuation aside) stops SMS for that phone', async () => {
		expect(await tw.sendInbound('+5511955553001', 'Parar!')).toBe(200);
		const [o] = await db().execute(sql`select source from contact_opt_outs where channel = 'sms' and address = '+5511955553001' and agency_id = ${w.agency.id}::uuid`);
		expect(o).toEqual({ source: 'reply' });
		const [r] = await db().execute(sql`select text from inbound_messages where "from" = '+5511955553001'`);
		expect(r).toEqual({ text: 'Parar!' });
	});
});

describe('Zenvia', () => {
	it('statuses come to the secret URL; a wrong secret is a 404 and changes nothing', async () => {
		process.env.SMS_DRIVER = 'zenvia';
		Object.assign(process.env, { ZENVIA_API_URL: zv.url, ZENVIA_API_TOKEN: ZENVIA.token, ZENVIA_FROM: 'acerto', ZENVIA_CALLBACK_SECRET: ZENVIA.secret });
		resetConfig();
		const id = await sendOne('+5511955553004', zenviaApp.base);
		const sent = zv.messages.at(-1)!;
		expect(await zv.sendStatus(sent.id, 'DELIVERED')).toBe(200);
		expect((await status(id)).status).toBe('delivered');
		zv.setCallbackUrl(`${zenviaApp.base}/webhooks/zenvia/env/outro-segredo-qualquer`);
		expect(await zv.sendStatus(sent.id, 'READ')).toBe(404);
		expect((await status(id)).status).toBe('delivered');
		zv.setCallbackUrl(`${zenviaApp.base}/webhooks/zenvia/env/${ZENVIA.secret}`);
	});

	it('a status for a message we do not know yet is answered 404, so Zenvia tries again later', async () => {
		expect(await zv.sendStatus('00000000-0000-4000-8000-000000000000', 'DELIVERED')).toBe(404);
	});

	it('a reply SAIR stops SMS', async () => {
		expect(await zv.sendInbound('5511955553004', 'SAIR')).toBe(200);
		const [o] = await db().execute(sql`select source from contact_opt_outs where channel = 'sms' and address = '+5511955553004'`);
		expect(o).toEqual({ source: 'reply' });
	});
});
