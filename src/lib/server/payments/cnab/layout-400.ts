/**
 * CNAB 400 return layouts. Unlike CNAB 240 there is no common standard: each bank has its
 * own record, so each table here follows one manual, positions as it prints them.
 */
import type { Position } from './fields';
import type { MovementKind, MovementTable } from './movements';
import { BRADESCO_400_MOVEMENTS, BRADESCO_400_REASONS } from './codes-bradesco';
import {
	ITAU_400_ERRORS_CHANGE,
	ITAU_400_ERRORS_ENTRY,
	ITAU_400_ERRORS_INSTRUCTION,
	ITAU_400_ERRORS_WRITE_OFF,
	ITAU_400_MOVEMENTS,
	ITAU_400_PAYER_CLAIMS
} from './codes-itau';

export interface Cnab400Layout {
	bankCode: string;
	bankName: string;
	header: {
		companyName: Position;
		generatedOn: Position;
		fileSequence?: Position;
		agency?: Position;
		account?: Position;
	};
	detail: {
		companyDocumentType: Position;
		companyDocument: Position;
		agency: Position;
		account: Position;
		wallet: Position;
		companyReference: Position;
		nossoNumero: Position;
		movement: Position;
		occurredOn: Position;
		documentNumber: Position;
		dueDate: Position;
		faceValue: Position;
		collectingBank: Position;
		collectingAgency: Position;
		fee: Position;
		otherExpenses?: Position;
		iof: Position;
		rebate: Position;
		discount: Position;
		/** The bank's "valor pago" field, when it has one. */
		paid?: Position;
		/** The amount credited to the account, when the bank gives it instead. */
		credit?: Position;
		interest: Position;
		otherCredits: Position;
		creditedOn: Position;
		payerName?: Position;
	};
	/** Where the reason codes of a movement are, how wide each is, and their pt-BR table. */
	reasons(code: string): { position: Position; size: number; table?: Readonly<Record<string, string>> };
	movements: MovementTable;
}

// Bradesco, 109–110 (p. 45 of the manual).
const BRADESCO_KINDS: Record<string, MovementKind> = {
	'02': 'entry_confirmed',
	'03': 'rejected',
	'24': 'rejected',
	'06': 'paid',
	'15': 'paid',
	'17': 'paid_after_write_off',
	'09': 'written_off',
	'10': 'written_off',
	// "Título pago em cheque – vinculado": the cheque has not cleared.
	'16': 'unknown',
	// "Título com pagamento cancelado" and "Estorno de pagamento" undo a payment: a person decides.
	'22': 'unknown',
	'40': 'unknown'
};

/**
 * Bradesco, "Cobrança Bancária – Layout CNAB 400": retorno header label (p. 38) and
 * registro de transação tipo 1 (pp. 39–41). 21–37 is zero, carteira (3), agência (5),
 * conta (7) and its digit; nosso número (71–82) is 11 digits plus its check digit.
 */
export const BRADESCO_400: Cnab400Layout = {
	bankCode: '237',
	bankName: 'Banco Bradesco S.A.',
	header: { companyName: [47, 76], generatedOn: [95, 100] },
	detail: {
		companyDocumentType: [2, 3],
		companyDocument: [4, 17],
		wallet: [22, 24],
		agency: [25, 29],
		account: [30, 37],
		companyReference: [38, 62],
		nossoNumero: [71, 82],
		movement: [109, 110],
		occurredOn: [111, 116],
		documentNumber: [117, 126],
		dueDate: [147, 152],
		faceValue: [153, 165],
		collectingBank: [166, 168],
		collectingAgency: [169, 173],
		fee: [176, 188],
		otherExpenses: [189, 201],
		iof: [215, 227],
		rebate: [228, 240],
		discount: [241, 253],
		paid: [254, 266],
		interest: [267, 279],
		otherCredits: [280, 292],
		creditedOn: [296, 301]
	},
	reasons: (code) => ({ position: [319, 328], size: 2, table: BRADESCO_400_REASONS[code] }),
	movements: {
		labels: BRADESCO_400_MOVEMENTS,
		kinds: BRADESCO_KINDS,
		reasonTable: (code) => BRADESCO_400_REASONS[code]
	}
};

// Itaú, NOTA 17.
const ITAU_KINDS: Record<string, MovementKind> = {
	'02': 'entry_confirmed',
	'64': 'entry_confirmed',
	'73': 'entry_confirmed',
	'03': 'rejected',
	'60': 'rejected',
	'06': 'paid',
	'08': 'paid',
	// "Baixa por ter sido liquidado": also how a Pix payment of a hybrid boleto comes back.
	'10': 'paid',
	'05': 'written_off',
	'09': 'written_off',
	'32': 'written_off',
	'47': 'written_off',
	// Partial payment (B2B), cheque awaiting clearance, bounced cheque, credits without a boleto,
	// and "baixa operacional", which the manual says "não corresponde à liquidação".
	'07': 'unknown',
	'59': 'unknown',
	'65': 'unknown',
	'69': 'unknown',
	'72': 'unknown',
	'95': 'unknown'
};

const ITAU_ERRORS: Record<string, Readonly<Record<string, string>>> = {
	'03': ITAU_400_ERRORS_ENTRY,
	'60': ITAU_400_ERRORS_ENTRY,
	'15': ITAU_400_ERRORS_WRITE_OFF,
	'16': ITAU_400_ERRORS_INSTRUCTION,
	'17': ITAU_400_ERRORS_CHANGE
};

/**
 * Itaú, "Cobrança – CNAB 400" (July 2021), 3.2 Arquivo Retorno (pp. 19–21). Nosso número is
 * 63–70 (repeated at 86–93 with its DAC at 94); 254–266 is "valor lançado em conta corrente",
 * the credit net of the fee (176–188), not the amount the payer paid.
 */
export const ITAU_400: Cnab400Layout = {
	bankCode: '341',
	bankName: 'Itaú Unibanco S.A.',
	header: { agency: [27, 30], account: [33, 38], companyName: [47, 76], generatedOn: [95, 100], fileSequence: [109, 113] },
	detail: {
		companyDocumentType: [2, 3],
		companyDocument: [4, 17],
		agency: [18, 21],
		account: [24, 29],
		wallet: [83, 85],
		companyReference: [38, 62],
		nossoNumero: [63, 70],
		movement: [109, 110],
		occurredOn: [111, 116],
		documentNumber: [117, 126],
		dueDate: [147, 152],
		faceValue: [153, 165],
		collectingBank: [166, 168],
		collectingAgency: [169, 173],
		fee: [176, 188],
		iof: [215, 227],
		rebate: [228, 240],
		discount: [241, 253],
		credit: [254, 266],
		interest: [267, 279],
		otherCredits: [280, 292],
		creditedOn: [296, 301],
		payerName: [325, 354]
	},
	reasons(code) {
		// NOTA 20: payer's claims (25) and protest orders (24) carry one 4-digit code at 302–305.
		if (code === '25') return { position: [302, 305], size: 4, table: ITAU_400_PAYER_CLAIMS };
		if (code === '24') return { position: [302, 305], size: 4 };
		return { position: [378, 385], size: 2, table: ITAU_ERRORS[code] };
	},
	movements: {
		labels: ITAU_400_MOVEMENTS,
		kinds: ITAU_KINDS,
		reasonTable: (code) => (code === '25' ? ITAU_400_PAYER_CLAIMS : ITAU_ERRORS[code])
	}
};

export const CNAB400_LAYOUTS: Readonly<Record<string, Cnab400Layout>> = {
	'237': BRADESCO_400,
	'341': ITAU_400
};
