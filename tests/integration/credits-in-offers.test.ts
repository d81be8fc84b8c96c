import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq, sql } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { agreementDebts, auditLog, debtCredits, installments, staff } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import * as documents from '../../src/lib/server/agreements/documents';
import * as debts from '../../src/lib/server/debts';
import * as offers from '../../src/lib/server/offers';
import * as backoffice from '../../src/lib/server/backoffice';
import type { StaffPrincipal } from '../../src/lib/server/staff';
import { policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatBRL } from '../../src/lib/format/money';
import * as factory from '../support/factory';

// Breaks go through `breakIfOverdue` on this file's own agreements, so the shared database is fine.
const today = todayInSaoPaulo();
const POLICY: Policy = { ...policyToJsonExample, breakToleranceDays: 5, breakToleranceUnit: 'calendar' };

let agency: Awaited<ReturnType<typeof factory.agency>>;
let cred: Awaited<ReturnType<typeof factory.creditor>>;
let operator: StaffPrincipal;

beforeAll(async () => {
	agency = await factory.agency();
	cred = await factory.creditor(agency.id, {}, POLICY);
	const [row] = await db().insert(staff).values({ agencyId: agency.id, email: `op.${Date.now()}@credito.example`, role: 'operator', name: 'Operadora' }).returning();
	operator = { id: row.id, agencyId: agency.id, role: 'operator', creditorId: null, email: row.email, name: 'Operadora' };
});

const tx = <T>(fn: (t: Parameters<Parameters<ReturnType<typeof db>['transaction']>[0]>[0]) => Promise<T>) => db().transaction(fn);
type Debtor = { id: string; agencyId: string };

async function selection(debtor: Debtor, debtIds: string[]) {
	const sel = await offers.forSelection(db(), { agencyId: debtor.agencyId, debtorId: debtor.id, debtIds, today });
	if (!sel.ok) throw new Error(sel.message);
	return sel;
}

function acceptInput(debtor: Debtor, debtIds: string[], sel: Awaited<ReturnType<typeof selection>>, count: number): agreements.AcceptInput {
	const offer = count === 1 ? sel.set.cash : sel.set.plans.find((p) => p.count === count)!;
	return {
		debtor,
		debtIds,
		kind: count === 1 ? 'cash' : 'installments',
		count,
		firstDueDate: sel.set.firstDueDate,
		expected: { totalCents: offer.totalCents, installments: offer.installments.map((i) => i.amountCents) },
		today
	};
}

async function accept(debtor: Debtor, debtIds: string[], count: number) {
	const sel = await selection(debtor, debtIds);
	const input = acceptInput(debtor, debtIds, sel, count);
	const r = await tx((t) => agreements.accept(t, input));
	if (!r.ok) throw new Error(r.message);
	return r.agreement;
}

const live = async (agreementId: string) =>
	(await db().select().from(installments).where(eq(installments.agreementId, agreementId)).orderBy(asc(installments.seq))).filter((i) => i.supersededBy === null && i.status !== 'cancelled');
let refs = 0;
const pay = (installmentId: string, amountCents: number) =>
	tx((t) => lifecycle.recordPayment(t, { installmentId, amountCents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId: `CRED${Date.now()}${refs++}`, actor: { type: 'system' } }));
const balanceOfDebt = async (debtId: string) =>
	Number((await db().select({ s: sql<string>`coalesce(sum(${debtCredits.amountCents}), 0)` }).from(debtCredits).where(eq(debtCredits.debtId, debtId)))[0].s);
const creditRows = (agreementId: string) =>
	db().select({ reason: debtCredits.reason, debtId: debtCredits.debtId, amountCents: debtCredits.amountCents }).from(debtCredits).where(eq(debtCredits.agreementId, agreementId)).orderBy(asc(debtCredits.createdAt), asc(debtCredits.debtId));

async function expectBalanced(agreementId: string) {
	const b = await lifecycle.balanceOf(db(), agreementId);
	expect(b.paidCents + b.creditedCents + b.openCents + b.payoffRebateCents).toBe(b.totalCents);
	expect(b.paidCents + b.creditedCents + b.excessCreditedCents).toBe(b.receivedCents);
	return b;
}

