/**
 * The offers for an updated value: cash and every installment count a policy band allows, from the
 * first due date. Pure, deterministic and free of server imports, so the same module runs on the
 * server (which recomputes and checks every accepted plan, see `$lib/server/offers/engine`) and in
 * the browser (the offers page ships these inputs, not the plans, and computes them there).
 */
import { addDays, addMonths, daysBetween } from '../format/dates';
import { formatBRL, MAX_AMOUNT_CENTS, percentToBp } from '../format/money';
import type { PolicyBand } from '../schemas/policy';
import { annualFromMonthly, effectiveMonthlyRate, pricePayment, splitInstallments } from './plan';

export type OfferKind = 'cash' | 'installments';

export interface ScheduledPayment {
	/** 1 is the entry (or the single cash payment). */
	seq: number;
	dueDate: string;
	amountCents: number;
}

export interface Offer {
	kind: OfferKind;
	/** Total number of payments, entry included; 1 for cash. */
	count: number;
	discountCents: number;
	interestCents: number;
	totalCents: number;
	/**
	 * `updatedTotalCents − totalCents`, signed. Negative when installment interest outweighs the
	 * discount: the plan then costs more than the updated value and the UI must say so
	 * ("custo adicional"), never show it as zero savings.
	 */
	savingsCents: number;
	/** The first payment: the entry of a plan, the whole amount for cash. */
	entryCents: number;
	installments: ScheduledPayment[];
	/** Nominal monthly rate on the financed part; 0 for cash. */
	interestMonthlyBp: number;
	/** Effective rates (CET) as decimals (0.015 = 1,5 %), `null` when no interest is charged. */
	cetMonthly: number | null;
	cetYearly: number | null;
	/** Which payment carries the rounding remainder, when there is one. */
	remainderNote?: string;
}

/** What of a policy band the plans depend on (the offers page ships exactly this). */
export type OfferBand = Pick<
	PolicyBand,
	'cashDiscountMaxPercent' | 'installmentDiscountMaxPercent' | 'minEntryPercent' | 'installmentInterestMonthlyPercent' | 'minInstallmentCents' | 'installments'
>;

/** Everything the plans of an offer set are computed from. */
export interface PlanInputs {
	updatedTotalCents: number;
	band: OfferBand;
	/** Already inside the policy's window. */
	firstDueDate: string;
	/** The CET counts each payment's days from today. */
	today: string;
}

export function bandInputs(band: PolicyBand): OfferBand {
	const { cashDiscountMaxPercent, installmentDiscountMaxPercent, minEntryPercent, installmentInterestMonthlyPercent, minInstallmentCents, installments } = band;
	return { cashDiscountMaxPercent, installmentDiscountMaxPercent, minEntryPercent, installmentInterestMonthlyPercent, minInstallmentCents, installments: { min: installments.min, max: installments.max } };
}

function bpFloor(amountCents: number, bp: number): number {
	return Number((BigInt(amountCents) * BigInt(bp)) / 10_000n);
}

function bpCeil(amountCents: number, bp: number): number {
	return Number((BigInt(amountCents) * BigInt(bp) + 9_999n) / 10_000n);
}

function ceilDiv(a: number, b: number): number {
	return Number((BigInt(a) + BigInt(b) - 1n) / BigInt(b));
}

export function firstDueWindowFor(firstDueDays: { min: number; max: number }, today: string): { min: string; max: string } {
	return { min: addDays(today, firstDueDays.min), max: addDays(today, firstDueDays.max) };
}

/** Payment k's due date and its distance from today, shared by every offer of a set. */
interface PaymentSlot {
	dueDate: string;
	days: number;
}

function paymentSlots(firstDueDate: string, count: number, today: string): PaymentSlot[] {
	const offset = daysBetween(today, firstDueDate);
	return Array.from({ length: count }, (_, k) => {
		// Each date counted from the first one, not chained, so a 31st clamped to the 28th
		// in February comes back to the 31st in March.
		const dueDate = k === 0 ? firstDueDate : addMonths(firstDueDate, k);
		return { dueDate, days: k === 0 ? offset : offset + daysBetween(firstDueDate, dueDate) };
	});
}

