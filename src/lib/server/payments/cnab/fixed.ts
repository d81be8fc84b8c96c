/**
 * Fixed-width records (CNAB): every field is written at declared positions, and a record is
 * refused unless its fields cover it exactly, so a wrong width can never shift what follows.
 *
 * FEBRABAN 240 v10.6 §2.1: numeric fields are right-aligned and zero-filled, alphanumeric ones
 * left-aligned and blank-filled; records hold ASCII only (banks reject accented characters).
 */
import { sanitizePixText } from '../pix/brcode';

/** [first position, last position (1-based, inclusive), the text already sized]. */
export type Field = readonly [from: number, to: number, value: string];

/** Joins fields into one record, checking they run from 1 to `length` with no gap or overlap. */
export function record(fields: readonly Field[], length = 240): string {
	let next = 1;
	let out = '';
	for (const [from, to, value] of fields) {
		if (from !== next) throw new Error(`Campo na posição ${from}, esperado ${next}`);
		if (value.length !== to - from + 1) {
			throw new Error(`Campo ${from}-${to} com ${value.length} caracteres`);
		}
		if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`Campo ${from}-${to} fora do ASCII`);
		out += value;
		next = to + 1;
	}
	if (next !== length + 1) throw new Error(`Registro termina na posição ${next - 1}, esperado ${length}`);
	return out;
}

/** Upper-case ASCII letters, digits, space and `. , - /`: accents stripped, the rest blanked. */
export function cnabText(text: string): string {
	return sanitizePixText(text, Number.MAX_SAFE_INTEGER).toUpperCase();
}

/** Alphanumeric field: cleaned text, left-aligned, blank-filled, cut to `width`. */
export function alpha(text: string, width: number): string {
	return cnabText(text).slice(0, width).padEnd(width, ' ');
}

/** Numeric field: right-aligned, zero-filled. Too wide a value is a bug upstream, so it throws. */
export function num(value: number | string, width: number): string {
	const text = typeof value === 'number' ? integerText(value) : value;
	if (!/^\d*$/.test(text)) throw new Error(`Valor não numérico: ${text}`);
	if (text.length > width) throw new RangeError(`${text} não cabe em ${width} posições`);
	return text.padStart(width, '0');
}

function integerText(value: number): string {
	if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Valor inválido: ${value}`);
	return String(value);
}

export const blanks = (width: number): string => ' '.repeat(width);
export const zeros = (width: number): string => '0'.repeat(width);

/** `2026-12-07` → `07122026` (FEBRABAN dates are DDMMAAAA); null → zeros. */
export function ddmmyyyy(iso: string | null): string {
	if (iso === null) return zeros(8);
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
	if (!m) throw new Error(`Data inválida: ${iso}`);
	return m[3] + m[2] + m[1];
}

/** `14:05:09` → `140509`. */
export function hhmmss(time: string): string {
	const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time);
	if (!m) throw new Error(`Hora inválida: ${time}`);
	return m[1] + m[2] + m[3];
}
