import fc from 'fast-check';

/**
 * What bad input looks like: control characters, CRLF, NUL, lone surrogates, emoji, very long
 * strings, numbers at and past the edges, dates of year 0000 and 9999, percent-escapes that
 * decode to nothing valid. Shared by the form, query, cookie, path and JSON generators.
 */

export const NASTY = [
	'',
	' ',
	'\u0000',
	'a\u0000b',
	'52998224725\u0000',
	'maria@example.com\u0000',
	'\r\n',
	'/admin\r\nSet-Cookie: x=1',
	'/admin\r\nLocation: https://evil.example',
	'\t',
	'\u0007\u0008\u001b[31m',
	'\u007f',
	'\u0085\u2028\u2029',
	'%',
	'%00',
	'%zz',
	'%E0%A4%A',
	'%ED%A0%80',
	'%C0%AF',
	'%FF%FE',
	'%0d%0a',
	'\\',
	'/\\evil.example',
	'//evil.example',
	'/admin/../../etc/passwd',
	'..',
	'https://evil.example/admin',
	'javascript:alert(1)',
	'\uD800',
	'x\uDC00y',
	'😀',
	'👩‍👩‍👧‍👦🏳️‍🌈',
	'\u202Eevil\u202C',
	'\uFEFF',
	'ﬀ İ ß ǅ',
	'null',
	'undefined',
	'true',
	'[]',
	'{}',
	'{"a":',
	'<script>alert(1)</script>',
	"' OR '1'='1' --",
	'${7*7}{{7*7}}',
	'NaN',
	'Infinity',
	'-Infinity',
	'-0',
	'-1',
	'0',
	'1.5',
	'1e308',
	'1e-308',
	'0x1f',
	'9007199254740991',
	'9007199254740992',
	'-9007199254740991',
	'1000000000000000',
	'99999999999999999999999999',
	'9999999999',
	'10000000000',
	'2147483648',
	'0000-00-00',
	'0000-01-01',
	'9999-12-31',
	'10000-01-01',
	'-000001-01-01',
	'2024-02-30',
	'2024-13-01',
	'0000-01-01T00:00:00Z',
	'0000-01-01T00:00:00.000000Z',
	'9999-12-31T23:59:59.999999Z',
	'+275760-09-13T00:00:00Z',
	'2024-01-01T25:61:61Z',
	'00/00/0000',
	'31/12/9999',
	'01/01/0000',
	'11.222.333/0001-81',
	'12.ABC.345/01DE-35',
	'529.982.247-25',
	'00000000000',
	'AAAAAAAAAAAAAA'
];

const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));

export const numberText = fc.oneof(
	fc.integer().map(String),
	fc.double().map(String),
	fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
	fc.constantFrom('9007199254740991', '1000000000000000', '-1', '0', '1e21', 'NaN')
);

export const dateText = fc.oneof(
	fc.tuple(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(
		([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
	),
	fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
	fc.constantFrom('0000-01-01', '9999-12-31', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z')
);

/** Long enough to hit every length limit, short enough to send thousands of times. */
const longText = (max: number) =>
	fc.constantFrom(...[201, 1001, 4097, 65_537, 300_000].filter((n) => n <= max)).chain((n) => fc.constantFrom('a', 'ç', '😀', '\u0000', '9', '%').map((c) => c.repeat(n)));

/**
 * Any bad string; `valid` (a value that would pass, e.g. the debtor's CPF) comes up now and then.
 * `maxLength` of the long ones: in a URL, past ~16 KB Node answers 431 before the app sees it.
 */
export function nasty(valid: string[] = [], maxLength = 300_000): fc.Arbitrary<string> {
	return fc.oneof(
		{ arbitrary: fc.constantFrom(...NASTY), weight: 6 },
		{ arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
		{ arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
		{ arbitrary: fc.string({ unit: controlChar, maxLength: 8 }), weight: 1 },
		{ arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
		{ arbitrary: numberText, weight: 2 },
		{ arbitrary: dateText, weight: 1 },
		{ arbitrary: longText(maxLength), weight: 1 },
		...(valid.length ? [{ arbitrary: fc.constantFrom(...valid), weight: 4 }] : []),
		...(valid.length
			? [{ arbitrary: fc.tuple(fc.constantFrom(...valid), fc.constantFrom(...NASTY.slice(0, 30))).map(([v, n]) => v + n), weight: 2 }]
			: [])
	);
}

/** Header values as the wire allows them (no NUL, CR or LF: Node refuses to send those). */
export function headerSafe(s: string): string {
	return Buffer.from(s, 'utf8')
		.toString('latin1')
		.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')
		.trim();
}

/**
 * Percent-encodes a string as UTF-8 (a lone surrogate becomes U+FFFD, as a browser sends it).
 * `raw`: keep `%` sequences as they are, so `%00`, `%zz` and invalid UTF-8 reach the server undecoded.
 */
export function pct(s: string, raw = false): string {
	// encodeURIComponent is native and fast; it throws on a lone surrogate, which goes through
	// Buffer's UTF-8 (as U+FFFD) byte by byte instead.
	let out: string;
	try {
		out = encodeURIComponent(s);
	} catch {
		out = '';
		for (const byte of Buffer.from(s, 'utf8')) {
			const c = String.fromCharCode(byte);
			out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
		}
	}
	return raw ? out.replace(/%25/g, '%') : out;
}
