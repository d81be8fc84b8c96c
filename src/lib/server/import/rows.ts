import { documentError, isValidCnpj, normalizeDocument } from '../../format/document';
import { formatPercent, MAX_AMOUNT_CENTS, MAX_AMOUNT_TEXT, parseAmountToCents } from '../../format/money';
import { formatDateBR, parseDateInput } from '../../format/dates';
import { isValidEmail, normalizePhoneBR, UFS } from '../../format/contact';

/**
 * One CSV row of a portfolio → a normalised record, or every problem found in it, each with the
 * line and column so the operator can fix the spreadsheet. Pure: `today` comes in.
 */

export const REQUIRED_COLUMNS = [
	'creditor_cnpj',
	'debtor_document',
	'debtor_name',
	'debtor_phone',
	'debtor_email',
	'debtor_state',
	'debt_id',
	'description',
	'due_date',
	'principal'
] as const;
export const OPTIONAL_COLUMNS = [
	'late_fee_percent',
	'interest_monthly_percent',
	// The payer's address a registered boleto needs (UF is debtor_state): all or none.
	'debtor_street',
	'debtor_number',
	'debtor_complement',
	'debtor_district',
	'debtor_cep',
	'debtor_city'
] as const;

export type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
/** Where each known column sits in a row; `width` is the header's number of columns. */
export type ColumnMap = { index: Partial<Record<Column, number>>; width: number };

export type RowError = { line: number; column: string | null; message: string };

export type ImportRecord = {
	line: number;
	/** Normalised: `0-9A-Z`, 14 characters. */
	creditorCnpj: string;
	/** Normalised CPF (11) or CNPJ (14). */
	debtorDocument: string;
	debtorName: string;
	/** E.164 or null. */
	debtorPhone: string | null;
	debtorEmail: string | null;
	debtorState: string;
	/** Null when the row brings no address (the stored one is kept). */
	debtorAddress: DebtorAddress | null;
	debtId: string;
	description: string;
	/** ISO date. */
	dueDate: string;
	principalCents: number;
	/** Basis points; null = the creditor's policy default. */
	lateFeeBp: number | null;
	interestMonthlyBp: number | null;
};

export type DebtorAddress = { street: string; number: string; complement: string | null; district: string; cep: string; city: string };

export type RowContext = {
	/** Today in São Paulo (ISO): due dates after it are refused. */
	today: string;
	/**
	 * Whether the creditor's debts are consumer debts (its policy says so). When it cannot be
	 * known, the consumer cap applies: refusing a lawful 3 % fee is fixable, charging an unlawful one is not.
	 */
	isConsumer?: (creditorCnpj: string) => boolean;
};

/** CDC art. 52 §1: the late fee on consumer debts is capped at 2 %. */
export const CONSUMER_LATE_FEE_MAX_BP = 200;
const MAX_PERCENT_BP = 100_00;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 500;
const MAX_DEBT_ID = 100;
const UF_SET = new Set<string>(UFS);

/** Maps the header; a missing required column is one error for the whole file. */
export function mapHeader(header: string[], line = 1): { ok: true; columns: ColumnMap } | { ok: false; error: RowError } {
	const index: Partial<Record<Column, number>> = {};
	const known = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
	const seen = new Set<string>();
	for (let i = 0; i < header.length; i++) {
		const name = header[i];
		if (name && seen.has(name)) {
			return { ok: false, error: { line, column: name, message: `A coluna "${name}" aparece mais de uma vez no cabeçalho.` } };
		}
		seen.add(name);
		if (known.has(name)) index[name as Column] = i;
	}
	const missing = REQUIRED_COLUMNS.filter((c) => index[c] === undefined);
	if (missing.length > 0) {
		const list = missing.join(', ');
		return {
			ok: false,
			error: {
				line,
				column: list,
				message:
					header.length === 0
						? 'Arquivo vazio: a primeira linha deve ser o cabeçalho com os nomes das colunas.'
						: `Cabeçalho sem ${missing.length === 1 ? 'a coluna obrigatória' : 'as colunas obrigatórias'}: ${list}. ` +
							`Colunas esperadas: ${REQUIRED_COLUMNS.join(', ')} (e, opcionais, ${OPTIONAL_COLUMNS.join(', ')}).`
			}
		};
	}
	return { ok: true, columns: { index, width: header.length } };
}

/** True for the `;;;;;` rows Excel leaves after formatted but empty cells. */
export function isBlankRow(fields: string[]): boolean {
	return fields.every((f) => f.trim() === '');
}

