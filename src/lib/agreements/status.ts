/**
 * The one table of agreement and installment statuses: the values stored and sent by the API
 * (stable: never rename one), and how the portal and the back office name them in pt-BR.
 * Browser-safe: no server imports. Transitions live in `$lib/server/agreements/lifecycle`.
 */

export type Tone = 'ok' | 'warn' | 'err' | 'neutral';

export const AGREEMENT_STATUSES = {
	/** Accepted, installments being paid. */
	active: { portal: 'Em dia', staff: 'Ativo', many: 'Em dia', tone: 'ok' },
	/** Every installment paid: the agreement and its debts are settled. */
	settled: { portal: 'Quitado', staff: 'Quitado', many: 'Quitados', tone: 'ok' },
	/** An installment stayed unpaid past the tolerance: what was paid became a credit on the debts. */
	broken: { portal: 'Quebrado', staff: 'Quebrado', many: 'Quebrados', tone: 'err' },
	/** Cancelled by staff: what was paid became a credit on the debts. */
	cancelled: { portal: 'Cancelado', staff: 'Cancelado', many: 'Cancelados', tone: 'err' }
} as const satisfies Record<string, { portal: string; staff: string; many: string; tone: Tone }>;

export const INSTALLMENT_STATUSES = {
	/** Nothing paid yet. */
	pending: { label: 'Em aberto', tone: 'neutral' },
	/** Part paid: the open remainder is still due. */
	partially_paid: { label: 'Paga em parte', tone: 'warn' },
	paid: { label: 'Paga', tone: 'ok' },
	/** Withdrawn: replaced by another slip (new due date, new payment details, early payoff) or closed with its agreement. */
	cancelled: { label: 'Cancelada', tone: 'err' }
} as const satisfies Record<string, { label: string; tone: Tone }>;

export type AgreementStatus = keyof typeof AGREEMENT_STATUSES;
export type InstallmentStatus = keyof typeof INSTALLMENT_STATUSES;

export const AGREEMENT_STATUS_VALUES = Object.keys(AGREEMENT_STATUSES) as [AgreementStatus, ...AgreementStatus[]];
export const INSTALLMENT_STATUS_VALUES = Object.keys(INSTALLMENT_STATUSES) as [InstallmentStatus, ...InstallmentStatus[]];

/** Statuses in which an installment still has money to receive. */
export const OPEN_INSTALLMENT_STATUSES = ['pending', 'partially_paid'] as const satisfies readonly InstallmentStatus[];

export function isOpenInstallment(status: string): boolean {
	return (OPEN_INSTALLMENT_STATUSES as readonly string[]).includes(status);
}

export function agreementLabel(status: string, audience: 'portal' | 'staff' = 'portal'): string {
	return (AGREEMENT_STATUSES as Record<string, { portal: string; staff: string }>)[status]?.[audience] ?? status;
}

export function agreementTone(status: string): Tone {
	return (AGREEMENT_STATUSES as Record<string, { tone: Tone }>)[status]?.tone ?? 'neutral';
}

export function installmentLabel(status: string): string {
	return (INSTALLMENT_STATUSES as Record<string, { label: string }>)[status]?.label ?? status;
}

/** The CSS class of a status badge (`badge ok`, `badge err`…). */
export function badgeClass(tone: Tone): string {
	return tone === 'neutral' ? '' : tone;
}

export function installmentTone(status: string): Tone {
	return (INSTALLMENT_STATUSES as Record<string, { tone: Tone }>)[status]?.tone ?? 'neutral';
}
