/**
 * The offer engine: from a debtor's debts with one creditor, that creditor's policy and the date,
 * the offers the portal shows. Pure and deterministic: the same inputs give the same offers, so
 * the server can recompute and check any plan a browser sends back.
 */
import { addDays, addMonths, daysBetween, formatDateBR, isIsoDate } from '../../format/dates';
import { formatBRL, MAX_AMOUNT_CENTS, MAX_AMOUNT_TEXT } from '../../format/money';
import { percentToBp, type Policy, type PolicyBand } from '../../schemas/policy';
import { updatedValueUnderPolicy, type ValueBreakdown } from '../debts/updated-value';
import { annualFromMonthly, effectiveMonthlyRate, pricePayment, splitInstallments } from './plan';

export interface OfferDebt {
	id: string;
	principalCents: number;
	dueDate: string;
	lateFeeBp: number | null;
	interestMonthlyBp: number | null;
	/** The debt's credit balance (see `DebtTerms.creditCents`): taken off its updated value. */
	creditCents?: number;
}

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

export interface OfferSet {
	breakdown: Array<ValueBreakdown & { id: string }>;
	updatedTotalCents: number;
	/** The oldest debt's days past due: it decides the band. */
	daysPastDue: number;
	band: PolicyBand;
	firstDueWindow: { min: string; max: string };
	firstDueDate: string;
	/** Offered only when `totalCents` ≤ MAX_AMOUNT_CENTS (`findOffer` and `fits` check). */
	cash: Offer;
	/**
	 * Ascending by count; counts whose payments would fall below the policy minimum, or whose total
	 * would pass MAX_AMOUNT_CENTS, are left out.
	 */
	plans: Offer[];
}

