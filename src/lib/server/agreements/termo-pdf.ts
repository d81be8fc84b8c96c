/**
 * The termo de acordo: what the debtor agreed to, in plain Portuguese, on paper they can keep.
 * The figures come in already computed by the offer engine; this module only checks that they
 * add up (a termo whose numbers disagree must never be issued) and lays them out.
 */
import { pdfBuffer } from '../pdf/render';
import type { Column, Content, TableCell } from 'pdfmake/interfaces';
import { debtorDocument, heading, masthead, money, partiesBox, tableLayout, th } from '../pdf/blocks';
import { formatBRL, formatPercent } from '../../format/money';
import { formatDateBR, todayInSaoPaulo } from '../../format/dates';

export interface TermoDebt {
	/** The creditor's contract or invoice number. */
	contractId: string;
	description: string;
	originalDueDate: string;
	originalCents: number;
	lateFeeCents: number;
	interestCents: number;
	/** Monetary correction, where the contract provides for it. */
	correctionCents?: number;
	/** Credit from earlier payments (a broken or cancelled agreement, an overpayment), taken off. */
	creditCents?: number;
	/** original + late fee + interest + correction − credit. */
	updatedCents: number;
}

export interface TermoInstallment {
	/** 1 is the entry (or the single cash payment). */
	seq: number;
	dueDate: string;
	amountCents: number;
}

export interface TermoData {
	/** Agreement code, e.g. AC-7K3M-9QXF. */
	code: string;
	/** ISO instant (or date) of issue; printed as the São Paulo calendar date. */
	issuedAt: string;
	/** CDC art. 42-A: every collection document names the creditor, its CNPJ and address. */
	creditor: { legalName: string; tradeName?: string; /** formatted */ cnpj: string; address: string };
	/** The collection agency acting for the creditor, when there is one. */
	agency?: { name: string; /** formatted */ cnpj: string } | null;
	debtor: { name: string; /** formatted CPF or CNPJ */ document: string };
	debts: TermoDebt[];
	totals: {
		updatedCents: number;
		discountCents: number;
		/** Interest charged for paying in installments; 0 for cash. */
		installmentInterestCents: number;
		agreementTotalCents: number;
		/** CET as decimals (0.015 = 1,5 % a.m.), null or absent when no interest applies. */
		cetMonthly?: number | null;
		cetYearly?: number | null;
	};
	installments: TermoInstallment[];
	/** Days an installment may stay unpaid after its due date before the agreement can be undone. */
	breakToleranceDays: number;
	/** Which installment absorbs the rounding remainder, e.g. "A 1ª parcela inclui R$ 0,02 de arredondamento." */
	remainderNote?: string;
	/** ISO instant of the debtor's acceptance in the portal. */
	acceptedAt?: string;
	/** How to reach the creditor, e.g. "atendimento@loja.com.br · 0800 000 0000". */
	contact?: string;
}


function saoPauloDate(isoDateOrInstant: string): string {
	if (/^\d{4}-\d{2}-\d{2}$/.test(isoDateOrInstant)) return isoDateOrInstant;
	const instant = new Date(isoDateOrInstant);
	if (Number.isNaN(instant.getTime())) throw new Error(`Data inválida: ${isoDateOrInstant}`);
	return todayInSaoPaulo(instant);
}

