import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	COVERED_BY_CREDIT,
	findOffer,
	offersFor,
	pageInputs,
	validateChoice,
	type Offer,
	type OfferDebt,
	type OfferSet
} from '../../src/lib/server/offers/engine';
import { policySchema, policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, addMonths, daysBetween } from '../../src/lib/format/dates';
import { cashOffer, installmentPlans, planChoices, planFor, withCet } from '../../src/lib/offers/engine';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const allOffers = (set: OfferSet): Offer[] => [set.cash, ...set.plans];
const bp = (percent: number) => Math.round(percent * 100);

function policyWith(change: (p: Policy) => void): Policy {
	const copy = structuredClone(policyToJsonExample);
	change(copy);
	return policySchema.parse(copy);
}

function debt(id: string, principalCents: number, dueDate: string, lateFeeBp: number | null = null, interestMonthlyBp: number | null = null): OfferDebt {
	return { id, principalCents, dueDate, lateFeeBp, interestMonthlyBp };
}

// ---- generators --------------------------------------------------------------------------

const percentArb = (maxBp: number) => fc.integer({ min: 0, max: maxBp }).map((v) => v / 100);

const bandArb = fc.record({
	cashDiscountMaxPercent: percentArb(9000),
	installments: fc
		.tuple(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 2, max: 60 }))
		.map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
	minInstallmentCents: fc.integer({ min: 0, max: 30_000 }),
	minEntryPercent: percentArb(6000),
	installmentInterestMonthlyPercent: fc.oneof(fc.constant(0), percentArb(800)),
	installmentDiscountMaxPercent: percentArb(9000)
});

const policyArb: fc.Arbitrary<Policy> = fc
	.record({
		consumer: fc.boolean(),
		lateFeeBp: fc.integer({ min: 0, max: 1000 }),
		interestMonthlyPercent: percentArb(800),
		firstDueMin: fc.integer({ min: 1, max: 60 }),
		firstDueSpan: fc.integer({ min: 0, max: 59 }),
		breakToleranceDays: fc.integer({ min: 0, max: 30 }),
		bands: fc.array(fc.tuple(bandArb, fc.integer({ min: 1, max: 800 })), { minLength: 1, maxLength: 4 }),
		lastOpen: fc.boolean()
	})
	.map((g) => {
		let start = 0;
		const bands = g.bands.map(([band, length], i) => {
			const last = i === g.bands.length - 1;
			const result = { minDaysPastDue: start, maxDaysPastDue: last && g.lastOpen ? null : start + length - 1, ...band };
			start += length;
			return result;
		});
		return policySchema.parse({
			consumer: g.consumer,
			lateFeePercent: (g.consumer ? Math.min(g.lateFeeBp, 200) : g.lateFeeBp) / 100,
			interestMonthlyPercent: g.interestMonthlyPercent,
			firstDueDays: { min: g.firstDueMin, max: Math.min(60, g.firstDueMin + g.firstDueSpan) },
			breakToleranceDays: g.breakToleranceDays,
			bands
		});
	});

const todayArb = fc.integer({ min: 0, max: 365 * 15 }).map((n) => addDays('2020-01-01', n));

const debtsArb = (today: string) =>
	fc.array(
		fc.record({
			principalCents: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 100_000_000 })),
			daysLate: fc.integer({ min: -60, max: 3000 }),
			lateFeeBp: fc.option(fc.integer({ min: 0, max: 1000 })),
			interestMonthlyBp: fc.option(fc.integer({ min: 0, max: 1500 }))
		}),
		{ minLength: 1, maxLength: 5 }
	).map((rows) => rows.map((r, i) => debt(`d${i}`, r.principalCents, addDays(today, -r.daysLate), r.lateFeeBp, r.interestMonthlyBp)));

const scenarioArb = fc
	.record({ policy: policyArb, today: todayArb, firstDueOffset: fc.option(fc.integer({ min: 0, max: 59 })) })
	.chain(({ policy, today, firstDueOffset }) =>
		debtsArb(today).map((debts) => {
			const span = policy.firstDueDays.max - policy.firstDueDays.min;
			const firstDueDate =
				firstDueOffset === null ? undefined : addDays(today, policy.firstDueDays.min + (firstDueOffset % (span + 1)));
			return { policy, today, debts, firstDueDate };
		})
	);

const RUNS = { numRuns: 300 };

// ---- properties --------------------------------------------------------------------------

