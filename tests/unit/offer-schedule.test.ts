import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compactSchedules, expandRuns, paymentCount, toRuns } from '../../src/lib/offers/schedule';
import { offersFor } from '../../src/lib/server/offers/engine';
import { policySchema, policyToJsonExample } from '../../src/lib/schemas/policy';

describe('the compact schedule the offers page ships', () => {
	it('groups equal consecutive amounts', () => {
		expect(toRuns([27678, 12175, 12163, 12163, 12163])).toEqual([
			[27678, 1],
			[12175, 1],
			[12163, 3]
		]);
		expect(toRuns([])).toEqual([]);
		expect(paymentCount(toRuns([5, 5, 7]))).toBe(3);
	});

	it('expands back to the same payments on the shared dates', () => {
		fc.assert(
			fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 60 }), (amounts) => {
				const dates = amounts.map((_, k) => `2027-${String((k % 12) + 1).padStart(2, '0')}-10`);
				const back = expandRuns(toRuns(amounts), dates);
				expect(back.map((p) => p.amountCents)).toEqual(amounts);
				expect(back.map((p) => p.dueDate)).toEqual(dates);
				expect(back.map((p) => p.seq)).toEqual(amounts.map((_, k) => k + 1));
			})
		);
	});

	it('refuses to expand without a date for every payment', () => {
		expect(() => expandRuns([[100, 3]], ['2027-01-10', '2027-02-10'])).toThrow(RangeError);
	});

	it('gives back every plan of a real offer set exactly, to the cent and the day', () => {
		// The README's example policy, with a band of 2 to 24 payments.
		const policy = policySchema.parse(policyToJsonExample);
		const set = offersFor({
			debts: [{ id: 'a', principalCents: 395_396, dueDate: '2025-07-11', lateFeeBp: null, interestMonthlyBp: null }],
			policy,
			today: '2026-01-31'
		});
		expect(set.plans.length).toBeGreaterThan(10);
		const { dueDates, runs } = compactSchedules(set.plans.map((p) => p.installments));
		set.plans.forEach((p, i) => expect(expandRuns(runs[i], dueDates)).toEqual(p.installments));
	});

	it('refuses schedules that disagree on a date', () => {
		expect(() =>
			compactSchedules([
				[{ seq: 1, dueDate: '2027-01-10', amountCents: 1 }],
				[{ seq: 1, dueDate: '2027-01-11', amountCents: 1 }]
			])
		).toThrow();
	});
});
