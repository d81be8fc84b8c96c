/**
 * How a return file's record meets our installments: pure rules, no database, no clock.
 * The importer (`retorno-import.ts`) loads the candidates and applies what these decide.
 */
import type { RetornoRecord } from '../cnab/retorno';
import type { BoletoRegistrationStatus } from '../../db/schema';

/** Digits without the left padding: how a nosso número is compared (the index uses the same form). */
export function numberKey(value: string | null | undefined): string {
	return (value ?? '').replace(/\D/g, '').replace(/^0+/, '');
}

/**
 * The forms under which our nosso número may come back in this bank's field, most likely first.
 * Banco do Brasil (7-digit convênio) returns convênio + 10-digit sequence; Bradesco 400 returns
 * the 11 digits plus the check digit; Sicoob returns the number with its check digit.
 */
export function nossoNumeroKeys(bankCode: string, digits: string): string[] {
	const keys = [numberKey(digits)];
	if (bankCode === '001' && digits.length >= 17) keys.unshift(numberKey(digits.slice(7, 17)));
	if (bankCode === '237' && digits.length === 12) keys.unshift(numberKey(digits.slice(0, 11)));
	if (bankCode === '756' && digits.length >= 2) keys.push(numberKey(digits.slice(0, -1)));
	return [...new Set(keys.filter((k) => k !== ''))];
}

/** Two agency or account numbers name the same one: equal digits, or equal once the check digit is dropped. Unknown matches. */
export function sameBankNumber(fromFile: string | null | undefined, ours: string | null | undefined): boolean {
	const f = numberKey(fromFile);
	const o = numberKey(ours);
	if (!f || !o) return true;
	return f === o || numberKey(f.slice(0, -1)) === o || numberKey(o.slice(0, -1)) === f;
}

/**
 * The external id of a boleto payment: the same bank payment arriving in two files (a re-sent
 * day, a 240 and a 400 of the same account) gives the same id and so is recorded once.
 * Bank, nosso número (without padding), the day it was paid and the amount paid.
 */
export function paymentExternalId(bankCode: string, nossoNumeroKey: string, paidOn: string, paidCents: number): string {
	return `boleto:${bankCode}:${nossoNumeroKey}:${paidOn}:${paidCents}`;
}

/** The calendar day the money was paid: the occurrence, else the credit, else the file's date. */
export function paidOnOf(record: Pick<RetornoRecord, 'occurredOn' | 'creditedOn'>, fileDate?: string): string | undefined {
	return record.occurredOn ?? record.creditedOn ?? fileDate;
}

export type Candidate = {
	id: string;
	creditorId: string;
	agreementId: string;
	agreementStatus: string;
	status: string;
	supersededBy: string | null;
	amountCents: number;
	paidCents: number | null;
	nossoNumero: string;
	boletoAgency: string;
	boletoAccount: string;
	dueDate: string;
};

export type ReviewReason =
	| 'unmatched'
	| 'ambiguous'
	| 'other_account'
	| 'not_payable'
	| 'already_paid'
	| 'agreement_closed'
	| 'no_amount'
	| 'unknown_movement'
	| 'other_movement'
	| 'payment_refused';

export const REVIEW_REASONS: Record<ReviewReason, string> = {
	unmatched: 'Nenhuma parcela com este nosso número',
	ambiguous: 'Mais de uma parcela com este nosso número',
	other_account: 'Nosso número de outra conta de cobrança',
	not_payable: 'Parcela cancelada ou substituída',
	already_paid: 'Parcela já paga',
	agreement_closed: 'Acordo encerrado',
	no_amount: 'Liquidação sem valor pago',
	unknown_movement: 'Código de movimento desconhecido',
	other_movement: 'Movimento sem tratamento automático',
	payment_refused: 'Pagamento não registrado'
};

export type Decision =
	| { action: 'pay'; installment: Candidate; externalId: string; paidOn: string; amountCents: number }
	| { action: 'duplicate'; installment: Candidate; externalId: string }
	| { action: 'registration'; installment: Candidate; status: BoletoRegistrationStatus }
	/** Informative about a known installment (the bank confirming our instruction): kept in the report, nothing else. */
	| { action: 'note'; installment: Candidate }
	| { action: 'review'; reason: ReviewReason; message: string; installment?: Candidate; externalId?: string; paidOn?: string };

