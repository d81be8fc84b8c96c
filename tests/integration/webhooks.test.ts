import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { auditLog, installments, staff, webhookDeliveries } from '../../src/lib/server/db/schema';
import * as paymentsRecord from '../../src/lib/server/payments/record';
import * as backoffice from '../../src/lib/server/backoffice';
import * as webhooks from '../../src/lib/server/webhooks';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import type { StaffPrincipal, StaffRole } from '../../src/lib/server/staff';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { ownDatabase } from '../support/own-database';
import * as factory from '../support/factory';

/**
 * Webhooks as the creditor's ERP meets them: a real receiver on loopback that checks every
 * signature with the secret it was shown, fails on purpose, and is slow when asked. The delivery
 * job's clock is injected, so backoff is tested without sleeping.
 */

const today = todayInSaoPaulo();
const PROD = { production: false };

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string; validWith: string | null };

let own: Awaited<ReturnType<typeof ownDatabase>>;
let server: http.Server;
let base = '';
const received: Received[] = [];
/** Statuses to answer next, per path (then 200). */
const script = new Map<string, number[]>();
const secrets = new Map<string, string[]>();
let delayMs = 0;

function verify(secret: string, h: http.IncomingHttpHeaders, body: string): boolean {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
	const expected = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`).digest('base64');
	return String(h['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

let agency: Awaited<ReturnType<typeof factory.agency>>;
let credA: Awaited<ReturnType<typeof factory.creditor>>;
let credB: Awaited<ReturnType<typeof factory.creditor>>;
let managerA: StaffPrincipal;
let managerB: StaffPrincipal;
let operatorA: StaffPrincipal;

async function person(agencyId: string, role: StaffRole, creditorId: string | null): Promise<StaffPrincipal> {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@assessoria.example`;
	const [row] = await db().insert(staff).values({ agencyId, email, role, creditorId, name: role }).returning();
	return { id: row.id, agencyId, role, creditorId, email, name: role };
}

const actor = (p: StaffPrincipal) => ({ type: 'staff' as const, id: p.id });

async function endpoint(who: StaffPrincipal, creditorId: string, path: string, events: webhooks.EventType[] = [...webhooks.EVENT_TYPES]) {
	const r = await db().transaction((tx) => webhooks.endpoints.create(tx, who, actor(who), { creditorId, url: `${base}${path}`, description: path, events }, PROD));
	if (!r.ok) throw new Error(r.message);
	secrets.set(path, [r.secret]);
	return r.endpoint;
}

const acceptPlan = (debtor: { id: string; agencyId: string }, debtIds: string[], count: number) => factory.acceptPlan(debtor, debtIds, count, today);

async function pay(agreementId: string, seq: number, paidAt: Date) {
	const [inst] = await db().select().from(installments).where(and(eq(installments.agreementId, agreementId), eq(installments.seq, seq)));
	const r = await db().transaction((tx) =>
		paymentsRecord.record(tx, { installmentId: inst.id, amountCents: inst.amountCents, paidAt, method: 'pix', source: 'webhook', externalId: `E2E${seq}${agreementId.slice(0, 8)}`, actor: { type: 'system' } })
	);
	if (!r.ok) throw new Error(r.message);
	return r;
}

const at = (base: Date, ms: number) => () => new Date(base.getTime() + ms);
const bodies = (path: string) => received.filter((r) => r.path === path).map((r) => JSON.parse(r.body));

beforeAll(async () => {
	own = await ownDatabase('webhooks');
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			const path = req.url ?? '';
			const valid = (secrets.get(path) ?? []).find((s) => verify(s, req.headers, body)) ?? null;
			received.push({ path, headers: req.headers, body, validWith: valid });
			const status = script.get(path)?.shift() ?? 200;
			setTimeout(() => {
				res.writeHead(status, { 'content-type': 'text/plain' });
				res.end(status === 200 ? 'ok' : `falhou de propósito ${'x'.repeat(3000)}`);
			}, delayMs);
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	agency = await factory.agency();
	credA = await factory.creditor(agency.id);
	credB = await factory.creditor(agency.id);
	managerA = await person(agency.id, 'creditor_manager', credA.id);
	managerB = await person(agency.id, 'creditor_manager', credB.id);
	operatorA = await person(agency.id, 'operator', credA.id);
});

afterAll(async () => {
	await new Promise((r) => server?.close(r));
	await own?.drop();
});