function saoPauloTime(isoInstant: string): string {
	return new Intl.DateTimeFormat('pt-BR', {
		timeZone: 'America/Sao_Paulo',
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23'
	}).format(new Date(isoInstant));
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Throws when the figures do not add up: a termo is a contract, its numbers must reconcile. */
function checkFigures(data: TermoData): void {
	const problems: string[] = [];
	if (data.debts.length === 0) problems.push('sem dívidas');
	if (data.installments.length === 0) problems.push('sem parcelas');
	for (const d of data.debts) {
		if (d.originalCents + d.lateFeeCents + d.interestCents + (d.correctionCents ?? 0) - (d.creditCents ?? 0) !== d.updatedCents) {
			problems.push(`dívida ${d.contractId}: valor atualizado não confere`);
		}
	}
	const t = data.totals;
	if (sum(data.debts.map((d) => d.updatedCents)) !== t.updatedCents) {
		problems.push('soma das dívidas difere do valor atualizado');
	}
	if (t.updatedCents - t.discountCents + t.installmentInterestCents !== t.agreementTotalCents) {
		problems.push('total do acordo difere de atualizado − desconto + juros');
	}
	if (sum(data.installments.map((i) => i.amountCents)) !== t.agreementTotalCents) {
		problems.push('soma das parcelas difere do total do acordo');
	}
	if (!Number.isInteger(data.breakToleranceDays) || data.breakToleranceDays < 0) {
		problems.push('tolerância de quebra inválida');
	}
	if (problems.length > 0) throw new Error(`Termo ${data.code} inconsistente: ${problems.join('; ')}`);
}

/** The rule as the debtor reads it (domain: after the tolerance, what was paid is credited). */
export function breakRuleText(days: number): string {
	const span = days === 1 ? '1 dia' : `${days} dias`;
	return `Se uma parcela ficar sem pagamento por mais de ${span} após o vencimento, o acordo poderá ser desfeito; os valores pagos serão abatidos da dívida, que poderá ser renegociada.`;
}

const percent = (rate: number): string => formatPercent(rate * 10_000);

export const CREDIT_LABEL = 'Crédito de pagamentos anteriores';

function debtsTable(debts: TermoDebt[]): Content {
	const withCorrection = debts.some((d) => (d.correctionCents ?? 0) !== 0);
	const withCredit = debts.some((d) => (d.creditCents ?? 0) !== 0);
	const header: TableCell[] = [
		th('Contrato'),
		th('Descrição'),
		th('Vencimento original'),
		th('Valor original', 'right'),
		th('Multa', 'right'),
		th('Juros', 'right'),
		...(withCorrection ? [th('Correção', 'right')] : []),
		...(withCredit ? [th(CREDIT_LABEL, 'right')] : []),
		th('Valor atualizado', 'right')
	];
	const rows: TableCell[][] = debts.map((d) => [
		{ text: d.contractId, noWrap: true },
		d.description,
		{ text: formatDateBR(d.originalDueDate), noWrap: true },
		money(d.originalCents),
		money(d.lateFeeCents),
		money(d.interestCents),
		...(withCorrection ? [money(d.correctionCents ?? 0)] : []),
		...(withCredit ? [{ ...money(-(d.creditCents ?? 0)), color: '#1b5e20' }] : []),
		money(d.updatedCents, true)
	]);
	const totalRow: TableCell[] = [
		{ text: 'Total', bold: true, colSpan: 3 },
		'',
		'',
		money(sum(debts.map((d) => d.originalCents))),
		money(sum(debts.map((d) => d.lateFeeCents))),
		money(sum(debts.map((d) => d.interestCents))),
		...(withCorrection ? [money(sum(debts.map((d) => d.correctionCents ?? 0)))] : []),
		...(withCredit ? [{ ...money(-sum(debts.map((d) => d.creditCents ?? 0))), color: '#1b5e20' }] : []),
		money(sum(debts.map((d) => d.updatedCents)), true)
	];
	return {
		table: {
			headerRows: 1,
			dontBreakRows: true,
			widths: ['auto', '*', 'auto', 'auto', 'auto', 'auto', ...(withCorrection ? ['auto'] : []), ...(withCredit ? [52] : []), 'auto'],
			body: [header, ...rows, totalRow]
		},
		layout: tableLayout,
		fontSize: 8.5
	};
}

/** One sentence naming the credit, so the table's narrow column is never the only place it is said. */
function creditNote(debts: TermoDebt[]): Content[] {
	const credit = sum(debts.map((d) => d.creditCents ?? 0));
	if (credit === 0) return [];
	return [{ text: `${CREDIT_LABEL}: ${formatBRL(credit)}, já abatidos do valor atualizado (o que você pagou antes nestas dívidas).`, fontSize: 8.5, margin: [0, 4, 0, 0] }];
}

function totalsTable(t: TermoData['totals']): Content {
	const rows: TableCell[][] = [
		['Valor atualizado das dívidas', money(t.updatedCents)],
		['Desconto concedido', { ...money(-t.discountCents), color: '#1b5e20' }],
		['Juros do parcelamento', money(t.installmentInterestCents)],
		[{ text: 'Total do acordo', bold: true }, money(t.agreementTotalCents, true)]
	];
	if (t.cetMonthly != null) {
		const yearly = t.cetYearly != null ? ` · ${percent(t.cetYearly)} ao ano` : '';
		rows.push([
			'Custo efetivo total (CET)',
			{ text: `${percent(t.cetMonthly)} ao mês${yearly}`, alignment: 'right' }
		]);
	}
	return {
		table: { widths: ['*', 'auto'], body: rows },
		layout: tableLayout,
		fontSize: 9.5
	};
}

function installmentsTables(list: TermoInstallment[]): Content {
	// Long plans (up to 60 installments, Lei 14.181/2021) go side by side to stay readable.
	const columns = list.length > 30 ? 3 : list.length > 10 ? 2 : 1;
	const perColumn = Math.ceil(list.length / columns);
	const tables: Column[] = [];
	for (let c = 0; c < columns; c++) {
		const chunk = list.slice(c * perColumn, (c + 1) * perColumn);
		if (chunk.length === 0) continue;
		tables.push({
			width: '*',
			table: {
				headerRows: 1,
				widths: ['auto', '*', 'auto'],
				body: [
					[th('Nº', 'center'), th('Vencimento'), th('Valor', 'right')],
					...chunk.map((i): TableCell[] => [
						{ text: String(i.seq), alignment: 'center' },
						formatDateBR(i.dueDate),
						money(i.amountCents)
					])
				]
			},
			layout: tableLayout,
			fontSize: 9
		});
	}
	// An empty spacer keeps a single short table from stretching across the page.
	if (columns === 1) tables.push({ width: '*', text: '' });
	return { columns: tables, columnGap: 14 };
}

/** Renders the termo de acordo as an A4 PDF (several pages when the lists are long). */
export async function renderTermoPdf(data: TermoData): Promise<Buffer> {
	checkFigures(data);
	const issued = formatDateBR(saoPauloDate(data.issuedAt));
	const creditorName = data.creditor.tradeName ?? data.creditor.legalName;
	const count = data.installments.length;

	const parties = partiesBox(data.creditor, data.agency, data.debtor);

	const conditions: Content = {
		ul: [
			count === 1
				? `O acordo é pago em parcela única de ${formatBRL(data.totals.agreementTotalCents)}, por Pix ou boleto, até o vencimento indicado acima.`
				: `O acordo é pago em ${count} parcelas, por Pix ou boleto, nas datas indicadas acima. Cada parcela tem seu próprio boleto e código Pix.`,
			breakRuleText(data.breakToleranceDays),
			// CDC art. 52 §2: early payment reduces interest proportionally.
			'Você pode antecipar o pagamento de parcelas a qualquer momento; o pagamento antecipado reduz os juros proporcionalmente (Código de Defesa do Consumidor, art. 52, §2º).',
			// STJ Súmula 548: the creditor must clear the bureau listing within 5 business days.
			'Com o pagamento, o credor providenciará a retirada do seu nome dos cadastros de proteção ao crédito referentes a estas dívidas em até 5 dias úteis (STJ, Súmula 548).'
		],
		fontSize: 9.5,
		lineHeight: 1.2
	};

	const acceptance: Content[] = data.acceptedAt
		? [
				{
					text: `Acordo aceito eletronicamente no portal em ${formatDateBR(saoPauloDate(data.acceptedAt))} às ${saoPauloTime(data.acceptedAt)} (horário de Brasília).`,
					fontSize: 9,
					margin: [0, 12, 0, 0]
				}
			]
		: [];

	const doc = debtorDocument({
		title: `Termo de acordo ${data.code}`,
		subject: `Acordo ${data.code} entre ${data.creditor.legalName} e ${data.debtor.name}`,
		creditor: data.creditor,
		reference: `Acordo ${data.code}`,
		content: [
			...masthead(creditorName, issued, 'Termo de acordo'),
			{ text: [{ text: 'Código do acordo: ' }, { text: data.code, bold: true }], fontSize: 11, margin: [0, 0, 0, 10] },
			parties,
			heading('Dívidas incluídas no acordo'),
			debtsTable(data.debts),
			...creditNote(data.debts),
			heading('Valores do acordo'),
			{ columns: [{ width: 300, stack: [totalsTable(data.totals)] }, { width: '*', text: '' }] },
			heading(count === 1 ? 'Pagamento' : 'Parcelas'),
			installmentsTables(data.installments),
			...(data.remainderNote
				? [{ text: data.remainderNote, fontSize: 8.5, italics: true, margin: [0, 4, 0, 0] } as Content]
				: []),
			{
				// The conditions are read as a whole: never split them across pages.
				stack: [
					heading('Condições'),
					conditions,
					...acceptance,
					...(data.contact
						? [{ text: `Dúvidas sobre este acordo: ${data.contact}`, fontSize: 9, margin: [0, 8, 0, 0] } as Content]
						: [])
				],
				unbreakable: true
			}
		]
	});
	return pdfBuffer(doc);
}
