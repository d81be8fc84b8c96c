import { addDays, daysBetween } from '../../format/dates';
import { isHoliday } from '../messaging/rules';
import { isOpenInstallment, type InstallmentStatus } from '../../agreements/status';

/**
 * The money rules of an agreement's life, pure (no clock, no database): `lifecycle.ts` loads the
 * rows, asks these functions what happens, and writes it. All amounts are integer cents.
 *
 * The agreement's balance, at every moment:
 *   paid + credited + open + payoffRebate = total
 * - paid:     money applied to its installments and still held by the agreement;
 * - credited: money once applied, handed back to the debts when the agreement was cancelled or broken;
 * - open:     what its installments still wait for (for a closed agreement: what they waited for
 *             when it closed);
 * - payoffRebate: interest waived by an early payoff (CDC art. 52 §2).
 * And every cent received is either applied to an installment or a credit on the debts:
 *   received = Σ applied + Σ credits from its payments (overpayment, not_payable).
 * Credit from earlier payments that the agreement used at acceptance ('applied', handed back as
 * 'released' when it closes) is outside this balance: its total was already computed net of it.
 */

export type LedgerInstallment = {
	amountCents: number;
	paidCents: number | null;
	status: InstallmentStatus;
	supersededBy: string | null;
};

export type PaymentDecision = {
	/** What the installment keeps. */
	appliedCents: number;
	/** What becomes a credit on the debts (never lost, never silently kept). */
	creditCents: number;
	creditReason: 'overpayment' | 'not_payable' | null;
	/** The installment after it (unchanged when nothing is applied). */
	status: InstallmentStatus;
	paidCents: number;
};

export function openCents(i: Pick<LedgerInstallment, 'amountCents' | 'paidCents'>): number {
	return i.amountCents - (i.paidCents ?? 0);
}

/**
 * Where a payment of `amountCents` for this installment goes. An open installment of an active
 * agreement takes up to its open remainder (less makes it partially paid); the rest is a credit.
 * A paid installment's money is an overpayment; a withdrawn slip's or a closed agreement's is
 * `not_payable`: both wholly credited.
 */
export function decidePayment(inst: LedgerInstallment, agreementActive: boolean, amountCents: number): PaymentDecision {
	if (!Number.isSafeInteger(amountCents) || amountCents <= 0) throw new Error(`payment amount must be positive cents: ${amountCents}`);
	const paid = inst.paidCents ?? 0;
	const payable = agreementActive && inst.supersededBy === null && isOpenInstallment(inst.status);
	if (!payable) {
		const reason = inst.status === 'paid' && inst.supersededBy === null && agreementActive ? 'overpayment' : 'not_payable';
		return { appliedCents: 0, creditCents: amountCents, creditReason: reason, status: inst.status, paidCents: paid };
	}
	const applied = Math.min(amountCents, inst.amountCents - paid);
	const after = paid + applied;
	return {
		appliedCents: applied,
		creditCents: amountCents - applied,
		creditReason: amountCents > applied ? 'overpayment' : null,
		status: after === inst.amountCents ? 'paid' : 'partially_paid',
		paidCents: after
	};
}

/**
 * The slip that now stands for `slip`: itself when it was never replaced, else the end of its
 * chain of replacements (a due date moved twice; installments folded into an early payoff).
 */
export function liveSuccessor<T extends { id: string; supersededBy: string | null }>(rows: T[], slip: T): T {
	const byId = new Map(rows.map((r) => [r.id, r]));
	let at = slip;
	// A chain is at most as long as the agreement's rows; the bound only guards against a cycle.
	for (let k = 0; k < rows.length && at.supersededBy !== null; k++) {
		const next = byId.get(at.supersededBy);
		if (!next) break;
		at = next;
	}
	return at;
}

/** Live installments: not superseded and not withdrawn. An agreement is settled when each is paid. */
export function isSettled(rows: LedgerInstallment[]): boolean {
	const live = rows.filter((i) => i.supersededBy === null && i.status !== 'cancelled');
	return live.length > 0 && live.every((i) => i.status === 'paid');
}

/** What closing (cancel or break) hands back to the debts: everything its installments hold. */
export function closingCreditCents(rows: LedgerInstallment[]): number {
	return rows.reduce((sum, i) => sum + (i.paidCents ?? 0), 0);
}