export interface OffersInput {
	debts: OfferDebt[];
	policy: Policy;
	today: string;
	/** Defaults to the window's first day; a date outside the window is moved to its nearest end. */
	firstDueDate?: string;
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

/**
 * The band covering the oldest debt. Days past the last closed band use the last band, so an
 * old debt still gets that band's offers rather than none.
 */
function bandFor(policy: Policy, daysPastDue: number): PolicyBand {
	const covering = policy.bands.filter((b) => b.minDaysPastDue <= daysPastDue);
	return covering[covering.length - 1] ?? policy.bands[0];
}

function firstDueWindowFor(policy: Policy, today: string): { min: string; max: string } {
	return { min: addDays(today, policy.firstDueDays.min), max: addDays(today, policy.firstDueDays.max) };
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

function cashOffer(updatedTotalCents: number, band: PolicyBand, firstDueDate: string): Offer {
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
 */
function installmentOffer(
	updatedTotalCents: number,
	band: PolicyBand,
	count: number,
	slots: PaymentSlot[]
): Offer | null {
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

	const amounts = [entryCents, ...remaining];
	const installments: ScheduledPayment[] = amounts.map((amountCents, k) => ({
		seq: k + 1,
		dueDate: slots[k].dueDate,
		amountCents
	}));
	let cet: Pick<Offer, 'cetMonthly' | 'cetYearly'> = { cetMonthly: null, cetYearly: null };
	if (interestCents > 0) {
		const flows = amounts.map((cents, k) => ({ cents, days: slots[k].days }));
		const monthly = effectiveMonthlyRate(baseCents, flows, monthlyBp / 10_000);
		cet = { cetMonthly: monthly, cetYearly: annualFromMonthly(monthly) };
	}
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
		installments,
		interestMonthlyBp: monthlyBp,
		...cet,
		...(remainderCents > 0 ? { remainderNote: `A 2ª parcela inclui ${formatBRL(remainderCents)} de arredondamento.` } : {})
	};
}

/** Every offer the policy allows for these debts today. Throws when `debts` is empty. */
export function offersFor({ debts, policy, today, firstDueDate }: OffersInput): OfferSet {
	if (debts.length === 0) throw new RangeError('offersFor: nenhuma dívida informada.');
	const breakdown = debts.map((debt) => ({ id: debt.id, ...updatedValueUnderPolicy(debt, policy, today) }));
	const updatedTotalCents = breakdown.reduce((sum, b) => sum + b.totalCents, 0);
	const daysPastDue = Math.max(...breakdown.map((b) => b.daysPastDue));
	const band = bandFor(policy, daysPastDue);

	const window = firstDueWindowFor(policy, today);
	const chosen =
		firstDueDate === undefined || !isIsoDate(firstDueDate)
			? window.min
			: firstDueDate < window.min
				? window.min
				: firstDueDate > window.max
					? window.max
					: firstDueDate;

	const slots = paymentSlots(chosen, band.installments.max, today);
	const plans: Offer[] = [];
	for (let count = band.installments.min; count <= band.installments.max; count++) {
		const offer = installmentOffer(updatedTotalCents, band, count, slots);
		if (offer) plans.push(offer);
	}
	return {
		breakdown,
		updatedTotalCents,
		daysPastDue,
		band,
		firstDueWindow: window,
		firstDueDate: chosen,
		cash: cashOffer(updatedTotalCents, band, chosen),
		plans
	};
}

/** Whether any offer of the set can be agreed: the cash total fits one slip (plans are filtered already). */
export function fits(set: OfferSet): boolean {
	return set.cash.totalCents <= MAX_AMOUNT_CENTS;
}

export function findOffer(set: OfferSet, kind: OfferKind, count: number): Offer | null {
	if (kind === 'cash') return count === 1 && fits(set) ? set.cash : null;
	if (kind === 'installments') return set.plans.find((p) => p.count === count) ?? null;
	return null;
}

/** Earlier payments cover the whole updated value: there is nothing left to negotiate. */
export const COVERED_BY_CREDIT = 'Os pagamentos que você já fez cobrem o valor destas dívidas. Fale com o credor para dar a dívida por quitada.';

export interface ChoiceInput {
	debts: OfferDebt[];
	policy: Policy;
	today: string;
	kind: OfferKind;
	count: number;
	firstDueDate: string;
	/** What the debtor saw and accepted; any difference from the recomputed offer is refused. */
	expected?: { totalCents: number; installments: number[] };
}

export type ChoiceResult = { ok: true; offer: Offer; set: OfferSet } | { ok: false; message: string };

/** The server's check of an accepted offer: everything is recomputed, nothing from the browser is trusted. */
export function validateChoice({ debts, policy, today, kind, count, firstDueDate, expected }: ChoiceInput): ChoiceResult {
	if (debts.length === 0) {
		return { ok: false, message: 'Não há dívidas em aberto para negociar com este credor.' };
	}
	const window = firstDueWindowFor(policy, today);
	if (!isIsoDate(firstDueDate) || firstDueDate < window.min || firstDueDate > window.max) {
		return {
			ok: false,
			message: `A data do primeiro pagamento deve ficar entre ${formatDateBR(window.min)} e ${formatDateBR(window.max)}.`
		};
	}
	const set = offersFor({ debts, policy, today, firstDueDate });
	if (set.updatedTotalCents === 0) return { ok: false, message: COVERED_BY_CREDIT };
	if (!fits(set)) return { ok: false, message: `O valor destas dívidas juntas passa de ${MAX_AMOUNT_TEXT}, o maior que um boleto ou Pix do portal comporta.` };
	const offer = findOffer(set, kind, count);
	if (!offer) return { ok: false, message: 'Esse número de parcelas não está disponível para esta dívida.' };
	if (
		expected &&
		(expected.totalCents !== offer.totalCents ||
			expected.installments.length !== offer.installments.length ||
			expected.installments.some((cents, i) => cents !== offer.installments[i].amountCents))
	) {
		return { ok: false, message: 'Os valores desta proposta mudaram. Revise a oferta atualizada antes de aceitar.' };
	}
	return { ok: true, offer, set };
}