export function validateRow(
	fields: string[],
	line: number,
	columns: ColumnMap,
	ctx: RowContext
): { ok: true; record: ImportRecord } | { ok: false; errors: RowError[] } {
	const errors: RowError[] = [];
	// Made by factories: tsx (esbuild keepNames) would wrap a named inner function on every call,
	// and this runs a million times per file.
	const fail = collector(errors, line);
	const get = cells(fields, columns);

	if (fields.length > columns.width && fields.slice(columns.width).some((f) => f.trim() !== '')) {
		fail(
			null,
			`A linha tem ${fields.length} colunas e o cabeçalho ${columns.width}: confira o separador e as aspas (um texto com ; precisa estar entre aspas).`
		);
	}

	const creditorRaw = get('creditor_cnpj');
	const { cnpj: creditorCnpj, valid: creditorValid } = creditorOf(creditorRaw);
	if (!creditorRaw) fail('creditor_cnpj', 'Informe o CNPJ do credor.');
	else if (/^\d{11}$/.test(creditorCnpj)) fail('creditor_cnpj', 'O credor é identificado pelo CNPJ (14 caracteres), não por CPF.');
	else if (!creditorValid) fail('creditor_cnpj', 'CNPJ do credor inválido: confira os caracteres e os dígitos verificadores.');

	const documentRaw = get('debtor_document');
	const debtorDocument = normalizeDocument(documentRaw);
	if (!documentRaw) fail('debtor_document', 'Informe o CPF ou CNPJ do devedor.');
	else {
		const problem = documentError(debtorDocument);
		if (problem) fail('debtor_document', problem);
	}

	const debtorName = collapse(get('debtor_name'));
	if (!debtorName) fail('debtor_name', 'Informe o nome do devedor.');
	else if (debtorName.length > MAX_NAME) fail('debtor_name', `Nome com mais de ${MAX_NAME} caracteres.`);

	// A debtor with no way to be reached cannot receive a link or a one-time code: at least one contact.
	const phoneRaw = get('debtor_phone');
	const emailRaw = get('debtor_email');
	let debtorPhone: string | null = null;
	let debtorEmail: string | null = null;
	if (phoneRaw) {
		debtorPhone = normalizePhoneBR(phoneRaw);
		if (!debtorPhone) fail('debtor_phone', 'Telefone inválido: use DDD e número, por exemplo (11) 98765-4321.');
	}
	if (emailRaw) {
		if (isValidEmail(emailRaw)) debtorEmail = emailRaw.toLowerCase();
		else fail('debtor_email', 'E-mail inválido: confira o endereço (por exemplo nome@provedor.com.br).');
	}
	if (!phoneRaw && !emailRaw) fail('debtor_phone', 'Devedor sem contato: informe o telefone ou o e-mail (ao menos um).');

	const debtorState = get('debtor_state').toUpperCase();
	if (!debtorState) fail('debtor_state', 'Informe a UF do devedor (por exemplo SP).');
	else if (!UF_SET.has(debtorState)) fail('debtor_state', `UF inválida: "${clip(debtorState)}". Use a sigla do estado, por exemplo SP.`);

	const debtorAddress = addressOf(get, fail);

	const debtId = get('debt_id');
	if (!debtId) fail('debt_id', 'Informe o identificador da dívida (número do contrato).');
	else if (debtId.length > MAX_DEBT_ID) fail('debt_id', `Identificador da dívida com mais de ${MAX_DEBT_ID} caracteres.`);

	const description = collapse(get('description'));
	if (!description) fail('description', 'Informe a descrição da dívida (o que o devedor vai reconhecer).');
	else if (description.length > MAX_DESCRIPTION) fail('description', `Descrição com mais de ${MAX_DESCRIPTION} caracteres.`);

	const dueRaw = get('due_date');
	const dueDate = dueRaw ? parseImportDate(dueRaw, ctx.today) : null;
	if (!dueRaw) fail('due_date', 'Informe o vencimento (DD/MM/AAAA).');
	else if (!dueDate) fail('due_date', `Data inválida: "${clip(dueRaw)}". Use DD/MM/AAAA ou AAAA-MM-DD.`);
	else if (dueDate > ctx.today) {
		fail('due_date', `Vencimento no futuro (${formatDateBR(dueDate)}): a carteira deve trazer só dívidas vencidas.`);
	}

	const principalRaw = get('principal');
	const principalCents = principalRaw ? parseAmountToCents(principalRaw) : null;
	if (!principalRaw) fail('principal', 'Informe o valor principal (por exemplo 1.234,56).');
	else if (principalCents === null) fail('principal', `Valor inválido: "${clip(principalRaw)}". Use 1.234,56 ou 1234.56, sem sinal negativo.`);
	else if (principalCents <= 0) fail('principal', 'O valor principal deve ser maior que zero.');
	else if (principalCents > MAX_AMOUNT_CENTS) fail('principal', `Valor acima de ${MAX_AMOUNT_TEXT}, o maior que um boleto comporta. Divida a dívida em contratos menores ou fale com o suporte.`);

	const lateFeeBp = percentColumn(get('late_fee_percent'), 'late_fee_percent', 'Multa', errors, line);
	if (lateFeeBp !== null && lateFeeBp > CONSUMER_LATE_FEE_MAX_BP && (ctx.isConsumer?.(creditorCnpj) ?? true)) {
		// CDC art. 52 §1: consumer late fee ≤ 2 %.
		fail('late_fee_percent', `Multa de ${formatPercent(lateFeeBp)} acima do limite de 2% para dívidas de consumo (CDC art. 52 §1).`);
	}
	const interestMonthlyBp = percentColumn(get('interest_monthly_percent'), 'interest_monthly_percent', 'Juros de mora mensais', errors, line);

	if (errors.length > 0) return { ok: false, errors };
	return {
		ok: true,
		record: {
			line,
			creditorCnpj,
			debtorDocument,
			debtorName,
			debtorPhone,
			debtorEmail,
			debtorState,
			debtorAddress,
			debtId,
			description,
			dueDate: dueDate!,
			principalCents: principalCents!,
			lateFeeBp,
			interestMonthlyBp
		}
	};
}

