/** Brazilian phone numbers, e-mail addresses and states. */

/** The 27 federative units (26 states and the Federal District). */
export const UFS = [
	'AC', 'AL', 'AP', 'AM', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MT', 'MS', 'MG', 'PA',
	'PB', 'PR', 'PE', 'PI', 'RJ', 'RN', 'RS', 'RO', 'RR', 'SC', 'SP', 'SE', 'TO'
] as const;

export type UF = (typeof UFS)[number];

// Anatel's national numbering plan: the 67 area codes in use.
const DDDS = new Set([
	11, 12, 13, 14, 15, 16, 17, 18, 19,
	21, 22, 24, 27, 28,
	31, 32, 33, 34, 35, 37, 38,
	41, 42, 43, 44, 45, 46, 47, 48, 49,
	51, 53, 54, 55,
	61, 62, 63, 64, 65, 66, 67, 68, 69,
	71, 73, 74, 75, 77, 79,
	81, 82, 83, 84, 85, 86, 87, 88, 89,
	91, 92, 93, 94, 95, 96, 97, 98, 99
]);

export function isValidDdd(ddd: number | string): boolean {
	return DDDS.has(Number(ddd));
}

/**
 * E.164 (`+5511987654321`) for a Brazilian mobile (9 digits starting with 9) or landline
 * (8 digits starting with 2–5), or `null`. Accepts the ways people write them: with or without
 * `+55`/`55`, a trunk `0` before the area code, spaces, dots, dashes and parentheses.
 */
export function normalizePhoneBR(input: string): string | null {
	const trimmed = input.trim();
	if (!/^[+\d\s().-]+$/.test(trimmed)) return null;
	let digits = trimmed.replace(/\D/g, '');
	const international = trimmed.startsWith('+');
	if (international && !digits.startsWith('55')) return null;
	if (international || ((digits.length === 12 || digits.length === 13) && digits.startsWith('55'))) {
		digits = digits.slice(2);
	} else if ((digits.length === 11 || digits.length === 12) && digits.startsWith('0')) {
		digits = digits.slice(1);
	}
	const ddd = digits.slice(0, 2);
	const subscriber = digits.slice(2);
	if (!isValidDdd(ddd)) return null;
	if (!/^9\d{8}$/.test(subscriber) && !/^[2-5]\d{7}$/.test(subscriber)) return null;
	return `+55${ddd}${subscriber}`;
}

/** A mobile in E.164 as a regular expression SQL can use too (`phone ~ $1`); isMobileE164 also checks the DDD. */
export const MOBILE_E164_PATTERN = '^\\+55[1-9][0-9]9[0-9]{8}$';

export function isMobileE164(e164: string): boolean {
	const m = /^\+55(\d{2})9\d{8}$/.exec(e164);
	return m !== null && isValidDdd(m[1]);
}

/** `(11) *****-4321` for a mobile, `(11) ****-4321` for a landline: enough to recognise, not to dial. */
export function maskPhone(e164: string): string {
	const normalized = normalizePhoneBR(e164);
	if (!normalized) return '(**) *****-****';
	const ddd = normalized.slice(3, 5);
	const subscriber = normalized.slice(5);
	return `(${ddd}) ${'*'.repeat(subscriber.length - 4)}-${subscriber.slice(-4)}`;
}

/**
 * A deliverable-looking address: one `@`, a dot-atom local part, a domain of letters, digits and
 * hyphens with a top-level label of two or more letters. Stricter than RFC 5322 on purpose:
 * quoted local parts and IP literals are typos far more often than real addresses here.
 */
export function isValidEmail(email: string): boolean {
	const s = email.trim();
	if (s.length > 254) return false;
	const m = /^([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})$/.exec(
		s
	);
	return m !== null && m[1].length <= 64 && m[2].split('.').every((label) => label.length <= 63);
}

function maskWord(word: string): string {
	return word.length <= 1 ? `${word}***` : `${word[0]}***${word[word.length - 1]}`;
}

/**
 * `maria.silva@gmail.com` → `m***a@g***.com`. Only the public suffix of the domain stays
 * readable (`.com`, `.com.br`), so a company's own domain is not revealed either.
 */
export function maskEmail(email: string): string {
	const s = email.trim();
	const at = s.lastIndexOf('@');
	if (at <= 0) return '***';
	const labels = s.slice(at + 1).split('.');
	// A short second-level label under a country code (`com.br`, `co.uk`) belongs to the suffix.
	const suffixLength =
		labels.length > 2 && labels[labels.length - 1].length === 2 && labels[labels.length - 2].length <= 3 ? 2 : 1;
	const suffix = labels.slice(-suffixLength).join('.');
	const name = labels.slice(0, -suffixLength)[0] ?? '';
	return `${maskWord(s.slice(0, at))}@${name ? name[0] : ''}***.${suffix}`;
}
