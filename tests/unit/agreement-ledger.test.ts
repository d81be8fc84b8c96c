import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as ledger from '../../src/lib/server/agreements/ledger';
import { policyAfterBreak, policySchema, DEFAULT_POLICY, policyToJsonExample } from '../../src/lib/schemas/policy';
import { AGREEMENT_STATUSES, INSTALLMENT_STATUSES, agreementLabel, installmentLabel, isOpenInstallment } from '../../src/lib/agreements/status';
import { addDays } from '../../src/lib/format/dates';

describe('the slip that stands for a replaced one', () => {
	it('follows the chain of replacements to its end, and stops on a broken or circular chain', () => {
		const r = (id: string, supersededBy: string | null) => ({ id, supersededBy });
		const rows = [r('a', 'b'), r('b', 'c'), r('c', null), r('x', null)];
		expect(ledger.liveSuccessor(rows, rows[0]).id).toBe('c');
		expect(ledger.liveSuccessor(rows, rows[3]).id).toBe('x');
		expect(ledger.liveSuccessor([r('a', 'gone')], r('a', 'gone')).id).toBe('a');
		const loop = [r('p', 'q'), r('q', 'p')];
		expect(['p', 'q']).toContain(ledger.liveSuccessor(loop, loop[0]).id);
	});
});

describe('ledger: one payment', () => {
	const open = { amountCents: 10_000, paidCents: null, status: 'pending' as const, supersededBy: null };

	it('less than the installment leaves it partially paid with its remainder open', () => {
		expect(ledger.decidePayment(open, true, 4_000)).toEqual({ appliedCents: 4_000, creditCents: 0, creditReason: null, status: 'partially_paid', paidCents: 4_000 });
	});
	it('more than the remainder pays it and credits the excess', () => {
		const part = { ...open, status: 'partially_paid' as const, paidCents: 4_000 };
		expect(ledger.decidePayment(part, true, 7_000)).toEqual({ appliedCents: 6_000, creditCents: 1_000, creditReason: 'overpayment', status: 'paid', paidCents: 10_000 });
	});
	it('money for a paid installment is an overpayment; for a withdrawn slip or a closed agreement it is not payable', () => {
		expect(ledger.decidePayment({ ...open, status: 'paid', paidCents: 10_000 }, true, 500)).toMatchObject({ appliedCents: 0, creditCents: 500, creditReason: 'overpayment' });
		expect(ledger.decidePayment({ ...open, status: 'cancelled', supersededBy: 'x' }, true, 500)).toMatchObject({ appliedCents: 0, creditCents: 500, creditReason: 'not_payable' });
		expect(ledger.decidePayment(open, false, 500)).toMatchObject({ appliedCents: 0, creditCents: 500, creditReason: 'not_payable', status: 'pending' });
	});
	it('refuses a non-positive or fractional amount (a broken invariant, thrown)', () => {
		expect(() => ledger.decidePayment(open, true, 0)).toThrow();
		expect(() => ledger.decidePayment(open, true, 1.5)).toThrow();
	});
});

describe('ledger: splitting a credit over debts', () => {
	it('parts sum exactly to the amount and follow the weights within a cent', () => {
		fc.assert(
			fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.array(fc.integer({ min: 1, max: 100_000_000 }), { minLength: 1, maxLength: 8 }), (amount, weights) => {
				const parts = ledger.splitProportionally(amount, weights);
				expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
				const total = weights.reduce((a, b) => a + b, 0);
				parts.forEach((p, k) => expect(Math.abs(p - (amount * weights[k]) / total)).toBeLessThan(1 + 1e-6));
			})
		);
	});
	it('3 cents over three equal debts is one each; 100 over 1:3 is 25 and 75', () => {
		expect(ledger.splitProportionally(3, [5, 5, 5])).toEqual([1, 1, 1]);
		expect(ledger.splitProportionally(100, [1, 3])).toEqual([25, 75]);
		expect(ledger.splitProportionally(-100, [1, 3])).toEqual([-25, -75]);
	});
});

describe('ledger: breaking', () => {
	// 2026-11-19 is a Thursday; 2026-11-20 (Friday) is Consciência Negra, a national holiday since Lei 14.759/2023.
	it('counts calendar days, or business days skipping weekends and national holidays', () => {
		expect(ledger.lastDayBeforeBreak('2026-11-19', 2, false)).toBe('2026-11-21');
		expect(ledger.lastDayBeforeBreak('2026-11-19', 2, true)).toBe('2026-11-24');
		expect(ledger.breaksOn('2026-11-19', '2026-11-24', 2, true)).toBe(false);
		expect(ledger.breaksOn('2026-11-19', '2026-11-25', 2, true)).toBe(true);
		expect(ledger.breaksOn('2026-11-19', '2026-11-22', 2, false)).toBe(true);
		expect(ledger.lastDayBeforeBreak('2026-11-19', 0, true)).toBe('2026-11-19');
	});
});

