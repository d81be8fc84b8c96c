import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { costPerReal, formatCostPerReal } from '../../src/lib/messaging/report';
import { GSM7_CHARACTERS, isGsm7, smsSegments } from '../../src/lib/messaging/sms';

/**
 * The pure parts of the campaign report: cost per real recovered as staff read it, and the SMS
 * buckets the report's SQL sorts texts into (encoding and length) sizing a text as the operator does.
 */

describe('cost per real recovered', () => {
	it('is cost ÷ amount paid, from thousandths of a cent and cents', () => {
		expect(costPerReal(300_000, 10_000)).toBe(0.03);
		expect(costPerReal(0, 10_000)).toBe(0);
		expect(costPerReal(1_000, 0)).toBeNull();
	});

	it('reads “R$ 0,03 por real recuperado”, “—” when nothing was paid', () => {
		expect(formatCostPerReal(0.03)).toBe('R$ 0,03 por real recuperado');
		expect(formatCostPerReal(1.5)).toBe('R$ 1,50 por real recuperado');
		expect(formatCostPerReal(0.004)).toBe('menos de R$ 0,01 por real recuperado');
		expect(formatCostPerReal(0.004, true)).toBe('< R$ 0,01');
		expect(formatCostPerReal(0)).toBe('R$ 0,00 por real recuperado');
		expect(formatCostPerReal(null)).toBe('—');
	});
});

describe('the SMS buckets of the report', () => {
	const basic = [...GSM7_CHARACTERS.basic];
	const extension = [...GSM7_CHARACTERS.extension];

	it('the characters handed to SQL are exactly GSM-7’s', () => {
		expect(basic.length + extension.length).toBe(127 + 10); // 128 less the escape, and the extension table
		expect(isGsm7(GSM7_CHARACTERS.basic + GSM7_CHARACTERS.extension)).toBe(true);
		for (const c of ['ã', 'õ', 'ç', '😀', '\u001b']) expect(basic.includes(c) || extension.includes(c), c).toBe(false);
		expect(extension).toContain('€');
	});

	it('a GSM-7 text without escapes is sized by its length alone', () => {
		fc.assert(
			fc.property(fc.array(fc.constantFrom(...basic), { maxLength: 700 }), (chars) => {
				const text = chars.join('');
				expect(smsSegments(text).segments).toBe(smsSegments('a'.repeat(text.length)).segments);
			})
		);
	});

	it('a UCS-2 text without surrogate pairs is sized by its length alone', () => {
		fc.assert(
			fc.property(fc.array(fc.constantFrom(...basic, 'ã', 'õ', 'ç', 'ê'), { maxLength: 400 }), (chars) => {
				const text = chars.join('') + 'ã';
				expect(smsSegments(text).segments).toBe(smsSegments('ã'.repeat(text.length)).segments);
			})
		);
	});

	it('an escape or a surrogate pair at a segment’s edge takes one more (so the SQL sends those texts whole)', () => {
		expect(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(152)).segments).toBe(3);
		expect(smsSegments('a'.repeat(306)).segments).toBe(2);
		expect(smsSegments('ã'.repeat(66) + '😀' + 'b'.repeat(66)).segments).toBe(3);
		expect(smsSegments('ã'.repeat(134)).segments).toBe(2);
	});
});
