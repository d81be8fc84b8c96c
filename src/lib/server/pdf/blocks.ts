/**
 * Building blocks shared by the debtor's documents (termo de acordo, comprovante, termo de
 * quitação): one look for tables, headings, amounts, the parties box and the page frame.
 */
import type { Content, ContentText, CustomTableLayout, DynamicContent, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces';
import { formatBRL } from '../../format/money';

/** Thin rules between rows, a heavier one under the header and at the ends. */
export const tableLayout: CustomTableLayout = {
	hLineWidth: (i, node) => (i === 0 || i === node.table.body.length ? 0.8 : 0.4),
	vLineWidth: () => 0,
	hLineColor: (i) => (i <= 1 ? '#000000' : '#bbbbbb'),
	paddingLeft: () => 4,
	paddingRight: () => 4,
	paddingTop: () => 3,
	paddingBottom: () => 3
};

export const heading = (text: string): Content => ({
	text,
	bold: true,
	fontSize: 11.5,
	margin: [0, 14, 0, 5]
});

export const th = (text: string, alignment: 'left' | 'right' | 'center' = 'left'): TableCell => ({
	text,
	bold: true,
	fontSize: 8,
	alignment
});

/** An amount in reais, right-aligned and never broken across lines. */
export const money = (cents: number, bold = false): ContentText => ({
	text: formatBRL(cents),
	alignment: 'right',
	bold,
	noWrap: true
});

export type Party = { legalName: string; /** formatted */ cnpj: string; address: string };

/**
 * The creditor and the debtor side by side (CDC art. 42-A: the creditor with its CNPJ and address),
 * with the agency that collects for the creditor when there is one.
 */
export function partiesBox(
	creditor: Party,
	agency: { name: string; cnpj: string } | null | undefined,
	debtor: { name: string; /** formatted or masked CPF/CNPJ */ document: string }
): Content {
	return {
		table: {
			widths: ['*', '*'],
			body: [
				[
					{
						stack: [
							{ text: 'CREDOR', fontSize: 7.5, bold: true, color: '#555555' },
							{ text: creditor.legalName, bold: true },
							`CNPJ ${creditor.cnpj}`,
							creditor.address,
							...(agency
								? [
										{
											text: `Cobrança conduzida por ${agency.name} (CNPJ ${agency.cnpj}) em nome do credor.`,
											fontSize: 8,
											margin: [0, 3, 0, 0] as [number, number, number, number]
										}
									]
								: [])
						]
					},
					{
						stack: [
							{ text: 'DEVEDOR(A)', fontSize: 7.5, bold: true, color: '#555555' },
							{ text: debtor.name, bold: true },
							`CPF/CNPJ ${debtor.document}`
						]
					}
				]
			]
		},
		layout: {
			hLineWidth: () => 0.6,
			vLineWidth: () => 0.6,
			hLineColor: () => '#999999',
			vLineColor: () => '#999999',
			paddingLeft: () => 8,
			paddingRight: () => 8,
			paddingTop: () => 6,
			paddingBottom: () => 6
		},
		fontSize: 9.5
	};
}

/** The page frame of every debtor document: A4, Helvetica, the creditor and the reference in the footer. */
export function debtorDocument(opts: {
	title: string;
	subject: string;
	creditor: { legalName: string; cnpj: string };
	/** Right side of the footer before the page number, e.g. "Acordo AC-7K3M-9QXF". */
	reference: string;
	content: Content[];
}): TDocumentDefinitions {
	const footer: DynamicContent = (currentPage, pageCount) => ({
		columns: [
			{ text: `${opts.creditor.legalName} · CNPJ ${opts.creditor.cnpj}`, fontSize: 7.5, color: '#555555' },
			{ text: `${opts.reference} · página ${currentPage} de ${pageCount}`, fontSize: 7.5, alignment: 'right', color: '#555555' }
		],
		margin: [42, 18, 42, 0]
	});
	return {
		pageSize: 'A4',
		pageMargins: [42, 42, 42, 52],
		defaultStyle: { font: 'Helvetica', fontSize: 9.5, lineHeight: 1.1 },
		info: { title: opts.title, author: opts.creditor.legalName, subject: opts.subject },
		footer,
		content: opts.content
	};
}

/** The masthead: the creditor's name and the issue date, then the document's title. */
export function masthead(creditorName: string, issuedBR: string, title: string): Content[] {
	return [
		{
			columns: [
				{ text: creditorName, bold: true, fontSize: 10, color: '#555555' },
				{ text: `Emitido em ${issuedBR}`, alignment: 'right', fontSize: 9, color: '#555555' }
			]
		},
		{ text: title, bold: true, fontSize: 20, margin: [0, 10, 0, 2] }
	];
}
