import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, asc, eq } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { agreements as agreementsTable, auditLog, debtCredits, debts, installments, staff } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import * as ledger from '../../src/lib/server/agreements/ledger';
import * as offers from '../../src/lib/server/offers';
import * as backoffice from '../../src/lib/server/backoffice';
import type { StaffPrincipal } from '../../src/lib/server/staff';
import { policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { ownDatabase } from '../support/own-database';
import * as factory from '../support/factory';

// The break job looks at every active agreement: on the run's shared database it would break other files' agreements.
let own: Awaited<ReturnType<typeof ownDatabase>>;
const today = todayInSaoPaulo();

const POLICY: Policy = { ...policyToJsonExample, breakToleranceDays: 5, breakToleranceUnit: 'calendar', afterBreak: { minEntryPercent: 40 } };
const BUSINESS: Policy = { ...POLICY, breakToleranceDays: 2, breakToleranceUnit: 'business' };

let agency: Awaited<ReturnType<typeof factory.agency>>;
let cred: Awaited<ReturnType<typeof factory.creditor>>;
let credBusiness: Awaited<ReturnType<typeof factory.creditor>>;
let operator: StaffPrincipal;

beforeAll(async () => {
	own = await ownDatabase('lifecycle');
	agency = await factory.agency();
	cred = await factory.creditor(agency.id, {}, POLICY);
	credBusiness = await factory.creditor(agency.id, {}, BUSINESS);
	const [row] = await db().insert(staff).values({ agencyId: agency.id, email: `op.${Date.now()}@assessoria.example`, role: 'operator', name: 'Operadora' }).returning();
	operator = { id: row.id, agencyId: agency.id, role: 'operator', creditorId: null, email: row.email, name: 'Operadora' };
});

afterAll(async () => {
	await own?.drop();
});

const tx = <T>(fn: (t: Parameters<Parameters<ReturnType<typeof db>['transaction']>[0]>[0]) => Promise<T>) => db().transaction(fn);

async function plan(debtor: { id: string; agencyId: string }, debtIds: string[], count: number) {
	const sel = await offers.forSelection(db(), { agencyId: debtor.agencyId, debtorId: debtor.id, debtIds, today });
	if (!sel.ok) throw new Error(sel.message);
	return { sel, offer: count === 1 ? sel.set.cash : sel.set.plans.find((p) => p.count === count)! };
}

async function accept(debtor: { id: string; agencyId: string }, debtIds: string[], count: number) {
	const { sel, offer } = await plan(debtor, debtIds, count);
	const r = await tx((t) =>
		agreements.accept(t, {
			debtor,
			debtIds,
			kind: count === 1 ? 'cash' : 'installments',
			count,
			firstDueDate: sel.set.firstDueDate,
			expected: { totalCents: offer.totalCents, installments: offer.installments.map((i) => i.amountCents) },
			today
		})
	);
	if (!r.ok) throw new Error(r.message);
	return r.agreement;
}

const rows = (agreementId: string) => db().select().from(installments).where(eq(installments.agreementId, agreementId)).orderBy(asc(installments.seq), asc(installments.updatedAt));
const live = async (agreementId: string) => (await rows(agreementId)).filter((i) => i.supersededBy === null && i.status !== 'cancelled');
const statusOf = async (id: string) => (await db().select().from(agreementsTable).where(eq(agreementsTable.id, id)))[0];
const credits = (agreementId: string) => db().select().from(debtCredits).where(eq(debtCredits.agreementId, agreementId)).orderBy(asc(debtCredits.createdAt));
let refs = 0;
const pay = (installmentId: string, amountCents: number, externalId = `E2E${Date.now()}${refs++}`) =>
	tx((t) => lifecycle.recordPayment(t, { installmentId, amountCents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId, actor: { type: 'system' } }));

async function expectBalanced(agreementId: string) {
	const b = await lifecycle.balanceOf(db(), agreementId);
	expect(b.paidCents + b.creditedCents + b.openCents + b.payoffRebateCents).toBe(b.totalCents);
	expect(b.paidCents + b.creditedCents + b.excessCreditedCents).toBe(b.receivedCents);
	return b;
}

describe('payments of any size', () => {
	it('a smaller payment leaves the installment partially paid; the excess of a larger one is a credit split over the debts', async () => {
		const d = await factory.debtor(agency.id);
		const t1 = await factory.debt(cred.id, d.id, { principalCents: 30_000 });
		const t2 = await factory.debt(cred.id, d.id, { principalCents: 90_000 });
		const a = await accept(d, [t1.id, t2.id], 3);
		const [first] = await live(a.id);

		const part = await pay(first.id, 1_000);
		expect(part).toMatchObject({ ok: true, appliedCents: 1_000, creditedCents: 0, installment: { status: 'partially_paid', openCents: first.amountCents - 1_000 } });
		expect((await live(a.id))[0]).toMatchObject({ status: 'partially_paid', paidCents: 1_000 });

		const over = await pay(first.id, first.amountCents);
		expect(over).toMatchObject({ ok: true, appliedCents: first.amountCents - 1_000, creditedCents: 1_000, creditReason: 'overpayment', installment: { status: 'paid', openCents: 0 } });
		const c = await credits(a.id);
		// Split by the debts' updated values (1:3), to the cent.
		expect(c.map((x) => x.amountCents).sort((x, y) => x - y)).toEqual([250, 750]);
		expect(c.every((x) => x.reason === 'overpayment' && x.paymentId === (over as { payment: { id: string } }).payment.id)).toBe(true);
		const b = await expectBalanced(a.id);
		expect(b).toMatchObject({ paidCents: first.amountCents, creditedCents: 0, excessCreditedCents: 1_000, receivedCents: first.amountCents + 1_000 });
		expect((await statusOf(a.id)).status).toBe('active');

		// A payment for a paid installment is wholly an overpayment; the same reference twice is one payment.
		const again = await pay(first.id, 500, 'SAME-REF-' + a.id);
		expect(again).toMatchObject({ ok: true, appliedCents: 0, creditedCents: 500, creditReason: 'overpayment' });
		expect(await pay(first.id, 500, 'SAME-REF-' + a.id)).toMatchObject({ ok: true, duplicate: true });
		expect((await expectBalanced(a.id)).excessCreditedCents).toBe(1_500);

		// Paying the rest settles, whatever the sizes.
		for (const i of (await live(a.id)).filter((x) => x.status !== 'paid')) {
			await pay(i.id, 1);
			await pay(i.id, i.amountCents - 1);
		}
		expect((await statusOf(a.id)).status).toBe('settled');
		expect((await db().select().from(debts).where(eq(debts.id, t1.id)))[0].status).toBe('settled');
		expect((await expectBalanced(a.id)).openCents).toBe(0);
	});
});

describe('cancel', () => {
	it('credits what was paid to the debts, reopens them, and money arriving later for a withdrawn slip is a credit too', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(cred.id, d.id, { principalCents: 80_000 });
		const a = await accept(d, [t.id], 3);
		const [first, second] = await live(a.id);
		await pay(first.id, first.amountCents);
		await pay(second.id, 700);

		const r = await tx((x) => backoffice.agreements.cancel(x, operator, a.code, { motivo: 'Devedor pediu para renegociar' }));
		expect(r).toMatchObject({ ok: true });
		expect((r as { message: string }).message).toContain('ficou como crédito nas dívidas');
		const c = await credits(a.id);
		expect(c).toHaveLength(1);
		expect(c[0]).toMatchObject({ reason: 'cancelled', amountCents: first.amountCents + 700, debtId: t.id, paymentId: null });
		expect((await db().select().from(debts).where(eq(debts.id, t.id)))[0].status).toBe('open');
		expect((await rows(a.id)).map((i) => i.status)).toEqual(['paid', 'cancelled', 'cancelled']);
		const b = await expectBalanced(a.id);
		expect(b).toMatchObject({ paidCents: 0, creditedCents: first.amountCents + 700, openCents: a.totalCents - first.amountCents - 700 });

		const late = await pay(second.id, second.amountCents);
		expect(late).toMatchObject({ ok: true, appliedCents: 0, creditedCents: second.amountCents, creditReason: 'not_payable' });
		await expectBalanced(a.id);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'agreement.cancel'), eq(auditLog.entityId, a.id)));
		expect(entry.data).toMatchObject({ after: { status: 'cancelled', creditedCents: first.amountCents + 700 } });

		// A refund is staff's decision, never more than the credit, audited.
		const balance = first.amountCents + 700 + second.amountCents;
		expect(await tx((x) => lifecycle.refund(x, { debtId: t.id, amountCents: balance + 1, note: 'Devolução por TED', staff: operator }))).toMatchObject({ ok: false });
		expect(await tx((x) => lifecycle.refund(x, { debtId: t.id, amountCents: 700, note: 'Devolução por TED', staff: operator }))).toEqual({ ok: true, balanceCents: balance - 700 });
		expect((await lifecycle.creditsOf(db(), a.id))[0].balanceCents).toBe(balance - 700);
		expect(await db().select().from(auditLog).where(and(eq(auditLog.action, 'credit.refund'), eq(auditLog.entityId, t.id)))).toHaveLength(1);
	});
});