describe('offers, for any debts, policy and day', () => {
	it('every schedule sums to its total to the cent', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				for (const offer of allOffers(offersFor(s))) {
					expect(sum(offer.installments.map((i) => i.amountCents))).toBe(offer.totalCents);
					expect(offer.installments.length).toBe(offer.count);
					expect(offer.installments.every((i) => Number.isSafeInteger(i.amountCents))).toBe(true);
				}
			}),
			RUNS
		);
	});

	it('totals are the updated value minus the discount plus interest, and savings are their difference', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				expect(set.updatedTotalCents).toBe(sum(set.breakdown.map((b) => b.totalCents)));
				for (const offer of allOffers(set)) {
					expect(offer.totalCents).toBe(set.updatedTotalCents - offer.discountCents + offer.interestCents);
					expect(offer.savingsCents).toBe(set.updatedTotalCents - offer.totalCents);
					expect(offer.interestCents).toBeGreaterThanOrEqual(0);
					expect(offer.entryCents).toBe(offer.installments[0].amountCents);
				}
			}),
			RUNS
		);
	});

	it("no offer's discount exceeds its band cap", () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				const updated = BigInt(set.updatedTotalCents);
				const cashCap = BigInt(bp(set.band.cashDiscountMaxPercent));
				const planCap = BigInt(bp(set.band.installmentDiscountMaxPercent));
				expect(BigInt(set.cash.discountCents) * 10_000n <= updated * cashCap).toBe(true);
				for (const plan of set.plans) expect(BigInt(plan.discountCents) * 10_000n <= updated * planCap).toBe(true);
			}),
			RUNS
		);
	});

	it('the band is the one covering the oldest debt', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				expect(set.daysPastDue).toBe(Math.max(...set.breakdown.map((b) => b.daysPastDue)));
				const covering = s.policy.bands.find(
					(b) => b.minDaysPastDue <= set.daysPastDue && (b.maxDaysPastDue === null || set.daysPastDue <= b.maxDaysPastDue)
				);
				expect(set.band).toEqual(covering ?? s.policy.bands[s.policy.bands.length - 1]);
			}),
			RUNS
		);
	});

	it("installment counts stay within the band's range, ascending, one offer per count", () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				expect(set.cash.count).toBe(1);
				expect(set.cash.kind).toBe('cash');
				const counts = set.plans.map((p) => p.count);
				expect(counts).toEqual([...counts].sort((a, b) => a - b));
				expect(new Set(counts).size).toBe(counts.length);
				for (const plan of set.plans) {
					expect(plan.kind).toBe('installments');
					expect(plan.count).toBeGreaterThanOrEqual(set.band.installments.min);
					expect(plan.count).toBeLessThanOrEqual(set.band.installments.max);
				}
			}),
			RUNS
		);
	});

	it('every installment, entry included, is at least the minimum installment', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				const tooSmall = set.plans
					.flatMap((plan) => plan.installments)
					.filter((p) => p.amountCents < set.band.minInstallmentCents || p.amountCents <= 0);
				expect(tooSmall).toEqual([]);
			}),
			RUNS
		);
	});

	it('the entry is at least the minimum entry share', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				for (const plan of set.plans) {
					const base = BigInt(set.updatedTotalCents - plan.discountCents);
					expect(BigInt(plan.entryCents) * 10_000n >= base * BigInt(bp(set.band.minEntryPercent))).toBe(true);
				}
			}),
			RUNS
		);
	});

	it('the first due date is inside the window and the rest follow month by month', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const set = offersFor(s);
				expect(set.firstDueWindow).toEqual({
					min: addDays(s.today, s.policy.firstDueDays.min),
					max: addDays(s.today, s.policy.firstDueDays.max)
				});
				expect(set.firstDueDate >= set.firstDueWindow.min && set.firstDueDate <= set.firstDueWindow.max).toBe(true);
				expect(set.firstDueDate).toBe(s.firstDueDate ?? set.firstDueWindow.min);
				const expectedDates = Array.from({ length: 61 }, (_, k) => addMonths(set.firstDueDate, k));
				for (const offer of allOffers(set)) {
					expect(offer.installments.map((p) => [p.seq, p.dueDate])).toEqual(
						expectedDates.slice(0, offer.count).map((d, k) => [k + 1, d])
					);
				}
			}),
			RUNS
		);
	});

	it('shows the effective rate exactly when interest is charged', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				for (const offer of allOffers(offersFor(s))) {
					if (offer.interestCents > 0) {
						expect(offer.cetMonthly).toBeGreaterThan(0);
						expect(offer.cetYearly).toBeGreaterThan(offer.cetMonthly!);
					} else {
						expect(offer.cetMonthly).toBeNull();
						expect(offer.cetYearly).toBeNull();
					}
				}
			}),
			RUNS
		);
	});

	it('gives the same offers for the same inputs', () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				expect(offersFor(structuredClone(s))).toEqual(offersFor(s));
			}),
			{ numRuns: 100 }
		);
	});
});