const REGISTRATION: Partial<Record<string, BoletoRegistrationStatus>> = {
	entry_confirmed: 'registered',
	rejected: 'rejected',
	written_off: 'written_off'
};

function describe(r: RetornoRecord): string {
	return `${r.movement.code} – ${r.movement.label}`;
}

/**
 * What to do with one record, given the installments of the tenant whose nosso número matches
 * it for this bank (`candidates`), the file's account and the external ids already recorded.
 * Money never lands on a slip that cannot take it: that goes to a person.
 */
export function decide(
	record: RetornoRecord,
	ctx: {
		bankCode: string;
		fileDate?: string;
		account: { agency?: string; account?: string };
		candidates: Candidate[];
		recorded: ReadonlySet<string>;
	}
): Decision {
	const kind = record.movement.kind;
	const inAccount = ctx.candidates.filter((c) => sameBankNumber(ctx.account.agency, c.boletoAgency) && sameBankNumber(ctx.account.account, c.boletoAccount));
	// A superseded slip keeps its nosso número: prefer the live one when both answer.
	const live = inAccount.filter((c) => c.status !== 'cancelled' && c.supersededBy === null);
	const pool = live.length > 0 ? live : inAccount;
	const match = pool.length === 1 ? pool[0] : undefined;
	const isPayment = kind === 'paid' || kind === 'paid_after_write_off';
	const paidOn = paidOnOf(record, ctx.fileDate);

	if (kind === 'unknown') {
		return { action: 'review', reason: 'unknown_movement', message: `${describe(record)}: nunca é contado como pago sem a conferência de uma pessoa.`, installment: match };
	}
	if (kind === 'other') {
		return { action: 'review', reason: 'other_movement', message: `${describe(record)}.`, installment: match };
	}
	if (!match) {
		const reason: ReviewReason = pool.length > 1 ? 'ambiguous' : ctx.candidates.length > 0 ? 'other_account' : 'unmatched';
		const message =
			reason === 'ambiguous'
				? `Mais de uma parcela tem o nosso número ${record.nossoNumero}: escolha a certa.`
				: reason === 'other_account'
					? `O nosso número ${record.nossoNumero} é de parcela de outra agência ou conta, não da conta deste arquivo.`
					: `Nenhuma parcela tem o nosso número ${record.nossoNumero}.`;
		return { action: 'review', reason, message: `${describe(record)}. ${message}` };
	}
	if (kind === 'instruction_confirmed') return { action: 'note', installment: match };
	if (!isPayment) {
		return { action: 'registration', installment: match, status: REGISTRATION[kind]! };
	}
	if (record.paidCents <= 0 || !paidOn) {
		return { action: 'review', reason: 'no_amount', message: `${describe(record)} sem valor pago ou sem data: confira no extrato do banco.`, installment: match };
	}
	const externalId = paymentExternalId(ctx.bankCode, numberKey(match.nossoNumero), paidOn, record.paidCents);
	if (ctx.recorded.has(externalId)) return { action: 'duplicate', installment: match, externalId };
	const review = (reason: ReviewReason, why: string): Decision => ({
		action: 'review',
		reason,
		message: `${describe(record)}: ${why} O valor não foi lançado; associe a outra parcela ou descarte.`,
		installment: match,
		externalId,
		paidOn
	});
	if (match.agreementStatus !== 'active') return review('agreement_closed', 'o acordo desta parcela está encerrado.');
	// A replaced slip of a live agreement is paid: the payment goes to the installment that replaced it (lifecycle).
	if (match.supersededBy !== null) return { action: 'pay', installment: match, externalId, paidOn, amountCents: record.paidCents };
	if (match.status === 'cancelled') return review('not_payable', 'a parcela foi cancelada.');
	if (match.status === 'paid') return review('already_paid', 'a parcela já estava paga.');
	return { action: 'pay', installment: match, externalId, paidOn, amountCents: record.paidCents };
}
