/**
 * Reads a bank's boleto return file (*arquivo retorno*), CNAB 240 or CNAB 400, into plain
 * values: integer cents, `YYYY-MM-DD` dates, and each movement interpreted with the bank's
 * own code table. Pure: no database, no clock. What the caller does with each record
 * (settle an installment, queue a review) is its business; an `unknown` movement is never a payment.
 */
import {
	CnabError,
	cents,
	dateFromDDMMYY,
	dateFromDDMMYYYY,
	decode,
	documentNumber,
	onlyDigits,
	raw,
	reasonCodes,
	splitLines,
	text,
	type Position
} from './fields';
import { CNAB240_LAYOUTS, FEBRABAN_240, type Cnab240Layout } from './layout-240';
import { CNAB400_LAYOUTS, type Cnab400Layout } from './layout-400';
import { interpret, isPayment, type Movement } from './movements';

export type { Movement, MovementKind } from './movements';

export interface RetornoRecord {
	/** 1-based line number of the record's first line (segment T in CNAB 240). */
	line: number;
	/** Nosso número as the bank wrote it (padding removed). */
	nossoNumero: string;
	/** Nosso número reduced to its digits, for matching. */
	nossoNumeroDigits: string;
	/** Número do documento (seu número), when the bank returns it. */
	documentNumber?: string;
	/** The company's own reference for the boleto (uso da empresa / nº de controle do participante). */
	companyReference?: string;
	wallet?: string;
	movement: Movement;
	dueDate?: string;
	faceValueCents: number;
	paidCents: number;
	creditCents?: number;
	feeCents: number;
	interestCents: number;
	discountCents: number;
	rebateCents: number;
	iofCents: number;
	otherExpensesCents?: number;
	otherCreditsCents?: number;
	occurredOn?: string;
	creditedOn?: string;
	/** The bank and agency that received the payment or hold the boleto. */
	collectedBy?: { bankCode: string; agency: string };
	payer?: { document?: string; name?: string };
}

export interface RetornoFile {
	format: 'cnab240' | 'cnab400';
	bankCode: string;
	bankName?: string;
	generatedOn?: string;
	fileSequence?: number;
	company: { document?: string; name?: string; agency?: string; account?: string };
	records: RetornoRecord[];
	/** Things a person should know about the file that did not stop it from being read (pt-BR). */
	warnings: string[];
}

type Line = { number: number; text: string };

const WIDTH = { cnab240: 240, cnab400: 400 } as const;

function fail(reason: string): never {
	throw new CnabError(`Arquivo de retorno não reconhecido: ${reason}`);
}

function detectFormat(lines: Line[]): 'cnab240' | 'cnab400' {
	const header = lines[0].text;
	const longest = Math.max(...lines.map((l) => l.text.trimEnd().length));
	if (/^0[12](RETORNO|REMESSA)/i.test(header) || (/^0[12]/.test(header) && longest > 240)) {
		if (header[1] === '1' || /^0.REMESSA/i.test(header)) {
			throw new CnabError('Este é um arquivo de remessa, não de retorno: envie o arquivo que o banco devolveu.');
		}
		return 'cnab400';
	}
	if (/^\d{3}00000/.test(header)) return 'cnab240';
	return fail('a primeira linha não é um header CNAB 240 nem CNAB 400.');
}

/** Brings every line to the layout's width: pads what lost its trailing spaces, refuses what is too long. */
function normalise(lines: Line[], width: number, warnings: string[]): Line[] {
	const out: Line[] = [];
	for (const line of lines) {
		if (line.text.trim() === '') {
			warnings.push(`Linha ${line.number} em branco ignorada.`);
			continue;
		}
		let t = line.text;
		if (t.length > width) {
			if (t.slice(width).trim() !== '') {
				fail(`a linha ${line.number} tem ${t.trimEnd().length} caracteres; o layout tem ${width}.`);
			}
			t = t.slice(0, width);
		}
		out.push({ number: line.number, text: t.padEnd(width, ' ') });
	}
	return out;
}

