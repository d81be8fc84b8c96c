/**
 * What the debtor keeps when money arrives: the comprovante de pagamento (one per payment) and, when
 * the agreement is settled, the termo de quitação. Pure: every figure comes in already recorded
 * (integer cents, exactly as stored); this module checks they reconcile and lays them out.
 */
import type { Content, TableCell } from 'pdfmake/interfaces';
import { pdfBuffer } from '../pdf/render';
import { debtorDocument, heading, masthead, money, partiesBox, tableLayout, th, type Party } from '../pdf/blocks';
import { formatBRL } from '../../format/money';
import { formatDateBR, formatDateTimeBR, todayInSaoPaulo } from '../../format/dates';
import { isEndToEndId } from './pix/end-to-end';

export type PaymentMethod = 'pix' | 'boleto' | 'manual';

export const METHOD_LABELS: Record<PaymentMethod, string> = { pix: 'Pix', boleto: 'Boleto', manual: 'Pagamento registrado pelo credor' };

type Parties = {
	creditor: Party & { tradeName?: string };
	agency?: { name: string; cnpj: string } | null;
	/** The CPF/CNPJ masked: a receipt is shown to others (a shop, a bank) more often than a termo. */
	debtor: { name: string; document: string };
};

export type ReceiptData = Parties & {
	agreementCode: string;
	/** ISO instant of issue. */
	issuedAt: string;
	installment: { seq: number; count: number; dueDate: string; amountCents: number; label: string };
	payment: {
		amountCents: number;
		/** What went to the installment; the rest (`creditedCents`) was credited to the agreement's debts. */
		appliedCents: number;
		creditedCents: number;
		method: PaymentMethod;
		/** ISO instant of the payment. */
		paidAt: string;
		/** A manual payment is a calendar date told by a person: no time of day is printed. */
		dateOnly: boolean;
		/** End-to-end id (Pix), the bank's reference (boleto) or the manual reference. */
		reference: string;
	};
	/** What is still open in the agreement after this payment. */
	openAfterCents: number;
	/** The agreement is settled and nothing is left open after this payment. */
	settled: boolean;
	verification: { code: string; url: string };
};

export type QuitacaoData = Parties & {
	agreementCode: string;
	issuedAt: string;
	/** ISO instant the agreement settled. */
	settledAt: string;
	debts: { contractId: string; description: string }[];
	payments: { seq: number; paidAt: string; dateOnly: boolean; method: PaymentMethod; appliedCents: number }[];
	totalPaidCents: number;
	/** STJ Súmula 548: the date (São Paulo) the bureau listing must be gone by, and the payment it counts from. */
	delisting: { fromDate: string; deadline: string };
	verification: { code: string; url: string };
};

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function paidWhen(p: { paidAt: string; dateOnly: boolean }): string {
	const at = new Date(p.paidAt);
	return p.dateOnly ? formatDateBR(todayInSaoPaulo(at)) : `${formatDateTimeBR(at)} (horário de Brasília)`;
}

function checkReceipt(d: ReceiptData): void {
	const p = d.payment;
	const problems: string[] = [];
	for (const [name, v] of Object.entries({ amount: p.amountCents, applied: p.appliedCents, credited: p.creditedCents, open: d.openAfterCents })) {
		if (!Number.isSafeInteger(v) || v < 0) problems.push(`${name} inválido`);
	}
	if (p.amountCents <= 0) problems.push('valor pago deve ser positivo');
	if (p.appliedCents + p.creditedCents !== p.amountCents) problems.push('valor aplicado + crédito difere do valor pago');
	if (!p.reference.trim()) problems.push('sem referência do pagamento');
	if (problems.length) throw new Error(`Comprovante ${d.agreementCode} inconsistente: ${problems.join('; ')}`);
}

function checkQuitacao(d: QuitacaoData): void {
	const problems: string[] = [];
	if (d.debts.length === 0) problems.push('sem dívidas');
	if (d.payments.length === 0) problems.push('sem pagamentos');
	if (sum(d.payments.map((p) => p.appliedCents)) !== d.totalPaidCents) problems.push('soma dos pagamentos difere do total pago');
	if (problems.length) throw new Error(`Termo de quitação ${d.agreementCode} inconsistente: ${problems.join('; ')}`);
}

const verificationBlock = (v: { code: string; url: string }): Content => ({
	stack: [
		{ text: [{ text: 'Código de verificação: ' }, { text: v.code, bold: true }] },
		{ text: `Confira a autenticidade deste documento em ${v.url}, com o código do acordo e este código.`, fontSize: 8.5, color: '#333333' }
	],
	margin: [0, 16, 0, 0]
});

const codeLine = (code: string): Content => ({ text: [{ text: 'Código do acordo: ' }, { text: code, bold: true }], fontSize: 11, margin: [0, 0, 0, 10] });