describe('the offers page computes the plans in the browser', () => {
	// The page ships `pageInputs(set)` (serialised: JSON here) and runs `$lib/offers/engine` on it.
	const inBrowser = (set: OfferSet) => {
		const shipped = JSON.parse(JSON.stringify(pageInputs(set)));
		return { cash: cashOffer(shipped), plans: installmentPlans(shipped).map((p) => withCet(p, shipped.today)) };
	};

	it("gives exactly the server's offers, to the cent, the day and the CET, for any debts, policy and day", () => {
		fc.assert(
			fc.property(scenarioArb, (s) => {
				const server = offersFor(s);
				const browser = inBrowser(server);
				expect(browser.cash).toEqual(server.cash);
				expect(browser.plans).toEqual(server.plans);
				// What the page actually runs: the list of counts, then each plan alone.
				const shipped = JSON.parse(JSON.stringify(pageInputs(server)));
				expect(planChoices(shipped)).toEqual(server.plans.map((p) => ({ count: p.count, monthlyCents: p.installments.at(-1)!.amountCents })));
				for (const p of server.plans) expect(withCet(planFor(shipped, p.count)!, shipped.today)).toEqual(p);
				const offered = new Set(server.plans.map((p) => p.count));
				for (let n = 0; n <= 61; n++) if (!offered.has(n)) expect(planFor(shipped, n)).toBeNull();
			}),
			{ numRuns: 500 }
		);
	});

	it('ships the inputs only, a few hundred bytes however many plans', () => {
		const set = offersFor({ debts: [debt('a', 395_396, '2025-07-11')], policy: policySchema.parse(policyToJsonExample), today: '2026-01-31' });
		expect(set.plans.length).toBeGreaterThan(10);
		expect(JSON.stringify(pageInputs(set)).length).toBeLessThan(400);
	});

	it('the server refuses a plan the browser tampered with', () => {
		const s = { debts: [debt('a', 395_396, '2025-07-11')], policy: policySchema.parse(policyToJsonExample), today: '2026-01-31' };
		const shown = inBrowser(offersFor(s)).plans[3];
		const base = { ...s, kind: 'installments' as const, count: shown.count, firstDueDate: shown.installments[0].dueDate };
		const seen = { totalCents: shown.totalCents, installments: shown.installments.map((i) => i.amountCents) };
		expect(validateChoice({ ...base, expected: seen }).ok).toBe(true);
		const cheaper = { ...seen, installments: [seen.installments[0] - 1, ...seen.installments.slice(1)] };
		expect(validateChoice({ ...base, expected: cheaper })).toEqual({ ok: false, message: expect.stringMatching(/^Os valores desta proposta mudaram\./) });
		expect(validateChoice({ ...base, expected: { ...seen, totalCents: seen.totalCents - 100 } }).ok).toBe(false);
	});
});

