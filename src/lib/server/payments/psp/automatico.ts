/**
 * Pix Automático as we send it (BCB "API Pix" 2.9.0: `cob`, `rec`, `cobr`) and which installment gets
 * its recurring charge on which day: pure, no I/O, no clock.
 *
 * The journey is JORNADA_3: the agreement's entry is an immediate charge (`cob`) and a recurrence
 * (`rec`) names it in `ativacao.dadosJornada.txid`; the PSP answers a composite QR that pays the entry
 * and asks the payer, in their bank app, to authorise the monthly debits of the other installments.
 */
import { addDays } from '../../../format/dates';
import { centsToAmount } from '../pix/brcode';
import type { Checked } from './cobv';

// Pix Automático: a recurring charge is sent to the payer's PSP 10 to 2 days before its due date.
export const COBR_FIRST_DAY_BEFORE = 10;
export const COBR_LAST_DAY_BEFORE = 2;
// Up to 3 retries within 7 days after a failed debit: a debtor short of money on the due date still pays by debit.
export const RETRY_POLICY = 'PERMITE_3R_7D' as const;

export type TipoConta = 'CORRENTE' | 'POUPANCA' | 'PAGAMENTO';
export type ReceivingAccount = { agencia?: string; conta: string; tipoConta: TipoConta };

/** "0001/123456-7" or "123456-7" → the receiving account a recurring charge names; null when malformed. */
export function parseReceivingAccount(text: string, tipoConta: TipoConta): ReceivingAccount | null {
	const m = /^(?:(\d{1,4})\/)?([0-9A-Za-z-]{1,20})$/.exec(text.trim());
	if (!m) return null;
	return { ...(m[1] && { agencia: m[1] }), conta: m[2], tipoConta };
}

function devedorDoc(document: string): { cpf: string } | { cnpj: string } | null {
	const doc = document.replace(/[.\-/\s]/g, '').toUpperCase();
	return /^\d{11}$/.test(doc) ? { cpf: doc } : /^[0-9A-Z]{12}\d{2}$/.test(doc) ? { cnpj: doc } : null;
}

export type CobBody = {
	calendario: { expiracao: number };
	devedor: ({ cpf: string } | { cnpj: string }) & { nome: string };
	valor: { original: string };
	chave: string;
	solicitacaoPagador?: string;
};

/** Seconds from `now` to the end (23:59:59, São Paulo) of the last day the entry may be paid. */
export function secondsUntilEndOf(lastDay: string, now: Date): number {
	// São Paulo has no daylight saving time since 2019: UTC−3 all year.
	const end = Date.parse(`${lastDay}T23:59:59-03:00`);
	return Math.floor((end - now.getTime()) / 1000);
}

/**
 * The `PUT /cob/{txid}` body for an agreement's entry: JORNADA_3 ties a recurrence to an immediate
 * charge (not a cobv), so the entry is a cob that lives until the end of its last payable day.
 */
export function cobBody(input: { lastDay: string; now: Date; debtor: { document: string; name: string }; amountCents: number; key: string; message?: string }): Checked<CobBody> {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(input.lastDay)) return { ok: false, message: 'Data limite da entrada inválida.' };
	const expiracao = secondsUntilEndOf(input.lastDay, input.now);
	if (expiracao < 60) return { ok: false, message: 'O prazo para pagar a entrada já terminou.' };
	if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 1 || input.amountCents > 9_999_999_999) return { ok: false, message: 'Valor da entrada inválido.' };
	const doc = devedorDoc(input.debtor.document);
	if (!doc) return { ok: false, message: 'CPF ou CNPJ do devedor inválido.' };
	const nome = input.debtor.name.trim().slice(0, 200);
	if (!nome) return { ok: false, message: 'Nome do devedor vazio.' };
	if (!input.key.trim() || input.key.length > 77) return { ok: false, message: 'Chave Pix inválida.' };
	return {
		ok: true,
		value: {
			calendario: { expiracao },
			devedor: { ...doc, nome },
			valor: { original: centsToAmount(input.amountCents) },
			chave: input.key.trim(),
			...(input.message && { solicitacaoPagador: input.message.slice(0, 140) })
		}
	};
}

export type RecBody = {
	vinculo: { contrato: string; devedor: ({ cpf: string } | { cnpj: string }) & { nome: string }; objeto: string };
	calendario: { dataInicial: string; dataFinal: string; periodicidade: 'MENSAL' };
	valor?: { valorRec: string } | { valorMinimoRecebedor: string };
	politicaRetentativa: 'NAO_PERMITE' | 'PERMITE_3R_7D';
	loc: number;
	ativacao: { dadosJornada: { txid: string } };
};

/**
 * The `POST /rec` body: monthly debits of the installments after the entry, from the first's due date
 * to the last's. A fixed amount (`valorRec`) only when every one asks the same; otherwise the largest
 * is the floor (`valorMinimoRecebedor`) under any limit the payer sets, so no debit is refused for it.
 */