describe('the daily break job', () => {
	it('breaks an agreement the day after the tolerance (calendar days), credits what was paid, reopens the debts, and a new agreement needs the larger entry', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(cred.id, d.id, { principalCents: 100_000 });
		const shown = await plan(d, [t.id], 3);
		const before = shown.offer.installments[0].amountCents;
		const a = await accept(d, [t.id], 3);
		expect(a).toMatchObject({ breakToleranceDays: 5, breakToleranceBusinessDays: false });
		const [first, second] = await live(a.id);
		await pay(first.id, first.amountCents);

		const mine = async (day: string) => (await lifecycle.breakOverdue(db(), day)).broken.filter((x) => x.agreementId === a.id);
		expect(await mine(addDays(second.dueDate, 5))).toEqual([]);
		expect((await statusOf(a.id)).status).toBe('active');
		const broken = await mine(addDays(second.dueDate, 6));
		expect(broken).toEqual([{ agreementId: a.id, code: a.code, status: 'broken', withdrawn: [2, 3], reopenedDebts: [{ id: t.id, externalId: t.externalId }], creditedCents: first.amountCents, releasedCents: 0 }]);
		const row = await statusOf(a.id);
		expect(row.status).toBe('broken');
		expect(row.brokenAt).not.toBeNull();
		expect((await credits(a.id)).map((c) => [c.reason, c.amountCents])).toEqual([['broken', first.amountCents]]);
		expect((await db().select().from(debts).where(eq(debts.id, t.id)))[0].status).toBe('open');
		expect(await expectBalanced(a.id)).toMatchObject({ paidCents: 0, creditedCents: first.amountCents });
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'agreement.break'), eq(auditLog.entityId, a.id)));
		expect(entry.data).toMatchObject({ late: { seq: 2, dueDate: second.dueDate }, tolerance: { days: 5, businessDays: false }, after: { status: 'broken' } });
		// Run again (or late): nothing more happens.
		expect(await mine(addDays(second.dueDate, 30))).toEqual([]);
		expect(await credits(a.id)).toHaveLength(1);

		// The debt is open for a new negotiation, with the policy's entry after a break (40 % instead of 10 %).
		const { offer } = await plan(d, [t.id], 3);
		// (Its total is smaller now: what was paid is taken off, so compare the entry's share.)
		expect(offer.installments[0].amountCents / offer.totalCents).toBeGreaterThan(before / shown.offer.totalCents);
		expect(offer.installments[0].amountCents * 100).toBeGreaterThanOrEqual(offer.totalCents * 35);
		// The server enforces it: the plan shown before the break is refused now; the new one is accepted.
		const stale = await tx((x) =>
			agreements.accept(x, {
				debtor: d,
				debtIds: [t.id],
				kind: 'installments',
				count: 3,
				firstDueDate: shown.sel.set.firstDueDate,
				expected: { totalCents: shown.offer.totalCents, installments: shown.offer.installments.map((i) => i.amountCents) },
				today
			})
		);
		expect(stale).toMatchObject({ ok: false, reason: 'invalid' });
		expect((await accept(d, [t.id], 3)).status).toBe('active');
	});

	it('counts business days when the policy says so', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(credBusiness.id, d.id);
		const a = await accept(d, [t.id], 1);
		expect(a).toMatchObject({ breakToleranceDays: 2, breakToleranceBusinessDays: true });
		const [only] = await live(a.id);
		const last = ledger.lastDayBeforeBreak(only.dueDate, 2, true);
		expect(last >= addDays(only.dueDate, 2)).toBe(true);
		expect(await tx((x) => lifecycle.breakIfOverdue(x, a.id, last))).toBeNull();
		expect(await tx((x) => lifecycle.breakIfOverdue(x, a.id, addDays(last, 1)))).toMatchObject({ status: 'broken', creditedCents: 0 });
	});

	it('a partly paid installment still breaks; a paid one does not', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(cred.id, d.id);
		const a = await accept(d, [t.id], 2);
		const [first] = await live(a.id);
		await pay(first.id, first.amountCents - 1);
		const r = await tx((x) => lifecycle.breakIfOverdue(x, a.id, addDays(first.dueDate, 6)));
		expect(r).toMatchObject({ status: 'broken', creditedCents: first.amountCents - 1, withdrawn: [1, 2] });
		await expectBalanced(a.id);
	});
});

