/**
 * Fixed-width field helpers shared by the CNAB readers (retorno) and writers (remessa).
 *
 * Positions are 1-based and inclusive, exactly as the banks' manuals print them
 * ("posição 038 a 057" is `[38, 57]`), so a layout table can be checked against the manual
 * line by line. Money is integer cents; dates are calendar dates `YYYY-MM-DD`.
 */
import { isIsoDate } from '../../../format/dates';

/** A field's first and last position, 1-based and inclusive, as the manuals print them. */
export type Position = readonly [start: number, end: number];

/** Thrown for content that cannot be a CNAB file; the message is pt-BR and safe to show. */
export class CnabError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'CnabError';
	}
}

/** The raw characters of a field. A line shorter than the field (lost trailing spaces) reads as spaces. */
export function raw(line: string, [start, end]: Position): string {
	return line.slice(start - 1, end).padEnd(end - start + 1, ' ');
}

/** A text field without its padding spaces. */
export function text(line: string, position: Position): string {
	return raw(line, position).trim();
}

/** Only the digits of a value (`'00000000030-3'` → `'000000000303'`). */
export function onlyDigits(value: string): string {
	return value.replace(/\D/g, '');
}

/**
 * A numeric money field (`9(11)V9(2)` or `13 + 2 dec.`) as integer cents. Blanks read as zero,
 * since banks leave unused value fields blank and dirty files lose trailing spaces; anything
 * else that is not digits is an error, because a misread amount must never reach a payment.
 */
export function cents(line: string, position: Position, what: string): number {
	const value = raw(line, position).trim();
	if (value === '') return 0;
	if (!/^\d+$/.test(value)) {
		throw new CnabError(`Valor inválido em ${what} (posições ${position[0]} a ${position[1]}): "${value}"`);
	}
	return Number(value);
}

function isoOrNull(year: number, month: string, day: string): string | null {
	const iso = `${String(year).padStart(4, '0')}-${month}-${day}`;
	return isIsoDate(iso) ? iso : null;
}

/**
 * `DDMMAAAA` → `YYYY-MM-DD`. `undefined` for an empty date (blanks or zeros, which the manuals
 * use for "not informed"); `null` for something that is not a real date.
 */
export function dateFromDDMMYYYY(value: string): string | undefined | null {
	const v = value.trim();
	if (v === '' || /^0+$/.test(v)) return undefined;
	if (!/^\d{8}$/.test(v)) return null;
	return isoOrNull(Number(v.slice(4, 8)), v.slice(2, 4), v.slice(0, 2));
}

/**
 * `DDMMAA` → `YYYY-MM-DD`, with the century rule: `00`–`79` are 2000–2079 and `80`–`99` are
 * 1980–1999. Registered boletos and CNAB 400 files are younger than 1980, and the rule stays
 * right until 2079. Same `undefined`/`null` convention as {@link dateFromDDMMYYYY}.
 */
export function dateFromDDMMYY(value: string): string | undefined | null {
	const v = value.trim();
	if (v === '' || /^0+$/.test(v)) return undefined;
	if (!/^\d{6}$/.test(v)) return null;
	const yy = Number(v.slice(4, 6));
	return isoOrNull(yy < 80 ? 2000 + yy : 1900 + yy, v.slice(2, 4), v.slice(0, 2));
}

/**
 * Splits a reason field holding several fixed-size codes (`'A9A4152216'` → `['A9','A4','15','22','16']`).
 * Empty slots (blanks) and `'00'`/`'0000'` ("no reason") are dropped.
 */
export function reasonCodes(value: string, size = 2): string[] {
	const codes: string[] = [];
	for (let i = 0; i + size <= value.length; i += size) {
		const code = value.slice(i, i + size).trim();
		if (code !== '' && !/^0+$/.test(code)) codes.push(code);
	}
	return codes;
}

/**
 * A payer's or company's CPF/CNPJ from a zero-padded field and its type (`1`/`01` CPF,
 * `2`/`02` CNPJ). `undefined` when the bank left it out (zeros or blanks).
 */
export function documentNumber(type: string, value: string): string | undefined {
	const digits = value.trim();
	if (digits === '' || /^0+$/.test(digits)) return undefined;
	const kind = Number(type.trim());
	if (kind === 1) return digits.slice(-11);
	if (kind === 2) return digits.slice(-14);
	return digits;
}

/**
 * Text content of a file: a Buffer is decoded as Latin-1 (what bank systems write; it also
 * keeps one byte per character, so positions stay right), a string is taken as it is.
 */
export function decode(content: string | Uint8Array): string {
	return typeof content === 'string' ? content : Buffer.from(content).toString('latin1');
}

/**
 * The lines of a file, tolerant of what real files look like: CRLF, LF, CR or a mix, a missing
 * final newline, a trailing DOS end-of-file mark (Ctrl-Z) and blank lines at the end.
 * Each entry keeps its 1-based line number in the original file.
 */
export function splitLines(content: string): { number: number; text: string }[] {
	const lines = content
		.replace(/^\uFEFF/, '')
		.split(/\r\n|\r|\n/)
		.map((text, i) => ({ number: i + 1, text: text.replace(/\x1A+$/, '') }));
	while (lines.length > 0 && lines[lines.length - 1].text.trim() === '') lines.pop();
	return lines;
}
