/**
 * The printable boleto: recibo do pagador on top, ficha de compensação below, one A4 page,
 * in the FEBRABAN layout every bank teller and app recognises. Since Res. BCB 443 (in force
 * 2025-02-03) it may also carry a Pix QR code (boleto híbrido); ours does, in the recibo.
 */
import { pdfBuffer } from '../../pdf/render';
import type { Content, TableCell, TDocumentDefinitions, CustomTableLayout } from 'pdfmake/interfaces';
import bwipjs from 'bwip-js/node';
import { formatBRL } from '../../../format/money';
import { formatDateBR, todayInSaoPaulo } from '../../../format/dates';
import { bankCodeDigit, linhaDigitavel, validateBarcode } from './barcode';
import { pixQrSvg } from '../pix/brcode';

export interface BoletoData {
	beneficiary: { name: string; /** formatted, e.g. 12.345.678/0001-95 */ cnpj: string; address: string };
	payer: { name: string; /** formatted CPF or CNPJ */ document: string; address?: string };
	bankCode: string;
	agency: string;
	account: string;
	wallet: string;
	/** As printed, check digit included when the bank has one (e.g. `25/00000000006-P`). */
	nossoNumero: string;
	/** Agreement code + installment, e.g. `AC7K2M-01/06`. */
	documentNumber: string;
	dueDate: string;
	amountCents: number;
	linha: string;
	barcode: string;
	pixPayload: string;
	instructions: string[];
	/** ISO date or instant; shown as the São Paulo calendar date. */
	processedAt: string;
}

const BANK_NAMES: Record<string, string> = {
	'001': 'Banco do Brasil',
	'033': 'Santander',
	'104': 'CAIXA',
	'237': 'Bradesco',
	'341': 'Itaú',
	'748': 'Sicredi',
	'756': 'Sicoob'
};


const MM = 72 / 25.4;

function dateOf(isoDateOrInstant: string): string {
	if (/^\d{4}-\d{2}-\d{2}$/.test(isoDateOrInstant)) return isoDateOrInstant;
	const instant = new Date(isoDateOrInstant);
	if (Number.isNaN(instant.getTime())) throw new Error(`Data inválida: ${isoDateOrInstant}`);
	return todayInSaoPaulo(instant);
}

const gridLayout: CustomTableLayout = {
	hLineWidth: () => 0.6,
	vLineWidth: () => 0.6,
	hLineColor: () => '#000000',
	vLineColor: () => '#000000',
	paddingLeft: () => 3,
	paddingRight: () => 3,
	paddingTop: () => 1.5,
	paddingBottom: () => 2
};

/** Header row "Banco | 237-2 | linha": only vertical separators and a thick bottom rule. */
const headerLayout: CustomTableLayout = {
	hLineWidth: (i, node) => (i === node.table.body.length ? 1.6 : 0),
	vLineWidth: (i, node) => (i === 0 || i === (node.table.widths?.length ?? 0) ? 0 : 1.6),
	paddingLeft: (i) => (i === 0 ? 0 : 6),
	paddingRight: (i, node) => (i === (node.table.widths?.length ?? 0) - 1 ? 0 : 6),
	paddingTop: () => 2,
	paddingBottom: () => 3
};

interface FieldOpts {
	colSpan?: number;
	rowSpan?: number;
	align?: 'left' | 'right' | 'center';
	bold?: boolean;
	size?: number;
	fill?: boolean;
}

function field(label: string, value: string | Content, opts: FieldOpts = {}): TableCell {
	const valueContent: Content =
		typeof value === 'string'
			? {
					text: value === '' ? ' ' : value,
					fontSize: opts.size ?? 9,
					bold: opts.bold ?? false,
					alignment: opts.align ?? 'left'
				}
			: value;
	return {
		stack: [{ text: label, fontSize: 6, color: '#333333', margin: [0, 0, 0, 0.5] }, valueContent],
		colSpan: opts.colSpan,
		rowSpan: opts.rowSpan,
		fillColor: opts.fill ? '#eeeeee' : undefined
	};
}

const empty = (): TableCell => ({ text: '' });

function bankHeader(bankCode: string, right: Content): Content {
	const name = BANK_NAMES[bankCode] ?? `Banco ${bankCode}`;
	return {
		table: {
			widths: [120, 52, '*'],
			body: [
				[
					{ text: name, bold: true, fontSize: 14, margin: [0, 1, 0, 0] },
					{
						text: `${bankCode}-${bankCodeDigit(bankCode)}`,
						bold: true,
						fontSize: 15,
						alignment: 'center'
					},
					right
				]
			]
		},
		layout: headerLayout
	};
}