export function recBody(input: {
	agreementCode: string;
	creditorName: string;
	debtor: { document: string; name: string };
	installments: { dueDate: string; amountCents: number }[];
	locId: number;
	entryTxid: string;
}): Checked<RecBody> {
	const rest = [...input.installments].sort((a, b) => a.dueDate.localeCompare(b.dueDate));
	if (rest.length === 0) return { ok: false, message: 'Não há parcelas depois da entrada.' };
	const doc = devedorDoc(input.debtor.document);
	if (!doc) return { ok: false, message: 'CPF ou CNPJ do devedor inválido.' };
	const nome = input.debtor.name.trim().slice(0, 140);
	if (!nome) return { ok: false, message: 'Nome do devedor vazio.' };
	if (!Number.isSafeInteger(input.locId) || input.locId < 0) return { ok: false, message: 'Location da recorrência inválida.' };
	const amounts = rest.map((i) => i.amountCents);
	if (amounts.some((a) => !Number.isSafeInteger(a) || a < 1 || a > 9_999_999_999)) return { ok: false, message: 'Valor de parcela inválido.' };
	const fixed = amounts.every((a) => a === amounts[0]);
	return {
		ok: true,
		value: {
			vinculo: { contrato: input.agreementCode.slice(0, 35), devedor: { ...doc, nome }, objeto: `Acordo ${input.creditorName}`.slice(0, 35) },
			calendario: { dataInicial: rest[0].dueDate, dataFinal: rest[rest.length - 1].dueDate, periodicidade: 'MENSAL' },
			valor: fixed ? { valorRec: centsToAmount(amounts[0]) } : { valorMinimoRecebedor: centsToAmount(Math.max(...amounts)) },
			politicaRetentativa: RETRY_POLICY,
			loc: input.locId,
			ativacao: { dadosJornada: { txid: input.entryTxid } }
		}
	};
}

export type CobrBody = {
	idRec: string;
	infoAdicional?: string;
	calendario: { dataDeVencimento: string };
	valor: { original: string };
	ajusteDiaUtil: boolean;
	recebedor: ReceivingAccount;
};

/** The `PUT /cobr/{txid}` body: one installment's debit, its open amount on its due date (moved to the next business day when it falls on none). */
export function cobrBody(input: { idRec: string; dueDate: string; amountCents: number; account: ReceivingAccount; info?: string }): Checked<CobrBody> {
	if (!/^[a-zA-Z0-9]{29}$/.test(input.idRec)) return { ok: false, message: 'Identificador da recorrência inválido.' };
	if (!/^\d{4}-\d{2}-\d{2}$/.test(input.dueDate)) return { ok: false, message: 'Data de vencimento inválida.' };
	if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 1 || input.amountCents > 9_999_999_999) return { ok: false, message: 'Valor da parcela inválido.' };
	return {
		ok: true,
		value: {
			idRec: input.idRec,
			...(input.info && { infoAdicional: input.info.slice(0, 140) }),
			calendario: { dataDeVencimento: input.dueDate },
			valor: { original: centsToAmount(input.amountCents) },
			ajusteDiaUtil: true,
			recebedor: input.account
		}
	};
}

export type CobrCandidate = { id: string; seq: number; dueDate: string; openCents: number; status: string; superseded: boolean; charged: boolean };

/**
 * The installments that get their recurring charge on `today`: open, live, not the entry's and not
 * yet charged, due 10 to 2 days ahead. A day the job missed is caught up while the window lasts.
 */
export function cobrDue<T extends CobrCandidate>(installments: T[], today: string, entrySeq: number): T[] {
	const first = addDays(today, COBR_LAST_DAY_BEFORE);
	const last = addDays(today, COBR_FIRST_DAY_BEFORE);
	return installments.filter(
		(i) => i.seq > entrySeq && !i.superseded && !i.charged && (i.status === 'pending' || i.status === 'partially_paid') && i.openCents > 0 && i.dueDate >= first && i.dueDate <= last
	);
}

/** Whether a recurring charge may still be cancelled by the receiver: until the day before its due date. */
export function cobrCancellable(dueDate: string, today: string): boolean {
	return today < dueDate;
}

// PERMITE_3R_7D: up to three more attempts, each on a day within 7 days after the due date.
export const MAX_RETRIES = 3;
export const RETRY_DAYS = 7;

export type Attempt = { dataLiquidacao: string; tipo: string; status: string };

/**
 * The day to ask the next debit attempt of a recurring charge for, or null: only under PERMITE_3R_7D,
 * after a refused attempt with none pending, fewer than three retries so far, and tomorrow still
 * within 7 days of the due date (asked a day ahead, as the payer's PSP schedules it).
 */
export function retryDay(input: { policy: string; dueDate: string; attempts: Attempt[]; today: string }): string | null {
	if (input.policy !== 'PERMITE_3R_7D' || input.attempts.length === 0) return null;
	if (input.attempts.some((a) => a.status === 'SOLICITADA' || a.status === 'AGENDADA')) return null;
	const last = [...input.attempts].sort((a, b) => a.dataLiquidacao.localeCompare(b.dataLiquidacao)).at(-1)!;
	if (last.status !== 'REJEITADA' && last.status !== 'EXPIRADA') return null;
	if (input.attempts.length - 1 >= MAX_RETRIES) return null;
	const day = addDays(input.today, 1);
	return day > input.dueDate && day <= addDays(input.dueDate, RETRY_DAYS) ? day : null;
}
