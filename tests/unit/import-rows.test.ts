import { describe, expect, it } from 'vitest';
import {
	isBlankRow,
	mapHeader,
	parseImportDate,
	parsePercentToBp,
	validateRow,
	REQUIRED_COLUMNS,
	OPTIONAL_COLUMNS,
	type ColumnMap
} from '../../src/lib/server/import/rows';

const HEADER = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
const TODAY = '2026-11-20';

function columns(header: string[] = HEADER): ColumnMap {
	const mapped = mapHeader(header);
	if (!mapped.ok) throw new Error(mapped.error.message);
	return mapped.columns;
}

const GOOD: Record<string, string> = {
	creditor_cnpj: '11.222.333/0001-81',
	debtor_document: '529.982.247-25',
	debtor_name: '  Maria   Aparecida da Silva ',
	debtor_phone: '(11) 98765-4321',
	debtor_email: 'Maria.Silva@Example.com',
	debtor_state: 'sp',
	debt_id: 'AUR-88120',
	description: 'Geladeira Frost Free 375 L - carnê',
	due_date: '15/03/2025',
	principal: '1.234,56',
	late_fee_percent: '2,00',
	interest_monthly_percent: '1'
};

function row(over: Record<string, string> = {}, header: string[] = HEADER): string[] {
	const values = { ...GOOD, ...over };
	return header.map((c) => values[c] ?? '');
}

function check(over: Record<string, string> = {}, ctx: { isConsumer?: (c: string) => boolean } = {}) {
	return validateRow(row(over), 7, columns(), { today: TODAY, ...ctx });
}

function errorsOf(over: Record<string, string>, ctx: { isConsumer?: (c: string) => boolean } = {}) {
	const r = check(over, ctx);
	if (r.ok) throw new Error('expected the row to be refused');
	return r.errors;
}

describe('a good row', () => {
	it('comes out normalised: documents bare, phone E.164, e-mail lower case, cents and basis points', () => {
		const r = check();
		expect(r).toEqual({
			ok: true,
			record: {
				line: 7,
				creditorCnpj: '11222333000181',
				debtorDocument: '52998224725',
				debtorName: 'Maria Aparecida da Silva',
				debtorPhone: '+5511987654321',
				debtorEmail: 'maria.silva@example.com',
				debtorState: 'SP',
				debtorAddress: null,
				debtId: 'AUR-88120',
				description: 'Geladeira Frost Free 375 L - carnê',
				dueDate: '2025-03-15',
				principalCents: 123456,
				lateFeeBp: 200,
				interestMonthlyBp: 100
			}
		});
	});

	it('accepts the formats Excel and other systems write', () => {
		const r = check({
			creditor_cnpj: '11222333000181',
			debtor_document: '52998224725',
			due_date: '2025-03-15',
			principal: '1234.56',
			late_fee_percent: '1.5%',
			interest_monthly_percent: ''
		});
		expect(r.ok && r.record).toMatchObject({ dueDate: '2025-03-15', principalCents: 123456, lateFeeBp: 150, interestMonthlyBp: null });
		expect(check({ due_date: '2025-03-15 00:00:00' }).ok).toBe(true);
		expect(check({ due_date: '5/3/2025' }).ok && check({ due_date: '5/3/2025' })).toMatchObject({ record: { dueDate: '2025-03-05' } });
		expect(check({ principal: 'R$ 1.234,56' })).toMatchObject({ ok: true, record: { principalCents: 123456 } });
		expect(check({ principal: '80' })).toMatchObject({ ok: true, record: { principalCents: 8000 } });
		expect(check({ principal: '99.999.999,99' })).toMatchObject({ ok: true, record: { principalCents: 9_999_999_999 } });
	});

	it('accepts a company debtor with a CNPJ, alphanumeric too (IN RFB 2.229/2024)', () => {
		expect(check({ debtor_document: '12.ABC.345/01DE-35' })).toMatchObject({ ok: true, record: { debtorDocument: '12ABC34501DE35' } });
		expect(check({ debtor_document: '11.444.777/0001-61' })).toMatchObject({ ok: true, record: { debtorDocument: '11444777000161' } });
		expect(check({ creditor_cnpj: '12abc34501de35' })).toMatchObject({ ok: true, record: { creditorCnpj: '12ABC34501DE35' } });
	});

	it('needs only one contact: a phone or an e-mail', () => {
		expect(check({ debtor_email: '' })).toMatchObject({ ok: true, record: { debtorEmail: null } });
		expect(check({ debtor_phone: '' })).toMatchObject({ ok: true, record: { debtorPhone: null } });
	});

	it('leaves the optional columns out entirely when the header lacks them', () => {
		const r = validateRow(row({}, [...REQUIRED_COLUMNS]), 2, columns([...REQUIRED_COLUMNS]), { today: TODAY });
		expect(r).toMatchObject({ ok: true, record: { lateFeeBp: null, interestMonthlyBp: null } });
	});
});

