/** Brazilian real amounts. Money is always integer cents; percentages are basis points. */

/**
 * The largest amount the portal charges in one slip, R$ 99.999.999,99: a boleto's barcode has ten
 * digits for the value (a Pix amount allows more). Every debt's principal, updated value, agreement
 * total and installment stays at or below it: the schema, the importer, the API and the policy
 * refuse more, and the offer engine offers nothing above it.
 */
export const MAX_AMOUNT_CENTS = 9_999_999_999;

/** `R$ 99.999.999,99`, for messages. */
export const MAX_AMOUNT_TEXT = 'R$ 99.999.999,99';

function groupThousands(digits: string): string {
	return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/**
 * `R$ 1.234,56`, negatives as `-R$ 1,00`. A plain ASCII space follows `R$` (Intl would put a
 * no-break space there, which breaks text comparisons, SMS templates and tests).
 */
export function formatBRL(cents: number): string {
	if (!Number.isSafeInteger(cents)) throw new RangeError(`formatBRL: centavos devem ser inteiros (${cents})`);
	const abs = Math.abs(cents);
	const reais = groupThousands(String(Math.floor(abs / 100)));
	const centavos = String(abs % 100).padStart(2, '0');
	return `${cents < 0 ? '-' : ''}R$ ${reais},${centavos}`;
}

/**
 * What a person types into an amount field, in cents; `null` for anything else.
 *
 * Brazilian usage wins when the text is ambiguous: a lone comma is the decimal separator and a
 * dot followed by exactly three digits groups thousands (`1.234` is R$ 1.234,00). The US form
 * `1,234.56` is accepted only with its decimal part, since `1,234` reads as three decimals.
 * Negative amounts and more than two decimals are rejected.
 */
export function parseAmountToCents(input: string): number | null {
	const s = input.trim().replace(/^R\$\s*/i, '');
	let integer: string;
	let fraction = '';
	let m: RegExpExecArray | null;
	if ((m = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(s))) {
		integer = m[1];
		fraction = m[2] ?? '';
	} else if ((m = /^(\d{1,3}(?:\.\d{3})+)(?:,(\d{1,2}))?$/.exec(s))) {
		integer = m[1].replace(/\./g, '');
		fraction = m[2] ?? '';
	} else if ((m = /^(\d{1,3}(?:,\d{3})+)\.(\d{1,2})$/.exec(s))) {
		integer = m[1].replace(/,/g, '');
		fraction = m[2];
	} else {
		return null;
	}
	const cents = Number(integer) * 100 + Number(fraction.padEnd(2, '0'));
	return Number.isSafeInteger(cents) ? cents : null;
}

/** `1.5` (%) → `150` bp. Exact because the policy schema allows at most two decimals. */
export function percentToBp(percent: number): number {
	return Math.round(percent * 100);
}

/**
 * `150` bp → `1,5%`, `200` → `2%`, `1234` → `12,34%`. Fractions of a basis point (a CET
 * converted to bp, say) are rounded to the nearest whole bp first.
 */
export function formatPercent(bp: number): string {
	if (!Number.isFinite(bp)) throw new RangeError(`formatPercent: valor inválido (${bp})`);
	const rounded = Math.round(Math.abs(bp));
	const whole = groupThousands(String(Math.floor(rounded / 100)));
	const fraction = String(rounded % 100)
		.padStart(2, '0')
		.replace(/0+$/, '');
	const sign = bp < 0 && rounded !== 0 ? '-' : '';
	return `${sign}${whole}${fraction ? `,${fraction}` : ''}%`;
}

/** Thousandths of a cent in a real: what a message costs is priced finer than a cent (R$ 0,035 a segment). */
const MILLICENTS_PER_REAL = 100_000;

/**
 * A price per message as typed (`0,035`, `R$ 0,35`, `0.07`), in thousandths of a cent; `null` for
 * anything else, negatives, more than five decimals (finer than a thousandth of a cent) or above R$ 1.000.
 */
export function parseMillicents(input: string): number | null {
	const m = /^(\d{1,4})(?:[.,](\d{1,5}))?$/.exec(input.trim().replace(/^R\$\s*/i, ''));
	if (!m) return null;
	const value = Number(m[1]) * MILLICENTS_PER_REAL + Number((m[2] ?? '').padEnd(5, '0'));
	return value <= 1000 * MILLICENTS_PER_REAL ? value : null;
}

/** `35000` → `R$ 0,35`, `3500` → `R$ 0,035`: at least the cents, and only the decimals that matter beyond them. */
export function formatMillicents(millicents: number): string {
	if (!Number.isSafeInteger(millicents) || millicents < 0) throw new RangeError(`formatMillicents: valor inválido (${millicents})`);
	const reais = groupThousands(String(Math.floor(millicents / MILLICENTS_PER_REAL)));
	let fraction = String(millicents % MILLICENTS_PER_REAL).padStart(5, '0');
	while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
	return `R$ ${reais},${fraction}`;
}
