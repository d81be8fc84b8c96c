/**
 * CPF and CNPJ: normalising, validating, formatting and masking.
 *
 * Documents are stored normalised: `0-9A-Z` only, letters upper-cased (11 chars for a CPF,
 * 14 for a CNPJ). Every function here also accepts the punctuated form.
 */

export type DocumentKind = 'cpf' | 'cnpj';

const CNPJ_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CNPJ_WEIGHTS_1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

/** Keeps only `0-9A-Z`, upper-casing letters: `123.456.789-09` → `12345678909`. */
export function normalizeDocument(input: string): string {
	// Strip first, then upper-case: some non-ASCII letters (ß, ı) upper-case into ASCII ones.
	return input.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
}

function allSame(doc: string): boolean {
	return /^(.)\1*$/.test(doc);
}

function cpfCheckDigit(digits: string): number {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * (digits.length + 1 - i);
	const rest = (sum * 10) % 11;
	return rest === 10 ? 0 : rest;
}

// IN RFB 2.229/2024: each position is worth its ASCII code minus 48, so digits keep their value
// and letters A..Z count 17..42.
function cnpjCheckDigit(body: string, weights: number[]): number {
	let sum = 0;
	for (let i = 0; i < body.length; i++) sum += (body.charCodeAt(i) - 48) * weights[i];
	const rest = sum % 11;
	return rest < 2 ? 0 : 11 - rest;
}

export function isValidCpf(doc: string): boolean {
	const d = normalizeDocument(doc);
	if (!/^\d{11}$/.test(d) || allSame(d)) return false;
	const first = cpfCheckDigit(d.slice(0, 9));
	const second = cpfCheckDigit(d.slice(0, 9) + first);
	return d.endsWith(`${first}${second}`);
}

/** Classic numeric CNPJs and, since July 2026, alphanumeric ones (IN RFB 2.229/2024). */
export function isValidCnpj(doc: string): boolean {
	const d = normalizeDocument(doc);
	if (!/^[0-9A-Z]{12}\d{2}$/.test(d) || allSame(d)) return false;
	const first = cnpjCheckDigit(d.slice(0, 12), CNPJ_WEIGHTS_1);
	const second = cnpjCheckDigit(d.slice(0, 12) + first, CNPJ_WEIGHTS_2);
	return d.endsWith(`${first}${second}`);
}

/** `'cpf'` or `'cnpj'` for a valid document, `null` otherwise. */
export function documentKind(doc: string): DocumentKind | null {
	if (isValidCpf(doc)) return 'cpf';
	if (isValidCnpj(doc)) return 'cnpj';
	return null;
}

function punctuateCpf(d: string): string {
	return `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9, 11)}`;
}

function punctuateCnpj(d: string): string {
	return `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}/${d.slice(8, 12)}-${d.slice(12, 14)}`;
}

/**
 * `123.456.789-09` or `12.ABC.345/01DE-35`, decided by length (the check digits are not
 * verified here); anything else comes back normalised, without punctuation.
 */
export function formatDocument(doc: string): string {
	const d = normalizeDocument(doc);
	if (/^\d{11}$/.test(d)) return punctuateCpf(d);
	if (d.length === 14) return punctuateCnpj(d);
	return d;
}

/**
 * Masked for anyone but the holder. Both kinds show the same six middle positions:
 * CPF `***.456.789-**` (the usual public-sector pattern), CNPJ `**.ABC.345/****-**`, so the
 * 8-character root that identifies a company in public records is never shown whole.
 * Unknown shapes are fully starred rather than leaked.
 */
export function maskDocument(doc: string): string {
	const d = normalizeDocument(doc);
	if (/^\d{11}$/.test(d)) return `***.${d.slice(3, 6)}.${d.slice(6, 9)}-**`;
	if (d.length === 14) return `**.${d.slice(2, 5)}.${d.slice(5, 8)}/****-**`;
	return '*'.repeat(d.length || 3);
}

function progressive(d: string, separators: Record<number, string>): string {
	let out = '';
	for (let i = 0; i < d.length; i++) {
		if (i > 0 && separators[i]) out += separators[i];
		out += d[i];
	}
	return out;
}

/**
 * Punctuation for an input field, inserted as the user types. Up to 11 digits follow the
 * CPF mask; a 12th character or any letter switches to the CNPJ mask (at most 14 chars).
 * A separator only appears once the character after it is typed, so backspace never sticks.
 */
export function formatDocumentAsTyped(partial: string): string {
	const d = normalizeDocument(partial);
	if (/^\d{0,11}$/.test(d)) return progressive(d, { 3: '.', 6: '.', 9: '-' });
	return progressive(d.slice(0, 14), { 2: '.', 5: '.', 8: '/', 12: '-' });
}

/** A pt-BR message for a form field, or `null` when the document is a valid CPF or CNPJ. */
export function documentError(input: string): string | null {
	const d = normalizeDocument(input);
	if (/^\d{11}$/.test(d)) return isValidCpf(d) ? null : 'CPF inválido. Confira os números digitados.';
	if (d.length === 14) return isValidCnpj(d) ? null : 'CNPJ inválido. Confira os caracteres digitados.';
	return 'Informe um CPF (11 dígitos) ou CNPJ (14 caracteres).';
}

function pick(rng: () => number, alphabet: string): string {
	// Clamp: an rng returning exactly 1 must not index past the end.
	return alphabet[Math.min(alphabet.length - 1, Math.floor(rng() * alphabet.length))];
}

/** A valid CPF (normalised) from `rng` in [0, 1): for seeds, tests and benchmarks. */
export function generateCpf(rng: () => number): string {
	let body = '';
	for (let i = 0; i < 9; i++) body += pick(rng, '0123456789');
	// All-equal CPFs pass the checksum but are invalid by rule; nudge the last digit.
	if (allSame(body)) body = body.slice(0, 8) + ((Number(body[8]) + 1) % 10);
	const first = cpfCheckDigit(body);
	return body + first + cpfCheckDigit(body + first);
}

/** A valid CNPJ (normalised); with `alphanumeric` the first 12 positions draw from `0-9A-Z`. */
export function generateCnpj(rng: () => number, alphanumeric = false): string {
	const alphabet = alphanumeric ? CNPJ_ALPHABET : CNPJ_ALPHABET.slice(0, 10);
	let body = '';
	for (let i = 0; i < 12; i++) body += pick(rng, alphabet);
	if (allSame(body)) body = body.slice(0, 11) + (body[11] === '1' ? '2' : '1');
	const first = cnpjCheckDigit(body, CNPJ_WEIGHTS_1);
	return body + first + cnpjCheckDigit(body + first, CNPJ_WEIGHTS_2);
}
