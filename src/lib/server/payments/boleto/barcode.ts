/**
 * Boleto de cobrança (bank slip) digits: barcode, linha digitável, due factor.
 *
 * Reference: FEBRABAN, "Layout Padrão de Arrecadação/Recebimento com Utilização do Código de
 * Barras" for bank slips (bloqueto de cobrança), and FEBRABAN's note on the due-factor restart
 * of 2025-02-22. Only bank slips are covered here; utility/tax slips (arrecadação, barcode
 * starting with 8) follow a different layout.
 *
 * Barcode (44): bank(3) currency(1) DV(1) factor(4) value(10) free field(25).
 */

import { MAX_AMOUNT_CENTS } from '../../../format/money';

const DAY_MS = 86_400_000;
// FEBRABAN: factor 0 is 1997-10-07 (the base date); 1000 was 2000-07-03.
const FACTOR_BASE_UTC = Date.UTC(1997, 9, 7);
// FEBRABAN: factor 9999 (2025-02-21) rolled back to 1000 on 2025-02-22; the range 1000–9999
// is then reused every 9000 days.
const FACTOR_CYCLE = 9000;
const FACTOR_MIN = 1000;
const FACTOR_MAX = 9999;
const CURRENCY_BRL = '9';

function isoToDays(isoDate: string): number {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
	if (!m) throw new Error(`Data inválida (esperado AAAA-MM-DD): ${isoDate}`);
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const ms = Date.UTC(y, mo - 1, d);
	const back = new Date(ms);
	if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
		throw new Error(`Data inexistente: ${isoDate}`);
	}
	return Math.round((ms - FACTOR_BASE_UTC) / DAY_MS);
}

function daysToIso(days: number): string {
	return new Date(FACTOR_BASE_UTC + days * DAY_MS).toISOString().slice(0, 10);
}

const onlyDigits = (s: string): boolean => /^\d+$/.test(s);

/** FEBRABAN due factor: days since 1997-10-07, restarted at 1000 on 2025-02-22 and every 9000 days since. */
export function dueFactor(isoDate: string): number {
	const days = isoToDays(isoDate);
	if (days < 1) throw new RangeError(`Vencimento anterior à data-base do fator: ${isoDate}`);
	if (days <= FACTOR_MAX) return days;
	return ((days - FACTOR_MAX - 1) % FACTOR_CYCLE) + FACTOR_MIN;
}

/**
 * The due date a factor stands for. A factor ≥ 1000 is ambiguous (one date per 9000-day
 * cycle); FEBRABAN tells readers to take the candidate closest to the current date.
 * Factor 0 means "no due date" → null. Ties go to the later date.
 */
export function dateFromFactor(factor: number, todayIso: string): string | null {
	if (!Number.isInteger(factor) || factor < 0 || factor > FACTOR_MAX) {
		throw new RangeError(`Fator de vencimento inválido: ${factor}`);
	}
	if (factor === 0) return null;
	if (factor < FACTOR_MIN) return daysToIso(factor); // before 2000-07-03: first cycle only
	const today = isoToDays(todayIso);
	// Candidates are factor + 9000·k days after the base date (k ≥ 0).
	const k = Math.max(0, Math.floor((today - factor) / FACTOR_CYCLE));
	const before = factor + k * FACTOR_CYCLE;
	const after = before + FACTOR_CYCLE;
	const best = Math.abs(today - before) < Math.abs(after - today) ? before : after;
	return daysToIso(best);
}

/** FEBRABAN módulo 10: weights 2,1,2,1… from the right, product digits summed. */
export function mod10(digits: string): number {
	if (!onlyDigits(digits)) throw new Error('mod10 aceita apenas dígitos');
	let sum = 0;
	let weight = 2;
	for (let i = digits.length - 1; i >= 0; i--) {
		const p = Number(digits[i]) * weight;
		sum += p > 9 ? p - 9 : p; // digit sum of a two-digit product (≤ 18)
		weight = weight === 2 ? 1 : 2;
	}
	return (10 - (sum % 10)) % 10;
}

