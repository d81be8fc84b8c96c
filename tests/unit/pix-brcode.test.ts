import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createStaticPix, parsePix, hasError } from 'pix-utils';
import {
	buildPixBrCode,
	crc16ccitt,
	newTxid,
	parseBrCode,
	pixQrPngBuffer,
	pixQrSvg,
	sanitizePixText
} from '../../src/lib/server/payments/pix/brcode';

// BCB, Manual de Padrões para Iniciação do Pix: static example with CRC 1D3D.
const BCB_VECTOR =
	'00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

describe('CRC16-CCITT', () => {
	it('matches the standard check value for "123456789"', () => {
		expect(crc16ccitt('123456789')).toBe('29B1');
	});

	it('matches the BCB vector, computed over everything up to and including 6304', () => {
		expect(crc16ccitt(BCB_VECTOR.slice(0, -4))).toBe('1D3D');
	});
});

describe('BR Code against the BCB static vector', () => {
	it('parses every field and validates the CRC', () => {
		expect(parseBrCode(BCB_VECTOR)).toEqual({
			key: '123e4567-e12b-12d1-a456-426655440000',
			location: null,
			amountCents: null,
			txid: '***',
			merchantName: 'Fulano de Tal',
			merchantCity: 'BRASILIA',
			description: null,
			crcValid: true
		});
	});

	it('rebuilds the vector byte for byte from its parsed fields', () => {
		const p = parseBrCode(BCB_VECTOR);
		const rebuilt = buildPixBrCode({
			key: p.key!,
			merchantName: p.merchantName!,
			merchantCity: p.merchantCity!,
			amountCents: 0,
			txid: p.txid!
		});
		expect(rebuilt).toBe(BCB_VECTOR);
	});

	it('reports a mistyped code as an invalid CRC', () => {
		const typo = BCB_VECTOR.replace('Fulano', 'Fulana');
		expect(parseBrCode(typo).crcValid).toBe(false);
	});

	it('refuses a truncated code', () => {
		expect(() => parseBrCode(BCB_VECTOR.slice(0, 40))).toThrow();
	});
});

describe('buildPixBrCode', () => {
	const base = {
		key: '12345678000195',
		merchantName: 'Loja Exemplo Comércio de Roupas Ltda',
		merchantCity: 'São José dos Campos',
		amountCents: 123456,
		txid: 'AC7K3M9QXF01'
	};

	it('writes the amount in 0.00 form, equal to the cents given', () => {
		const code = buildPixBrCode(base);
		expect(code).toContain('54071234.56');
		expect(parseBrCode(code).amountCents).toBe(123456);
		expect(buildPixBrCode({ ...base, amountCents: 5 })).toContain('54040.05');
	});

	it('strips accents and cuts name to 25 and city to 15', () => {
		const p = parseBrCode(buildPixBrCode(base));
		expect(p.merchantName).toBe('Loja Exemplo Comercio de');
		expect(p.merchantCity).toBe('Sao Jose dos Ca');
	});

	it('omits field 01 (point of initiation): not needed in a static code', () => {
		expect(buildPixBrCode(base).startsWith('000201' + '26')).toBe(true);
	});

	it('keeps txid alphanumeric and at most 25 long', () => {
		const p = parseBrCode(buildPixBrCode({ ...base, txid: 'acordo-AC-7K3M/parcela 01 de 12 ção' }));
		expect(p.txid).toBe('acordoAC7K3Mparcela01de12');
		expect(parseBrCode(buildPixBrCode({ ...base, txid: '--' })).txid).toBe('***');
	});

	it('carries a description and keeps field 26 within 99 characters', () => {
		const code = buildPixBrCode({ ...base, description: 'Parcela 1 de 12 do acordo AC-7K3M-9QXF '.repeat(5) });
		const p = parseBrCode(code);
		expect(p.description).toMatch(/^Parcela 1 de 12/);
		expect(code.slice(6, 8)).toBe('26');
		expect(Number(code.slice(8, 10))).toBeLessThanOrEqual(99);
	});

	it('is accepted by pix-utils, an independent parser', () => {
		const parsed = parsePix(buildPixBrCode(base));
		expect(hasError(parsed)).toBe(false);
	});

	it('refuses amounts that are not whole cents and keys that are not ASCII', () => {
		expect(() => buildPixBrCode({ ...base, amountCents: 10.5 })).toThrow();
		expect(() => buildPixBrCode({ ...base, amountCents: -1 })).toThrow();
		expect(() => buildPixBrCode({ ...base, key: 'joão@exemplo.com' })).toThrow();
		expect(() => buildPixBrCode({ ...base, merchantName: '★★★' })).toThrow();
	});
});

