/**
 * CNAB 240 return layouts: one table per bank, positions as the manuals print them.
 *
 * The base is the FEBRABAN standard (Layout Padrão 240 posições v10.6): header de arquivo,
 * segments T and U. Banks that follow it exactly reuse its table; banks that move a field
 * override only that field, and the override names the manual it comes from.
 */
import type { Position } from './fields';
import type { MovementKind, MovementTable } from './movements';
import {
	FEBRABAN_MOVEMENTS,
	FEBRABAN_REASONS_FEES,
	FEBRABAN_REASONS_REJECTION,
	FEBRABAN_REASONS_SETTLEMENT
} from './codes-febraban';

export interface Cnab240Layout {
	bankCode: string;
	bankName: string;
	fileHeader: {
		companyDocumentType: Position;
		companyDocument: Position;
		agency: Position;
		agencyDigit: Position;
		account: Position;
		accountDigit: Position;
		companyName: Position;
		/** '1' remessa, '2' retorno (G015). */
		fileKind: Position;
		generatedOn: Position;
		fileSequence: Position;
	};
	segmentT: {
		movement: Position;
		nossoNumero: Position;
		wallet: Position;
		documentNumber: Position;
		dueDate: Position;
		faceValue: Position;
		collectingBank: Position;
		collectingAgency: Position;
		companyReference: Position;
		payerDocumentType: Position;
		payerDocument: Position;
		payerName: Position;
		fee: Position;
		reasons: Position;
	};
	segmentU: {
		movement: Position;
		interest: Position;
		discount: Position;
		rebate: Position;
		iof: Position;
		paid: Position;
		credit: Position;
		otherExpenses: Position;
		otherCredits: Position;
		occurredOn: Position;
		creditedOn: Position;
	};
	movements: MovementTable;
}

// C044: what each FEBRABAN movement means for the boleto; every other listed code is `other`.
const FEBRABAN_KINDS: Record<string, MovementKind> = {
	'02': 'entry_confirmed',
	'03': 'rejected',
	'06': 'paid',
	'09': 'written_off',
	'17': 'paid_after_write_off',
	'25': 'written_off',
	// Confirmação de Alteração do Valor Nominal: the answer to our 47 after a partial payment.
	'61': 'instruction_confirmed',
	// Paid with a cheque that bounced, or that has not cleared yet: not money in hand.
	'44': 'unknown',
	'45': 'unknown',
	'50': 'unknown'
};

function febrabanReasonTable(code: string): Readonly<Record<string, string>> | undefined {
	if (['02', '03', '26', '30'].includes(code)) return FEBRABAN_REASONS_REJECTION;
	if (code === '28') return FEBRABAN_REASONS_FEES;
	if (['06', '09', '17'].includes(code)) return FEBRABAN_REASONS_SETTLEMENT;
	return undefined;
}

/** FEBRABAN 240 v10.6: header de arquivo (p. 17), segment T (p. 66), segment U (p. 67). */
export const FEBRABAN_240: Cnab240Layout = {
	bankCode: '',
	bankName: '',
	fileHeader: {
		companyDocumentType: [18, 18],
		companyDocument: [19, 32],
		agency: [53, 57],
		agencyDigit: [58, 58],
		account: [59, 70],
		accountDigit: [71, 71],
		companyName: [73, 102],
		fileKind: [143, 143],
		generatedOn: [144, 151],
		fileSequence: [158, 163]
	},
	segmentT: {
		movement: [16, 17],
		nossoNumero: [38, 57],
		wallet: [58, 58],
		documentNumber: [59, 73],
		dueDate: [74, 81],
		faceValue: [82, 96],
		collectingBank: [97, 99],
		collectingAgency: [100, 105],
		companyReference: [106, 130],
		payerDocumentType: [133, 133],
		payerDocument: [134, 148],
		payerName: [149, 188],
		fee: [199, 213],
		reasons: [214, 223]
	},
	segmentU: {
		movement: [16, 17],
		interest: [18, 32],
		discount: [33, 47],
		rebate: [48, 62],
		iof: [63, 77],
		paid: [78, 92],
		credit: [93, 107],
		otherExpenses: [108, 122],
		otherCredits: [123, 137],
		occurredOn: [138, 145],
		creditedOn: [146, 153]
	},
	movements: { labels: FEBRABAN_MOVEMENTS, kinds: FEBRABAN_KINDS, reasonTable: febrabanReasonTable }
};

/**
 * Banco do Brasil, "Layout de Arquivo Retorno CNAB 240" (2017): the FEBRABAN positions, its own
 * list of movement codes (07.3T), and one rejection code with a different meaning (28.3T:
 * "52 – Registro de título já liquidado Cart. 17" instead of "Unidade da Federação Inválida").
 * Nosso número (38–57) is left-aligned: 17 digits for 7-digit agreements (convênio + sequence),
 * 11 + DV for 4- and 6-digit ones (G069).
 */
export const BANCO_DO_BRASIL_240: Cnab240Layout = {
	...FEBRABAN_240,
	bankCode: '001',
	bankName: 'Banco do Brasil S.A.',
	movements: {
		labels: Object.fromEntries(
			[
				...['02', '03', '04', '05', '06', '09', '11', '12', '13', '14', '15', '17', '19', '20'],
				...['23', '24', '25', '26', '27', '28', '29', '30', '44', '50']
			].map((code) => [code, FEBRABAN_MOVEMENTS[code]])
		),
		// 12: Confirmação Recebimento Instrução de Abatimento, BB's answer to our '04' after a partial payment.
		kinds: { ...FEBRABAN_KINDS, '12': 'instruction_confirmed' },
		reasonTable(code) {
			const table = febrabanReasonTable(code);
			if (table !== FEBRABAN_REASONS_REJECTION) return table;
			return { ...table, '52': 'Registro de Título já liquidado Cart. 17' };
		}
	}
};

/**
 * Sicoob (756): FEBRABAN positions, except that 38–57 holds nosso número with its digit
 * (38–47), then parcela (48–49), modalidade (50–51), tipo de formulário (52) and blanks.
 * Nosso número here is the 10 positions 38–47, as brcobranca's Sicoob reader and its spec
 * read them (no Sicoob manual is in specs/banks/).
 */
export const SICOOB_240: Cnab240Layout = {
	...FEBRABAN_240,
	bankCode: '756',
	bankName: 'Banco Cooperativo Sicoob S.A.',
	segmentT: { ...FEBRABAN_240.segmentT, nossoNumero: [38, 47] }
};

export const CNAB240_LAYOUTS: Readonly<Record<string, Cnab240Layout>> = {
	'001': BANCO_DO_BRASIL_240,
	'756': SICOOB_240
};