describe('checking an accepted offer on the server', () => {
	it('accepts exactly what offersFor produced', () => {
		fc.assert(
			fc.property(scenarioArb, fc.nat(), (s, pick) => {
				const set = offersFor(s);
				const offers = allOffers(set);
				for (const offer of [set.cash, offers[pick % offers.length]]) {
					const result = validateChoice({
						...s,
						kind: offer.kind,
						count: offer.count,
						firstDueDate: set.firstDueDate,
						expected: { totalCents: offer.totalCents, installments: offer.installments.map((i) => i.amountCents) }
					});
					expect(result).toEqual({ ok: true, offer, set });
				}
			}),
			RUNS
		);
	});

	it('rejects a tampered total or installment', () => {
		fc.assert(
			fc.property(scenarioArb, fc.nat(), fc.integer({ min: 1, max: 10_000 }), fc.boolean(), (s, pick, delta, up) => {
				const set = offersFor(s);
				const offers = allOffers(set);
				const change = up ? delta : -delta;
				for (const offer of [set.cash, offers[pick % offers.length]]) {
					const amounts = offer.installments.map((i) => i.amountCents);
					const base = { ...s, kind: offer.kind, count: offer.count, firstDueDate: set.firstDueDate };
					const tamperedTotal = validateChoice({ ...base, expected: { totalCents: offer.totalCents + change, installments: amounts } });
					const lastChanged = amounts.map((a, i) => (i === amounts.length - 1 ? a + change : a));
					const tamperedInstallment = validateChoice({ ...base, expected: { totalCents: offer.totalCents, installments: lastChanged } });
					const missingInstallment = validateChoice({ ...base, expected: { totalCents: offer.totalCents, installments: amounts.slice(1) } });
					for (const result of [tamperedTotal, tamperedInstallment, missingInstallment]) {
						expect(result).toEqual({
							ok: false,
							message: 'Os valores desta proposta mudaram. Revise a oferta atualizada antes de aceitar.'
						});
					}
				}
			}),
			RUNS
		);
	});

	it('rejects installment counts that were not offered', () => {
		fc.assert(
			fc.property(scenarioArb, fc.integer({ min: -5, max: 70 }), (s, count) => {
				const set = offersFor(s);
				const firstDueDate = set.firstDueDate;
				const plansResult = validateChoice({ ...s, kind: 'installments', count, firstDueDate });
				if (set.plans.some((p) => p.count === count)) {
					expect(plansResult.ok).toBe(true);
				} else {
					expect(plansResult).toEqual({ ok: false, message: 'Esse número de parcelas não está disponível para esta dívida.' });
				}
				if (count !== 1) {
					expect(validateChoice({ ...s, kind: 'cash', count, firstDueDate })).toEqual({
						ok: false,
						message: 'Esse número de parcelas não está disponível para esta dívida.'
					});
				}
			}),
			RUNS
		);
	});

	it('rejects a first due date outside the window', () => {
		fc.assert(
			fc.property(scenarioArb, fc.integer({ min: 1, max: 400 }), (s, daysOff) => {
				const set = offersFor(s);
				for (const firstDueDate of [addDays(set.firstDueWindow.min, -daysOff), addDays(set.firstDueWindow.max, daysOff)]) {
					const result = validateChoice({ ...s, kind: 'cash', count: 1, firstDueDate });
					expect(result.ok).toBe(false);
					if (!result.ok) expect(result.message).toMatch(/^A data do primeiro pagamento deve ficar entre \d\d\/\d\d\/\d{4} e \d\d\/\d\d\/\d{4}\.$/);
				}
			}),
			RUNS
		);
	});
});

// ---- worked examples ---------------------------------------------------------------------