describe('sanitizePixText', () => {
	it('removes accents and characters bank apps reject, collapses spaces', () => {
		expect(sanitizePixText('  Açaí   do João & Filhos — “Ltda” ', 40)).toBe('Acai do Joao Filhos Ltda');
		expect(sanitizePixText("D'Ávila Straße", 40)).toBe('DAvila Strasse');
	});

	it('cuts to the limit without leaving a trailing space', () => {
		expect(sanitizePixText('Maria da Conceicao Souza Lima', 25)).toBe('Maria da Conceicao Souza');
	});
});

const words = fc.constantFrom('José', 'Ação', 'São Paulo', 'Conceição', 'Ângela', 'Müller', 'Øster', 'Loja', 'X');
const anyText = fc
	.tuple(words, fc.string({ unit: 'binary', maxLength: 40 }), fc.boolean())
	.map(([w, s, first]) => (first ? w + s : s + w));
const pixKey = fc.oneof(
	fc.uuid(),
	fc.stringMatching(/^\d{11}$/),
	fc.stringMatching(/^\d{14}$/),
	fc.stringMatching(/^\+55\d{11}$/),
	fc.emailAddress().filter((e) => e.length <= 77)
);

describe('BR Code properties', () => {
	it('any amount, name, city and txid yield a valid, ASCII, spec-sized code', () => {
		fc.assert(
			fc.property(
				pixKey,
				anyText,
				anyText,
				fc.integer({ min: 0, max: 999_999_999_999 }),
				fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined }),
				(key, name, city, amountCents, txid) => {
					const code = buildPixBrCode({ key, merchantName: name, merchantCity: city, amountCents, txid });
					expect(code).toMatch(/^[\x20-\x7e]+$/);
					const p = parseBrCode(code);
					expect(p.crcValid).toBe(true);
					expect(p.amountCents).toBe(amountCents === 0 ? null : amountCents);
					expect(p.key).toBe(key);
					expect(p.merchantName!.length).toBeLessThanOrEqual(25);
					expect(p.merchantName!.length).toBeGreaterThan(0);
					expect(p.merchantCity!.length).toBeLessThanOrEqual(15);
					expect(p.merchantCity!.length).toBeGreaterThan(0);
					expect(p.txid).toMatch(/^(\*\*\*|[A-Za-z0-9]{1,25})$/);
				}
			),
			{ numRuns: 300 }
		);
	});
});

describe('agreement with pix-utils', () => {
	// pix-utils upper-cases name and city (so it cannot rebuild the BCB vector); on upper-case
	// input the two encoders must produce the very same code.
	it('createStaticPix gives the same code for upper-case ASCII input', () => {
		const upper = fc.stringMatching(/^[A-Z0-9][A-Z0-9 ]{0,10}[A-Z0-9]$/).filter((s) => !/  /.test(s));
		fc.assert(
			fc.property(
				pixKey,
				upper,
				upper,
				fc.integer({ min: 1, max: 999_999_999 }),
				fc.stringMatching(/^[A-Za-z0-9]{1,25}$/),
				(key, name, city, amountCents, txid) => {
					const ours = buildPixBrCode({ key, merchantName: name, merchantCity: city, amountCents, txid });
					const theirs = createStaticPix({
						pixKey: key,
						merchantName: name,
						merchantCity: city,
						transactionAmount: amountCents / 100,
						txid
					});
					expect(hasError(theirs)).toBe(false);
					if (!hasError(theirs)) expect(ours).toBe(theirs.toBRCode());
				}
			),
			{ numRuns: 200 }
		);
	});
});

describe('newTxid', () => {
	it('is 25 uppercase alphanumerics and does not repeat', () => {
		const ids = Array.from({ length: 500 }, () => newTxid());
		for (const id of ids) expect(id).toMatch(/^[A-Z0-9]{25}$/);
		expect(new Set(ids).size).toBe(ids.length);
	});
});

describe('QR rendering', () => {
	it('renders SVG', async () => {
		const svg = await pixQrSvg(BCB_VECTOR);
		expect(svg.startsWith('<svg')).toBe(true);
	});

	it('renders a PNG of the requested width', async () => {
		const png = await pixQrPngBuffer(BCB_VECTOR, 300);
		expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
		expect(png.readUInt32BE(16)).toBe(300); // IHDR width
	});
});
