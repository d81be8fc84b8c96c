/**
 * The Pix API v2 charge with a due date (`cobv`) as we send it, and the consumer-law limits on its
 * late fee and interest: pure, no I/O. Spec: BCB "API Pix" 2.9.0, schemas CobVSolicitada/CobVValor.
 */
import { amountToCents, centsToAmount, newTxid } from '../pix/brcode';

// Pix API: a charge's txid is 26–35 alphanumerics; we use the longest.
export const PSP_TXID_LENGTH = 35;
const PSP_TXID = /^[a-zA-Z0-9]{26,35}$/;

// CDC art. 52 §1: a consumer's late fee is at most 2 % of the amount due.
export const FINE_CAP_BP = 200;
// Default interest on a consumer charge: at most 1 % a month (the ceiling this product applies).
export const INTEREST_CAP_MONTHLY_BP = 100;

export function newPspTxid(): string {
	return newTxid(PSP_TXID_LENGTH);
}

export function isPspTxid(s: string): boolean {
	return PSP_TXID.test(s);
}

export type CobvValor = {
	original: string;
	multa?: { modalidade: number; valorPerc: string };
	juros?: { modalidade: number; valorPerc: string };
	[k: string]: unknown;
};

export type CobvBody = {
	calendario: { dataDeVencimento: string; validadeAposVencimento: number };
	devedor: ({ cpf: string } | { cnpj: string }) & { nome: string };
	valor: CobvValor;
	chave: string;
	solicitacaoPagador?: string;
};

export type CobvInput = {
	/** The installment's due date, YYYY-MM-DD (America/Sao_Paulo). */
	dueDate: string;
	/** Days after the due date the charge can still be paid: the agreement's break tolerance. */
	daysAfterDue: number;
	debtor: { document: string; name: string };
	amountCents: number;
	/** The receiving Pix key (frozen on the installment). */
	key: string;
	fineBp: number;
	interestMonthlyBp: number;
	/** Shown to the payer in their bank app (≤ 140 characters). */
	message?: string;
};

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const pct = (bp: number) => centsToAmount(bp); // 250 bp → "2.50"
const pctText = (n: number) => `${n.toFixed(2).replace('.', ',')}%`;

/**
 * Whether a charge's late fee and interest respect the consumer caps, whatever modality the body
 * uses (a fixed value is weighed against the original amount). A business-day rate is counted as if
 * every day counted, which only ever makes the check stricter.
 */
export function lateChargesProblem(valor: CobvValor): string | null {
	const original = amountToCents(String(valor.original ?? ''));
	if (original === null || original <= 0) return 'Valor original da cobrança inválido.';
	if (valor.multa) {
		const v = amountToCents(String(valor.multa.valorPerc));
		if (v === null) return 'Multa da cobrança em formato inválido.';
		// Modalidade 1: fixed value; 2: percent of the amount.
		const percent = valor.multa.modalidade === 1 ? (v / original) * 100 : v / 100;
		if (percent > FINE_CAP_BP / 100 + 1e-9) {
			return `Multa de ${pctText(percent)} acima do limite de 2% do Código de Defesa do Consumidor (art. 52 §1).`;
		}
	}
	if (valor.juros) {
		const v = amountToCents(String(valor.juros.valorPerc));
		if (v === null) return 'Juros da cobrança em formato inválido.';
		const m = valor.juros.modalidade;
		if (!(Number.isInteger(m) && m >= 1 && m <= 8)) return 'Modalidade de juros inválida.';
		// Modalidades 1–4 in calendar days, 5–8 the same in business days: value/day, %/day, %/month, %/year.
		const kind = ((m - 1) % 4) + 1;
		const monthly = kind === 1 ? ((v * 30) / original) * 100 : kind === 2 ? (v / 100) * 30 : kind === 3 ? v / 100 : v / 100 / 12;
		if (monthly > INTEREST_CAP_MONTHLY_BP / 100 + 1e-9) {
			return `Juros de ${pctText(monthly)} ao mês acima do limite de 1% ao mês para o consumidor.`;
		}
	}
	return null;
}

/** The `PUT /cobv/{txid}` body for one installment, or why it cannot be sent. */
export function cobvBody(input: CobvInput): Checked<CobvBody> {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(input.dueDate)) return { ok: false, message: 'Data de vencimento inválida.' };
	if (!Number.isInteger(input.daysAfterDue) || input.daysAfterDue < 0) return { ok: false, message: 'Validade após o vencimento inválida.' };
	if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 1 || input.amountCents > 9_999_999_999) {
		return { ok: false, message: 'Valor da parcela inválido.' };
	}
	const doc = input.debtor.document.replace(/[.\-/\s]/g, '').toUpperCase();
	const devedorDoc = /^\d{11}$/.test(doc) ? { cpf: doc } : /^[0-9A-Z]{12}\d{2}$/.test(doc) ? { cnpj: doc } : null;
	if (!devedorDoc) return { ok: false, message: 'CPF ou CNPJ do devedor inválido.' };
	const nome = input.debtor.name.trim().slice(0, 200);
	if (!nome) return { ok: false, message: 'Nome do devedor vazio.' };
	if (!input.key.trim() || input.key.length > 77) return { ok: false, message: 'Chave Pix inválida.' };

	const valor: CobvValor = { original: centsToAmount(input.amountCents) };
	// Modalidade 2: percent of the amount; juros modalidade 3: percent a month, calendar days.
	if (input.fineBp > 0) valor.multa = { modalidade: 2, valorPerc: pct(input.fineBp) };
	if (input.interestMonthlyBp > 0) valor.juros = { modalidade: 3, valorPerc: pct(input.interestMonthlyBp) };
	const problem = lateChargesProblem(valor);
	if (problem) return { ok: false, message: problem };

	return {
		ok: true,
		value: {
			calendario: { dataDeVencimento: input.dueDate, validadeAposVencimento: input.daysAfterDue },
			devedor: { ...devedorDoc, nome },
			valor,
			chave: input.key.trim(),
			...(input.message && { solicitacaoPagador: input.message.slice(0, 140) })
		}
	};
}

/** A Pix as the API reports it (webhook item, `GET /pix/{e2eid}`, `GET /pix` list). */
export type ReceivedPix = { endToEndId: string; txid?: string; valor: string; horario: string; [k: string]: unknown };

/**
 * The items of a webhook notification: the spec's `{"pix": [...]}` or the bare array some PSPs
 * send. null when it is neither; items without an endToEndId are dropped.
 */
export function notificationItems(body: unknown): ReceivedPix[] | null {
	const list = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as { pix?: unknown }).pix) ? (body as { pix: unknown[] }).pix : null;
	if (!list) return null;
	return list.filter(
		(p): p is ReceivedPix => !!p && typeof p === 'object' && typeof (p as ReceivedPix).endToEndId === 'string' && /^[a-zA-Z0-9]{32}$/.test((p as ReceivedPix).endToEndId)
	);
}
