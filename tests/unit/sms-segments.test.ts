import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gsmSafe, isGsm7, smsCost, smsSegments } from '../../src/lib/messaging/sms';

const a = (n: number) => 'a'.repeat(n);
const atil = (n: number) => 'ã'.repeat(n);

describe('the GSM-7 alphabet', () => {
	it('holds the accents it really has', () => {
		for (const c of 'éÉàèùìòÇñÑüÜöÖäÄåÅæÆøØß¿¡§£¥¤ΔΦΓΛΩΠΨΣΘΞ@$_!"#%&\'()*+,-./:;<=>?\n\r ') expect(isGsm7(c), c).toBe(true);
		for (const c of '^{}\\[~]|€\f') expect(isGsm7(c), c).toBe(true);
	});

	it('lacks most Portuguese accents, the small ç and the backtick', () => {
		for (const c of 'ãõçáíóúêâôÃÕÁÍÓÚÊÂÔ`\t“”–…😀') expect(isGsm7(c), c).toBe(false);
	});
});

describe('segments', () => {
	it('counts nothing for an empty text', () => {
		expect(smsSegments('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0, perSegment: 160, remainingInSegment: 160 });
	});

	it('fits 160 GSM-7 characters in one SMS, and 161 in two of 153', () => {
		expect(smsSegments(a(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1, perSegment: 160, remainingInSegment: 0 });
		expect(smsSegments(a(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2, perSegment: 153, remainingInSegment: 145 });
		expect(smsSegments(a(306))).toMatchObject({ segments: 2, remainingInSegment: 0 });
		expect(smsSegments(a(307))).toMatchObject({ segments: 3, remainingInSegment: 152 });
	});

	it('counts an extension character as two septets', () => {
		expect(smsSegments('€' + a(158))).toMatchObject({ units: 160, segments: 1, remainingInSegment: 0 });
		expect(smsSegments('€' + a(159))).toMatchObject({ units: 161, segments: 2 });
		expect(smsSegments('{}[]')).toMatchObject({ encoding: 'GSM-7', units: 8 });
	});

	it('never splits an escape sequence across segments', () => {
		// 152 + € (2) + 152 = 306 septets: two segments if split, three as the phone sends it.
		expect(smsSegments(a(152) + '€' + a(152))).toMatchObject({ units: 306, segments: 3, remainingInSegment: 152 });
		// The € ends the first segment exactly when it fits.
		expect(smsSegments(a(151) + '€' + a(153))).toMatchObject({ units: 306, segments: 2, remainingInSegment: 0 });
	});

	it('one ã halves the room: 70 UCS-2 units, 67 when concatenated', () => {
		expect(smsSegments(atil(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1, perSegment: 70, remainingInSegment: 0 });
		expect(smsSegments(atil(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2, perSegment: 67, remainingInSegment: 63 });
		expect(smsSegments(a(100) + 'ã')).toMatchObject({ encoding: 'UCS-2', units: 101, segments: 2 });
		expect(smsSegments(atil(134))).toMatchObject({ segments: 2, remainingInSegment: 0 });
		expect(smsSegments(atil(135))).toMatchObject({ segments: 3 });
	});

	it('counts an emoji as two units and never splits it', () => {
		expect(smsSegments('😀')).toMatchObject({ encoding: 'UCS-2', units: 2, segments: 1 });
		expect(smsSegments('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1, remainingInSegment: 0 });
		// 66 + 2 + 66 = 134 units: two segments if the pair were split, three as sent.
		expect(smsSegments(atil(66) + '😀' + atil(66))).toMatchObject({ units: 134, segments: 3, remainingInSegment: 66 });
		expect(smsSegments(atil(65) + '😀' + atil(67))).toMatchObject({ units: 134, segments: 2 });
	});

	it('a text mixing € and ã is UCS-2 and € counts one unit', () => {
		expect(smsSegments('€ã')).toMatchObject({ encoding: 'UCS-2', units: 2 });
	});

	it('holds its invariants for any text', () => {
		fc.assert(
			fc.property(fc.string({ unit: fc.constantFrom('a', 'é', '€', 'ã', '😀', ' ', '{', 'ç', '\n'), maxLength: 600 }), (text) => {
				const s = smsSegments(text);
				const cap = s.segments <= 1 ? s.perSegment : s.perSegment * s.segments;
				expect(s.units).toBeLessThanOrEqual(cap);
				expect(s.remainingInSegment).toBeGreaterThanOrEqual(0);
				expect(s.remainingInSegment).toBeLessThanOrEqual(s.perSegment);
				// Never fewer segments than the room allows; a longer text never takes fewer.
				if (s.segments > 1) expect(s.segments).toBeGreaterThanOrEqual(Math.ceil(s.units / s.perSegment));
				expect(smsSegments(text + 'a').segments).toBeGreaterThanOrEqual(s.segments);
				expect(s.encoding === 'GSM-7').toBe(isGsm7(text));
			})
		);
	});
});

describe('cost', () => {
	it('multiplies segments by the price per segment, in cents', () => {
		expect(smsCost(a(160), 7)).toBe(7);
		expect(smsCost(a(161), 7)).toBe(14);
		expect(smsCost(atil(71), 5)).toBe(10);
		expect(smsCost('', 7)).toBe(0);
	});

	it('refuses a price that is not whole cents', () => {
		expect(() => smsCost('oi', 4.5)).toThrow(RangeError);
		expect(() => smsCost('oi', -1)).toThrow(RangeError);
	});
});

describe('gsmSafe', () => {
	it('drops the accents GSM-7 lacks and keeps those it has', () => {
		expect(gsmSafe('Negociação até amanhã: você paga só R$ 10,00 à vista')).toBe('Negociacao até amanha: voce paga so R$ 10,00 à vista');
		expect(gsmSafe('“Oferta” – válida…')).toBe('"Oferta" - valida...');
		expect(isGsm7(gsmSafe('ÁÉÍÓÚ ãõ ç Ç ê ô â'))).toBe(true);
	});

	it('leaves what has no plain form', () => {
		expect(gsmSafe('Olá 😀')).toBe('Ola 😀');
	});
});