describe('a worked example: R$ 1.234,56 due on 01/06/2025, seen on 31/01/2026', () => {
	const debts = [debt('a', 123456, '2025-06-01')];
	const set = offersFor({ debts, policy: policyToJsonExample, today: '2026-01-31' });

	it('updates the debt with a 2% late fee and 1% a month pro rata die', () => {
		expect(set.breakdown).toEqual([
			{ id: 'a', daysPastDue: 244, principalCents: 123456, lateFeeCents: 2469, interestCents: 10041, creditCents: 0, totalCents: 135966 }
		]);
		expect(set.updatedTotalCents).toBe(135966);
		expect(set.band.minDaysPastDue).toBe(181);
	});

	it('offers 30% off for cash on the first day of the window', () => {
		expect(set.firstDueWindow).toEqual({ min: '2026-02-01', max: '2026-02-10' });
		expect(set.cash).toEqual({
			kind: 'cash',
			count: 1,
			discountCents: 40789,
			interestCents: 0,
			totalCents: 95177,
			savingsCents: 40789,
			entryCents: 95177,
			installments: [{ seq: 1, dueDate: '2026-02-01', amountCents: 95177 }],
			interestMonthlyBp: 0,
			cetMonthly: null,
			cetYearly: null
		});
	});

	it('offers 2 to 12 payments with an entry and 1,5% a month on the rest', () => {
		expect(set.plans.map((p) => p.count)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
		const two = findOffer(set, 'installments', 2)!;
		expect(two).toMatchObject({ discountCents: 20394, entryCents: 57786, interestCents: 867, totalCents: 116439, savingsCents: 19527 });
		expect(two.installments.map((i) => [i.dueDate, i.amountCents])).toEqual([
			['2026-02-01', 57786],
			['2026-03-01', 58653]
		]);
		expect(two.cetMonthly).toBeCloseTo(0.015, 3);
	});

	it('states which installment carries the rounding remainder', () => {
		const twelve = findOffer(set, 'installments', 12)!;
		expect(twelve.installments[1].amountCents - twelve.installments[2].amountCents).toBe(10);
		expect(twelve.remainderNote).toBe('A 2ª parcela inclui R$ 0,10 de arredondamento.');
		expect(findOffer(set, 'installments', 3)!.remainderNote).toBeUndefined();
	});

	it('finds offers by kind and count, and nothing else', () => {
		expect(findOffer(set, 'cash', 1)).toBe(set.cash);
		expect(findOffer(set, 'cash', 2)).toBeNull();
		expect(findOffer(set, 'installments', 1)).toBeNull();
		expect(findOffer(set, 'installments', 13)).toBeNull();
	});
});

describe('offer rules', () => {
	it('caps a consumer debt late fee at 2% even when the contract says more (CDC art. 52 §1)', () => {
		const set = offersFor({ debts: [debt('a', 100000, '2026-01-01', 1000, 0)], policy: policyToJsonExample, today: '2026-01-10' });
		expect(set.breakdown[0].lateFeeCents).toBe(2000);
	});

	it("keeps a business debt's contracted late fee", () => {
		const policy = policyWith((p) => (p.consumer = false));
		const set = offersFor({ debts: [debt('a', 100000, '2026-01-01', 1000, 0)], policy, today: '2026-01-10' });
		expect(set.breakdown[0].lateFeeCents).toBe(10000);
	});

	it('picks the band by the oldest debt, at the exact band boundary', () => {
		const at180 = offersFor({ debts: [debt('a', 100000, addDays('2026-06-30', -180)), debt('b', 5000, '2026-06-01')], policy: policyToJsonExample, today: '2026-06-30' });
		expect(at180.daysPastDue).toBe(180);
		expect(at180.band.maxDaysPastDue).toBe(180);
		const at181 = offersFor({ debts: [debt('a', 100000, addDays('2026-06-30', -181))], policy: policyToJsonExample, today: '2026-06-30' });
		expect(at181.band.minDaysPastDue).toBe(181);
	});

	it('uses the last band for debts older than every closed band', () => {
		const policy = policyWith((p) => (p.bands[2].maxDaysPastDue = 1825));
		const set = offersFor({ debts: [debt('a', 100000, '2010-01-01')], policy, today: '2026-01-01' });
		expect(set.band).toEqual(policy.bands[2]);
		expect(set.plans.length).toBeGreaterThan(0);
	});

	it('treats a debt not yet due as 0 days late', () => {
		const set = offersFor({ debts: [debt('a', 100000, '2026-03-01')], policy: policyToJsonExample, today: '2026-01-01' });
		expect(set.daysPastDue).toBe(0);
		expect(set.updatedTotalCents).toBe(100000);
	});

	it('splits without interest when the band charges none, and shows no CET', () => {
		const policy = policyWith((p) => (p.bands[0].installmentInterestMonthlyPercent = 0));
		const set = offersFor({ debts: [debt('a', 100000, '2026-01-01', 0, 0)], policy, today: '2026-01-02' });
		const three = findOffer(set, 'installments', 3)!;
		// 5% off R$ 1.000,00 = R$ 950,00; entry max(10%, 1/3) = R$ 316,67; R$ 633,33 left in two.
		expect(three.installments.map((i) => i.amountCents)).toEqual([31667, 31667, 31666]);
		expect(three.interestCents).toBe(0);
		expect(three.cetMonthly).toBeNull();
		expect(three.remainderNote).toBe('A 2ª parcela inclui R$ 0,01 de arredondamento.');
	});

	it('leaves out counts whose installments would fall below the minimum', () => {
		// R$ 200,00 at 5% off = R$ 190,00: 3 payments of about R$ 63 pass, 4 of about R$ 47 do not.
		const set = offersFor({ debts: [debt('a', 20000, '2026-01-01', 0, 0)], policy: policyToJsonExample, today: '2026-01-02' });
		expect(set.plans.map((p) => p.count)).toEqual([2, 3]);
	});

	it('still offers cash when the balance is below the minimum installment', () => {
		const set = offersFor({ debts: [debt('a', 3000, '2026-01-01', 0, 0)], policy: policyToJsonExample, today: '2026-01-02' });
		expect(set.plans).toEqual([]);
		expect(set.cash.totalCents).toBe(2700);
	});

	it('reports negative savings when interest outweighs the discount, never hiding the cost', () => {
		const policy = policyWith((p) => {
			p.bands[0].installmentDiscountMaxPercent = 0;
			p.bands[0].installmentInterestMonthlyPercent = 5;
		});
		const set = offersFor({ debts: [debt('a', 100000, '2026-01-01', 0, 0)], policy, today: '2026-01-02' });
		const six = findOffer(set, 'installments', 6)!;
		expect(six.interestCents).toBeGreaterThan(0);
		expect(six.savingsCents).toBe(-six.interestCents);
		expect(six.totalCents).toBeGreaterThan(set.updatedTotalCents);
	});

	it('keeps month-end due dates on the month end without drifting', () => {
		const policy = policyWith((p) => (p.firstDueDays = { min: 1, max: 30 }));
		const set = offersFor({ debts: [debt('a', 200000, '2026-01-01', 0, 0)], policy, today: '2026-01-20', firstDueDate: '2026-01-31' });
		expect(findOffer(set, 'installments', 4)!.installments.map((i) => i.dueDate)).toEqual([
			'2026-01-31',
			'2026-02-28',
			'2026-03-31',
			'2026-04-30'
		]);
	});

	it('moves a requested first due date outside the window to its nearest end', () => {
		const args = { debts: [debt('a', 100000, '2026-01-01')], policy: policyToJsonExample, today: '2026-01-10' };
		expect(offersFor({ ...args, firstDueDate: '2026-01-10' }).firstDueDate).toBe('2026-01-11');
		expect(offersFor({ ...args, firstDueDate: '2026-03-01' }).firstDueDate).toBe('2026-01-20');
		expect(offersFor({ ...args, firstDueDate: 'amanhã' }).firstDueDate).toBe('2026-01-11');
		expect(offersFor({ ...args, firstDueDate: '2026-01-15' }).firstDueDate).toBe('2026-01-15');
	});

	it('computes the CET from the real payment dates', () => {
		const set = offersFor({ debts: [debt('a', 100000, '2026-01-01', 0, 0)], policy: policyToJsonExample, today: '2026-01-02', firstDueDate: '2026-01-12' });
		const six = findOffer(set, 'installments', 6)!;
		const base = set.updatedTotalCents - six.discountCents;
		const pv = sum(six.installments.map((p) => p.amountCents * Math.pow(1 + six.cetMonthly!, -daysBetween('2026-01-02', p.dueDate) / 30)));
		expect(pv).toBeCloseTo(base, 4);
		expect(six.cetYearly).toBeCloseTo(Math.pow(1 + six.cetMonthly!, 12) - 1, 12);
	});

	it('offers nothing whose total passes R$ 99.999.999,99, the most one boleto carries', () => {
		// R$ 99.999.999,99 a year late: 2% fee and about 12% interest take it past the cap; only
		// plans whose discount brings them back under it remain, and cash (30% off) still fits.
		const policy = policyWith((p) => (p.bands[0].installmentInterestMonthlyPercent = 0));
		const args = { debts: [debt('a', 9_999_999_999, '2025-01-01', 200, 100)], policy, today: '2026-01-01' };
		const set = offersFor(args);
		expect(set.updatedTotalCents).toBeGreaterThan(9_999_999_999);
		for (const o of [...set.plans, ...(findOffer(set, 'cash', 1) ? [set.cash] : [])]) expect(o.totalCents).toBeLessThanOrEqual(9_999_999_999);
		// No discount at all: nothing fits, and the server check refuses cash too.
		const none = policyWith((p) => {
			for (const b of p.bands) b.cashDiscountMaxPercent = b.installmentDiscountMaxPercent = b.installmentInterestMonthlyPercent = 0;
		});
		const over = offersFor({ ...args, policy: none });
		expect(over.plans).toEqual([]);
		expect(findOffer(over, 'cash', 1)).toBeNull();
		const checked = validateChoice({ ...args, policy: none, kind: 'cash', count: 1, firstDueDate: over.firstDueDate });
		expect(checked.ok).toBe(false);
	});

	it('every offer it makes fits one slip, for any debts up to the principal cap', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 1, max: 9_999_999_999 }), { minLength: 1, maxLength: 3 }),
				fc.integer({ min: 0, max: 3650 }),
				(principals, days) => {
					const today = '2026-06-01';
					const set = offersFor({ debts: principals.map((c, i) => debt(String(i), c, addDays(today, -days), 200, 1000)), policy: policyToJsonExample, today });
					for (const o of set.plans) expect(o.totalCents).toBeLessThanOrEqual(9_999_999_999);
					if (findOffer(set, 'cash', 1)) expect(set.cash.totalCents).toBeLessThanOrEqual(9_999_999_999);
				}
			)
		);
	});

	it('refuses to make offers without debts', () => {
		expect(() => offersFor({ debts: [], policy: policyToJsonExample, today: '2026-01-01' })).toThrow();
	});
});

