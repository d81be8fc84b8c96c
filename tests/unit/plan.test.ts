import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	annualFromMonthly,
	effectiveMonthlyRate,
	pricePayment,
	splitInstallments
} from '../../src/lib/offers/plan';

describe('splitting a total into installments', () => {
	it('gives the remainder to the first installment', () => {
		expect(splitInstallments(1000, 3)).toEqual([334, 333, 333]);
		expect(splitInstallments(900, 3)).toEqual([300, 300, 300]);
		expect(splitInstallments(5, 1)).toEqual([5]);
	});

	it('always sums to the total to the cent', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 60 }), (total, count) => {
				const parts = splitInstallments(total, count);
				expect(parts).toHaveLength(count);
				expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
				expect(parts[0] - parts[parts.length - 1]).toBeLessThan(count);
				expect(new Set(parts.slice(1)).size).toBeLessThanOrEqual(1);
			})
		);
	});

	it('refuses a count below one', () => {
		expect(() => splitInstallments(100, 0)).toThrow(RangeError);
		expect(() => splitInstallments(100, 1.5)).toThrow(RangeError);
	});
});

describe('Price table payment', () => {
	it('matches the textbook value: R$ 1.000,00 in 12 months at 1% is R$ 88,85', () => {
		expect(pricePayment(100000, 100, 12)).toBeCloseTo(8884.88, 2);
	});

	it('is a plain division without interest', () => {
		expect(pricePayment(100000, 0, 4)).toBe(25000);
	});

	it('pays off the balance exactly over its periods', () => {
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 1e9 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 60 }), (pv, bp, n) => {
				const pmt = pricePayment(pv, bp, n);
				let balance = pv;
				for (let k = 0; k < n; k++) balance = balance * (1 + bp / 10_000) - pmt;
				expect(Math.abs(balance)).toBeLessThan(pv * 1e-9);
			})
		);
	});
});

describe('effective monthly rate (CET)', () => {
	it('recovers the Price rate from 30-day periods', () => {
		const pmt = pricePayment(100000, 150, 6);
		const payments = Array.from({ length: 6 }, (_, k) => ({ cents: pmt, days: 30 * (k + 1) }));
		expect(effectiveMonthlyRate(100000, payments)).toBeCloseTo(0.015, 12);
	});

	it('is zero when the payments add up to the principal', () => {
		expect(effectiveMonthlyRate(1000, [{ cents: 500, days: 30 }, { cents: 500, days: 60 }])).toBeCloseTo(0, 12);
	});

	it('is negative when less than the principal comes back', () => {
		expect(effectiveMonthlyRate(1000, [{ cents: 900, days: 30 }])).toBeCloseTo(-0.1, 12);
	});

	it('counts a payment due today at face value', () => {
		expect(effectiveMonthlyRate(1000, [{ cents: 500, days: 0 }, { cents: 510, days: 30 }])).toBeCloseTo(0.02, 12);
	});

	it('finds the rate that discounts the payments back to the principal', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1000, max: 1e9 }),
				fc.array(fc.record({ cents: fc.integer({ min: 1, max: 1e8 }), days: fc.integer({ min: 1, max: 1900 }) }), {
					minLength: 1,
					maxLength: 60
				}),
				(principal, payments) => {
					const total = payments.reduce((s, p) => s + p.cents, 0);
					fc.pre(total >= principal * 0.5 && total <= principal * 20);
					const r = effectiveMonthlyRate(principal, payments);
					const pv = payments.reduce((s, p) => s + p.cents * Math.pow(1 + r, -p.days / 30), 0);
					expect(Math.abs(pv - principal)).toBeLessThan(principal * 1e-8);
				}
			)
		);
	});

	it('needs at least one payment after the base date', () => {
		expect(() => effectiveMonthlyRate(1000, [{ cents: 1000, days: 0 }])).toThrow(RangeError);
		expect(() => effectiveMonthlyRate(1000, [])).toThrow(RangeError);
	});

	it('compounds a monthly rate into a yearly one', () => {
		expect(annualFromMonthly(0.01)).toBeCloseTo(0.126825, 6);
		expect(annualFromMonthly(0)).toBe(0);
	});
});
