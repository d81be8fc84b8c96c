import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';
import * as campaigns from '../../src/lib/server/campaigns';
import * as messaging from '../../src/lib/server/messaging';
import * as offers from '../../src/lib/server/offers';
import { saveShortLinks } from '../../src/lib/server/campaigns/links';
import { shortCodeHash } from '../../src/lib/server/messaging/short-link';
import * as agreements from '../../src/lib/server/agreements';
import { closeTransports } from '../../src/lib/server/messaging/email';
import { policySchema, type Policy } from '../../src/lib/schemas/policy';
import { startApp, type App } from '../support/app-server';
import { startFakeWhatsApp, type FakeWhatsApp, whatsappEnv } from '../support/fakes/whatsapp';
import { startFakeZenvia, type FakeZenvia } from '../support/fakes/zenvia';
import { startFakeSmtp, type FakeSmtp } from '../support/fakes/smtp';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';

/**
 * A campaign through the real wire: WhatsApp (Meta's Cloud API), SMS (Zenvia) and e-mail (SMTP)
 * fakes on loopback that check requests like the providers and call the built app's webhooks
 * back. The sender runs here with the clock as input (Monday 7 Dec 2026, 09:30 in São Paulo);
 * the app serves the webhooks, the short links and the "É golpe?" page, with its job runner off.
 */

const MONDAY_0930_SP = new Date('2026-12-07T12:30:00Z');
const at = (d: Date) => () => d;
const WA = { token: 'wa-token-teste', phoneNumberId: '109876543210987', appSecret: 'segredo-do-app-meta', verifyToken: 'verifica-teste' };
const ZENVIA = { token: 'zenvia-token-teste', from: 'acerto', secret: 'segredo-do-callback-zenvia' };

const policy: Policy = policySchema.parse({
	consumer: true,
	lateFeePercent: 2,
	interestMonthlyPercent: 1,
	firstDueDays: { min: 1, max: 10 },
	breakToleranceDays: 5,
	bands: [{ minDaysPastDue: 0, maxDaysPastDue: null, cashDiscountMaxPercent: 20, installments: { min: 2, max: 6 }, minInstallmentCents: 1000, minEntryPercent: 10, installmentInterestMonthlyPercent: 1, installmentDiscountMaxPercent: 5 }],
	campaignLimits: { cashDiscountMaxPercent: 50, installmentDiscountMaxPercent: 20, installmentsMax: 12, minEntryPercent: 5 }
});

const body = (over: Record<string, unknown> = {}) => ({
	name: 'Natal sem dívidas',
	segment: { agreement: 'any' },
	channels: ['whatsapp', 'sms', 'email'],
	offer: { cashDiscountMaxPercent: 40, validUntil: '2026-12-20' },
	templates: {
		whatsapp: {
			name: 'acerto_oferta_natal',
			language: 'pt_BR',
			body: 'Olá, {{1}}. {{2}} tem uma condição especial até {{3}}: {{4}} de desconto à vista. Veja: {{5}} Confira se é verdade: {{6}}',
			params: ['{{primeiro_nome}}', '{{credor}}', '{{oferta_ate}}', '{{desconto}}', '{{link}}', '{{golpe}}']
		},
		sms: { body: '{{credor}}: condicao especial ate {{oferta_ate}}. Veja: {{link}} Confira: {{golpe}}' },
		email: { subject: '{{credor}}: condição especial até {{oferta_ate}}', body: 'Olá, {{primeiro_nome}}.\n\n{{credor}} tem uma condição especial para você: {{link}}\n\nConfira se é verdade em {{golpe}}.' }
	},
	startsAt: '2026-12-07T09:00:00-03:00',
	endsAt: '2026-12-20T20:00:00-03:00',
	...over
});

let app: App;
let wa: FakeWhatsApp;
let zv: FakeZenvia;
let smtp: FakeSmtp;
let w: { agency: { id: string }; creditor: { id: string; slug: string; displayName: string } };
const people: Record<string, { id: string; phone: string | null; email: string | null }> = {};

async function messagesOf(debtorId: string) {
	return db().execute<{ id: string; channel: string; status: string; reason: string | null; text: string; provider_id: string | null; clicked_at: Date | null }>(
		sql`select id, channel, status, reason, text, provider_id, clicked_at from outbox where debtor_id = ${debtorId}::uuid order by created_at, channel`
	);
}

let own: Awaited<ReturnType<typeof ownDatabase>>;