function dateOf(
	value: string,
	parse: (v: string) => string | undefined | null,
	where: string,
	warnings: string[]
): string | undefined {
	const date = parse(value);
	if (date === null) {
		warnings.push(`${where}: data inválida "${value.trim()}" ignorada.`);
		return undefined;
	}
	return date;
}

function orUndefined(value: string): string | undefined {
	return value === '' ? undefined : value;
}

/** Blank or all zeros: how the layouts say "not informed" in a text field. */
function informed(value: string): string | undefined {
	return value === '' || /^0+$/.test(value) ? undefined : value;
}

type Identification = Pick<
	RetornoRecord,
	'nossoNumero' | 'nossoNumeroDigits' | 'documentNumber' | 'companyReference' | 'wallet' | 'collectedBy'
>;

/** The fields that tell which boleto a record is about, wherever a layout puts them. */
function identify(
	line: string,
	p: Record<'nossoNumero' | 'documentNumber' | 'companyReference' | 'wallet' | 'collectingBank' | 'collectingAgency', Position>
): Identification {
	const nossoNumero = text(line, p.nossoNumero);
	const collectingBank = informed(text(line, p.collectingBank));
	return {
		nossoNumero,
		nossoNumeroDigits: onlyDigits(nossoNumero),
		documentNumber: orUndefined(text(line, p.documentNumber)),
		companyReference: informed(text(line, p.companyReference)),
		wallet: orUndefined(text(line, p.wallet)),
		collectedBy: collectingBank ? { bankCode: collectingBank, agency: text(line, p.collectingAgency) } : undefined
	};
}

function inLine<T>(line: Line, read: () => T): T {
	try {
		return read();
	} catch (error) {
		if (error instanceof CnabError && !error.message.startsWith('Linha ')) {
			throw new CnabError(`Linha ${line.number}: ${error.message}`);
		}
		throw error;
	}
}

// ---------------------------------------------------------------- CNAB 240

function parse240(lines: Line[], warnings: string[]): RetornoFile {
	const header = lines[0].text;
	const bankCode = header.slice(0, 3);
	let layout: Cnab240Layout | undefined = CNAB240_LAYOUTS[bankCode];
	if (!layout) {
		layout = { ...FEBRABAN_240, bankCode, bankName: '' };
		warnings.push(`Banco ${bankCode} sem tabela própria: lido pelas posições do padrão FEBRABAN 240.`);
	}
	const h = layout.fileHeader;
	if (text(header, h.fileKind) === '1') {
		throw new CnabError('Este é um arquivo de remessa, não de retorno: envie o arquivo que o banco devolveu.');
	}

	const records: RetornoRecord[] = [];
	let pendingT: Line | undefined;
	const flushT = (t: Line, u: Line | undefined) => records.push(inLine(t, () => record240(layout, t, u, warnings)));

	for (const line of lines.slice(1)) {
		const type = line.text[7];
		if (line.text.slice(0, 3) !== bankCode) {
			warnings.push(`Linha ${line.number}: banco ${line.text.slice(0, 3)} diferente do header (${bankCode}).`);
		}
		if (type === '3') {
			const segment = line.text[13];
			if (segment === 'T') {
				if (pendingT) {
					warnings.push(`Linha ${pendingT.number}: segmento T sem o segmento U correspondente.`);
					flushT(pendingT, undefined);
				}
				pendingT = line;
			} else if (segment === 'U') {
				if (!pendingT) {
					warnings.push(`Linha ${line.number}: segmento U sem segmento T antes dele; ignorado.`);
					continue;
				}
				flushT(pendingT, line);
				pendingT = undefined;
			}
			// Other segments (Y and the like) carry extras this reader does not need.
		} else if (type === '9') {
			const declared = Number(line.text.slice(23, 29));
			if (Number.isInteger(declared) && declared > 0 && declared !== lines.length) {
				warnings.push(
					`O trailer declara ${declared} registros, mas o arquivo tem ${lines.length} linhas: confira se ele veio inteiro.`
				);
			}
		} else if (!['1', '5'].includes(type)) {
			fail(`a linha ${line.number} não é um registro CNAB 240 (tipo "${type}").`);
		}
	}
	if (pendingT) {
		warnings.push(`Linha ${pendingT.number}: segmento T sem o segmento U correspondente.`);
		flushT(pendingT, undefined);
	}

	const sequence = text(header, h.fileSequence);
	return {
		format: 'cnab240',
		bankCode,
		bankName: orUndefined(layout.bankName),
		generatedOn: dateOf(raw(header, h.generatedOn), dateFromDDMMYYYY, 'Header', warnings),
		fileSequence: /^\d+$/.test(sequence) ? Number(sequence) : undefined,
		company: {
			document: documentNumber(raw(header, h.companyDocumentType), raw(header, h.companyDocument)),
			name: orUndefined(text(header, h.companyName)),
			agency: orUndefined(text(header, h.agency) + text(header, h.agencyDigit)),
			account: orUndefined(text(header, h.account) + text(header, h.accountDigit))
		},
		records,
		warnings
	};
}

