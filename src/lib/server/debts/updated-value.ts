import { daysBetween } from '../../format/dates';
import { CONSUMER_LATE_FEE_MAX_PERCENT, percentToBp, type Policy } from '../../schemas/policy';

export interface DebtTerms {
	principalCents: number;
	dueDate: string;
	/** Basis points; `null` falls back to the policy default. */
	lateFeeBp: number | null;
	/** Basis points per month; `null` falls back to the policy default. */
	interestMonthlyBp: number | null;
	/**
	 * The debt's credit balance: money the debtor already paid on it that no agreement holds
	 * (the sum of its `debt_credits`; a negative sum counts as none). Absent means none.
	 */
	creditCents?: number;
}

export interface ValueDefaults {
	lateFeeBp: number;
	interestMonthlyBp: number;
}

/**
 * What a debt is worth on a given day, every part in cents:
 * `totalCents = principalCents + lateFeeCents + interestCents − creditCents`.
 */
export interface ValueBreakdown {
	daysPastDue: number;
	principalCents: number;
	lateFeeCents: number;
	interestCents: number;
	/** What was paid before and is taken off (at most the charges, so the total never goes below 0). */
	creditCents: number;
	totalCents: number;
}

/** numerator / denominator rounded half up, exact for any safe-integer inputs. */
function divideRoundHalfUp(numerator: bigint, denominator: bigint): number {
	return Number((numerator * 2n + denominator) / (denominator * 2n));
}

function assertNonNegativeInteger(name: string, value: number): void {
	if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} inválido: ${value}`);
}

/**
 * Updated value = principal + late fee + default interest − credit (no monetary correction yet).
 *
 * - Late fee (*multa*): charged once, as soon as the debt is a day late, on the principal.
 *   Callers enforce the consumer cap (CDC art. 52 §1, 2 %); this function applies the rate given.
 * - Default interest (*juros de mora*): simple, never compounded, on the principal only, and
 *   pro rata die: principal × monthly rate × days late ÷ 30. The commercial 30-day month keeps
 *   the daily rate the same in every month, which is how contracts quote it.
 *
 * Both parts are rounded half up to the cent. Nothing is owed beyond the principal until the
 * day after the due date.
 *
 * - Credit: what the debtor paid before (a broken or cancelled agreement, an overpayment) is
 *   taken off the total, never below zero. Código Civil art. 354 imputes a payment first to
 *   interest, then to principal; we take the credit off the total and keep default interest
 *   accruing on the full principal. That is exact while the credit is at most the late fee plus
 *   the interest (it pays them, the principal is untouched). When it is more, strict imputation
 *   would stop interest on the part that repaid principal from the day it was paid; the credit
 *   rows do not carry those days (a break credits what its installments held on the day it
 *   breaks, and a credit may be used by an agreement and handed back), so the creditor's
 *   discounts must absorb that difference. Kept visible as its own part so every screen and the
 *   termo can show it.
 */
export function updatedValue(debt: DebtTerms, defaults: ValueDefaults, today: string): ValueBreakdown {
	const lateFeeBp = debt.lateFeeBp ?? defaults.lateFeeBp;
	const interestMonthlyBp = debt.interestMonthlyBp ?? defaults.interestMonthlyBp;
	assertNonNegativeInteger('principalCents', debt.principalCents);
	assertNonNegativeInteger('lateFeeBp', lateFeeBp);
	assertNonNegativeInteger('interestMonthlyBp', interestMonthlyBp);
	const creditBalance = debt.creditCents ?? 0;
	if (!Number.isSafeInteger(creditBalance)) throw new RangeError(`creditCents inválido: ${creditBalance}`);

	const daysPastDue = Math.max(0, daysBetween(debt.dueDate, today));
	const principal = BigInt(debt.principalCents);
	const lateFeeCents = daysPastDue === 0 ? 0 : divideRoundHalfUp(principal * BigInt(lateFeeBp), 10_000n);
	const interestCents = daysPastDue === 0 ? 0 : divideRoundHalfUp(principal * BigInt(interestMonthlyBp) * BigInt(daysPastDue), 10_000n * 30n);
	const grossCents = debt.principalCents + lateFeeCents + interestCents;
	const creditCents = Math.min(Math.max(0, creditBalance), grossCents);
	return {
		daysPastDue,
		principalCents: debt.principalCents,
		lateFeeCents,
		interestCents,
		creditCents,
		totalCents: grossCents - creditCents
	};
}

/**
 * The updated value under a creditor's policy: the policy's rates fill in where the debt has
 * none, and a consumer debt's late fee never exceeds 2 % whatever the contract says
 * (CDC art. 52 §1). Every screen and the offer engine go through here so they show one number.
 */
export function updatedValueUnderPolicy(debt: DebtTerms, policy: Policy, today: string): ValueBreakdown {
	const defaults = {
		lateFeeBp: percentToBp(policy.lateFeePercent),
		interestMonthlyBp: percentToBp(policy.interestMonthlyPercent)
	};
	const lateFeeBp = debt.lateFeeBp ?? defaults.lateFeeBp;
	const cappedLateFeeBp = policy.consumer ? Math.min(lateFeeBp, percentToBp(CONSUMER_LATE_FEE_MAX_PERCENT)) : lateFeeBp;
	return updatedValue({ ...debt, lateFeeBp: cappedLateFeeBp }, defaults, today);
}