function mod11Sum(digits: string, maxWeight: number): number {
	let sum = 0;
	let weight = 2;
	for (let i = digits.length - 1; i >= 0; i--) {
		sum += Number(digits[i]) * weight;
		weight = weight === maxWeight ? 2 : weight + 1;
	}
	return sum;
}

/** FEBRABAN general check digit: mod 11, weights 2..9 from the right; 0, 10 or 11 → 1. */
export function mod11Barcode(digits43: string): number {
	if (digits43.length !== 43 || !onlyDigits(digits43)) {
		throw new Error('mod11Barcode espera 43 dígitos');
	}
	const dv = 11 - (mod11Sum(digits43, 9) % 11);
	return dv === 0 || dv === 10 || dv === 11 ? 1 : dv;
}

/** Check digit printed after the bank code (`237-2`): mod 11, weights 2..9; 10 and 11 → 0. */
export function bankCodeDigit(bankCode: string): number {
	if (!/^\d{3}$/.test(bankCode)) throw new Error(`Código de banco inválido: ${bankCode}`);
	const dv = 11 - (mod11Sum(bankCode, 9) % 11);
	return dv >= 10 ? 0 : dv;
}

function padDigits(value: string, size: number, label: string): string {
	const v = value.replace(/[\s.\-/]/g, '');
	if (!onlyDigits(v) || v.length > size) {
		throw new Error(`${label} deve ter até ${size} dígitos: ${value}`);
	}
	return v.padStart(size, '0');
}

export interface FreeFieldInput {
	/** Agency without its check digit. */
	agency: string;
	/** Account without its check digit. */
	account: string;
	wallet: string;
	/** Nosso número without its check digit. */
	nossoNumero: string;
}

/**
 * The 25-digit free field ("campo livre"), whose layout each bank defines.
 *
 * Bradesco (237), per its "Boleto de Cobrança — layout do código de barras":
 * agência(4) carteira(2) nosso número(11, no DV) conta(7, no DV) zero(1).
 *
 * Other banks: there is no FEBRABAN-wide layout, so we fall back to the same generic
 * arrangement (agency 4 + wallet 2 + nosso número 11 + account 7 + '0'). It yields a
 * well-formed slip but a bank with a different layout will not recognise it: add that
 * bank's layout here before issuing its slips.
 */
export function freeField(bankCode: string, opts: FreeFieldInput): string {
	const agency = padDigits(opts.agency, 4, 'Agência');
	const wallet = padDigits(opts.wallet, 2, 'Carteira');
	const nosso = padDigits(opts.nossoNumero, 11, 'Nosso número');
	const account = padDigits(opts.account, 7, 'Conta');
	if (!/^\d{3}$/.test(bankCode)) throw new Error(`Código de banco inválido: ${bankCode}`);
	// Bradesco (237) and, for now, the generic fallback for every other bank.
	return agency + wallet + nosso + account + '0';
}

export interface BarcodeInput {
	bankCode: string;
	/** ISO date; null prints factor 0000 ("sem vencimento"). */
	dueDate: string | null;
	amountCents: number;
	freeField: string;
}

export function buildBarcode({ bankCode, dueDate, amountCents, freeField }: BarcodeInput): string {
	if (!/^\d{3}$/.test(bankCode)) throw new Error(`Código de banco inválido: ${bankCode}`);
	if (!/^\d{25}$/.test(freeField)) throw new Error('Campo livre deve ter 25 dígitos');
	if (!Number.isSafeInteger(amountCents) || amountCents < 0) {
		throw new RangeError(`Valor inválido: ${amountCents}`);
	}
	// FEBRABAN: the value field has 10 digits, so R$ 99.999.999,99 is the most a slip can carry.
	if (amountCents > MAX_AMOUNT_CENTS) {
		throw new RangeError('Valor acima de R$ 99.999.999,99 não cabe no código de barras');
	}
	const factor = dueDate === null ? '0000' : String(dueFactor(dueDate)).padStart(4, '0');
	const value = String(amountCents).padStart(10, '0');
	const rest = factor + value + freeField;
	const head = bankCode + CURRENCY_BRL;
	const dv = mod11Barcode(head + rest);
	return head + dv + rest;
}