const ADDRESS_PARTS = [
	['debtor_street', 'Informe o logradouro do devedor (rua, avenida…).', 200],
	['debtor_number', 'Informe o número do endereço (ou S/N).', 20],
	['debtor_district', 'Informe o bairro do devedor.', 100],
	['debtor_cep', 'Informe o CEP do devedor.', 9],
	['debtor_city', 'Informe a cidade do devedor.', 100]
] as const;

/** The address columns: none filled keeps the stored address; some filled asks for the rest. */
function addressOf(get: (c: Column) => string, fail: (column: string | null, message: string) => void): DebtorAddress | null {
	const complement = collapse(get('debtor_complement'));
	const values = ADDRESS_PARTS.map(([c]) => collapse(get(c)));
	if (values.every((v) => v === '') && complement === '') return null;
	let ok = true;
	ADDRESS_PARTS.forEach(([c, missing, max], k) => {
		if (!values[k]) (ok = false), fail(c, `${missing} O endereço vai completo ou em branco.`);
		else if (values[k].length > max) (ok = false), fail(c, `${c === 'debtor_cep' ? 'CEP' : 'Campo do endereço'} com mais de ${max} caracteres.`);
	});
	if (complement.length > 100) (ok = false), fail('debtor_complement', 'Complemento com mais de 100 caracteres.');
	const cep = values[3].replace(/\D/g, '');
	if (values[3] && (!/^\d{8}$/.test(cep) || cep === '00000000')) (ok = false), fail('debtor_cep', `CEP inválido: "${clip(values[3])}". Use 8 dígitos, por exemplo 01310-100.`);
	if (!ok) return null;
	return { street: values[0], number: values[1], complement: complement || null, district: values[2], cep, city: values[4] };
}

function collector(errors: RowError[], line: number) {
	return (column: string | null, message: string) => {
		errors.push({ line, column, message });
	};
}

function cells(fields: string[], columns: ColumnMap) {
	return (c: Column): string => {
		const i = columns.index[c];
		return i === undefined ? '' : (fields[i] ?? '').trim();
	};
}

function percentColumn(raw: string, column: Column, label: string, errors: RowError[], line: number): number | null {
	if (!raw) return null;
	const bp = parsePercentToBp(raw);
	if (bp === null) {
		errors.push({ line, column, message: `${label}: percentual inválido "${clip(raw)}". Use por exemplo 2 ou 2,5 (no máximo 2 casas decimais).` });
		return null;
	}
	if (bp > MAX_PERCENT_BP) {
		errors.push({ line, column, message: `${label}: percentual acima de 100%.` });
		return null;
	}
	return bp;
}

// Every row of a file usually names the same creditor: check its CNPJ once.
let lastCreditor = { raw: '', cnpj: '', valid: false };
function creditorOf(raw: string): { cnpj: string; valid: boolean } {
	if (raw !== lastCreditor.raw) {
		const cnpj = normalizeDocument(raw);
		lastCreditor = { raw, cnpj, valid: isValidCnpj(cnpj) };
	}
	return lastCreditor;
}

/** `2`, `2,5`, `2.50`, `2,5%` → basis points; null for anything else (negatives, 3+ decimals). */
export function parsePercentToBp(input: string): number | null {
	const m = /^(\d{1,3})(?:[.,](\d{1,2}))?\s*%?$/.exec(input.trim());
	if (!m) return null;
	return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/**
 * The dates spreadsheets write: `DD/MM/AAAA`, `D/M/AAAA`, ISO, ISO with a midnight time
 * (`2025-03-15 00:00:00`), and `DD/MM/AA` (Excel's short format; the century is the one that
 * puts the date on or before today, since these are overdue debts).
 */
export function parseImportDate(input: string, today: string): string | null {
	let s = input.trim();
	const iso = /^(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?Z?$/.exec(s);
	if (iso) s = iso[1];
	const short = /^(\d{1,2})\/(\d{1,2})\/(\d{2})$/.exec(s);
	if (short) {
		const yy = Number(short[3]);
		const currentYy = Number(today.slice(2, 4));
		const century = Number(today.slice(0, 2)) * 100;
		const year = yy <= currentYy ? century + yy : century - 100 + yy;
		s = `${short[1]}/${short[2]}/${year}`;
	}
	return parseDateInput(s);
}

/** Trims and turns runs of spaces, tabs and line breaks into one space (the regex only when needed). */
function collapse(s: string): string {
	const t = s.trim();
	return t.includes('  ') || /[\t\n\r\u00a0]/.test(t) ? t.replace(/\s+/g, ' ') : t;
}

/** Echoes a bad value back, but never a whole paragraph. */
function clip(s: string): string {
	return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