describe('ledger: early payoff (CDC art. 52 §2)', () => {
	it('without interest the payoff is the sum of what is open', () => {
		expect(ledger.payoffQuote([{ remainingCents: 5_000, dueDate: '2027-01-10' }, { remainingCents: 5_001, dueDate: '2027-02-10' }], 0, '2026-12-01')).toEqual({ amountCents: 10_001, rebateCents: 0, remainingCents: 10_001 });
	});
	it('discounts each remaining installment to today at the monthly rate, pro rata over 30-day months', () => {
		// 10.000 due in 30 days at 1 % a month: 10.000 / 1,01 = 9.900,99 → 9.901.
		expect(ledger.payoffQuote([{ remainingCents: 10_000, dueDate: '2026-12-31' }], 100, '2026-12-01')).toEqual({ amountCents: 9_901, rebateCents: 99, remainingCents: 10_000 });
		// Overdue or due today: not discounted. 60 days at 2 %: 10.000 / 1,0404 = 9.611,69 → 9.612.
		expect(ledger.payoffQuote([{ remainingCents: 10_000, dueDate: '2026-11-20' }, { remainingCents: 10_000, dueDate: '2027-01-30' }], 200, '2026-12-01').amountCents).toBe(10_000 + 9_612);
	});
	it('never charges more than is open, and the rebate closes the difference exactly', () => {
		fc.assert(
			fc.property(
				fc.array(fc.record({ remainingCents: fc.integer({ min: 1, max: 10_000_000 }), days: fc.integer({ min: -60, max: 1_800 }) }), { minLength: 1, maxLength: 60 }),
				fc.integer({ min: 0, max: 1_000 }),
				(rows, bp) => {
					const q = ledger.payoffQuote(rows.map((r) => ({ remainingCents: r.remainingCents, dueDate: addDays('2026-12-01', r.days) })), bp, '2026-12-01');
					expect(q.amountCents).toBeLessThanOrEqual(q.remainingCents);
					expect(q.amountCents + q.rebateCents).toBe(q.remainingCents);
					expect(Number.isInteger(q.amountCents)).toBe(true);
					if (bp === 0 || rows.every((r) => r.days <= 0)) expect(q.rebateCents).toBe(0);
				}
			)
		);
	});
});

// ------------------------------------------------------------------ random lives of an agreement

type Row = ledger.LedgerInstallment & { id: string; dueDate: string };
type Model = {
	status: 'active' | 'settled' | 'broken' | 'cancelled';
	totalCents: number;
	payoffRebateCents: number;
	rows: Row[];
	received: number;
	excessCredits: number;
	closingCredits: number;
	seen: Set<string>;
};

type Event =
	| { type: 'pay'; row: number; amount: number; ref: string }
	| { type: 'supersede'; row: number }
	| { type: 'cancel' }
	| { type: 'break' }
	| { type: 'payoff'; bp: number };

const TODAY = '2026-12-01';
let ids = 0;

/** What lifecycle.ts does with the database, on plain rows: the same ledger decisions. */
function step(m: Model, e: Event): void {
	const live = () => m.rows.filter((r) => r.supersededBy === null && isOpenInstallment(r.status));
	switch (e.type) {
		case 'pay': {
			if (m.seen.has(e.ref)) return; // idempotent by reference
			m.seen.add(e.ref);
			const r = m.rows[e.row % m.rows.length];
			const d = ledger.decidePayment(r, m.status === 'active', e.amount);
			m.received += e.amount;
			m.excessCredits += d.creditCents;
			r.status = d.status;
			r.paidCents = d.paidCents;
			if (d.appliedCents > 0 && m.status === 'active' && ledger.isSettled(m.rows)) m.status = 'settled';
			return;
		}
		case 'supersede': {
			const open = live();
			if (m.status !== 'active' || open.length === 0) return;
			const old = open[e.row % open.length];
			const id = `i${ids++}`;
			m.rows.push({ id, dueDate: addDays(old.dueDate, 3), amountCents: ledger.openCents(old), paidCents: null, status: 'pending', supersededBy: null });
			old.status = 'cancelled';
			old.supersededBy = id;
			return;
		}
		case 'cancel':
		case 'break': {
			if (m.status !== 'active') return;
			m.closingCredits += ledger.closingCreditCents(m.rows);
			for (const r of live()) r.status = 'cancelled';
			m.status = e.type === 'cancel' ? 'cancelled' : 'broken';
			return;
		}
		case 'payoff': {
			const open = live();
			if (m.status !== 'active' || open.length === 0) return;
			const q = ledger.payoffQuote(open.map((r) => ({ remainingCents: ledger.openCents(r), dueDate: r.dueDate })), e.bp, TODAY);
			const id = `i${ids++}`;
			for (const r of open) {
				r.status = 'cancelled';
				r.supersededBy = id;
			}
			m.rows.push({ id, dueDate: TODAY, amountCents: q.amountCents, paidCents: null, status: 'pending', supersededBy: null });
			m.payoffRebateCents += q.rebateCents;
		}
	}
}