/** The comprovante de pagamento of one payment, as an A4 PDF. */
export async function renderReceiptPdf(d: ReceiptData): Promise<Buffer> {
	checkReceipt(d);
	const p = d.payment;
	const i = d.installment;
	const rows: TableCell[][] = [
		['Parcela', { text: `${i.label} (${i.seq} de ${i.count})`, alignment: 'right' }],
		['Vencimento da parcela', { text: formatDateBR(i.dueDate), alignment: 'right' }],
		['Valor da parcela', money(i.amountCents)],
		[{ text: 'Valor pago', bold: true }, money(p.amountCents, true)],
		['Forma de pagamento', { text: METHOD_LABELS[p.method], alignment: 'right' }],
		[p.dateOnly ? 'Data do pagamento' : 'Data e hora do pagamento', { text: paidWhen(p), alignment: 'right' }],
		[p.method === 'pix' && isEndToEndId(p.reference) ? 'Identificador da transação (E2E)' : 'Referência do pagamento', { text: p.reference, alignment: 'right', fontSize: 8.5 }],
		...(p.creditedCents > 0
			? [
					['Aplicado à parcela', money(p.appliedCents)],
					['Crédito lançado nas dívidas do acordo', money(p.creditedCents)]
				]
			: []),
		[{ text: 'Saldo em aberto do acordo após este pagamento', bold: true }, money(d.openAfterCents, true)]
	];
	const doc = debtorDocument({
		title: `Comprovante de pagamento — acordo ${d.agreementCode}, parcela ${i.seq}`,
		subject: `Pagamento de ${formatBRL(p.amountCents)} de ${d.debtor.name} a ${d.creditor.legalName}`,
		creditor: d.creditor,
		reference: `Acordo ${d.agreementCode}`,
		content: [
			...masthead(d.creditor.tradeName ?? d.creditor.legalName, formatDateBR(todayInSaoPaulo(new Date(d.issuedAt))), 'Comprovante de pagamento'),
			codeLine(d.agreementCode),
			partiesBox(d.creditor, d.agency, d.debtor),
			heading('Pagamento recebido'),
			{ columns: [{ width: 440, table: { widths: ['*', 'auto'], body: rows }, layout: tableLayout, fontSize: 9.5 }, { width: '*', text: '' }] },
			{
				text:
					d.settled
						? 'Com este pagamento, o acordo está quitado. O termo de quitação está disponível no portal.'
						: `Declaramos que recebemos o valor acima. Ainda estão em aberto ${formatBRL(d.openAfterCents)} neste acordo.`,
				margin: [0, 12, 0, 0]
			},
			verificationBlock(d.verification)
		]
	});
	return pdfBuffer(doc);
}

/** The termo de quitação of a settled agreement, as an A4 PDF. */
export async function renderQuitacaoPdf(d: QuitacaoData): Promise<Buffer> {
	checkQuitacao(d);
	const settledDate = formatDateBR(todayInSaoPaulo(new Date(d.settledAt)));
	const debtsTable: Content = {
		table: {
			headerRows: 1,
			widths: ['auto', '*'],
			body: [[th('Contrato'), th('Descrição')], ...d.debts.map((x): TableCell[] => [{ text: x.contractId, noWrap: true }, x.description])]
		},
		layout: tableLayout,
		fontSize: 9
	};
	const paymentsTable: Content = {
		table: {
			headerRows: 1,
			widths: ['auto', '*', 'auto', 'auto'],
			body: [
				[th('Parcela', 'center'), th('Data do pagamento'), th('Forma'), th('Valor', 'right')],
				...d.payments.map((p): TableCell[] => [{ text: String(p.seq), alignment: 'center' }, paidWhen(p), METHOD_LABELS[p.method], money(p.appliedCents)]),
				[{ text: 'Total pago', bold: true, colSpan: 3 }, '', '', money(d.totalPaidCents, true)]
			]
		},
		layout: tableLayout,
		fontSize: 9
	};
	const contracts = d.debts.map((x) => x.contractId).join(', ');
	const doc = debtorDocument({
		title: `Termo de quitação — acordo ${d.agreementCode}`,
		subject: `Quitação do acordo ${d.agreementCode} entre ${d.creditor.legalName} e ${d.debtor.name}`,
		creditor: d.creditor,
		reference: `Acordo ${d.agreementCode}`,
		content: [
			...masthead(d.creditor.tradeName ?? d.creditor.legalName, formatDateBR(todayInSaoPaulo(new Date(d.issuedAt))), 'Termo de quitação'),
			codeLine(d.agreementCode),
			partiesBox(d.creditor, d.agency, d.debtor),
			heading('Declaração'),
			{
				text: `${d.creditor.legalName}, CNPJ ${d.creditor.cnpj}, declara que recebeu de ${d.debtor.name} o total de ${formatBRL(d.totalPaidCents)} referente ao acordo ${d.agreementCode}, quitado em ${settledDate}, e dá plena quitação das dívidas abrangidas pelo acordo (contratos ${contracts}), nada mais tendo a reclamar sobre elas.`,
				lineHeight: 1.25
			},
			heading('Dívidas quitadas'),
			debtsTable,
			heading('Pagamentos'),
			paymentsTable,
			heading('Cadastros de proteção ao crédito'),
			{
				// STJ Súmula 548: the creditor has 5 business days from the payment to remove the listing.
				text: `O credor deve retirar seu nome dos cadastros de proteção ao crédito referentes a estas dívidas em até 5 dias úteis a partir do pagamento (STJ, Súmula 548): contados do primeiro pagamento do acordo, em ${formatDateBR(d.delisting.fromDate)}, o prazo terminou ou termina em ${formatDateBR(d.delisting.deadline)}. Se seu nome continuar nos cadastros após essa data, fale com o credor apresentando este termo.`,
				lineHeight: 1.25
			},
			verificationBlock(d.verification)
		]
	});
	return pdfBuffer(doc);
}
