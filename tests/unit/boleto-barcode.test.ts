import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
	bankCodeDigit,
	barcodeFromLinha,
	bradescoNossoNumeroDigit,
	buildBarcode,
	dateFromFactor,
	dueFactor,
	freeField,
	linhaDigitavel,
	mod10,
	mod11Barcode,
	nossoNumeroFrom,
	validateBarcode,
	validateLinha
} from '../../src/lib/server/payments/boleto/barcode';

// domain.md sample pair: Bradesco, R$ 15,00, due 2017-01-05.
const SAMPLE_BARCODE = '23794703000000015001229250000000000600004690';
const SAMPLE_LINHA = '23791.22928 50000.000005 06000.046901 4 70300000001500';

describe('the sample boleto', () => {
	it('barcode → linha digitável', () => {
		expect(linhaDigitavel(SAMPLE_BARCODE)).toBe(SAMPLE_LINHA);
	});

	it('linha digitável → barcode', () => {
		expect(barcodeFromLinha(SAMPLE_LINHA)).toBe(SAMPLE_BARCODE);
		expect(barcodeFromLinha(SAMPLE_LINHA.replace(/\D/g, ''))).toBe(SAMPLE_BARCODE);
	});

	it('is rebuilt from its parts with the Bradesco free field', () => {
		const ff = freeField('237', { agency: '1229', wallet: '25', nossoNumero: '6', account: '469' });
		expect(ff).toBe('1229250000000000600004690');
		expect(buildBarcode({ bankCode: '237', dueDate: '2017-01-05', amountCents: 1500, freeField: ff })).toBe(
			SAMPLE_BARCODE
		);
	});

	it('validates, and a one-digit typo does not', () => {
		expect(validateBarcode(SAMPLE_BARCODE)).toBe(true);
		expect(validateLinha(SAMPLE_LINHA)).toBe(true);
		expect(validateBarcode(SAMPLE_BARCODE.replace('2379470', '2379471'))).toBe(false);
		expect(validateLinha(SAMPLE_LINHA.replace('23791.22928', '23791.22938'))).toBe(false);
		expect(() => barcodeFromLinha(SAMPLE_LINHA.replace('06000', '06001'))).toThrow();
	});
});

describe('due factor', () => {
	it('counts days since 1997-10-07 up to 9999 on 2025-02-21', () => {
		expect(dueFactor('2000-07-03')).toBe(1000);
		expect(dueFactor('2017-01-05')).toBe(7030);
		expect(dueFactor('2025-02-21')).toBe(9999);
	});

	it('restarts at 1000 on 2025-02-22 and every 9000 days after', () => {
		expect(dueFactor('2025-02-22')).toBe(1000);
		expect(dueFactor('2049-10-13')).toBe(9999);
		expect(dueFactor('2049-10-14')).toBe(1000);
	});

	it('reads a factor as the candidate date closest to today', () => {
		expect(dateFromFactor(9999, '2025-02-01')).toBe('2025-02-21');
		expect(dateFromFactor(1000, '2025-02-01')).toBe('2025-02-22');
		expect(dateFromFactor(1000, '2001-01-01')).toBe('2000-07-03');
		expect(dateFromFactor(7030, '2017-01-01')).toBe('2017-01-05');
		expect(dateFromFactor(9999, '2049-10-01')).toBe('2049-10-13');
		expect(dateFromFactor(1000, '2049-10-20')).toBe('2049-10-14');
	});

	it('factor 0 means no due date', () => {
		expect(dateFromFactor(0, '2026-01-01')).toBeNull();
		expect(buildBarcode({ bankCode: '237', dueDate: null, amountCents: 1500, freeField: '0'.repeat(25) }).slice(5, 9)).toBe(
			'0000'
		);
	});

	it('rejects impossible dates', () => {
		expect(() => dueFactor('2026-02-30')).toThrow();
		expect(() => dueFactor('05/01/2017')).toThrow();
	});
});