describe('early payoff (CDC art. 52 §2)', () => {
	it('supersedes the open installments by one due today at their present value, once, and paying it settles', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(cred.id, d.id, { principalCents: 200_000 });
		const a = await accept(d, [t.id], 4);
		expect(a.interestMonthlyBp).toBeGreaterThan(0);
		const [first, second, third, fourth] = await live(a.id);
		await pay(first.id, first.amountCents);
		await pay(second.id, 1_234);

		const open = [second, third, fourth].map((i) => ({ remainingCents: i.amountCents - (i.id === second.id ? 1_234 : 0), dueDate: i.dueDate }));
		const expected = ledger.payoffQuote(open, a.interestMonthlyBp, today);
		expect(expected.rebateCents).toBeGreaterThan(0);
		const preview = await lifecycle.previewPayoff(db(), a.id, today);
		expect(preview).toMatchObject({ ok: true, quote: expected, existing: null });

		expect(await tx((x) => lifecycle.payoff(x, a.id, { today, actor: { type: 'debtor', id: d.id }, expectedCents: expected.amountCents + 1 }))).toMatchObject({ ok: false });
		const r = await tx((x) => lifecycle.payoff(x, a.id, { today, actor: { type: 'debtor', id: d.id }, expectedCents: expected.amountCents }));
		expect(r).toMatchObject({ ok: true, created: true, amountCents: expected.amountCents, rebateCents: expected.rebateCents, replaced: [2, 3, 4] });
		const twice = await tx((x) => lifecycle.payoff(x, a.id, { today, actor: { type: 'debtor', id: d.id } }));
		expect(twice).toMatchObject({ ok: true, created: false, amountCents: expected.amountCents });

		const all = await rows(a.id);
		const po = all.filter((i) => i.kind === 'payoff');
		expect(po).toHaveLength(1);
		expect(po[0]).toMatchObject({ seq: 2, dueDate: today, amountCents: expected.amountCents, status: 'pending', pixKey: second.pixKey, boletoAccount: second.boletoAccount });
		expect(po[0].txid).not.toBe(second.txid);
		expect(po[0].nossoNumero).not.toBe(second.nossoNumero);
		expect(all.filter((i) => i.supersededBy === po[0].id).map((i) => i.seq)).toEqual([2, 3, 4]);
		expect((await statusOf(a.id)).payoffRebateCents).toBe(expected.rebateCents);
		await expectBalanced(a.id);

		// The old slips are replaced: money paid with one of their codes goes to the payoff, whose rest settles the agreement.
		const viaOld = await pay(third.id, third.amountCents);
		expect(viaOld).toMatchObject({ appliedCents: third.amountCents, creditedCents: 0, installment: { id: po[0].id, status: 'partially_paid', openCents: expected.amountCents - third.amountCents } });
		await expectBalanced(a.id);
		expect(await pay(po[0].id, expected.amountCents - third.amountCents)).toMatchObject({ ok: true, appliedCents: expected.amountCents - third.amountCents, settled: true });
		expect(await expectBalanced(a.id)).toMatchObject({ openCents: 0, payoffRebateCents: expected.rebateCents });
		expect(await lifecycle.previewPayoff(db(), a.id, today)).toMatchObject({ ok: false });
	});
});