/** Formats the 47-digit linha digitável: `AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D FFFFVVVVVVVVVV`. */
export function linhaDigitavel(barcode44: string): string {
	if (!validateBarcode(barcode44)) throw new Error('Código de barras inválido');
	const free = barcode44.slice(19);
	const f1 = barcode44.slice(0, 4) + free.slice(0, 5);
	const f2 = free.slice(5, 15);
	const f3 = free.slice(15, 25);
	const c1 = f1 + mod10(f1);
	const c2 = f2 + mod10(f2);
	const c3 = f3 + mod10(f3);
	return [
		`${c1.slice(0, 5)}.${c1.slice(5)}`,
		`${c2.slice(0, 5)}.${c2.slice(5)}`,
		`${c3.slice(0, 5)}.${c3.slice(5)}`,
		barcode44[4],
		barcode44.slice(5, 19)
	].join(' ');
}

function linhaDigits(linha: string): string | null {
	const d = linha.replace(/[\s.]/g, '');
	return /^\d{47}$/.test(d) ? d : null;
}

function rebuildBarcode(d: string): string {
	return d.slice(0, 4) + d[32] + d.slice(33, 47) + d.slice(4, 9) + d.slice(10, 20) + d.slice(21, 31);
}

export function validateBarcode(barcode: string): boolean {
	// A leading 8 is an arrecadação (utility/tax) barcode, which uses another check-digit scheme.
	if (!/^\d{44}$/.test(barcode) || barcode[0] === '8') return false;
	return Number(barcode[4]) === mod11Barcode(barcode.slice(0, 4) + barcode.slice(5));
}

/** True when every field check digit and the general check digit agree. Spaces and dots are ignored. */
export function validateLinha(linha: string): boolean {
	const d = linhaDigits(linha);
	if (!d) return false;
	const fieldsOk =
		mod10(d.slice(0, 9)) === Number(d[9]) &&
		mod10(d.slice(10, 20)) === Number(d[20]) &&
		mod10(d.slice(21, 31)) === Number(d[31]);
	return fieldsOk && validateBarcode(rebuildBarcode(d));
}

/** The barcode behind a linha digitável; throws when the linha has a typo (any check digit fails). */
export function barcodeFromLinha(linha: string): string {
	if (!validateLinha(linha)) throw new Error('Linha digitável inválida');
	return rebuildBarcode(linhaDigits(linha)!);
}

const NOSSO_NUMERO_MAX = 99_999_999_999n;

/** Zero-padded 11-digit nosso número from a sequence. */
export function nossoNumeroFrom(seq: number | bigint): string {
	if (typeof seq === 'number' && !Number.isSafeInteger(seq)) {
		throw new RangeError(`Sequência inválida: ${seq}`);
	}
	const n = BigInt(seq);
	if (n < 0n || n > NOSSO_NUMERO_MAX) throw new RangeError(`Sequência fora de 11 dígitos: ${seq}`);
	return n.toString().padStart(11, '0');
}

/**
 * Bradesco nosso número check digit: mod 11 with weights 2..7 over carteira(2) + nosso
 * número(11); remainder 0 → '0', remainder 1 → 'P', otherwise 11 − remainder.
 * (Bradesco's own example: carteira 19, nosso número 00000000002 → 8.)
 */
export function bradescoNossoNumeroDigit(wallet: string, nossoNumero: string): string {
	const digits = padDigits(wallet, 2, 'Carteira') + padDigits(nossoNumero, 11, 'Nosso número');
	const r = mod11Sum(digits, 7) % 11;
	if (r === 0) return '0';
	if (r === 1) return 'P';
	return String(11 - r);
}
