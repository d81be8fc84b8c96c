/**
 * The offer engine: from a debtor's debts with one creditor, that creditor's policy and the date,
 * the offers the portal shows. Pure and deterministic: the same inputs give the same offers, so
 * the server can recompute and check any plan a browser sends back. The plans themselves come from
 * `$lib/offers/engine`, the same module the offers page runs in the browser.
 */
import { formatDateBR, isIsoDate } from '../../format/dates';
import { MAX_AMOUNT_CENTS, MAX_AMOUNT_TEXT } from '../../format/money';
import type { Policy, PolicyBand } from '../../schemas/policy';
import { updatedValueUnderPolicy, type ValueBreakdown } from '../debts/updated-value';
import { bandInputs, cashOffer, firstDueWindowFor, installmentPlans, withCet, type Offer, type OfferKind, type PlanInputs } from '../../offers/engine';

export type { Offer, OfferKind, ScheduledPayment } from '../../offers/engine';

export interface OfferDebt {
	id: string;
	principalCents: number;
	dueDate: string;
	lateFeeBp: number | null;
	interestMonthlyBp: number | null;
	/** The debt's credit balance (see `DebtTerms.creditCents`): taken off its updated value. */
	creditCents?: number;
}

export interface OfferSet {
	breakdown: Array<ValueBreakdown & { id: string }>;
	updatedTotalCents: number;
	/** The oldest debt's days past due: it decides the band. */
	daysPastDue: number;
	band: PolicyBand;
	firstDueWindow: { min: string; max: string };
	firstDueDate: string;
	/** The date the set was computed for (each payment's CET counts its days from it). */
	today: string;
	/** Offered only when `totalCents` ≤ MAX_AMOUNT_CENTS (`findOffer` and `fits` check). */
	cash: Offer;
	/**
	 * Ascending by count; counts whose payments would fall below the policy minimum, or whose total
	 * would pass MAX_AMOUNT_CENTS, are left out. With their CET unless `offersFor` was asked not to.
	 */
	plans: Offer[];
}

export interface OffersInput {
	debts: OfferDebt[];
	policy: Policy;
	today: string;
	/** Defaults to the window's first day; a date outside the window is moved to its nearest end. */
	firstDueDate?: string;
	/** `false`: the plans without their CET (a page that shows one plan computes its CET alone). */
	cet?: boolean;
	/** `false`: no installment plans at all (`plans` is empty): a page that computes them itself. */
	plans?: boolean;
}

/**
 * The band covering the oldest debt. Days past the last closed band use the last band, so an
 * old debt still gets that band's offers rather than none.
 */
function bandFor(policy: Policy, daysPastDue: number): PolicyBand {
	const covering = policy.bands.filter((b) => b.minDaysPastDue <= daysPastDue);
	return covering[covering.length - 1] ?? policy.bands[0];
}

/** Every offer the policy allows for these debts today. Throws when `debts` is empty. */
export function offersFor({ debts, policy, today, firstDueDate, cet, plans: withPlans }: OffersInput): OfferSet {
	if (debts.length === 0) throw new RangeError('offersFor: nenhuma dívida informada.');
	const breakdown = debts.map((debt) => ({ id: debt.id, ...updatedValueUnderPolicy(debt, policy, today) }));
	const updatedTotalCents = breakdown.reduce((sum, b) => sum + b.totalCents, 0);
	const daysPastDue = Math.max(...breakdown.map((b) => b.daysPastDue));
	const band = bandFor(policy, daysPastDue);

	const window = firstDueWindowFor(policy.firstDueDays, today);
	const chosen =
		firstDueDate === undefined || !isIsoDate(firstDueDate)
			? window.min
			: firstDueDate < window.min
				? window.min
				: firstDueDate > window.max
					? window.max
					: firstDueDate;

	const inputs = { updatedTotalCents, band, firstDueDate: chosen, today };
	const plans = withPlans === false ? [] : installmentPlans(inputs);
	return {
		breakdown,
		updatedTotalCents,
		daysPastDue,
		band,
		firstDueWindow: window,
		firstDueDate: chosen,
		today,
		cash: cashOffer(inputs),
		plans: cet === false ? plans : plans.map((p) => withCet(p, today))
	};
}

/**
 * What the offers page ships to the browser: the engine's inputs, not its plans (a few hundred
 * bytes instead of every plan's schedule). `installmentPlans` and `cashOffer` of `$lib/offers/engine`
 * give back this set's offers from them, to the cent; `withCet` the CET of the one shown.
 */
export function pageInputs(set: OfferSet): PlanInputs & { firstDueWindow: { min: string; max: string } } {
	return { updatedTotalCents: set.updatedTotalCents, band: bandInputs(set.band), firstDueDate: set.firstDueDate, today: set.today, firstDueWindow: set.firstDueWindow };
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
	const window = firstDueWindowFor(policy.firstDueDays, today);
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