describe('a bad row', () => {
	it('names the line and column of every problem, in Portuguese', () => {
		const errors = errorsOf({ principal: 'abc', due_date: '31/02/2025', debtor_state: 'XX' });
		expect(errors).toEqual([
			{ line: 7, column: 'debtor_state', message: 'UF inválida: "XX". Use a sigla do estado, por exemplo SP.' },
			{ line: 7, column: 'due_date', message: 'Data inválida: "31/02/2025". Use DD/MM/AAAA ou AAAA-MM-DD.' },
			{ line: 7, column: 'principal', message: 'Valor inválido: "abc". Use 1.234,56 ou 1234.56, sem sinal negativo.' }
		]);
	});

	it.each([
		['creditor_cnpj', '', /Informe o CNPJ do credor/],
		['creditor_cnpj', '11.222.333/0001-82', /CNPJ do credor inválido/],
		['creditor_cnpj', '529.982.247-25', /CNPJ \(14 caracteres\), não por CPF/],
		['debtor_document', '', /Informe o CPF ou CNPJ do devedor/],
		['debtor_document', '529.982.247-24', /CPF inválido/],
		['debtor_document', '111.111.111-11', /CPF inválido/],
		['debtor_document', '12.ABC.345/01DE-36', /CNPJ inválido/],
		['debtor_document', '1234', /Informe um CPF \(11 dígitos\) ou CNPJ \(14 caracteres\)/],
		['debtor_name', '   ', /Informe o nome do devedor/],
		['debtor_name', 'x'.repeat(201), /mais de 200 caracteres/],
		['debtor_phone', '98765-4321', /Telefone inválido/],
		['debtor_phone', '(10) 98765-4321', /Telefone inválido/],
		['debtor_email', 'maria@', /E-mail inválido/],
		['debtor_state', '', /Informe a UF/],
		['debt_id', '', /Informe o identificador da dívida/],
		['debt_id', 'x'.repeat(101), /mais de 100 caracteres/],
		['description', '', /Informe a descrição/],
		['due_date', '', /Informe o vencimento/],
		['due_date', '2025-13-01', /Data inválida/],
		['due_date', '15/03/2027', /Vencimento no futuro \(15\/03\/2027\)/],
		['principal', '', /Informe o valor principal/],
		['principal', '-10,00', /Valor inválido/],
		['principal', '0,00', /maior que zero/],
		['principal', '1,234', /Valor inválido/],
		['principal', '12,345', /Valor inválido/],
		['principal', '100.000.000,00', /acima de R\$ 99\.999\.999,99, o maior que um boleto comporta/],
		['principal', '90071992547409,91', /acima de R\$ 99\.999\.999,99/],
		['late_fee_percent', 'dois', /Multa: percentual inválido/],
		['late_fee_percent', '2,555', /Multa: percentual inválido/],
		['interest_monthly_percent', '150', /acima de 100%/],
		['interest_monthly_percent', '-1', /Juros de mora mensais: percentual inválido/]
	])('%s = %j is refused', (column, value, message) => {
		const errors = errorsOf({ [column]: value });
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ line: 7, column });
		expect(errors[0].message).toMatch(message);
	});

	it('refuses a debtor without any contact', () => {
		expect(errorsOf({ debtor_phone: '', debtor_email: '' })).toEqual([
			{ line: 7, column: 'debtor_phone', message: 'Devedor sem contato: informe o telefone ou o e-mail (ao menos um).' }
		]);
	});

	it('refuses a late fee above 2 % on consumer debts, citing CDC art. 52 §1', () => {
		expect(errorsOf({ late_fee_percent: '2,5' })).toEqual([
			{ line: 7, column: 'late_fee_percent', message: 'Multa de 2,5% acima do limite de 2% para dívidas de consumo (CDC art. 52 §1).' }
		]);
		expect(check({ late_fee_percent: '2' }).ok).toBe(true);
	});

	it('applies the consumer cap when it cannot tell, and lifts it for a creditor whose policy says non-consumer', () => {
		expect(check({ late_fee_percent: '10' }, { isConsumer: () => true }).ok).toBe(false);
		expect(check({ late_fee_percent: '10' }, { isConsumer: () => false })).toMatchObject({ ok: true, record: { lateFeeBp: 1000 } });
	});

	it('refuses extra non-empty cells (a separator inside an unquoted value) but tolerates trailing empty ones', () => {
		const extra = [...row(), 'sobra'];
		const r = validateRow(extra, 3, columns(), { today: TODAY });
		expect(r).toMatchObject({ ok: false, errors: [{ line: 3, column: null }] });
		expect(!r.ok && r.errors[0].message).toContain(`${HEADER.length + 1} colunas e o cabeçalho ${HEADER.length}`);
		expect(validateRow([...row(), '', ' '], 3, columns(), { today: TODAY }).ok).toBe(true);
	});

	it('treats missing trailing cells as empty', () => {
		const short = row().slice(0, 8);
		const r = validateRow(short, 4, columns(), { today: TODAY });
		expect(!r.ok && r.errors.map((e) => e.column)).toEqual(['due_date', 'principal']);
	});
});