beforeAll(async () => {
	own = await ownDatabase('campaigns');
	wa = await startFakeWhatsApp({ ...WA, notOnWhatsApp: ['5511955550002'] });
	zv = await startFakeZenvia({ token: ZENVIA.token });
	smtp = await startFakeSmtp();
	const env = {
		...whatsappEnv(wa, WA),
		SMS_DRIVER: 'zenvia',
		ZENVIA_API_URL: zv.url,
		ZENVIA_API_TOKEN: ZENVIA.token,
		ZENVIA_FROM: ZENVIA.from,
		ZENVIA_CALLBACK_SECRET: ZENVIA.secret,
		SMTP_URL: smtp.url,
		MAIL_FROM: 'Cobrança <cobranca@acerto.example>',
		JOBS: 'off'
	};
	app = await startApp(process.env.DATABASE_URL!, env);
	Object.assign(process.env, env, { PUBLIC_BASE_URL: app.base });
	resetConfig();
	zv.setCallbackUrl(`${app.base}/webhooks/zenvia/env/${ZENVIA.secret}`);

	const a = await factory.agency();
	const c = await factory.creditor(a.id, {}, policy);
	w = { agency: a, creditor: c };
	const add = async (key: string, over: Record<string, unknown>) => {
		const d = await factory.debtor(a.id, { name: `${key} da Silva`, ...over });
		await factory.debt(c.id, d.id, { externalId: `C-${key}`, daysPastDue: 100, principalCents: 50_000 });
		people[key] = { id: d.id, phone: d.phone, email: d.email };
	};
	await add('Ana', { phone: '+5511955550001', email: 'ana@example.com', state: 'SP' });
	await add('Bruno', { phone: '+5511955550002', email: 'bruno@example.com', state: 'SP' }); // not on WhatsApp
	await add('Carla', { phone: null, email: 'carla@example.com', state: 'RJ' });
	await add('Davi', { phone: '+5511955550004', email: null, state: 'SP' }); // stopped WhatsApp
	await add('Elza', { phone: '+5568955550005', email: null, state: 'AC' }); // 07:30 in Acre
	await add('Fabio', { phone: '+5511955550006', email: null, state: 'SP' }); // in an agreement
	await messaging.setOptOut(db(), { agencyId: a.id, channel: 'whatsapp', address: '+5511955550004', source: 'reply', stop: true });
	await db().execute(sql`
		insert into agreements (code, creditor_id, debtor_id, policy_version, kind, updated_total_cents, discount_cents, total_cents, installment_count, break_tolerance_days, terms)
		values ('AC-TEST-FAB1', ${c.id}::uuid, ${people.Fabio.id}::uuid, 1, 'cash', 1000, 0, 1000, 1, 5, '{}'::jsonb)`);
});

afterAll(async () => {
	if (process.env.SHOW_APP_LOG) console.log(app?.log());
	await app?.stop();
	closeTransports();
	await Promise.all([wa?.close(), zv?.close(), smtp?.close()]);
	await own?.drop();
});

