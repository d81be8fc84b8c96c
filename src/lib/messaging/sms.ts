/**
 * How many SMS segments a text takes, and what it costs. Pure, for the server and for the
 * template editor in the browser alike.
 *
 * 3GPP TS 23.038 §6.2.1: a text made only of the GSM 7-bit default alphabet (and its extension
 * table, each extension character costing an escape plus itself: 2 septets) travels as GSM-7,
 * 160 septets in one message; anything else makes the whole message UCS-2, 70 UTF-16 units.
 * A concatenated message loses room to its User Data Header (TS 23.040 §9.2.3.24.1): 153 septets
 * or 67 units a segment. An escape sequence or a surrogate pair is never split across segments.
 * So one "ã" halves the room: Portuguese accents other than é, É, à, ü, Ü, ñ, Ñ and Ç are not GSM-7.
 */

// TS 23.038 §6.2.1, the default alphabet in code order 0x00–0x7F, as in Unicode's mapping
// (Public/MAPPINGS/ETSI/GSM0338.TXT): 0x09 is the capital Ç, 0x24 the currency sign ¤, not € .
const GSM_BASIC =
	'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
	'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

// TS 23.038 §6.2.1.1, the default extension table: form feed ^ { } \ [ ~ ] | €.
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set([...GSM_BASIC].filter((c) => c !== '\u001b'));
const EXTENSION = new Set(GSM_EXTENSION);

/** The GSM-7 characters, for SQL that sorts stored texts by encoding (the reports' SMS costs). */
export const GSM7_CHARACTERS = { basic: [...BASIC].join(''), extension: GSM_EXTENSION } as const;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export type SmsSegments = {
	encoding: SmsEncoding;
	/** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
	units: number;
	segments: number;
	/** Room in each segment: 160 or 153 (GSM-7), 70 or 67 (UCS-2). */
	perSegment: number;
	/** Units still free in the last segment before another one starts. */
	remainingInSegment: number;
};

export const SMS_LIMITS = {
	'GSM-7': { single: 160, multi: 153 },
	'UCS-2': { single: 70, multi: 67 }
} as const;

/** True when every character is in the GSM-7 default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
	for (const c of text) if (!BASIC.has(c) && !EXTENSION.has(c)) return false;
	return true;
}

/** The size of each indivisible piece of the text: a character, an escape pair, a surrogate pair. */
function pieces(text: string, encoding: SmsEncoding): number[] {
	const sizes: number[] = [];
	for (const c of text) sizes.push(encoding === 'GSM-7' ? (EXTENSION.has(c) ? 2 : 1) : c.length);
	return sizes;
}

export function smsSegments(text: string): SmsSegments {
	const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
	const limits = SMS_LIMITS[encoding];
	const sizes = pieces(text, encoding);
	const units = sizes.reduce((a, b) => a + b, 0);
	if (units <= limits.single) {
		return { encoding, units, segments: units === 0 ? 0 : 1, perSegment: limits.single, remainingInSegment: limits.single - units };
	}
	let segments = 1;
	let used = 0;
	for (const size of sizes) {
		if (used + size > limits.multi) {
			segments++;
			used = 0;
		}
		used += size;
	}
	return { encoding, units, segments, perSegment: limits.multi, remainingInSegment: limits.multi - used };
}

/** What sending `text` costs, in cents, at an integer price per segment. */
export function smsCost(text: string, centsPerSegment: number): number {
	if (!Number.isSafeInteger(centsPerSegment) || centsPerSegment < 0) {
		throw new RangeError(`Preço por segmento inválido: ${centsPerSegment} (centavos inteiros, não negativos).`);
	}
	return smsSegments(text).segments * centsPerSegment;
}

// Typographic punctuation that word processors put in, and its plain GSM-7 form.
const PUNCTUATION: Record<string, string> = {
	'\u2018': "'",
	'\u2019': "'",
	'\u201c': '"',
	'\u201d': '"',
	'\u2013': '-',
	'\u2014': '-',
	'\u2026': '...',
	'\u00a0': ' ',
	'\u00ba': 'o',
	'\u00aa': 'a',
	'\t': ' '
};

/**
 * The text with what keeps it out of GSM-7 replaced where a plain form exists: accents dropped
 * (ã → a, ç → c, but é and à kept, they are GSM-7), curly quotes and dashes straightened.
 * Emoji and other scripts stay, so the result may still be UCS-2: check with `isGsm7`.
 */
export function gsmSafe(text: string): string {
	let out = '';
	for (const c of text) {
		if (BASIC.has(c) || EXTENSION.has(c)) out += c;
		else if (c in PUNCTUATION) out += PUNCTUATION[c];
		else {
			const bare = c.normalize('NFD').replace(/\p{M}/gu, '');
			out += bare !== '' && isGsm7(bare) ? bare : c;
		}
	}
	return out;
}