function record240(layout: Cnab240Layout, tLine: Line, uLine: Line | undefined, warnings: string[]): RetornoRecord {
	const t = tLine.text;
	const T = layout.segmentT;
	const U = layout.segmentU;
	const code = text(t, T.movement);
	const movement = interpret(layout.movements, code, reasonCodes(raw(t, T.reasons)));
	const where = `Linha ${tLine.number}`;
	const u = uLine?.text;
	if (u !== undefined && text(u, U.movement) !== code) {
		warnings.push(`${where}: segmentos T e U com códigos de movimento diferentes (${code} e ${text(u, U.movement)}).`);
	}
	const money = (line: string | undefined, position: Position, what: string) =>
		line === undefined ? 0 : inLine(uLine!, () => cents(line, position, what));
	const payerDocument = documentNumber(raw(t, T.payerDocumentType), raw(t, T.payerDocument));
	const payerName = informed(text(t, T.payerName));

	return {
		line: tLine.number,
		...identify(t, T),
		movement,
		dueDate: dateOf(raw(t, T.dueDate), dateFromDDMMYYYY, where, warnings),
		faceValueCents: cents(t, T.faceValue, 'valor do título'),
		paidCents: money(u, U.paid, 'valor pago'),
		creditCents: u === undefined ? undefined : money(u, U.credit, 'valor líquido'),
		feeCents: cents(t, T.fee, 'tarifa'),
		interestCents: money(u, U.interest, 'juros/multa'),
		discountCents: money(u, U.discount, 'desconto'),
		rebateCents: money(u, U.rebate, 'abatimento'),
		iofCents: money(u, U.iof, 'IOF'),
		otherExpensesCents: u === undefined ? undefined : money(u, U.otherExpenses, 'outras despesas'),
		otherCreditsCents: u === undefined ? undefined : money(u, U.otherCredits, 'outros créditos'),
		occurredOn: u === undefined ? undefined : dateOf(raw(u, U.occurredOn), dateFromDDMMYYYY, where, warnings),
		creditedOn: u === undefined ? undefined : dateOf(raw(u, U.creditedOn), dateFromDDMMYYYY, where, warnings),
		payer: payerDocument || payerName ? { document: payerDocument, name: payerName } : undefined
	};
}

// ---------------------------------------------------------------- CNAB 400