export function cashOffer({ updatedTotalCents, band, firstDueDate }: PlanInputs): Offer {
	const discountCents = bpFloor(updatedTotalCents, percentToBp(band.cashDiscountMaxPercent));
	const totalCents = updatedTotalCents - discountCents;
	return {
		kind: 'cash',
		count: 1,
		discountCents,
		interestCents: 0,
		totalCents,
		savingsCents: updatedTotalCents - totalCents,
		entryCents: totalCents,
		installments: [{ seq: 1, dueDate: firstDueDate, amountCents: totalCents }],
		interestMonthlyBp: 0,
		cetMonthly: null,
		cetYearly: null
	};
}

/**
 * `count` payments: an entry on the first due date, then `count − 1` monthly payments from the
 * Price table on what is left. `null` when any payment would be below the policy minimum.
 * Its CET is left `null` here (see `withCet`).
 */
function installmentOffer(updatedTotalCents: number, band: OfferBand, count: number, slots: PaymentSlot[]): Offer | null {
	const discountCents = bpFloor(updatedTotalCents, percentToBp(band.installmentDiscountMaxPercent));
	const baseCents = updatedTotalCents - discountCents;
	// Rounded up so the entry never falls short of the minimum the creditor asked for.
	const entryCents = Math.max(bpCeil(baseCents, percentToBp(band.minEntryPercent)), ceilDiv(baseCents, count));
	const financedCents = baseCents - entryCents;
	const monthlyBp = percentToBp(band.installmentInterestMonthlyPercent);
	const interestCents =
		monthlyBp === 0 || financedCents <= 0
			? 0
			: Math.round(pricePayment(financedCents, monthlyBp, count - 1) * (count - 1)) - financedCents;
	const remaining = splitInstallments(financedCents + interestCents, count - 1);

	const smallest = Math.min(entryCents, ...remaining);
	if (smallest <= 0 || smallest < band.minInstallmentCents) return null;
	// An agreement's total fits one slip (see MAX_AMOUNT_CENTS), so its installments do too.
	if (baseCents + interestCents > MAX_AMOUNT_CENTS) return null;

	const totalCents = baseCents + interestCents;
	const remainderCents = remaining.length > 1 ? remaining[0] - remaining[1] : 0;
	return {
		kind: 'installments',
		count,
		discountCents,
		interestCents,
		totalCents,
		savingsCents: updatedTotalCents - totalCents,
		entryCents,
		installments: [entryCents, ...remaining].map((amountCents, k) => ({ seq: k + 1, dueDate: slots[k].dueDate, amountCents })),
		interestMonthlyBp: monthlyBp,
		cetMonthly: null,
		cetYearly: null,
		...(remainderCents > 0 ? { remainderNote: `A 2ª parcela inclui ${formatBRL(remainderCents)} de arredondamento.` } : {})
	};
}

/**
 * Every installment plan the band allows, ascending by count, without their CET (a Newton solve
 * each): counts whose payments would fall below the policy minimum, or whose total would pass
 * MAX_AMOUNT_CENTS, are left out.
 */
export function installmentPlans(inputs: PlanInputs): Offer[] {
	const { updatedTotalCents, band, firstDueDate, today } = inputs;
	const slots = paymentSlots(firstDueDate, band.installments.max, today);
	const plans: Offer[] = [];
	for (let count = band.installments.min; count <= band.installments.max; count++) {
		const offer = installmentOffer(updatedTotalCents, band, count, slots);
		if (offer) plans.push(offer);
	}
	return plans;
}

/**
 * The offer with its effective rates (CET, Res. CMN 3.517/2007): the monthly rate at which its
 * payments, over their actual days from `today`, are worth what is financed. Cash and interest-free
 * plans have none.
 */
export function withCet(offer: Offer, today: string): Offer {
	if (offer.interestCents <= 0) return offer;
	const baseCents = offer.totalCents - offer.interestCents;
	const flows = offer.installments.map((p) => ({ cents: p.amountCents, days: daysBetween(today, p.dueDate) }));
	const monthly = effectiveMonthlyRate(baseCents, flows, offer.interestMonthlyBp / 10_000);
	return { ...offer, cetMonthly: monthly, cetYearly: annualFromMonthly(monthly) };
}