async function barcodeDataUrl(barcode: string): Promise<string> {
	const png = await bwipjs.toBuffer({
		bcid: 'interleaved2of5',
		text: barcode,
		// 2 px per module and the PDF draws 405 modules in 103 mm: crisp at 200 dpi and in print.
		scaleX: 2,
		scaleY: 2,
		height: 13,
		includetext: false,
		includecheck: false
	});
	return `data:image/png;base64,${png.toString('base64')}`;
}

/** Renders the boleto as a one-page A4 PDF. Throws if the linha does not match the barcode. */
export async function renderBoletoPdf(data: BoletoData): Promise<Buffer> {
	// A slip whose printed line and barcode disagree would send money to the wrong place.
	if (!validateBarcode(data.barcode)) throw new Error('Código de barras do boleto inválido');
	const linha = linhaDigitavel(data.barcode);
	if (linha.replace(/\D/g, '') !== data.linha.replace(/\D/g, '')) {
		throw new Error('Linha digitável não corresponde ao código de barras');
	}
	if (Number(data.barcode.slice(9, 19)) !== data.amountCents) {
		throw new Error('Valor do boleto não corresponde ao código de barras');
	}

	const [barcodeImg, qrSvg] = await Promise.all([
		barcodeDataUrl(data.barcode),
		pixQrSvg(data.pixPayload)
	]);

	const amount = formatBRL(data.amountCents);
	const due = formatDateBR(data.dueDate);
	const processed = formatDateBR(dateOf(data.processedAt));
	const agencyCode = `${data.agency} / ${data.account}`;
	const beneficiaryLine = `${data.beneficiary.name} — CNPJ ${data.beneficiary.cnpj}`;
	// pdfmake annotates content nodes while laying out, so a node must never be used twice.
	const payerLines = (): Content => ({
		stack: [
			{ text: `${data.payer.name} — CPF/CNPJ ${data.payer.document}`, fontSize: 9, bold: true },
			...(data.payer.address ? [{ text: data.payer.address, fontSize: 8 }] : [])
		]
	});

	const recibo: Content = {
		stack: [
			bankHeader(data.bankCode, {
				text: 'Recibo do Pagador',
				bold: true,
				fontSize: 11,
				alignment: 'right',
				margin: [0, 3, 0, 0]
			}),
			{
				columns: [
					{
						width: '*',
						table: {
							widths: ['*', '*', '*'],
							body: [
								[
									field(
										'Beneficiário',
										{
											stack: [
												{ text: beneficiaryLine, fontSize: 8.5, bold: true },
												{ text: data.beneficiary.address, fontSize: 8 }
											]
										},
										{ colSpan: 3 }
									),
									empty(),
									empty()
								],
								[
									field('Pagador', payerLines(), { colSpan: 3 }),
									empty(),
									empty()
								],
								[
									field('Nº do documento', data.documentNumber),
									field('Agência / Código do Beneficiário', agencyCode),
									field('Nosso número', data.nossoNumero, { align: 'right' })
								],
								[
									field('Data do processamento', processed),
									field('Vencimento', due, { bold: true, fill: true }),
									field('(=) Valor do documento', amount, { align: 'right', bold: true, fill: true })
								],
								[
									field('Linha digitável', linha, { colSpan: 3, bold: true, size: 9.5 }),
									empty(),
									empty()
								],
								[
									field('Autenticação mecânica', '\n\n', { colSpan: 3 }),
									empty(),
									empty()
								]
							]
						},
						layout: gridLayout
					},
					{
						width: 150,
						table: {
							widths: ['*'],
							body: [
								[
									{
										stack: [
											{ text: 'Pague com Pix', bold: true, fontSize: 12, alignment: 'center' },
											{ svg: qrSvg, width: 112, alignment: 'center', margin: [0, 2, 0, 2] },
											{
												text: 'Abra o app do seu banco, escolha Pix e leia o QR code. O pagamento é confirmado na hora e quita este boleto.',
												fontSize: 6.5,
												alignment: 'center'
											}
										]
									}
								]
							]
						},
						layout: gridLayout
					}
				],
				columnGap: 6,
				margin: [0, 2, 0, 0]
			}
		]
	};

	const cutLine: Content = {
		stack: [
			{
				canvas: [
					{
						type: 'line',
						x1: 0,
						y1: 0,
						x2: 539,
						y2: 0,
						lineWidth: 0.6,
						dash: { length: 3, space: 2 }
					}
				]
			},
			{ text: 'Corte na linha pontilhada', fontSize: 6, alignment: 'right', margin: [0, 1, 0, 0] }
		],
		margin: [0, 8, 0, 8]
	};

	const instructions: Content = {
		stack: [
			{ text: 'Instruções (texto de responsabilidade do beneficiário)', fontSize: 6, color: '#333333' },
			...data.instructions.map((line) => ({ text: line, fontSize: 8.5, margin: [0, 2, 0, 0] as [number, number, number, number] }))
		]
	};

	const ficha: Content = {
		stack: [
			bankHeader(data.bankCode, {
				text: linha,
				bold: true,
				fontSize: 12,
				alignment: 'right',
				margin: [0, 2, 0, 0]
			}),
			{
				table: {
					widths: [68, 92, 52, 34, '*', 128],
					body: [
						[
							field('Local de pagamento', 'Pagável em qualquer banco ou pelo Pix', { colSpan: 5, bold: true }),
							empty(),
							empty(),
							empty(),
							empty(),
							field('Vencimento', due, { align: 'right', bold: true, size: 10, fill: true })
						],
						[
							field(
								'Beneficiário',
								{
									stack: [
										{ text: beneficiaryLine, fontSize: 8.5 },
										{ text: data.beneficiary.address, fontSize: 7.5 }
									]
								},
								{ colSpan: 5 }
							),
							empty(),
							empty(),
							empty(),
							empty(),
							field('Agência / Código do Beneficiário', agencyCode, { align: 'right' })
						],
						[
							field('Data do documento', processed),
							field('Nº do documento', data.documentNumber),
							field('Espécie doc.', 'DS'),
							field('Aceite', 'N'),
							field('Data do processamento', processed),
							field('Nosso número', data.nossoNumero, { align: 'right' })
						],
						[
							field('Uso do banco', ''),
							field('Carteira', data.wallet),
							field('Espécie', 'R$'),
							field('Quantidade', ''),
							field('Valor', ''),
							field('(=) Valor do documento', amount, { align: 'right', bold: true, size: 10, fill: true })
						],
						[
							{ stack: [instructions], colSpan: 5, rowSpan: 5 },
							empty(),
							empty(),
							empty(),
							empty(),
							field('(-) Desconto / Abatimento', '', { align: 'right' })
						],
						[empty(), empty(), empty(), empty(), empty(), field('(-) Outras deduções', '', { align: 'right' })],
						[empty(), empty(), empty(), empty(), empty(), field('(+) Mora / Multa', '', { align: 'right' })],
						[empty(), empty(), empty(), empty(), empty(), field('(+) Outros acréscimos', '', { align: 'right' })],
						[empty(), empty(), empty(), empty(), empty(), field('(=) Valor cobrado', '', { align: 'right' })],
						[
							field('Pagador', payerLines(), { colSpan: 6 }),
							empty(),
							empty(),
							empty(),
							empty(),
							empty()
						],
						[
							field('Sacador / Avalista', '', { colSpan: 5 }),
							empty(),
							empty(),
							empty(),
							empty(),
							field('Código de baixa', '')
						]
					]
				},
				layout: gridLayout
			},
			{
				columns: [
					{
						// FEBRABAN: I2of5, about 103 mm × 13 mm, with a quiet zone on each side.
						image: barcodeImg,
						width: 103 * MM,
						height: 13 * MM,
						margin: [6 * MM, 8, 0, 0]
					},
					{
						text: 'Autenticação mecânica — Ficha de Compensação',
						fontSize: 7,
						alignment: 'right',
						margin: [0, 3, 0, 0]
					}
				]
			}
		]
	};

	const doc: TDocumentDefinitions = {
		pageSize: 'A4',
		pageMargins: [28, 24, 28, 24],
		defaultStyle: { font: 'Helvetica', fontSize: 8.5, lineHeight: 1.05 },
		info: {
			title: `Boleto ${data.documentNumber} — ${data.beneficiary.name}`,
			author: data.beneficiary.name,
			subject: `Vencimento ${due}, valor ${amount}`
		},
		content: [
			{
				text: [
					{ text: 'Confira antes de pagar: ', bold: true },
					`o beneficiário deve ser ${data.beneficiary.name}, CNPJ ${data.beneficiary.cnpj}. `,
					'Nunca pedimos senhas ou códigos por telefone ou mensagem.'
				],
				fontSize: 7.5,
				margin: [0, 0, 0, 6]
			},
			recibo,
			cutLine,
			ficha
		]
	};
	return pdfBuffer(doc);
}