describe('server check messages', () => {
	const args = { debts: [debt('a', 100000, '2026-01-01')], policy: policyToJsonExample, today: '2026-01-10' };

	it('names the allowed window in Brazilian dates', () => {
		expect(validateChoice({ ...args, kind: 'cash', count: 1, firstDueDate: '2026-01-21' })).toEqual({
			ok: false,
			message: 'A data do primeiro pagamento deve ficar entre 11/01/2026 e 20/01/2026.'
		});
		expect(validateChoice({ ...args, kind: 'cash', count: 1, firstDueDate: '2026-01-10' }).ok).toBe(false);
		expect(validateChoice({ ...args, kind: 'cash', count: 1, firstDueDate: '20/01/2026' }).ok).toBe(false);
	});

	it('accepts both ends of the window', () => {
		expect(validateChoice({ ...args, kind: 'cash', count: 1, firstDueDate: '2026-01-11' }).ok).toBe(true);
		expect(validateChoice({ ...args, kind: 'cash', count: 1, firstDueDate: '2026-01-20' }).ok).toBe(true);
	});

	it('says when there is nothing to negotiate', () => {
		expect(validateChoice({ ...args, debts: [], kind: 'cash', count: 1, firstDueDate: '2026-01-11' })).toEqual({
			ok: false,
			message: 'Não há dívidas em aberto para negociar com este credor.'
		});
	});

	it('refuses an unknown kind of offer from a tampered form', () => {
		const kind = 'desconto-total' as unknown as 'cash';
		expect(validateChoice({ ...args, kind, count: 1, firstDueDate: '2026-01-11' })).toEqual({
			ok: false,
			message: 'Esse número de parcelas não está disponível para esta dívida.'
		});
	});

	it('validates the offer for the chosen date, not the default one', () => {
		const result = validateChoice({ ...args, kind: 'installments', count: 2, firstDueDate: '2026-01-15' });
		expect(result.ok && result.offer.installments.map((i) => i.dueDate)).toEqual(['2026-01-15', '2026-02-15']);
	});
});

