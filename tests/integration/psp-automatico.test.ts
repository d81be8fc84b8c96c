import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';
import { agreements as agreementsTable, auditLog, installments, payments, pixRecurrences, pixRecurringCharges, pspAccounts, reviewItems } from '../../src/lib/server/db/schema';
import * as psp from '../../src/lib/server/payments/psp';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import { payableView } from '../../src/lib/server/payments/view';
import { centsToAmount, parseBrCode, pixQrPngBuffer } from '../../src/lib/server/payments/pix/brcode';
import { policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { startApp, type App } from '../support/app-server';
import { closedPort } from '../support/fakes/loopback';
import { startFakePsp, pspEnv, type FakePsp } from '../support/fakes/psp';
import { scanCodes } from '../support/tools';
import { runAcerto } from '../support/cli';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';

/**
 * Pix Automático (JORNADA_3) on the wire: the entry's cob and its recurrence, the composite QR, the
 * payer's approval told by `/webhookrec`, the daily recurring charges, the debits told by
 * `/webhookcobr` (replayed and out of order), cancellation by the debtor and by the agreement's end,
 * against a fake PSP on loopback that checks every request and answer against the yaml.
 */

const CLIENT = { id: 'acerto-client-id', secret: 'acerto-client-secret' };
const WEBHOOK_SECRET = 'segredo-do-webhook-pix-automatico';
const POLICY: Policy = {
	...policyToJsonExample,
	bands: policyToJsonExample.bands.map((b, i) => (i === 0 ? { ...b, installments: { min: 2, max: 12 } } : b))
};
const today = todayInSaoPaulo();
const AUTOMATICO = { PIX_PSP_AUTOMATICO: 'true', PIX_PSP_AUTOMATICO_CONTA: '0001/123456-7' };

let own: Awaited<ReturnType<typeof ownDatabase>>;
let fake: FakePsp;
let app: App;
let base = '';

async function planOf(count: number) {
	const a = await factory.agency();
	const c = await factory.creditor(a.id, {}, POLICY);
	const d = await factory.debtor(a.id);
	const t = await factory.debt(c.id, d.id);
	await factory.acceptPlan(d, [t.id], count, today);
	const [agreement] = await db().select().from(agreementsTable).where(eq(agreementsTable.debtorId, d.id));
	const list = await db().select().from(installments).where(eq(installments.agreementId, agreement.id)).orderBy(asc(installments.seq));
	return { agency: a, creditor: c, debtor: d, agreement, installments: list };
}

const reload = async (id: string) => (await db().select().from(installments).where(eq(installments.id, id)))[0];
const recOf = async (agreementId: string) => (await db().select().from(pixRecurrences).where(eq(pixRecurrences.agreementId, agreementId)))[0];
const chargeOf = async (installmentId: string) => (await db().select().from(pixRecurringCharges).where(eq(pixRecurringCharges.installmentId, installmentId)))[0];
const paymentsOf = (installmentId: string) => db().select().from(payments).where(eq(payments.installmentId, installmentId));
const hook = () => `${base}/webhooks/pix/env/${WEBHOOK_SECRET}`;
const count = (method: string, path: string | RegExp) => fake.seen.filter((s) => s.method === method && (typeof path === 'string' ? s.path === path : path.test(s.path))).length;

async function post(url: string, body: unknown): Promise<number> {
	const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	await res.arrayBuffer();
	return res.status;
}

/** A plan whose entry was paid with the composite QR and whose recurrence the payer approved (told by webhook). */
async function approvedPlan(count = 4) {
	const p = await planOf(count);
	await payableView(db(), p.installments[0], true);
	const entry = await reload(p.installments[0].id);
	const { pix, idRec } = fake.payComposite(entry.pspTxid!);
	expect(await fake.deliver([pix])).toBe(200);
	expect(await fake.deliverAutomatico('rec', [fake.recItem(idRec!)])).toBe(200);
	return { ...p, idRec: idRec! };
}

beforeAll(async () => {
	own = await ownDatabase('pixauto');
	fake = await startFakePsp({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
	const port = await closedPort();
	base = `http://127.0.0.1:${port}`;
	const env = { ...pspEnv(fake, CLIENT, WEBHOOK_SECRET), ...AUTOMATICO };
	app = await startApp(own.url, { ...env, JOBS: 'off', PORT: String(port), PUBLIC_BASE_URL: base });
	Object.assign(process.env, env, { PUBLIC_BASE_URL: base });
	resetConfig();
});

afterAll(async () => {
	await app?.stop();
	await fake?.close();
	await own?.drop();
});

describe('the entry carries the authorisation (JORNADA_3)', () => {
	it('the entry is a cob tied to a recurrence; the page shows the PSP’s composite QR, which scans to the copia-e-cola', async () => {
		const p = await planOf(4);
		const entry = p.installments[0];
		const view = await payableView(db(), entry, true);

		const row = await reload(entry.id);
		expect(row.pspKind).toBe('cob');
		expect(row.pspStatus).toBe('ATIVA');
		const cob = fake.cobs.get(row.pspTxid!)!;
		expect(cob.valor).toEqual({ original: centsToAmount(entry.amountCents) });
		expect(fake.charges.has(row.pspTxid!)).toBe(false); // not a cobv

		const rec = await recOf(p.agreement.id);
		expect(rec).toMatchObject({ status: 'CRIADA', entryTxid: row.pspTxid, accountId: 'env', politicaRetentativa: 'PERMITE_3R_7D' });
		const atPsp = fake.recs.get(rec.idRec!)!;
		expect(atPsp.ativacao.dadosJornada).toEqual({ txid: row.pspTxid });
		const rest = p.installments.slice(1);
		expect(atPsp.calendario).toEqual({ dataInicial: rest[0].dueDate, dataFinal: rest[rest.length - 1].dueDate, periodicidade: 'MENSAL' });
		expect(atPsp.vinculo).toMatchObject({ contrato: p.agreement.code, devedor: { cpf: p.debtor.document, nome: p.debtor.name } });

		// The composite: the cob's location (26-25) and the recurrence's (80-25), one CRC over both.
		expect(view.autoDebitOffer).toBe(true);
		expect(view.pix).toBe(rec.copiaECola);
		expect(view.pix).toContain(row.pspLocation!);
		expect(view.pix).toContain(atPsp.loc.location);
		expect(parseBrCode(view.pix!)).toMatchObject({ location: row.pspLocation, crcValid: true });
		const scanned = scanCodes(await pixQrPngBuffer(view.pix!, 480), 'png');
		expect(scanned).toEqual([`QR-Code:${view.pix}`]);

		// Our URL for recurrences and recurring charges, once.
		expect(fake.automatico).toEqual({ webhookRec: hook(), webhookCobr: hook() });
		const again = await payableView(db(), row, true);
		expect(again.pix).toBe(view.pix);
		expect(count('POST', '/api/v2/rec')).toBe(1);
		expect(count('PUT', `/api/v2/cob/${row.pspTxid}`)).toBe(1);
		expect(count('PUT', '/api/v2/webhookrec')).toBe(1);
	});

	it('an entry opened while the PSP is down is finished later with the same cob, and one recurrence', async () => {
		const p = await planOf(3);
		fake.setDown(true);
		const down = await payableView(db(), p.installments[0], true);
		fake.setDown(false);
		expect(down.autoDebitOffer).toBe(false);
		expect(down.pix).toBeTruthy(); // the static code: the debtor can always pay
		const fixed = await reload(p.installments[0].id);
		expect(fixed.pspKind).toBe('cob');

		const up = await payableView(db(), fixed, true);
		expect(up.autoDebitOffer).toBe(true);
		expect(fake.cobs.has(fixed.pspTxid!)).toBe(true);
		expect([...fake.recs.values()].filter((r) => r.ativacao.dadosJornada?.txid === fixed.pspTxid)).toHaveLength(1);
	});

	it('two pages opening the entry at once make one cob and one recurrence', async () => {
		const p = await planOf(3);
		const from = fake.seen.length;
		await Promise.all([payableView(db(), p.installments[0], true), payableView(db(), p.installments[0], true), payableView(db(), p.installments[0], true)]);
		const after = await payableView(db(), await reload(p.installments[0].id), true);
		const rec = await recOf(p.agreement.id);
		const atPsp = [...fake.recs.values()].filter((r) => r.ativacao.dadosJornada?.txid === rec.entryTxid);
		expect(atPsp.map((r) => r.idRec)).toEqual([rec.idRec]);
		// A page that found the txid fixed but not yet answered sends the same PUT (idempotent): one cob.
		const puts = fake.seen.slice(from).filter((x) => x.method === 'PUT' && x.path.startsWith('/api/v2/cob/'));
		expect(new Set(puts.map((x) => x.path))).toEqual(new Set([`/api/v2/cob/${rec.entryTxid}`]));
		expect(after.autoDebitOffer).toBe(true);
		expect(after.pix).toBe(rec.copiaECola);
	});

	it('two runs finishing the same recurrence at once leave one recurrence at the PSP', async () => {
		const p = await planOf(3);
		fake.setDown(true);
		await payableView(db(), p.installments[0], true);
		fake.setDown(false);
		const entry = await reload(p.installments[0].id);
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const body = psp.cobBody({ lastDay: addDays(entry.dueDate, 5), now: new Date(), debtor: p.debtor, amountCents: entry.amountCents, key: entry.pixKey });
		if (!body.ok) throw new Error(body.message);
		expect((await psp.client.putCob(env.credentials, entry.pspTxid!, body.value)).ok).toBe(true);
		const row = await recOf(p.agreement.id);
		expect(row.locrecId).toBeNull();

		await Promise.all([1, 2, 3].map(() => psp.automatico.complete(db(), row, env, base)));
		const rec = await recOf(p.agreement.id);
		const atPsp = [...fake.recs.values()].filter((r) => r.ativacao.dadosJornada?.txid === entry.pspTxid);
		expect(atPsp.map((r) => r.idRec)).toEqual([rec.idRec]);
		expect(rec.copiaECola).toContain(atPsp[0].loc.location);
	});

	it('a plan on a PSP without Pix Automático, or a single payment, keeps the cobv', async () => {
		const cash = await planOf(1);
		await payableView(db(), cash.installments[0], true);
		expect((await reload(cash.installments[0].id)).pspKind).toBeNull();
		expect(await recOf(cash.agreement.id)).toBeUndefined();
	});

	it('the payer’s approval is kept only as the PSP confirms it, whatever the order of the calls', async () => {
		const p = await planOf(3);
		await payableView(db(), p.installments[0], true);
		const entry = await reload(p.installments[0].id);
		const rec = await recOf(p.agreement.id);
		const stale = fake.recItem(rec.idRec!); // CRIADA, sent late

		// Forged: says APROVADA before anything happened; the PSP says CRIADA, so nothing changes.
		expect(await post(`${hook()}/rec`, { recs: [{ ...stale, status: 'APROVADA' }] })).toBe(200);
		expect((await recOf(p.agreement.id)).status).toBe('CRIADA');

		const { pix } = fake.payComposite(entry.pspTxid!);
		expect(await fake.deliver([pix])).toBe(200);
		const approved = fake.recItem(rec.idRec!);
		expect(await fake.deliverAutomatico('rec', [approved])).toBe(200);
		expect(await fake.deliverAutomatico('rec', [approved])).toBe(200);
		expect(await fake.deliverAutomatico('rec', [stale])).toBe(200);
		expect((await recOf(p.agreement.id)).status).toBe('APROVADA');
		expect((await reload(entry.id)).status).toBe('paid');
		expect(await paymentsOf(entry.id)).toHaveLength(1);

		// A wrong secret or an unknown recurrence: nothing.
		expect(await post(`${base}/webhooks/pix/env/outro-segredo-qualquer-1234/rec`, { recs: [approved] })).toBe(404);
		expect(await post(`${hook()}/rec`, { recs: [{ ...approved, idRec: 'RR1234567820261130zzzzzzzzzzz' }] })).toBe(200);
	});
});

describe('monthly debits', () => {
	it('the daily job creates each recurring charge 10 days before its due date, once, and the debit pays the installment once despite replays out of order', async () => {
		const p = await approvedPlan(4);
		const second = p.installments[1];
		const early = addDays(second.dueDate, -11);
		fake.setToday(early);
		expect((await psp.automatico.createDueCharges(db(), early)).created).toBe(0);

		const day = addDays(second.dueDate, -10);
		fake.setToday(day);
		const r = await psp.automatico.createDueCharges(db(), day);
		expect(r.created).toBeGreaterThanOrEqual(1);
		const charge = await chargeOf(second.id);
		expect(charge).toMatchObject({ status: 'CRIADA', dueDate: second.dueDate, amountCents: second.amountCents });
		const atPsp = fake.cobrs.get(charge.txid)!;
		expect(atPsp).toMatchObject({ idRec: p.idRec, calendario: { dataDeVencimento: second.dueDate }, valor: { original: centsToAmount(second.amountCents) }, ajusteDiaUtil: true });
		expect(atPsp.recebedor).toMatchObject({ agencia: '0001', conta: '123456-7', tipoConta: 'CORRENTE' });
		// Only the next installment: the third is a month away.
		expect(await chargeOf(p.installments[2].id)).toBeUndefined();

		// Again the same day, and the next: no second charge.
		await psp.automatico.createDueCharges(db(), day);
		fake.setToday(addDays(day, 1));
		await psp.automatico.createDueCharges(db(), addDays(day, 1));
		expect(count('PUT', `/api/v2/cobr/${charge.txid}`)).toBe(1);
		expect((await db().select().from(pixRecurringCharges).where(eq(pixRecurringCharges.installmentId, second.id))).length).toBe(1);

		const scheduled = fake.cobrItem(charge.txid); // ATIVA, to arrive late
		fake.setToday(second.dueDate);
		const pix = fake.debit(charge.txid)!;
		const paid = fake.cobrItem(charge.txid);
		const statuses = await Promise.all([1, 2, 3].map(() => fake.deliverAutomatico('cobr', [paid])));
		expect(statuses).toEqual([200, 200, 200]);
		expect(await fake.deliverAutomatico('cobr', [scheduled])).toBe(200);
		expect(await fake.deliverAutomatico('cobr', [paid])).toBe(200);

		const list = await paymentsOf(second.id);
		expect(list).toHaveLength(1);
		expect(list[0]).toMatchObject({ amountCents: second.amountCents, externalId: pix.endToEndId, source: 'webhook', method: 'pix' });
		expect((await reload(second.id)).status).toBe('paid');
		expect(await chargeOf(second.id)).toMatchObject({ status: 'CONCLUIDA', endToEndId: pix.endToEndId });

		// The sweep lists the same debit in GET /pix: still one payment, nothing for review.
		await psp.sweep(db());
		expect(await paymentsOf(second.id)).toHaveLength(1);
		expect(await db().select().from(reviewItems).where(eq(reviewItems.sourceRef, pix.endToEndId))).toHaveLength(0);
		fake.setToday(null);
	});

	it('a failed attempt the rule retries leaves the charge active; a final failure leaves the installment to ordinary Pix and boleto', async () => {
		const p = await approvedPlan(3);
		const second = p.installments[1];
		const day = addDays(second.dueDate, -5);
		fake.setToday(day);
		await psp.automatico.createDueCharges(db(), day);
		const charge = await chargeOf(second.id);
		fake.setToday(second.dueDate);

		fake.debit(charge.txid, { fail: 'retry' });
		expect(await fake.deliverAutomatico('cobr', [fake.cobrItem(charge.txid)])).toBe(200);
		expect((await chargeOf(second.id)).status).toBe('ATIVA');
		expect((await reload(second.id)).status).toBe('pending');

		// The next morning the job asks one more attempt, for the day after; asked once.
		const next = addDays(second.dueDate, 1);
		fake.setToday(next);
		expect((await psp.automatico.createDueCharges(db(), next)).retried).toBeGreaterThanOrEqual(1);
		await psp.automatico.createDueCharges(db(), next);
		expect(count('POST', `/api/v2/cobr/${charge.txid}/retentativa/${addDays(next, 1)}`)).toBe(1);
		expect(fake.cobrs.get(charge.txid)!.tentativas.at(-1)).toMatchObject({ tipo: 'NTAG', status: 'SOLICITADA', dataLiquidacao: addDays(next, 1) });

		fake.setToday(addDays(next, 1));
		fake.debit(charge.txid, { fail: 'final' });
		expect(await fake.deliverAutomatico('cobr', [fake.cobrItem(charge.txid)])).toBe(200);
		expect((await chargeOf(second.id)).status).toBe('REJEITADA');
		const inst = await reload(second.id);
		expect(inst.status).toBe('pending');
		expect(await paymentsOf(second.id)).toHaveLength(0);
		const view = await payableView(db(), inst, false);
		expect(view.pix).toBeTruthy();
		expect(view.autoDebitOffer).toBe(false);
		fake.setToday(null);
	});

	it('an approval, or the payer’s cancellation in the bank app, whose notification never came is learnt by the daily job', async () => {
		const p = await planOf(3);
		await payableView(db(), p.installments[0], true);
		const entry = await reload(p.installments[0].id);
		const { pix, idRec } = fake.payComposite(entry.pspTxid!);
		expect(await fake.deliver([pix])).toBe(200);
		// No /rec notification.
		expect((await recOf(p.agreement.id)).status).toBe('CRIADA');
		const second = p.installments[1];
		const day = addDays(second.dueDate, -7);
		fake.setToday(day);
		await psp.automatico.createDueCharges(db(), day);
		expect((await recOf(p.agreement.id)).status).toBe('APROVADA');
		expect((await chargeOf(second.id)).status).toBe('CRIADA');

		fake.payerCancels(idRec!);
		const third = p.installments[2];
		const later = addDays(third.dueDate, -7);
		fake.setToday(later);
		await psp.automatico.createDueCharges(db(), later);
		expect((await recOf(p.agreement.id)).status).toBe('CANCELADA');
		expect(await chargeOf(third.id)).toBeUndefined();
		fake.setToday(null);
	});

	it('a PSP down on the day is caught up the next day with the same txid', async () => {
		const p = await approvedPlan(3);
		const second = p.installments[1];
		const day = addDays(second.dueDate, -9);
		fake.setToday(day);
		fake.setDown(true);
		const down = await psp.automatico.createDueCharges(db(), day);
		fake.setDown(false);
		expect(down.failed).toBeGreaterThanOrEqual(1);
		const kept = await chargeOf(second.id);
		expect(kept.status).toBeNull();

		fake.setToday(addDays(day, 1));
		await psp.automatico.createDueCharges(db(), addDays(day, 1));
		const after = await chargeOf(second.id);
		expect(after.txid).toBe(kept.txid);
		expect(after.status).toBe('CRIADA');
		expect(fake.cobrs.has(kept.txid)).toBe(true);
		fake.setToday(null);
	});
});

describe('cancelling', () => {
	it('an agreement settled by its last debit has its recurrence cancelled at the PSP', async () => {
		const p = await approvedPlan(2);
		const last = p.installments[1];
		const day = addDays(last.dueDate, -3);
		fake.setToday(day);
		await psp.automatico.createDueCharges(db(), day);
		const charge = await chargeOf(last.id);
		fake.setToday(last.dueDate);
		fake.debit(charge.txid);
		expect(await fake.deliverAutomatico('cobr', [fake.cobrItem(charge.txid)])).toBe(200);
		const [a] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, p.agreement.id));
		expect(a.status).toBe('settled');
		await psp.automatico.cancelStale(db(), last.dueDate);
		expect(fake.recs.get(p.idRec)!.status).toBe('CANCELADA');
		expect(await recOf(p.agreement.id)).toMatchObject({ status: 'CANCELADA', cancelledBy: 'agreement' });
		fake.setToday(null);
	});

	it('the debtor cancels: the recurrence and the pending debits are cancelled at the PSP, audited; a PSP down changes nothing', async () => {
		const p = await approvedPlan(3);
		const second = p.installments[1];
		const day = addDays(second.dueDate, -8);
		fake.setToday(day);
		await psp.automatico.createDueCharges(db(), day);
		const charge = await chargeOf(second.id);

		fake.setDown(true);
		const refused = await psp.automatico.cancelByDebtor(db(), p.agreement.id, { debtorId: p.debtor.id, agencyId: p.agency.id, ip: '203.0.113.9' }, day);
		fake.setDown(false);
		expect(refused.ok).toBe(false);
		expect((await recOf(p.agreement.id)).status).toBe('APROVADA');

		const r = await psp.automatico.cancelByDebtor(db(), p.agreement.id, { debtorId: p.debtor.id, agencyId: p.agency.id, ip: '203.0.113.9' }, day);
		expect(r).toEqual({ ok: true });
		expect(fake.recs.get(p.idRec)!.status).toBe('CANCELADA');
		expect(fake.cobrs.get(charge.txid)!.status).toBe('CANCELADA');
		expect(await recOf(p.agreement.id)).toMatchObject({ status: 'CANCELADA', cancelledBy: 'debtor' });
		expect((await chargeOf(second.id)).status).toBe('CANCELADA');
		const audits = await db().select().from(auditLog).where(and(eq(auditLog.action, 'pix_automatico.cancel'), eq(auditLog.entityId, p.agreement.id)));
		expect(audits).toHaveLength(1);
		expect(audits[0]).toMatchObject({ actorType: 'debtor', actorId: p.debtor.id });
		// Twice: nothing more to cancel.
		expect((await psp.automatico.cancelByDebtor(db(), p.agreement.id, { debtorId: p.debtor.id, agencyId: p.agency.id, ip: null }, day)).ok).toBe(false);
		expect((await psp.automatico.view(db(), p.agreement.id))?.cancellable).toBe(false);
		fake.setToday(null);
	});

	it('an agreement that ends (cancelled here) has its recurrence cancelled at the PSP by the sweep', async () => {
		const p = await approvedPlan(3);
		await db().transaction(async (tx) => {
			const [a] = await tx.select().from(agreementsTable).where(eq(agreementsTable.id, p.agreement.id));
			const r = await lifecycle.cancel(tx, a, { reason: 'teste', actor: { type: 'system' }, agencyId: p.agency.id });
			expect(r.ok).toBe(true);
		});
		const r = await psp.automatico.cancelStale(db(), today);
		expect(r.recurrences).toBeGreaterThanOrEqual(1);
		expect(fake.recs.get(p.idRec)!.status).toBe('CANCELADA');
		expect(await recOf(p.agreement.id)).toMatchObject({ status: 'CANCELADA', cancelledBy: 'agreement' });
		expect((await psp.automatico.cancelStale(db(), today)).recurrences).toBe(0);
	});
});

describe('an agreement cancelled before the entry is paid', () => {
	it('its entry cob is withdrawn and its recurrence, not yet answered, cancelled', async () => {
		const p = await planOf(3);
		await payableView(db(), p.installments[0], true);
		const entry = await reload(p.installments[0].id);
		const rec = await recOf(p.agreement.id);
		await db().transaction(async (tx) => {
			const [a] = await tx.select().from(agreementsTable).where(eq(agreementsTable.id, p.agreement.id));
			expect((await lifecycle.cancel(tx, a, { reason: 'teste', actor: { type: 'system' }, agencyId: p.agency.id })).ok).toBe(true);
		});
		expect(await psp.withdrawStale(db())).toBeGreaterThanOrEqual(1);
		expect(count('PATCH', `/api/v2/cob/${entry.pspTxid}`)).toBe(1);
		expect(fake.cobs.get(entry.pspTxid!)!.status).toBe('REMOVIDA_PELO_USUARIO_RECEBEDOR');
		expect((await reload(entry.id)).pspStatus).toBe('REMOVIDA_PELO_USUARIO_RECEBEDOR');
		await psp.automatico.cancelStale(db(), today);
		expect(fake.recs.get(rec.idRec!)!.status).toBe('CANCELADA');
		expect((await recOf(p.agreement.id)).status).toBe('CANCELADA');
		// The composite can no longer be paid.
		expect(() => fake.payComposite(entry.pspTxid!)).toThrow();
	});
});

describe('operations', () => {
	it('`acerto psp set` switches Pix Automático on for a creditor only with the receiving account', async () => {
		const p = await planOf(2);
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixauto-cli-'));
		const file = path.join(dir, 'conta.json');
		const creds = { apiUrl: fake.apiUrl, oauthUrl: fake.oauthUrl, clientId: 'cliente-cli', clientSecret: 'segredo-cli', cert: fake.certs.clientCert, key: fake.certs.clientKey, webhookSecret: 'segredo-webhook-cli-0000', pixAutomatico: true };
		const env = { DATABASE_URL: own.url, APP_SECRET: process.env.APP_SECRET, PUBLIC_BASE_URL: base };
		try {
			fs.writeFileSync(file, JSON.stringify(creds));
			const refused = await runAcerto(['psp', 'set', p.creditor.slug, file], env);
			expect(refused.code).toBe(1);
			expect(refused.stderr).toContain('Pix Automático pede a conta recebedora');
			expect(await db().select().from(pspAccounts).where(eq(pspAccounts.creditorId, p.creditor.id))).toEqual([]);

			fs.writeFileSync(file, JSON.stringify({ ...creds, automaticoConta: '0001/123456-7' }));
			const ok = await runAcerto(['psp', 'set', p.creditor.slug, file], env);
			expect(ok.code, ok.stderr).toBe(0);
			const [row] = await db().select().from(pspAccounts).where(eq(pspAccounts.creditorId, p.creditor.id));
			expect((await psp.accounts.accountById(db(), row.id))!.credentials).toMatchObject({ pixAutomatico: true, automaticoConta: '0001/123456-7', automaticoTipoConta: 'CORRENTE' });
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('the wire', () => {
	it('every request and answer, and every callback, was as bcb-pix-api-2.9.0.yaml says', () => {
		expect(fake.violations).toEqual([]);
	});
});
