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

// Integer division truncating toward zero, as BigInt's: exact in plain numbers while the dividend
// is a safe integer (every amount the portal charges is; BigInt, which allocates, only past that).
function divTrunc(a: number, b: number): number {
	return (a - (a % b)) / b;
}

function bpFloor(amountCents: number, bp: number): number {
	const x = amountCents * bp;
	return Number.isSafeInteger(x) ? divTrunc(x, 10_000) : Number((BigInt(amountCents) * BigInt(bp)) / 10_000n);
}

function bpCeil(amountCents: number, bp: number): number {
	const x = amountCents * bp + 9_999;
	return Number.isSafeInteger(x) ? divTrunc(x, 10_000) : Number((BigInt(amountCents) * BigInt(bp) + 9_999n) / 10_000n);
}

function ceilDiv(a: number, b: number): number {
	const x = a + b - 1;
	return Number.isSafeInteger(x) ? divTrunc(x, b) : Number((BigInt(a) + BigInt(b) - 1n) / BigInt(b));
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

/** A plan's amounts, without its schedule: `null` when any payment would be below the policy minimum. */
function planAmounts(updatedTotalCents: number, band: OfferBand, count: number) {
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
	// splitInstallments: the first monthly payment carries the remainder, the others are equal.
	const rest = financedCents + interestCents;
	const monthlyCents = Math.floor(rest / (count - 1));
	const firstMonthlyCents = rest - monthlyCents * (count - 2);
	const smallest = Math.min(entryCents, firstMonthlyCents, monthlyCents);
	if (smallest <= 0 || smallest < band.minInstallmentCents) return null;
	// An agreement's total fits one slip (see MAX_AMOUNT_CENTS), so its installments do too.
	if (baseCents + interestCents > MAX_AMOUNT_CENTS) return null;
	return { discountCents, baseCents, entryCents, financedCents, interestCents, monthlyBp, monthlyCents };
}

/**
 * `count` payments: an entry on the first due date, then `count − 1` monthly payments from the
 * Price table on what is left. `null` when any payment would be below the policy minimum.
 * Its CET is left `null` here (see `withCet`).
 */
function installmentOffer(updatedTotalCents: number, band: OfferBand, count: number, slots: PaymentSlot[]): Offer | null {
	const a = planAmounts(updatedTotalCents, band, count);
	if (!a) return null;
	const remaining = splitInstallments(a.financedCents + a.interestCents, count - 1);
	const totalCents = a.baseCents + a.interestCents;
	const remainderCents = remaining.length > 1 ? remaining[0] - remaining[1] : 0;
	return {
		kind: 'installments',
		count,
		discountCents: a.discountCents,
		interestCents: a.interestCents,
		totalCents,
		savingsCents: updatedTotalCents - totalCents,
		entryCents: a.entryCents,
		installments: [a.entryCents, ...remaining].map((amountCents, k) => ({ seq: k + 1, dueDate: slots[k].dueDate, amountCents })),
		interestMonthlyBp: a.monthlyBp,
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
 * What a list of the plans shows, without building their schedules: the counts `installmentPlans`
 * offers, each with its regular monthly payment (the last one).
 */
export function planChoices({ updatedTotalCents, band }: PlanInputs): { count: number; monthlyCents: number }[] {
	const choices: { count: number; monthlyCents: number }[] = [];
	for (let count = band.installments.min; count <= band.installments.max; count++) {
		const a = planAmounts(updatedTotalCents, band, count);
		if (a) choices.push({ count, monthlyCents: a.monthlyCents });
	}
	return choices;
}

/** The plan of `count` payments `installmentPlans` offers, alone; `null` when it offers none. */
export function planFor(inputs: PlanInputs, count: number): Offer | null {
	const { band } = inputs;
	if (!Number.isSafeInteger(count) || count < band.installments.min || count > band.installments.max) return null;
	return installmentOffer(inputs.updatedTotalCents, band, count, paymentSlots(inputs.firstDueDate, count, inputs.today));
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