describe('check digits', () => {
	it('mod 10 weights 2,1 from the right and sums product digits', () => {
		expect(mod10('237912292')).toBe(8);
		expect(mod10('5000000000')).toBe(5);
		expect(mod10('0600004690')).toBe(1);
	});

	it('mod 11 maps 0, 10 and 11 to 1', () => {
		expect(mod11Barcode(SAMPLE_BARCODE.slice(0, 4) + SAMPLE_BARCODE.slice(5))).toBe(4);
		// Find bodies whose raw result would be 0/10/11: they must all give 1.
		let seen = 0;
		for (let v = 0; v < 200 && seen < 3; v++) {
			const body = '2379' + '1000' + String(v).padStart(10, '0') + '0'.repeat(25);
			let sum = 0;
			let w = 2;
			for (let i = body.length - 1; i >= 0; i--) {
				sum += Number(body[i]) * w;
				w = w === 9 ? 2 : w + 1;
			}
			const raw = 11 - (sum % 11);
			if (raw === 10 || raw === 11) {
				expect(mod11Barcode(body)).toBe(1);
				seen++;
			}
		}
		expect(seen).toBeGreaterThan(0);
	});

	it('prints bank codes with their digit: 237-2, 001-9, 341-7, 104-0, 033-7', () => {
		expect(bankCodeDigit('237')).toBe(2);
		expect(bankCodeDigit('001')).toBe(9);
		expect(bankCodeDigit('341')).toBe(7);
		expect(bankCodeDigit('104')).toBe(0);
		expect(bankCodeDigit('033')).toBe(7);
	});

	it('Bradesco nosso número digit (mod 11 base 7 with carteira)', () => {
		expect(bradescoNossoNumeroDigit('19', '00000000002')).toBe('8');
		expect(bradescoNossoNumeroDigit('25', '6')).toMatch(/^[0-9P]$/);
	});
});

describe('limits', () => {
	const ff = '0'.repeat(25);
	it('carries up to R$ 99.999.999,99 and refuses more', () => {
		const top = buildBarcode({ bankCode: '237', dueDate: '2026-12-10', amountCents: 9_999_999_999, freeField: ff });
		expect(top.slice(9, 19)).toBe('9999999999');
		expect(() => buildBarcode({ bankCode: '237', dueDate: '2026-12-10', amountCents: 10_000_000_000, freeField: ff })).toThrow();
		expect(() => buildBarcode({ bankCode: '237', dueDate: '2026-12-10', amountCents: 1.5, freeField: ff })).toThrow();
	});

	it('nosso número is 11 zero-padded digits', () => {
		expect(nossoNumeroFrom(1000)).toBe('00000001000');
		expect(nossoNumeroFrom(99_999_999_999n)).toBe('99999999999');
		expect(() => nossoNumeroFrom(100_000_000_000n)).toThrow();
		expect(() => nossoNumeroFrom(-1)).toThrow();
	});

	it('free field refuses parts longer than their slots', () => {
		expect(() => freeField('237', { agency: '12345', wallet: '25', nossoNumero: '1', account: '1' })).toThrow();
		expect(() => freeField('237', { agency: '1229', wallet: '25', nossoNumero: '1', account: '12345678' })).toThrow();
	});
});

const isoDate = fc
	.integer({ min: Date.UTC(2000, 6, 3), max: Date.UTC(2070, 11, 31) })
	.map((ms) => new Date(ms).toISOString().slice(0, 10));
const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
const bankCode = fc.constantFrom('237', '001', '341', '104', '033', '756', '748');

describe('barcode properties', () => {
	it('barcode → linha → barcode round-trips and every check digit validates', () => {
		fc.assert(
			fc.property(bankCode, isoDate, fc.integer({ min: 0, max: 9_999_999_999 }), digits(25), (bank, due, cents, ff) => {
				const barcode = buildBarcode({ bankCode: bank, dueDate: due, amountCents: cents, freeField: ff });
				expect(barcode).toMatch(/^\d{44}$/);
				expect(validateBarcode(barcode)).toBe(true);
				const linha = linhaDigitavel(barcode);
				expect(linha).toMatch(/^\d{5}\.\d{5} \d{5}\.\d{6} \d{5}\.\d{6} \d \d{14}$/);
				expect(validateLinha(linha)).toBe(true);
				expect(barcodeFromLinha(linha)).toBe(barcode);
				// The due date read back with "today" = the due date is the date we wrote.
				expect(dateFromFactor(Number(barcode.slice(5, 9)), due)).toBe(due);
				expect(Number(barcode.slice(9, 19))).toBe(cents);
			}),
			{ numRuns: 500 }
		);
	});

	it('a single wrong digit in the first three fields is always caught', () => {
		fc.assert(
			fc.property(
				digits(25),
				fc.integer({ min: 0, max: 31 }),
				fc.integer({ min: 1, max: 9 }),
				(ff, pos, delta) => {
					const linha = linhaDigitavel(
						buildBarcode({ bankCode: '237', dueDate: '2026-12-10', amountCents: 1500, freeField: ff })
					).replace(/\D/g, '');
					const typo = linha.slice(0, pos) + ((Number(linha[pos]) + delta) % 10) + linha.slice(pos + 1);
					expect(validateLinha(typo)).toBe(false);
				}
			)
		);
	});
});