function parse400(lines: Line[], warnings: string[]): RetornoFile {
	const header = lines[0].text;
	const bankCode = header.slice(76, 79);
	const layout: Cnab400Layout | undefined = CNAB400_LAYOUTS[bankCode];
	if (!layout) {
		fail(`CNAB 400 do banco ${bankCode.trim() || '(em branco)'}, para o qual não há leiaute (aceitos: Bradesco 237 e Itaú 341).`);
	}
	const records: RetornoRecord[] = [];
	for (const line of lines.slice(1)) {
		const type = line.text[0];
		if (type === '1') records.push(inLine(line, () => record400(layout, line, warnings)));
		else if (type === '9') continue;
		else if (/^\d$/.test(type)) continue; // optional records (rateio, cheque devolvido…)
		else fail(`a linha ${line.number} não é um registro CNAB 400 (tipo "${type}").`);
	}
	const last = lines[lines.length - 1].text;
	if (last[0] !== '9') warnings.push('O arquivo não termina com o trailer (registro 9): confira se ele veio inteiro.');

	const h = layout.header;
	const sequence = h.fileSequence ? text(header, h.fileSequence) : '';
	const first = records.length > 0 ? lines.find((l) => l.text[0] === '1')?.text : undefined;
	const d = layout.detail;
	return {
		format: 'cnab400',
		bankCode,
		bankName: layout.bankName,
		generatedOn: dateOf(raw(header, h.generatedOn), dateFromDDMMYY, 'Header', warnings),
		fileSequence: /^\d+$/.test(sequence) ? Number(sequence) : undefined,
		company: {
			// The 400 header has no CPF/CNPJ; the detail records do.
			document: first ? documentNumber(raw(first, d.companyDocumentType), raw(first, d.companyDocument)) : undefined,
			name: orUndefined(text(header, h.companyName)),
			agency: orUndefined(h.agency ? text(header, h.agency) : first ? text(first, d.agency) : ''),
			account: orUndefined(h.account ? text(header, h.account) : first ? text(first, d.account) : '')
		},
		records,
		warnings
	};
}

function record400(layout: Cnab400Layout, line: Line, warnings: string[]): RetornoRecord {
	const l = line.text;
	const d = layout.detail;
	const where = `Linha ${line.number}`;
	const code = text(l, d.movement);
	const r = layout.reasons(code);
	const movement = interpret(layout.movements, code, reasonCodes(raw(l, r.position), r.size));
	const feeCents = cents(l, d.fee, 'tarifa');
	const creditCents = d.credit ? cents(l, d.credit, 'valor creditado') : undefined;
	let paidCents: number;
	if (d.paid) paidCents = cents(l, d.paid, 'valor pago');
	// Itaú gives only the amount credited (net of the fee); what the payer paid is credit + fee.
	// On other movements that field carries fees or nothing, and a settlement credited elsewhere
	// (a hybrid boleto paid by Pix comes back as '10') has no credit here: nothing to add up.
	else paidCents = isPayment(movement.kind) && creditCents ? creditCents + feeCents : 0;
	const payerName = d.payerName ? informed(text(l, d.payerName)) : undefined;

	return {
		line: line.number,
		...identify(l, d),
		movement,
		dueDate: dateOf(raw(l, d.dueDate), dateFromDDMMYY, where, warnings),
		faceValueCents: cents(l, d.faceValue, 'valor do título'),
		paidCents,
		creditCents,
		feeCents,
		interestCents: cents(l, d.interest, 'juros de mora'),
		discountCents: cents(l, d.discount, 'desconto'),
		rebateCents: cents(l, d.rebate, 'abatimento'),
		iofCents: cents(l, d.iof, 'IOF'),
		otherExpensesCents: d.otherExpenses ? cents(l, d.otherExpenses, 'outras despesas') : undefined,
		otherCreditsCents: cents(l, d.otherCredits, 'outros créditos'),
		occurredOn: dateOf(raw(l, d.occurredOn), dateFromDDMMYY, where, warnings),
		creditedOn: dateOf(raw(l, d.creditedOn), dateFromDDMMYY, where, warnings),
		payer: payerName ? { name: payerName } : undefined
	};
}

// ---------------------------------------------------------------- entry point

/**
 * Parses a return file. Buffers are decoded as Latin-1. Throws {@link CnabError} with a pt-BR
 * message when the content is not a CNAB return file this reader knows; what it could read
 * but looks off is in `warnings`.
 */
export function parseRetorno(content: string | Uint8Array): RetornoFile {
	const lines = splitLines(decode(content));
	const filled = lines.filter((l) => l.text.trim() !== '');
	if (filled.length === 0) fail('o arquivo está vazio.');
	const format = detectFormat(filled);
	const warnings: string[] = [];
	const normalised = normalise(lines, WIDTH[format], warnings);
	return format === 'cnab240' ? parse240(normalised, warnings) : parse400(normalised, warnings);
}

export { CnabError } from './fields';