/** Breaks the agreement as the daily job would, the day after its second installment's tolerance. */
async function breakIt(agreementId: string) {
	const [, second] = await live(agreementId);
	const r = await tx((x) => lifecycle.breakIfOverdue(x, agreementId, addDays(second.dueDate, 6)));
	expect(r).toMatchObject({ status: 'broken' });
	return r!;
}

/** A debt whose 3-installment agreement broke after its entry was paid: the entry is its credit. */
async function brokenWithCredit(principalCents: number) {
	const d = await factory.debtor(agency.id);
	const t = await factory.debt(cred.id, d.id, { principalCents });
	const a = await accept(d, [t.id], 3);
	const [first] = await live(a.id);
	await pay(first.id, first.amountCents);
	await breakIt(a.id);
	return { d, t, a, first };
}

function pdfText(pdf: Buffer): string {
	const dir = mkdtempSync(join(tmpdir(), 'acerto-credito-'));
	const path = join(dir, 'termo.pdf');
	writeFileSync(path, pdf);
	// `ACERTO_SCREENSHOTS=<dir>` keeps the PDF to look at.
	if (process.env.ACERTO_SCREENSHOTS) writeFileSync(join(process.env.ACERTO_SCREENSHOTS, 'termo-credito.pdf'), pdf);
	const r = spawnSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
	if (r.error) throw r.error;
	return r.stdout;
}

