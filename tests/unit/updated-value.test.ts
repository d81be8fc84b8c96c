import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { updatedValue, updatedValueUnderPolicy } from '../../src/lib/server/debts/updated-value';
import { policyToJsonExample } from '../../src/lib/schemas/policy';
import { addDays } from '../../src/lib/format/dates';

const defaults = { lateFeeBp: 200, interestMonthlyBp: 100 };

function debt(principalCents: number, dueDate: string, lateFeeBp: number | null = null, interestMonthlyBp: number | null = null) {
	return { principalCents, dueDate, lateFeeBp, interestMonthlyBp };
}

describe('updated value of a debt', () => {
	it('is just the principal on the due date itself', () => {
		expect(updatedValue(debt(100000, '2026-03-10'), defaults, '2026-03-10')).toEqual({
			daysPastDue: 0,
			principalCents: 100000,
			lateFeeCents: 0,
			interestCents: 0,
			creditCents: 0,
			totalCents: 100000
		});
	});

	it('is just the principal before the due date', () => {
		const value = updatedValue(debt(100000, '2026-03-10'), defaults, '2026-02-01');
		expect(value.daysPastDue).toBe(0);
		expect(value.totalCents).toBe(100000);
	});

	it('charges the late fee once and one day of interest the day after the due date', () => {
		expect(updatedValue(debt(100000, '2026-03-10'), defaults, '2026-03-11')).toEqual({
			daysPastDue: 1,
			principalCents: 100000,
			lateFeeCents: 2000,
			interestCents: 33, // 1 000,00 × 1 % × 1/30 = 0,333…
			creditCents: 0,
			totalCents: 102033
		});
	});

	it('charges simple interest pro rata die on the principal, never compounded', () => {
		// 90 days at 1 % a month on R$ 1.000,00 is exactly 3 %, not 1,01³ − 1.
		expect(updatedValue(debt(100000, '2026-01-01'), defaults, '2026-04-01')).toMatchObject({
			daysPastDue: 90,
			lateFeeCents: 2000,
			interestCents: 3000,
			totalCents: 105000
		});
	});

	it("uses the debt's own contract rates over the policy defaults", () => {
		expect(updatedValue(debt(100000, '2026-01-01', 100, 300), defaults, '2026-01-31')).toMatchObject({
			lateFeeCents: 1000,
			interestCents: 3000
		});
	});

	it('charges nothing extra when the rates are zero', () => {
		expect(updatedValue(debt(100000, '2026-01-01', 0, 0), defaults, '2027-01-01').totalCents).toBe(100000);
	});

	it('rounds half a cent up', () => {
		// 2 % of 25 cents is 0,5 cent; 2 % of 24 cents is 0,48 cent.
		expect(updatedValue(debt(25, '2026-01-01'), defaults, '2026-01-02').lateFeeCents).toBe(1);
		expect(updatedValue(debt(24, '2026-01-01'), defaults, '2026-01-02').lateFeeCents).toBe(0);
		// 1 % a month over 15 days on R$ 1,00 is 0,5 cent.
		expect(updatedValue(debt(100, '2026-01-01'), defaults, '2026-01-16').interestCents).toBe(1);
	});

	it('stays exact for very large balances', () => {
		const principal = 1_000_000_000_000; // R$ 10 bilhões
		const value = updatedValue(debt(principal, '2016-01-01', 200, 999), defaults, '2026-01-01');
		const expected = (BigInt(principal) * 999n * BigInt(value.daysPastDue) * 2n + 300_000n) / 600_000n;
		expect(value.interestCents).toBe(Number(expected));
	});

	it('refuses negative or fractional amounts', () => {
		expect(() => updatedValue(debt(-1, '2026-01-01'), defaults, '2026-02-01')).toThrow(RangeError);
		expect(() => updatedValue(debt(10.5, '2026-01-01'), defaults, '2026-02-01')).toThrow(RangeError);
	});

	it('always adds up: total = principal + late fee + interest, growing with time', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 100_000_000 }),
				fc.integer({ min: 0, max: 4000 }),
				fc.option(fc.integer({ min: 0, max: 1000 })),
				fc.option(fc.integer({ min: 0, max: 1500 })),
				(principal, days, lateFeeBp, interestBp) => {
					const d = debt(principal, '2020-01-01', lateFeeBp, interestBp);
					const value = updatedValue(d, defaults, addDays('2020-01-01', days));
					const nextDay = updatedValue(d, defaults, addDays('2020-01-01', days + 1));
					expect(value.daysPastDue).toBe(days);
					expect(value.totalCents).toBe(value.principalCents + value.lateFeeCents + value.interestCents - value.creditCents);
					expect(nextDay.totalCents).toBeGreaterThanOrEqual(value.totalCents);
				}
			)
		);
	});
});