describe('webhooks to the ERP', () => {
	let main: Awaited<ReturnType<typeof endpoint>>;
	let agreementId = '';

	it('an accepted agreement reaches the ERP signed; two 500s are retried with backoff and every attempt is logged', async () => {
		main = await endpoint(managerA, credA.id, '/erp');
		const off = await endpoint(managerA, credA.id, '/desligado');
		expect((await db().transaction((tx) => webhooks.endpoints.setDisabled(tx, managerA, actor(managerA), off.id, true, PROD))).ok).toBe(true);
		await endpoint(managerA, credA.id, '/so-cancelamento', ['agreement.cancelled']);

		const debtor = await factory.debtor(agency.id);
		const debt = await factory.debt(credA.id, debtor.id, { principalCents: 120_000 });
		const agreement = await acceptPlan(debtor, [debt.id], 2);
		agreementId = agreement.id;
		const queued = await db().select().from(webhookDeliveries);
		// One delivery: the disabled endpoint and the one that wants cancellations only get none.
		expect(queued.map((d) => [d.endpointId, d.type, d.status])).toEqual([[main.id, 'agreement.created', 'pending']]);

		script.set('/erp', [500, 500]);
		const t0 = new Date();
		expect(await webhooks.deliverDue(db(), { now: at(t0, 0) })).toMatchObject({ delivered: 0, retrying: 1, failed: 0 });
		// 10 s later nothing is due yet: the first retry waits 30 s.
		expect(await webhooks.deliverDue(db(), { now: at(t0, 10_000) })).toMatchObject({ delivered: 0, retrying: 0 });
		expect(received).toHaveLength(1);
		expect(await webhooks.deliverDue(db(), { now: at(t0, 31_000) })).toMatchObject({ retrying: 1 });
		// The second retry waits 60 s more.
		expect(await webhooks.deliverDue(db(), { now: at(t0, 31_000 + 59_000) })).toMatchObject({ delivered: 0, retrying: 0 });
		const r = await webhooks.deliverDue(db(), { now: at(t0, 31_000 + 61_000) });
		expect(r).toMatchObject({ delivered: 1, retrying: 0, nextDueAt: null });

		expect(received.map((x) => x.path)).toEqual(['/erp', '/erp', '/erp']);
		// Same webhook-id on every attempt; each signed at its own attempt's time, and valid.
		expect(new Set(received.map((x) => x.headers['webhook-id'])).size).toBe(1);
		expect(received.map((x) => Number(x.headers['webhook-timestamp']))).toEqual([0, 31_000, 92_000].map((ms) => Math.floor((t0.getTime() + ms) / 1000)));
		expect(received.every((x) => x.validWith === secrets.get('/erp')![0])).toBe(true);
		expect(received[0].headers['content-type']).toBe('application/json');

		const event = JSON.parse(received[2].body);
		expect(event.type).toBe('agreement.created');
		expect(event.data.agreement).toMatchObject({ id: agreement.id, code: agreement.code, status: 'active', kind: 'installments', total_cents: agreement.totalCents, installment_count: 2 });
		expect(event.data.debt_ids).toEqual([debt.externalId]);
		expect(event.data.debtor_document).toBe(debtor.document);
		expect(event.data.installments.map((i: { seq: number }) => i.seq)).toEqual([1, 2]);
		expect(event.data.installments.reduce((s: number, i: { amount_cents: number }) => s + i.amount_cents, 0)).toBe(agreement.totalCents);

		const log = await webhooks.endpoints.deliveries(db(), managerA, main.id);
		expect(log).toHaveLength(1);
		expect(log![0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
		expect(log![0].tries.map((t) => [t.statusCode, t.error])).toEqual([
			[500, 'HTTP 500'],
			[500, 'HTTP 500'],
			[200, null]
		]);
		expect(log![0].tries[0].responseBody!.startsWith('falhou de propósito')).toBe(true);
		expect(log![0].tries[0].responseBody!.length).toBe(1000);
		expect(log![0].tries.every((t) => t.latencyMs >= 0)).toBe(true);
	});

	it('the first payment tells the ERP the delisting deadline (Súmula 548); the last one settles; the delisting comes once', async () => {
		received.length = 0;
		// Tuesday 2026-11-17, 10:00 in São Paulo: five business days skip Friday's Consciência Negra.
		const paidAt = new Date('2026-11-17T13:00:00Z');
		const first = await pay(agreementId, 1, paidAt);
		expect(first.ok && first.firstPayment).toBe(true);
		await webhooks.deliverDue(db());
		// Deliveries go out concurrently: their order at the receiver is not the events' order.
		expect(bodies('/erp').map((b) => b.type).sort()).toEqual(['debtor.delisting_due', 'installment.paid']);
		const paid = bodies('/erp').find((b) => b.type === 'installment.paid')!;
		const delisting = bodies('/erp').find((b) => b.type === 'debtor.delisting_due')!;
		expect(paid.data.installment).toMatchObject({ seq: 1, paid_cents: paid.data.installment.amount_cents });
		expect(paid.data.payment).toMatchObject({ paid_date: '2026-11-17', paid_at: paidAt.toISOString(), method: 'pix' });
		expect(delisting.data).toMatchObject({ deadline: '2026-11-25', business_days: 5, agreement: { id: agreementId } });

		received.length = 0;
		await pay(agreementId, 2, new Date('2026-11-18T13:00:00Z'));
		await webhooks.deliverDue(db());
		expect(bodies('/erp').map((b) => b.type).sort()).toEqual(['agreement.settled', 'installment.paid']);
		expect(bodies('/erp').find((b) => b.type === 'agreement.settled')!.data.agreement).toMatchObject({ id: agreementId, status: 'settled' });
		expect(received.every((x) => x.validWith)).toBe(true);
		expect(received.some((x) => x.path === '/desligado')).toBe(false);
	});

	it('a cancellation reaches every endpoint that wants it; the disabled one receives nothing', async () => {
		received.length = 0;
		const debtor = await factory.debtor(agency.id);
		const debt = await factory.debt(credA.id, debtor.id);
		const a = await acceptPlan(debtor, [debt.id], 1);
		const r = await db().transaction((tx) => backoffice.agreements.cancel(tx, operatorA, a.code, { motivo: 'Devedor pediu para renegociar' }));
		expect(r.ok).toBe(true);
		await webhooks.deliverDue(db());
		expect(bodies('/erp').map((b) => b.type).sort()).toEqual(['agreement.cancelled', 'agreement.created']);
		expect(bodies('/so-cancelamento').map((b) => [b.type, b.data.agreement.code, b.data.agreement.cancel_reason])).toEqual([['agreement.cancelled', a.code, 'Devedor pediu para renegociar']]);
		expect(received.filter((x) => x.path === '/desligado')).toHaveLength(0);
		// The cancelled event is one event: the same webhook-id at both endpoints.
		const ids = received.filter((x) => JSON.parse(x.body).type === 'agreement.cancelled').map((x) => x.headers['webhook-id']);
		expect(ids).toHaveLength(2);
		expect(ids[0]).toBe(ids[1]);
	});

	it('the daily break job tells the ERP the agreement broke, with the late installment', async () => {
		received.length = 0;
		const debtor = await factory.debtor(agency.id);
		const debt = await factory.debt(credA.id, debtor.id);
		const a = await acceptPlan(debtor, [debt.id], 3);
		const [first] = await db().select().from(installments).where(and(eq(installments.agreementId, a.id), eq(installments.seq, 1)));
		// Well past any tolerance of the first installment.
		const r = await lifecycle.breakOverdue(db(), addDays(first.dueDate, 40));
		expect(r.broken.map((b) => b.agreementId)).toContain(a.id);
		await webhooks.deliverDue(db());
		// Only this agreement's event (an earlier test's agreement may still be active if that test failed).
		const broken = bodies('/erp').filter((b) => b.type === 'agreement.broken' && b.data.agreement.id === a.id);
		expect(broken.map((b) => [b.data.agreement.id, b.data.agreement.code])).toEqual([[a.id, a.code]]);
		expect(broken[0].data.agreement.overdue_installment_seq).toBe(1);
		expect(received.every((x) => x.validWith)).toBe(true);
	});

	it('replay sends the same event again (same id and body), freshly signed, and is audited', async () => {
		received.length = 0;
		const log = await webhooks.endpoints.deliveries(db(), managerA, main.id);
		const created = log!.find((d) => d.type === 'agreement.created' && JSON.parse(d.body).data.agreement.id === agreementId)!;
		expect(created.status).toBe('delivered');
		const r = await db().transaction((tx) => webhooks.endpoints.replay(tx, managerA, actor(managerA), main.id, created.id, PROD));
		expect(r.ok).toBe(true);
		await webhooks.deliverDue(db());
		expect(received).toHaveLength(1);
		expect(received[0].headers['webhook-id']).toBe(created.eventId);
		expect(received[0].body).toBe(created.body);
		expect(received[0].validWith).toBeTruthy();
		const after = (await webhooks.endpoints.deliveries(db(), managerA, main.id))!.find((d) => d.id === created.id)!;
		expect(after).toMatchObject({ status: 'delivered', attempts: 4 });
		const audited = await db().select().from(auditLog).where(and(eq(auditLog.action, 'webhook.replay'), eq(auditLog.entityId, main.id)));
		expect(audited).toHaveLength(1);
	});

	it('a rotated secret signs from then on; the old one no longer verifies', async () => {
		received.length = 0;
		const old = secrets.get('/erp')![0];
		const r = await db().transaction((tx) => webhooks.endpoints.rotateSecret(tx, managerA, actor(managerA), main.id, PROD));
		if (!r.ok) throw new Error('rotate');
		expect(r.secret).not.toBe(old);
		secrets.set('/erp', [r.secret]);
		await db().transaction((tx) => webhooks.emit(tx, { creditorId: credA.id, type: 'agreement.broken', data: { agreement: { id: 'x' } } }));
		await webhooks.deliverDue(db());
		const got = received.find((x) => x.path === '/erp')!;
		expect(got.validWith).toBe(r.secret);
		expect(verify(old, got.headers, got.body)).toBe(false);
	});

	it("creditor A's staff cannot see, change or replay B's endpoints, and B's events never reach A's", async () => {
		const b = await endpoint(managerB, credB.id, '/erp-b');
		const listA = await webhooks.endpoints.list(db(), managerA);
		const listB = await webhooks.endpoints.list(db(), managerB);
		expect(listA.map((e) => e.creditor.id).every((id) => id === credA.id)).toBe(true);
		expect(listB.map((e) => e.id)).toEqual([b.id]);
		expect(await webhooks.endpoints.find(db(), managerA, b.id)).toBeNull();
		expect(await webhooks.endpoints.deliveries(db(), managerA, b.id)).toBeNull();
		expect((await db().transaction((tx) => webhooks.endpoints.rotateSecret(tx, managerA, actor(managerA), b.id, PROD))).ok).toBe(false);
		expect((await db().transaction((tx) => webhooks.endpoints.setDisabled(tx, managerA, actor(managerA), b.id, true, PROD))).ok).toBe(false);
		expect((await db().transaction((tx) => webhooks.endpoints.remove(tx, managerA, actor(managerA), b.id, PROD))).ok).toBe(false);
		// Nor can A's manager create an endpoint for B.
		const made = await db().transaction((tx) => webhooks.endpoints.create(tx, managerA, actor(managerA), { creditorId: credB.id, url: `${base}/x`, description: '', events: ['installment.paid'] }, PROD));
		expect(made).toMatchObject({ ok: false, field: 'creditorId' });

		received.length = 0;
		await db().transaction((tx) => webhooks.emit(tx, { creditorId: credB.id, type: 'installment.paid', data: { n: 1 } }));
		await webhooks.deliverDue(db());
		expect(received.map((x) => x.path)).toEqual(['/erp-b']);
	});

	it('never posts one delivery twice at once (SKIP LOCKED), and gives up after three days', async () => {
		received.length = 0;
		delayMs = 400;
		await db().transaction((tx) => webhooks.emit(tx, { creditorId: credB.id, type: 'installment.paid', data: { n: 2 } }));
		const [a, b] = await Promise.all([webhooks.deliverDue(db()), webhooks.deliverDue(db())]);
		delayMs = 0;
		expect(a.delivered + b.delivered).toBe(1);
		expect(received).toHaveLength(1);

		// A receiver that is gone: refused connections, retried until the 3-day window closes.
		const dead = await db().transaction((tx) =>
			webhooks.endpoints.create(tx, managerB, actor(managerB), { creditorId: credB.id, url: 'http://127.0.0.1:9/fora', description: '', events: ['agreement.settled'] }, PROD)
		);
		if (!dead.ok) throw new Error(dead.message);
		await db().transaction((tx) => webhooks.emit(tx, { creditorId: credB.id, type: 'agreement.settled', data: {} }));
		const t0 = new Date();
		expect(await webhooks.deliverDue(db(), { now: at(t0, 0) })).toMatchObject({ retrying: 1 });
		expect(await webhooks.deliverDue(db(), { now: at(t0, 3 * 24 * 3600_000 - 60_000) })).toMatchObject({ failed: 1 });
		const [row] = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, dead.endpoint.id)).orderBy(asc(webhookDeliveries.createdAt));
		expect(row).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: null });
		expect(row.lastError).toMatch(/recusada|ECONNREFUSED/);
	});

	it('refuses bad addresses with a message in Portuguese and writes nothing; production refuses private ones', async () => {
		const before = (await webhooks.endpoints.list(db(), managerA)).length;
		const http1 = await db().transaction((tx) => webhooks.endpoints.create(tx, managerA, actor(managerA), { creditorId: credA.id, url: 'http://erp.exemplo.com.br/h', description: '', events: ['installment.paid'] }, PROD));
		expect(http1).toMatchObject({ ok: false, field: 'url' });
		const priv = await db().transaction((tx) => webhooks.endpoints.create(tx, managerA, actor(managerA), { creditorId: credA.id, url: 'https://192.168.1.20/h', description: '', events: ['installment.paid'] }, { production: true }));
		expect(priv.ok === false && priv.message).toContain('rede interna');
		expect((await webhooks.endpoints.list(db(), managerA)).length).toBe(before);
	});
});