describe('random lives of an agreement on PostgreSQL', () => {
	it('no cent is lost or doubled: paid + credited + open + rebate = total after every event', async () => {
		const d = await factory.debtor(agency.id);
		type Ev = { type: 'pay'; k: number; amount: number; ref: number } | { type: 'due'; k: number } | { type: 'cancel' } | { type: 'break' } | { type: 'payoff' };
		const ev: fc.Arbitrary<Ev> = fc.oneof(
			{ weight: 6, arbitrary: fc.record({ type: fc.constant('pay' as const), k: fc.nat(), amount: fc.integer({ min: 1, max: 80_000 }), ref: fc.integer({ min: 0, max: 5 }) }) },
			{ weight: 1, arbitrary: fc.record({ type: fc.constant('due' as const), k: fc.nat() }) },
			{ weight: 1, arbitrary: fc.constant({ type: 'cancel' as const }) },
			{ weight: 1, arbitrary: fc.constant({ type: 'break' as const }) },
			{ weight: 1, arbitrary: fc.constant({ type: 'payoff' as const }) }
		);
		await fc.assert(
			fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(ev, { minLength: 1, maxLength: 12 }), async (count, events) => {
				const t = await factory.debt(cred.id, d.id, { principalCents: 150_000 });
				const a = await accept(d, [t.id], count);
				const tag = `${a.id}:`;
				for (const e of events) {
					const all = await rows(a.id);
					if (e.type === 'pay') await pay(all[e.k % all.length].id, e.amount, tag + e.ref);
					if (e.type === 'due') {
						const open = all.filter((i) => i.supersededBy === null && (i.status === 'pending' || i.status === 'partially_paid'));
						const i = open[e.k % Math.max(1, open.length)];
						// Any date the policy allows; when none fits, the action refuses and nothing changes.
						if (i) await tx((x) => backoffice.agreements.changeDueDate(x, operator, a.code, { parcela: i.id, vencimento: addDays(today, 2 + (e.k % 5)) }));
					}
					if (e.type === 'cancel') await tx((x) => backoffice.agreements.cancel(x, operator, a.code, { motivo: 'Teste de propriedade' }));
					if (e.type === 'break') await tx((x) => lifecycle.breakIfOverdue(x, a.id, addDays(today, 400)));
					if (e.type === 'payoff') await tx((x) => lifecycle.payoff(x, a.id, { today, actor: { type: 'debtor', id: d.id } }));
					await expectBalanced(a.id);
				}
				const status = (await statusOf(a.id)).status;
				if (status !== 'active') {
					const debt = (await db().select().from(debts).where(eq(debts.id, t.id)))[0];
					expect(debt.status).toBe(status === 'settled' ? 'settled' : 'open');
				}
			}),
			{ numRuns: 25 }
		);
	});
});