describe('a debt with credit from earlier payments', () => {
	const base = debt('a', 123456, '2025-06-01');
	const without = offersFor({ debts: [base], policy: policyToJsonExample, today: '2026-01-31' });

	it('offers on the updated value less the credit, to the cent', () => {
		const set = offersFor({ debts: [{ ...base, creditCents: 20000 }], policy: policyToJsonExample, today: '2026-01-31' });
		expect(set.breakdown[0]).toMatchObject({ lateFeeCents: 2469, interestCents: 10041, creditCents: 20000, totalCents: 115966 });
		expect(set.updatedTotalCents).toBe(without.updatedTotalCents - 20000);
		// 30 % off the net value, floored: 115 966 × 0,3 = 34 789,8.
		expect(set.cash).toMatchObject({ discountCents: 34789, totalCents: 81177 });
		expect(validateChoice({ debts: [{ ...base, creditCents: 20000 }], policy: policyToJsonExample, today: '2026-01-31', kind: 'cash', count: 1, firstDueDate: set.firstDueDate, expected: { totalCents: 81177, installments: [81177] } }).ok).toBe(true);
	});

	it('refuses to negotiate what earlier payments already cover', () => {
		const r = validateChoice({ debts: [{ ...base, creditCents: 135966 }], policy: policyToJsonExample, today: '2026-01-31', kind: 'cash', count: 1, firstDueDate: without.firstDueDate });
		expect(r).toEqual({ ok: false, message: COVERED_BY_CREDIT });
	});
});