const eventArb: fc.Arbitrary<Event> = fc.oneof(
	{ weight: 8, arbitrary: fc.record({ type: fc.constant('pay' as const), row: fc.nat(), amount: fc.integer({ min: 1, max: 60_000 }), ref: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l') }) },
	{ weight: 2, arbitrary: fc.record({ type: fc.constant('supersede' as const), row: fc.nat() }) },
	{ weight: 1, arbitrary: fc.constant({ type: 'cancel' as const }) },
	{ weight: 1, arbitrary: fc.constant({ type: 'break' as const }) },
	{ weight: 1, arbitrary: fc.record({ type: fc.constant('payoff' as const), bp: fc.integer({ min: 0, max: 500 }) }) }
);

describe('ledger: no cent is lost or doubled, whatever happens', () => {
	it('paid + credited + open (+ payoff rebate) = total, and every cent received is applied or credited', () => {
		fc.assert(
			fc.property(fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 8 }), fc.array(eventArb, { maxLength: 40 }), (amounts, events) => {
				const m: Model = {
					status: 'active',
					totalCents: amounts.reduce((a, b) => a + b, 0),
					payoffRebateCents: 0,
					rows: amounts.map((a, k) => ({ id: `i${ids++}`, dueDate: addDays(TODAY, 30 * k - 10), amountCents: a, paidCents: null, status: 'pending', supersededBy: null })),
					received: 0,
					excessCredits: 0,
					closingCredits: 0,
					seen: new Set()
				};
				for (const e of events) {
					step(m, e);
					const b = ledger.balance(m, m.rows, m.closingCredits);
					expect(ledger.balanced(b), JSON.stringify({ b, e })).toBe(true);
					// Every cent received: held by an installment or credited (a closing moves held money to credit).
					expect(m.rows.reduce((s, r) => s + (r.paidCents ?? 0), 0) + m.excessCredits).toBe(m.received);
					expect(b.paidCents + b.creditedCents + m.excessCredits).toBe(m.received);
					if (m.status === 'settled') expect(b.openCents).toBe(0);
					if (m.status === 'broken' || m.status === 'cancelled') expect(b.paidCents).toBe(0);
					m.rows.forEach((r) => expect(r.paidCents ?? 0).toBeLessThanOrEqual(r.amountCents));
				}
			}),
			{ numRuns: 500 }
		);
	});
});

describe('statuses and policy', () => {
	it('one table names every status, for the portal and the staff', () => {
		expect(Object.keys(AGREEMENT_STATUSES)).toEqual(['active', 'settled', 'broken', 'cancelled']);
		expect(Object.keys(INSTALLMENT_STATUSES)).toEqual(['pending', 'partially_paid', 'paid', 'cancelled']);
		expect([agreementLabel('active'), agreementLabel('active', 'staff'), agreementLabel('broken'), installmentLabel('partially_paid')]).toEqual(['Em dia', 'Ativo', 'Quebrado', 'Paga em parte']);
	});
	it('older policies stay valid (calendar days, no after-break entry); after a break the entry is raised, never lowered', () => {
		const { breakToleranceUnit: _unit, afterBreak: _after, ...old } = policyToJsonExample;
		const parsed = policySchema.parse(old);
		expect(parsed.breakToleranceUnit).toBeUndefined();
		expect(policyAfterBreak(parsed, true)).toEqual(parsed);
		expect(policySchema.safeParse({ ...DEFAULT_POLICY, breakToleranceUnit: 'weeks' }).success).toBe(false);
		const raised = policyAfterBreak(policyToJsonExample, true);
		expect(raised.bands.map((b) => b.minEntryPercent)).toEqual([20, 20, 20]);
		expect(policyAfterBreak({ ...policyToJsonExample, afterBreak: { minEntryPercent: 1 } }, true).bands.map((b) => b.minEntryPercent)).toEqual([10, 10, 5]);
		expect(policyAfterBreak(policyToJsonExample, false)).toBe(policyToJsonExample);
	});
});