describe('the header', () => {
	it('reports every missing required column as one error for the file', () => {
		const r = mapHeader(['creditor_cnpj', 'debtor_document', 'debtor_name', 'debt_id', 'due_date', 'principal']);
		expect(r).toEqual({
			ok: false,
			error: {
				line: 1,
				column: 'debtor_phone, debtor_email, debtor_state, description',
				message: expect.stringMatching(/^Cabeçalho sem as colunas obrigatórias: debtor_phone, debtor_email, debtor_state, description\./)
			}
		});
	});

	it('accepts columns in any order, ignores unknown ones and refuses a repeated one', () => {
		const shuffled = ['observacao', ...[...HEADER].reverse()];
		const r = mapHeader(shuffled);
		expect(r.ok && r.columns.index.principal).toBe(shuffled.indexOf('principal'));
		expect(mapHeader([...HEADER, 'principal'])).toMatchObject({ ok: false, error: { column: 'principal' } });
	});

	it('calls an empty file empty', () => {
		expect(mapHeader([])).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^Arquivo vazio/) } });
	});
});

describe('formats', () => {
	it('reads percentages with comma or dot and at most two decimals', () => {
		expect(parsePercentToBp('2')).toBe(200);
		expect(parsePercentToBp('2,5')).toBe(250);
		expect(parsePercentToBp('0.99')).toBe(99);
		expect(parsePercentToBp('1,5 %')).toBe(150);
		expect(parsePercentToBp('1,555')).toBeNull();
		expect(parsePercentToBp('-1')).toBeNull();
	});

	it("reads Excel's two-digit years in the century that keeps the debt in the past", () => {
		expect(parseImportDate('15/03/25', TODAY)).toBe('2025-03-15');
		expect(parseImportDate('15/03/26', TODAY)).toBe('2026-03-15');
		expect(parseImportDate('15/03/98', TODAY)).toBe('1998-03-15');
	});

	it('knows the blank rows Excel leaves behind', () => {
		expect(isBlankRow(['', ' ', ''])).toBe(true);
		expect(isBlankRow(['', 'x'])).toBe(false);
	});
});

describe('the debtor address (optional, for registered boletos)', () => {
	const ADDRESS = { debtor_street: ' Rua  das Palmeiras ', debtor_number: '120', debtor_complement: 'ap 31', debtor_district: 'Centro', debtor_cep: '01310-100', debtor_city: 'São Paulo' };

	it('comes out whole, the CEP as 8 digits', () => {
		const r = check(ADDRESS);
		expect(r.ok && r.record.debtorAddress).toEqual({ street: 'Rua das Palmeiras', number: '120', complement: 'ap 31', district: 'Centro', cep: '01310100', city: 'São Paulo' });
	});

	it('is null when the columns are absent or blank: old files stay valid and keep the stored address', () => {
		const old = HEADER.filter((c) => !c.startsWith('debtor_') || ['debtor_document', 'debtor_name', 'debtor_phone', 'debtor_email', 'debtor_state'].includes(c));
		const r = validateRow(row({}, old), 2, columns(old), { today: TODAY });
		expect(r.ok && r.record.debtorAddress).toBe(null);
		const blank = check({ debtor_street: '', debtor_cep: '  ' });
		expect(blank.ok && blank.record.debtorAddress).toBe(null);
	});

	it('is all or nothing: a partial address names each missing column; a bad CEP is refused', () => {
		const r = check({ debtor_street: 'Rua A', debtor_cep: '0131-100' });
		expect(r.ok).toBe(false);
		expect(!r.ok && r.errors.map((e) => e.column)).toEqual(['debtor_number', 'debtor_district', 'debtor_city', 'debtor_cep']);
		expect(!r.ok && r.errors[0].message).toBe('Informe o número do endereço (ou S/N). O endereço vai completo ou em branco.');
		expect(!r.ok && r.errors[3].message).toBe('CEP inválido: "0131-100". Use 8 dígitos, por exemplo 01310-100.');
	});
});