describe('money paid on a broken agreement reduces what the debtor owes next time', () => {
	it('the new offers are exactly what was paid less; accepting uses the credit once, shows it on the termo, and cancelling gives it back', async () => {
		const d = await factory.debtor(agency.id);
		const t1 = await factory.debt(cred.id, d.id, { principalCents: 70_000, daysPastDue: 90 });
		const t2 = await factory.debt(cred.id, d.id, { principalCents: 33_333, daysPastDue: 40 });
		const ids = [t1.id, t2.id];
		const before = await selection(d, ids);

		const a = await accept(d, ids, 3);
		const [first] = await live(a.id);
		await pay(first.id, first.amountCents);
		const paid = first.amountCents;
		const closed = await breakIt(a.id);
		expect(closed).toMatchObject({ creditedCents: paid, releasedCents: 0 });
		expect((await balanceOfDebt(t1.id)) + (await balanceOfDebt(t2.id))).toBe(paid);

		// Offers: the updated total is exactly what was paid less, every part still visible.
		const after = await selection(d, ids);
		expect(after.set.updatedTotalCents).toBe(before.set.updatedTotalCents - paid);
		expect(after.set.breakdown).toHaveLength(2);
		for (const b of after.set.breakdown) {
			const old = before.set.breakdown.find((x) => x.id === b.id)!;
			expect(b.creditCents).toBe(await balanceOfDebt(b.id));
			expect(b).toMatchObject({ principalCents: old.principalCents, lateFeeCents: old.lateFeeCents, interestCents: old.interestCents });
			expect(b.totalCents).toBe(b.principalCents + b.lateFeeCents + b.interestCents - b.creditCents);
		}
		expect(after.set.breakdown.reduce((s, b) => s + b.creditCents, 0)).toBe(paid);

		// The portal's debts page says the same thing.
		const views = (await debts.forDebtor(db(), agency.id, d.id, today)).filter((v) => ids.includes(v.id));
		expect(views.reduce((s, v) => s + v.value!.totalCents, 0)).toBe(after.set.updatedTotalCents);
		expect(views.reduce((s, v) => s + v.value!.creditCents, 0)).toBe(paid);

		// Accepting the new agreement uses the credit: one 'applied' row per debt, the balance is zero.
		const b = await accept(d, ids, 1);
		expect(b.updatedTotalCents).toBe(after.set.updatedTotalCents);
		expect(b.totalCents).toBe(after.set.cash.totalCents);
		const applied = await creditRows(b.id);
		expect(applied.every((c) => c.reason === 'applied')).toBe(true);
		expect(applied.reduce((s, c) => s - c.amountCents, 0)).toBe(paid);
		expect(await balanceOfDebt(t1.id)).toBe(0);
		expect(await balanceOfDebt(t2.id)).toBe(0);
		const links = await db().select().from(agreementDebts).where(eq(agreementDebts.agreementId, b.id));
		for (const l of links) expect(l.originalCents + l.lateFeeCents + l.interestCents - l.creditCents).toBe(l.updatedCents);
		expect(links.reduce((s, l) => s + l.creditCents, 0)).toBe(paid);
		await expectBalanced(b.id);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'agreement.accept'), eq(auditLog.entityId, b.id)));
		expect((entry.data as { creditApplied: { amountCents: number }[] }).creditApplied.reduce((s, c) => s + c.amountCents, 0)).toBe(paid);

		// The termo shows the credit as its own line and adds up to the cent.
		const found = (await agreements.byCode(db(), agency.id, d.id, b.code))!;
		const text = pdfText(await documents.termoPdf(db(), found, { name: d.name, document: d.document }));
		expect(text.replace(/\s+/g, ' ')).toContain(`Crédito de pagamentos anteriores: ${formatBRL(paid)}, já abatidos do valor atualizado`);
		expect(text).toContain(`-${formatBRL(paid)}`);
		expect(text).toContain(formatBRL(b.updatedTotalCents));
		expect(text).toContain(formatBRL(b.totalCents));

		// Cancelling the new agreement hands the credit back (and what it received is credited too).
		const [only] = await live(b.id);
		await pay(only.id, 1_000);
		const r = await tx((x) => backoffice.agreements.cancel(x, operator, b.code, { motivo: 'Devedor pediu para renegociar' }));
		expect(r).toMatchObject({ ok: true });
		expect((await creditRows(b.id)).filter((c) => c.reason === 'released').reduce((s, c) => s + c.amountCents, 0)).toBe(paid);
		expect((await balanceOfDebt(t1.id)) + (await balanceOfDebt(t2.id))).toBe(paid + 1_000);
		expect(await expectBalanced(b.id)).toMatchObject({ creditedCents: 1_000, paidCents: 0 });
		expect((await selection(d, ids)).set.updatedTotalCents).toBe(before.set.updatedTotalCents - paid - 1_000);
	});

	it('breaking the agreement that used a credit gives it back as well', async () => {
		const { d, t, a, first } = await brokenWithCredit(100_000);
		const b = await accept(d, [t.id], 3);
		expect(await balanceOfDebt(t.id)).toBe(0);
		const [entry] = await live(b.id);
		await pay(entry.id, entry.amountCents);
		const closed = await breakIt(b.id);
		expect(closed).toMatchObject({ creditedCents: entry.amountCents, releasedCents: first.amountCents });
		expect(await balanceOfDebt(t.id)).toBe(first.amountCents + entry.amountCents);
		await expectBalanced(a.id);
		await expectBalanced(b.id);
	});

	it('two accepts at once: one agreement, the credit used once', async () => {
		const { d, t, first } = await brokenWithCredit(50_000);
		const sel = await selection(d, [t.id]);
		const input = acceptInput(d, [t.id], sel, 1);
		const results = await Promise.all([tx((x) => agreements.accept(x, input)), tx((x) => agreements.accept(x, input))]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(results.filter((r) => !r.ok)).toMatchObject([{ ok: false, reason: 'exists' }]);
		const applied = await db().select().from(debtCredits).where(and(eq(debtCredits.debtId, t.id), eq(debtCredits.reason, 'applied')));
		expect(applied.map((c) => c.amountCents)).toEqual([-first.amountCents]);
		expect(await balanceOfDebt(t.id)).toBe(0);
	});

	it('a refund waiting on the lock is seen by the accept that follows (no stale credit)', async () => {
		const { d, t, first } = await brokenWithCredit(50_000);
		// The accept was computed with the credit; a refund of part of it lands first: the offer changed.
		const input = acceptInput(d, [t.id], await selection(d, [t.id]), 1);
		expect(await tx((x) => lifecycle.refund(x, { debtId: t.id, amountCents: 500, note: 'Devolução por TED', staff: operator }))).toMatchObject({ ok: true });
		expect(await tx((x) => agreements.accept(x, input))).toMatchObject({ ok: false, reason: 'invalid' });
		const b = await accept(d, [t.id], 1);
		expect((await creditRows(b.id)).map((c) => c.amountCents)).toEqual([-(first.amountCents - 500)]);
		expect(await balanceOfDebt(t.id)).toBe(0);
	});
});
