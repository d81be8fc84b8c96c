import { REQUIRED_COLUMNS, OPTIONAL_COLUMNS } from '../../src/lib/server/import/rows';
import { formatDocument } from '../../src/lib/format/document';

export const COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
export type Line = Partial<Record<(typeof COLUMNS)[number], string>>;

/** A portfolio row as a creditor's Excel writes it (`;`, `1.234,56`, DD/MM/AAAA). */
export function line(creditorCnpj: string, over: Line = {}): string {
	const v: Line = {
		creditor_cnpj: formatDocument(creditorCnpj),
		debtor_document: '529.982.247-25',
		debtor_name: 'Maria Aparecida da Silva',
		debtor_phone: '(11) 98765-4321',
		debtor_email: 'maria@example.com',
		debtor_state: 'SP',
		debt_id: 'CT-1',
		description: 'Geladeira - carnê',
		due_date: '15/03/2025',
		principal: '1.234,56',
		late_fee_percent: '2,00',
		interest_monthly_percent: '1,00',
		...over
	};
	return COLUMNS.map((c) => v[c] ?? '').join(';');
}