describe('a campaign over WhatsApp, SMS and e-mail', () => {
	let id: string;

	it('refuses an offer beyond the policy’s campaign limits, and threatening words, in pt-BR', async () => {
		const over = await campaigns.save(db(), { type: 'cli' }, { creditorId: w.creditor.id, body: body({ offer: { cashDiscountMaxPercent: 60, validUntil: '2026-12-20' } }) });
		expect(over.ok).toBe(false);
		if (!over.ok) expect(over.errors?.offer?.[0]).toMatch(/limite de campanha da política \(50%\)/);
		const threat = await campaigns.save(db(), { type: 'cli' }, { creditorId: w.creditor.id, body: body({ templates: { ...body().templates, sms: { body: '{{credor}}: pague hoje ou a polícia vai à sua casa. {{link}} {{golpe}}' } } }) });
		expect(threat.ok).toBe(false);
		if (!threat.ok) expect(threat.findings?.some((f) => f.severity === 'error')).toBe(true);
		const [{ n }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from campaigns where creditor_id = ${w.creditor.id}::uuid`);
		expect(n).toBe(0);
	});

	it('estimates who gets what before it starts, with previews for real debtors', async () => {
		const saved = await campaigns.save(db(), { type: 'cli' }, { creditorId: w.creditor.id, body: body() });
		expect(saved.ok).toBe(true);
		id = saved.ok ? saved.id : '';
		const row = (await campaigns.get(db(), { type: 'cli' }, id))!;
		const e = await campaigns.estimate(db(), row, MONDAY_0930_SP);
		expect(e.count.debtors).toBe(6);
		expect(e.count.byChannel).toEqual({ whatsapp: 5, sms: 0, email: 1 });
		expect(e.count.held).toMatchObject({ optedOut: 1, inAgreement: 1 });
		expect(e.previews.length).toBe(3);
		for (const p of e.previews) expect(p.text).toContain(w.creditor.displayName);
		const onWhatsApp = e.previews.find((p) => p.channel === 'whatsapp')!;
		expect(onWhatsApp.text).toMatch(/até 40% de desconto à vista/);
	});

	it('sends at once what the rules allow; the rest waits, falls back or is skipped with its reason', async () => {
		const started = await campaigns.start(db(), { type: 'cli' }, id, MONDAY_0930_SP);
		expect(started).toMatchObject({ ok: true, targets: 6 });
		const r = await messaging.deliverDue(db(), { now: at(MONDAY_0930_SP) });
		expect(r.sent).toBe(4); // Ana, Bruno (WhatsApp), Carla (e-mail), Davi (SMS after his WhatsApp opt-out)
		// The template as Meta documents it, with our id echoed back.
		const toAna = wa.accepted.find((m) => m.to === '5511955550001')!;
		expect(toAna.body).toMatchObject({ type: 'template', template: { name: 'acerto_oferta_natal', language: { code: 'pt_BR' } } });
		const [ana] = await messagesOf(people.Ana.id);
		expect(toAna.bizOpaque).toBe(ana.id);
		expect(ana).toMatchObject({ channel: 'whatsapp', status: 'sent', provider_id: toAna.wamid });
		expect(ana.text).toMatch(/^Olá, Ana\. .* tem uma condição especial até 20\/12\/2026: até 40% de desconto/);
		expect((await messagesOf(people.Davi.id)).map((m) => [m.channel, m.status, m.reason])).toEqual([
			['whatsapp', 'fallen_back', 'opt_out'],
			['sms', 'sent', null]
		]);
		expect(zv.messages.map((m) => m.to)).toEqual(['5511955550004']);
		expect(smtp.messages.map((m) => m.envelope.to[0])).toEqual(['carla@example.com']);
		expect((await messagesOf(people.Elza.id))[0]).toMatchObject({ status: 'queued', reason: 'outside_hours' });
		expect((await messagesOf(people.Fabio.id))[0]).toMatchObject({ status: 'skipped', reason: 'in_agreement' });
	});

	it('follows WhatsApp’s statuses; a number not on WhatsApp falls back to SMS', async () => {
		const toAna = wa.accepted.find((m) => m.to === '5511955550001')!;
		const toBruno = wa.accepted.find((m) => m.to === '5511955550002')!;
		const hook = `${app.base}/webhooks/whatsapp`;
		for (const ev of [wa.statusOf(toAna, 'sent'), wa.statusOf(toAna, 'read'), wa.statusOf(toAna, 'delivered'), wa.statusOf(toBruno, 'failed', 131026)]) {
			expect((await wa.deliver(hook, ev)).status).toBe(200);
		}
		expect((await messagesOf(people.Ana.id))[0].status).toBe('read'); // a late "delivered" does not move it back
		expect((await messagesOf(people.Bruno.id)).map((m) => [m.channel, m.status])).toEqual([
			['whatsapp', 'fallen_back'],
			['sms', 'queued']
		]);
		await messaging.deliverDue(db(), { now: at(new Date(MONDAY_0930_SP.getTime() + 60_000)) });
		expect(zv.messages.map((m) => m.to)).toContain('5511955550002');
		// A forged webhook changes nothing.
		expect((await wa.deliver(hook, wa.statusOf(toBruno, 'read'), { secret: 'outro-segredo' })).status).toBe(401);
	});

	it('answers Meta’s subscription check with the challenge, only with the right verify token', async () => {
		const q = (token: string) => `${app.base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
		const ok = await fetch(q(WA.verifyToken));
		expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
		expect((await fetch(q('outro'))).status).toBe(403);
	});

	it('a reply “SAIR” with accents around it stops WhatsApp at once', async () => {
		const res = await wa.deliver(`${app.base}/webhooks/whatsapp`, { kind: 'text', from: '5511955550001', body: 'SAIR' });
		expect(res.status).toBe(200);
		const accented = await wa.deliver(`${app.base}/webhooks/whatsapp`, { kind: 'text', from: '5511955550001', body: 'Olá, não entendi — é de verdade? ção' });
		expect(accented.status).toBe(200);
		const [o] = await db().execute(sql`select source from contact_opt_outs where agency_id = ${w.agency.id}::uuid and channel = 'whatsapp' and address = '+5511955550001'`);
		expect(o).toEqual({ source: 'reply' });
	});

	it('Elza is written to when Acre’s clock reaches 09:00, and the short link opens the portal for her', async () => {
		await messaging.deliverDue(db(), { now: at(new Date('2026-12-07T13:59:00Z')) });
		expect((await messagesOf(people.Elza.id))[0].status).toBe('queued');
		await messaging.deliverDue(db(), { now: at(new Date('2026-12-07T14:00:00Z')) });
		const [elza] = await messagesOf(people.Elza.id);
		expect(elza.status).toBe('sent');
		const link = /\/l\/([A-Za-z0-9]+)/.exec(elza.text)![0];
		// A link preview is not a click.
		const preview = await fetch(app.base + link, { redirect: 'manual', headers: { 'user-agent': 'WhatsApp/2.23.20.0' } });
		expect(preview.status).toBe(303);
		expect((await messagesOf(people.Elza.id))[0].clicked_at).toBeNull();
		const click = await fetch(app.base + link, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 10)' } });
		expect(click.status).toBe(303);
		expect(click.headers.get('location')).toMatch(new RegExp(`^/c/${w.creditor.slug}/l/`));
		expect((await messagesOf(people.Elza.id))[0].clicked_at).not.toBeNull();
		const p = await campaigns.progress(db(), id);
		expect(p.clicked).toBe(1);
	});

	it('a link to an installment opens that installment once the debtor confirms with the code', async () => {
		const code = 'Abcdefghjk';
		await saveShortLinks(db(), [
			{ code_hash: shortCodeHash(code), agency_id: w.agency.id, creditor_id: w.creditor.id, debtor_id: people.Fabio.id, message_id: people.Fabio.id, target: '/acordos/AC-TEST-FAB1/parcelas/2', expires_at: '2027-01-01T00:00:00Z' }
		]);
		const follow = await fetch(`${app.base}/l/${code}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 10)' } });
		const page = follow.headers.get('location')!;
		expect(page).toMatch(/\?destino=%2Facordos%2FAC-TEST-FAB1%2Fparcelas%2F2$/);
		const before = zv.messages.length;
		const ask = await fetch(app.base + page, { method: 'POST', redirect: 'manual', headers: { origin: app.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
		expect([ask.status, ask.headers.get('location')]).toEqual([303, `/c/${w.creditor.slug}/codigo`]);
		const cookie = ask.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
		expect(cookie).toContain('acerto_destino=');
		await expect.poll(() => zv.messages.length).toBeGreaterThan(before);
		const otp = /\b(\d{6})\b/.exec(zv.messages.at(-1)!.text)![1];
		const enter = await fetch(`${app.base}/c/${w.creditor.slug}/codigo`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: app.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie },
			body: new URLSearchParams({ codigo: otp })
		});
		expect(enter.headers.get('location')).toBe(`/c/${w.creditor.slug}/acordos/AC-TEST-FAB1/parcelas/2`);
	});

	it('“É golpe?” tells a genuine message from a forged one, and nothing else', async () => {
		const [elza] = await messagesOf(people.Elza.id);
		// The verdicts as the page shows them (the pasted text itself is echoed back in its box).
		const ask = async (mensagem: string) => {
			const res = await fetch(`${app.base}/c/${w.creditor.slug}/golpe`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.base, accept: 'text/html' },
				body: new URLSearchParams({ mensagem })
			});
			return /<ul class="results[^>]*>([\s\S]*?)<\/ul>/.exec(await res.text())?.[1] ?? '';
		};
		const genuine = await ask(elza.text);
		expect(genuine).toMatch(new RegExp(`Sim, ${w.creditor.displayName} enviou esta mensagem por WhatsApp em 07/12/2026`));
		expect(genuine).not.toMatch(/Elza/);
		expect(await ask(`${w.creditor.displayName}: pague agora em http://acerto-pagamentos.example/l/ABCDEFGHJK`)).toMatch(/não é do portal/);
		expect(await ask(`Oi, me passa o código 123456 que chegou aí`)).toMatch(/nunca pede seu código/);
	});

	it('the e-mail’s unsubscribe link takes a one-click POST (RFC 8058), which stops e-mails at once', async () => {
		const mail = smtp.messages.find((m) => m.envelope.to[0] === 'carla@example.com')!;
		const header = /^List-Unsubscribe: <([^>]+)>/m.exec(mail.raw.toString())![1];
		expect(header.startsWith(`${app.base}/u/`)).toBe(true);
		// (List-Unsubscribe-Post goes with https addresses only, as RFC 8058 asks: email-wire.test.ts.)
		expect(mail.parsed.html).toContain(w.creditor.displayName);
		// As a mail provider does it: a POST without Origin.
		const res = await fetch(header, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
		expect(res.status).toBe(200);
		const [o] = await db().execute(sql`select source from contact_opt_outs where channel = 'email' and address = 'carla@example.com'`);
		expect(o).toEqual({ source: 'unsubscribe' });
		// Other form posts from elsewhere are still refused.
		const cross = await fetch(`${app.base}/c/${w.creditor.slug}/golpe`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'mensagem=x' });
		expect(cross.status).toBe(403);
	});

	it('the portal shows the campaign’s offer to its debtors while it runs, and the accept recomputes with it', async () => {
		const today = '2026-12-07';
		const [debt] = await db().execute<{ id: string }>(sql`select id from debts where debtor_id = ${people.Ana.id}::uuid`);
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: people.Ana.id, debtIds: [debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		expect(sel.campaign).toEqual({ name: 'Natal sem dívidas', validUntil: '2026-12-20' });
		// 40 % off cash (the policy alone gives 20 %).
		expect(sel.set.cash.discountCents).toBe(Math.floor(sel.set.updatedTotalCents * 0.4));
		// A debtor of the same creditor outside the campaign gets the policy.
		const outsider = await factory.debtor(w.agency.id, { phone: '+5511955559999' });
		const od = await factory.debt(w.creditor.id, outsider.id, { externalId: 'FORA-1', daysPastDue: 100, principalCents: 50_000 });
		const other = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: outsider.id, debtIds: [od.id], today });
		if (!other.ok) throw new Error(other.message);
		expect(other.campaign).toBeNull();
		expect(other.set.cash.discountCents).toBe(Math.floor(other.set.updatedTotalCents * 0.2));
		const made = await db().transaction((tx) =>
			agreements.accept(tx, {
				debtor: { id: people.Ana.id, agencyId: w.agency.id },
				debtIds: [debt.id],
				kind: 'cash',
				count: 1,
				firstDueDate: sel.set.firstDueDate,
				today,
				expected: { totalCents: sel.set.cash.totalCents, installments: [sel.set.cash.totalCents] }
			})
		);
		if (!made.ok) throw new Error(made.message);
		expect(made.agreement.totalCents).toBe(sel.set.cash.totalCents);
		expect((made.agreement.terms as { campaignId?: string }).campaignId).toBe(id);
	});

	it('pause holds what is left, cancel skips it; progress counts every message once', async () => {
		expect(await campaigns.move(db(), { type: 'cli' }, id, 'pause')).toEqual({ ok: true });
		expect(await campaigns.move(db(), { type: 'cli' }, id, 'pause')).toMatchObject({ ok: false, status: 409 });
		expect(await campaigns.move(db(), { type: 'cli' }, id, 'cancel')).toEqual({ ok: true });
		const p = await campaigns.progress(db(), id);
		expect(p.targets).toBe(6);
		// Ana, Carla, Elza on their first channel; Bruno and Davi by SMS; Fabio is in an agreement.
		expect(p).toMatchObject({ sent: 5, skipped: 1, queued: 0, held: 0, failed: 0, unknown: 0 });
	});

	it('a campaign past its end is finished by housekeeping: what was not sent is skipped, its links stop', async () => {
		const saved = await campaigns.save(db(), { type: 'cli' }, { creditorId: w.creditor.id, body: body({ name: 'Curta', offer: undefined, startsAt: '2026-12-08T09:00:00-03:00', endsAt: '2026-12-08T18:00:00-03:00' }) });
		if (!saved.ok) throw new Error(saved.message);
		expect(await campaigns.start(db(), { type: 'cli' }, saved.id, MONDAY_0930_SP)).toMatchObject({ ok: true });
		expect(await campaigns.finishEnded(db(), new Date('2026-12-08T20:59:00Z'))).toBe(0);
		expect(await campaigns.finishEnded(db(), new Date('2026-12-08T21:00:00Z'))).toBe(1);
		const row = (await campaigns.get(db(), { type: 'cli' }, saved.id))!;
		expect(row.status).toBe('finished');
		const p = await campaigns.progress(db(), saved.id);
		expect(p.queued + p.held + p.sent).toBe(0);
		expect(p.byReason).toEqual(expect.arrayContaining([{ reason: 'campanha_encerrada', n: p.skipped }]));
	});
});

describe('sending that never harasses and never loses', () => {
	it('retries 429 and 5xx with backoff, then gives up into a dead letter that staff can retry', async () => {
		const d = await factory.debtor(w.agency.id, { phone: '+5511955551001', email: null, state: 'SP' });
		const id = await messaging.enqueue(db(), { agencyId: w.agency.id, creditorId: w.creditor.id, debtorId: d.id, kind: 'notice', channel: 'sms', to: d.phone!, text: 'Aviso de teste' });
		zv.failNext(1, 429, undefined, { 'retry-after': '120' });
		let t = MONDAY_0930_SP.getTime();
		await messaging.deliverDue(db(), { now: at(new Date(t)), only: [id] });
		let [m] = await db().execute<{ status: string; attempts: number; next_attempt_at: Date }>(sql`select status, attempts, next_attempt_at from outbox where id = ${id}::uuid`);
		expect(m.status).toBe('queued');
		expect(new Date(m.next_attempt_at).getTime() - t).toBe(120_000);
		// The 429 was attempt 1: seven 500s make eight, and the eighth gives up.
		zv.failNext(messaging.MAX_ATTEMPTS - 1, 500);
		for (let i = 0; i < messaging.MAX_ATTEMPTS - 1; i++) {
			t += 3_600_000;
			await messaging.deliverDue(db(), { now: at(new Date(t)), only: [id] });
		}
		[m] = await db().execute(sql`select status, attempts, dead from outbox where id = ${id}::uuid`);
		expect(m).toMatchObject({ status: 'failed', attempts: messaging.MAX_ATTEMPTS, dead: true });
		expect(await messaging.retry(db(), w.agency.id, id)).toBe(true);
		await messaging.deliverDue(db(), { now: at(new Date(t)), only: [id] });
		[m] = await db().execute(sql`select status, reason from outbox where id = ${id}::uuid`);
		expect(m).toMatchObject({ status: 'sent' });
	});

	it('a provider that took the request and never answered leaves the message unknown, never sent twice', async () => {
		const d = await factory.debtor(w.agency.id, { phone: '+5511955551002', email: null, state: 'SP' });
		const id = await messaging.enqueue(db(), { agencyId: w.agency.id, creditorId: w.creditor.id, debtorId: d.id, kind: 'notice', channel: 'sms', to: d.phone!, text: 'Aviso de teste 2' });
		zv.hangNext(1);
		const before = zv.received.length;
		await messaging.deliverDue(db(), { now: at(MONDAY_0930_SP), only: [id], timeoutMs: 300 });
		await messaging.deliverDue(db(), { now: at(new Date(MONDAY_0930_SP.getTime() + 3_600_000)) });
		const [m] = await db().execute(sql`select status from outbox where id = ${id}::uuid`);
		expect(m.status).toBe('unknown');
		expect(zv.received.length - before).toBe(1);
	});

	it('caps collection contacts per debtor across creditors and channels: 1 a day by default', async () => {
		const d = await factory.debtor(w.agency.id, { phone: '+5511955551003', email: 'cap@example.com', state: 'SP' });
		const q = (channel: 'sms' | 'email') =>
			messaging.enqueue(db(), { agencyId: w.agency.id, creditorId: w.creditor.id, debtorId: d.id, kind: 'regua', purpose: 'reminder', channel, to: channel === 'sms' ? d.phone! : d.email!, text: 'Lembrete' });
		const a = await q('sms');
		const b = await q('email');
		await messaging.deliverDue(db(), { now: at(MONDAY_0930_SP) });
		await messaging.deliverDue(db(), { now: at(new Date(MONDAY_0930_SP.getTime() + 60_000)) });
		const rows = await db().execute<{ id: string; status: string; reason: string | null }>(sql`select id, status, reason from outbox where id in (${a}::uuid, ${b}::uuid) order by created_at`);
		expect(rows.map((r) => r.status).sort()).toEqual(['sent', 'skipped']);
		expect(rows.find((r) => r.status === 'skipped')!.reason).toBe('cap_day');
	});
});
