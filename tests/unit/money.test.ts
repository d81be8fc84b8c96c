import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatBRL, formatMillicents, formatPercent, parseAmountToCents, parseMillicents } from '../../src/lib/format/money';

describe('showing amounts in reais', () => {
	it('writes R$ with a plain space, dots for thousands and a decimal comma', () => {
		expect(formatBRL(0)).toBe('R$ 0,00');
		expect(formatBRL(5)).toBe('R$ 0,05');
		expect(formatBRL(100)).toBe('R$ 1,00');
		expect(formatBRL(123456)).toBe('R$ 1.234,56');
		expect(formatBRL(100000000)).toBe('R$ 1.000.000,00');
		expect(formatBRL(99999)).toBe('R$ 999,99');
	});

	it('puts the minus sign before R$', () => {
		expect(formatBRL(-100)).toBe('-R$ 1,00');
		expect(formatBRL(-123456)).toBe('-R$ 1.234,56');
	});

	it('refuses fractions of a cent', () => {
		expect(() => formatBRL(1.5)).toThrow(RangeError);
		expect(() => formatBRL(Number.NaN)).toThrow(RangeError);
	});
});

describe('reading typed amounts', () => {
	it.each([
		['1.234,56', 123456],
		['1234,56', 123456],
		['1234.56', 123456],
		['1,234.56', 123456],
		['1234', 123400],
		['R$ 1.234,56', 123456],
		['R$1.234,56', 123456],
		['r$ 10', 1000],
		['  50,5 ', 5050],
		['0,01', 1],
		['1.234', 123400],
		['1.234.567,89', 123456789],
		['12.5', 1250],
		['0', 0]
	])('reads %s as %i cents', (input, cents) => {
		expect(parseAmountToCents(input)).toBe(cents);
	});

	it.each([
		'',
		'abc',
		'R$',
		'-10',
		'-R$ 10,00',
		'R$ -10,00',
		'1,234',
		'1234,567',
		'1.234,567',
		'12,34,56',
		'1.23,45',
		'1..234',
		'1 234,56',
		'1e3',
		'10,',
		',50',
		'Infinity',
		'99999999999999999999'
	])('rejects %j', (input) => {
		expect(parseAmountToCents(input)).toBeNull();
	});

	it('reads back every amount it formats', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cents) => {
				expect(parseAmountToCents(formatBRL(cents))).toBe(cents);
			})
		);
	});
});

describe('showing percentages', () => {
	it('writes basis points as a Brazilian percentage without trailing zeros', () => {
		expect(formatPercent(150)).toBe('1,5%');
		expect(formatPercent(200)).toBe('2%');
		expect(formatPercent(1)).toBe('0,01%');
		expect(formatPercent(1234)).toBe('12,34%');
		expect(formatPercent(0)).toBe('0%');
		expect(formatPercent(100000)).toBe('1.000%');
		expect(formatPercent(-150)).toBe('-1,5%');
	});

	it('rounds fractions of a basis point, as a CET converted to bp would have', () => {
		expect(formatPercent(0.015 * 10_000)).toBe('1,5%');
		expect(formatPercent(153.27)).toBe('1,53%');
		expect(formatPercent(-0.2)).toBe('0%');
	});
});

describe('prices per message, in thousandths of a cent', () => {
	it('reads what a person types', () => {
		expect(parseMillicents('0,35')).toBe(35_000);
		expect(parseMillicents('R$ 0,035')).toBe(3_500);
		expect(parseMillicents('0.07')).toBe(7_000);
		expect(parseMillicents('1')).toBe(100_000);
		expect(parseMillicents('0,00001')).toBe(1);
		for (const bad of ['', '-0,10', '0,000001', 'abc', '1.000,00', '1001']) expect(parseMillicents(bad)).toBeNull();
	});

	it('shows the cents and only the decimals that matter beyond them', () => {
		expect(formatMillicents(35_000)).toBe('R$ 0,35');
		expect(formatMillicents(3_500)).toBe('R$ 0,035');
		expect(formatMillicents(100)).toBe('R$ 0,001');
		expect(formatMillicents(0)).toBe('R$ 0,00');
		expect(formatMillicents(123_456_789)).toBe('R$ 1.234,56789');
	});

	it('round-trips', () => {
		fc.assert(fc.property(fc.integer({ min: 0, max: 99_999_999 }), (m) => parseMillicents(formatMillicents(m)) === m));
	});
});