/**
 * Splits `amount` over weights (e.g. each debt's updated value) so the parts sum exactly to it:
 * floor shares, then one cent each to the largest remainders (ties to the earlier position).
 */
export function splitProportionally(amount: number, weights: number[]): number[] {
	if (weights.length === 0) throw new Error('nothing to split over');
	const total = weights.reduce((a, b) => a + b, 0);
	if (total <= 0) return weights.map((_, k) => (k === 0 ? amount : 0));
	const sign = amount < 0 ? -1 : 1;
	const abs = Math.abs(amount);
	const exact = weights.map((w) => (BigInt(abs) * BigInt(w)));
	const parts = exact.map((e) => Number(e / BigInt(total)));
	const rest = exact.map((e, k) => ({ k, r: Number(e % BigInt(total)) })).sort((a, b) => b.r - a.r || a.k - b.k);
	let left = abs - parts.reduce((a, b) => a + b, 0);
	for (const { k } of rest) {
		if (left === 0) break;
		parts[k]++;
		left--;
	}
	return parts.map((p) => sign * p);
}

export type Balance = { totalCents: number; paidCents: number; creditedCents: number; openCents: number; payoffRebateCents: number };

/**
 * The balance of an agreement from its rows. `closingCredits` is the sum of its 'cancelled' /
 * 'broken' credits. Open counts the installments that were not replaced and are not paid: for
 * an active agreement the live ones; for a closed one those its closing withdrew.
 */
export function balance(agreement: { totalCents: number; payoffRebateCents: number }, rows: LedgerInstallment[], closingCredits: number): Balance {
	const applied = closingCreditCents(rows);
	const open = rows.filter((i) => i.supersededBy === null && i.status !== 'paid').reduce((s, i) => s + openCents(i), 0);
	return { totalCents: agreement.totalCents, paidCents: applied - closingCredits, creditedCents: closingCredits, openCents: open, payoffRebateCents: agreement.payoffRebateCents };
}

export function balanced(b: Balance): boolean {
	return b.paidCents + b.creditedCents + b.openCents + b.payoffRebateCents === b.totalCents && b.paidCents >= 0 && b.openCents >= 0;
}

// ------------------------------------------------------------------ breaking

function isBusinessDay(iso: string): boolean {
	const weekday = new Date(`${iso}T12:00:00Z`).getUTCDay();
	return weekday !== 0 && weekday !== 6 && !isHoliday(null, iso);
}

/**
 * The last day an installment due on `dueDate` may still be paid before the agreement breaks:
 * `days` calendar days after it, or `days` business days (no weekends, no national holidays).
 */
export function lastDayBeforeBreak(dueDate: string, days: number, businessDays: boolean): string {
	if (!businessDays) return addDays(dueDate, days);
	let d = dueDate;
	for (let left = days; left > 0; ) {
		d = addDays(d, 1);
		if (isBusinessDay(d)) left--;
	}
	return d;
}

/** Whether an installment still open on `today` breaks its agreement. */
export function breaksOn(dueDate: string, today: string, days: number, businessDays: boolean): boolean {
	return today > lastDayBeforeBreak(dueDate, days, businessDays);
}

// ------------------------------------------------------------------ early payoff

export type PayoffQuote = { amountCents: number; rebateCents: number; remainingCents: number };

/**
 * CDC art. 52 §2: paying early reduces the interest proportionally. The payoff is the present value,
 * at the agreement's monthly rate i, of each open remainder r_k due on d_k, to `today`:
 *
 *   payoff = round( Σ r_k / (1 + i)^(n_k / 30) ),   n_k = max(0, days from today to d_k)
 *
 * (pro rata die over 30-day months; an installment due today or overdue is not discounted).
 * Rounded once, to the nearest cent; never more than the sum of the remainders.
 */
export function payoffQuote(open: { remainingCents: number; dueDate: string }[], interestMonthlyBp: number, today: string): PayoffQuote {
	const remaining = open.reduce((s, o) => s + o.remainingCents, 0);
	const rate = interestMonthlyBp / 10_000;
	const pv = open.reduce((s, o) => s + o.remainingCents / Math.pow(1 + rate, Math.max(0, daysBetween(today, o.dueDate)) / 30), 0);
	const amount = Math.min(remaining, Math.round(pv));
	return { amountCents: amount, rebateCents: remaining - amount, remainingCents: remaining };
}