describe('updated value under a creditor policy', () => {
	it("fills the debt's gaps with the policy's rates", () => {
		expect(updatedValueUnderPolicy(debt(100000, '2026-01-01'), policyToJsonExample, '2026-01-31')).toMatchObject({
			lateFeeCents: 2000,
			interestCents: 1000
		});
	});

	it('caps a consumer late fee at 2% whatever the contract says (CDC art. 52 §1)', () => {
		const contract = debt(100000, '2026-01-01', 1000, 300);
		expect(updatedValueUnderPolicy(contract, policyToJsonExample, '2026-01-31')).toMatchObject({
			lateFeeCents: 2000,
			interestCents: 3000
		});
		const business = { ...policyToJsonExample, consumer: false };
		expect(updatedValueUnderPolicy(contract, business, '2026-01-31').lateFeeCents).toBe(10000);
	});
});

describe('credit from earlier payments', () => {
	it('is taken off the total, every part still shown', () => {
		// 90 days late: 1 000,00 + 20,00 fee + 30,00 interest − 123,45 paid before.
		expect(updatedValue({ ...debt(100000, '2026-01-01'), creditCents: 12345 }, defaults, '2026-04-01')).toEqual({
			daysPastDue: 90,
			principalCents: 100000,
			lateFeeCents: 2000,
			interestCents: 3000,
			creditCents: 12345,
			totalCents: 92655
		});
	});

	it('keeps interest accruing on the full principal (documented imputation)', () => {
		const without = updatedValue(debt(100000, '2026-01-01'), defaults, '2026-04-01');
		const withCredit = updatedValue({ ...debt(100000, '2026-01-01'), creditCents: 60000 }, defaults, '2026-04-01');
		expect(withCredit.interestCents).toBe(without.interestCents);
		expect(withCredit.totalCents).toBe(without.totalCents - 60000);
	});

	it('never takes the total below zero: only what is owed is used', () => {
		expect(updatedValue({ ...debt(100000, '2026-01-01'), creditCents: 999999 }, defaults, '2026-04-01')).toMatchObject({
			creditCents: 105000,
			totalCents: 0
		});
	});

	it('counts a negative balance (more refunded than credited) as no credit', () => {
		expect(updatedValue({ ...debt(100000, '2026-03-10'), creditCents: -500 }, defaults, '2026-03-10')).toMatchObject({ creditCents: 0, totalCents: 100000 });
	});

	it('reduces a debt not yet due too', () => {
		expect(updatedValue({ ...debt(100000, '2026-03-10'), creditCents: 100 }, defaults, '2026-03-01')).toMatchObject({ creditCents: 100, totalCents: 99900 });
	});

	it('goes through the policy the same way (the consumer cap untouched)', () => {
		const policy = { ...policyToJsonExample, consumer: true, lateFeePercent: 10 };
		const v = updatedValueUnderPolicy({ ...debt(100000, '2026-01-01'), creditCents: 1000 }, policy, '2026-04-01');
		expect(v.lateFeeCents).toBe(2000);
		expect(v.totalCents).toBe(v.principalCents + v.lateFeeCents + v.interestCents - 1000);
	});

	it('parts always add up, the credit used is never more than the balance nor the total negative', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 10_000_000_000 }),
				fc.integer({ min: 0, max: 3000 }),
				fc.integer({ min: -1_000_000, max: 20_000_000_000 }),
				(principal, days, credit) => {
					const v = updatedValue({ ...debt(principal, '2026-01-01'), creditCents: credit }, defaults, addDays('2026-01-01', days));
					expect(v.totalCents).toBe(v.principalCents + v.lateFeeCents + v.interestCents - v.creditCents);
					expect(v.totalCents).toBeGreaterThanOrEqual(0);
					expect(v.creditCents).toBeGreaterThanOrEqual(0);
					expect(v.creditCents).toBeLessThanOrEqual(Math.max(0, credit));
				}
			)
		);
	});
});
