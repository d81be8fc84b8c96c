import { describe, expect, it } from 'vitest';
import {
	SHORT_CODE_ALPHABET,
	SHORT_CODE_LENGTH,
	isShortCode,
	newShortCode,
	shortCodeHash
} from '../../src/lib/server/messaging/short-link';

/** Pearson's chi-square of observed counts against a uniform expectation. */
function chiSquare(counts: number[], total: number): number {
	const expected = total / counts.length;
	return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

// Chi-square with 55 degrees of freedom passes 120 once in a million runs (Wilson–Hilferty), so
// a sound generator fails this file about once in 300,000 runs; a modulo bias (256 % 56 = 32
// symbols drawn 5/256 instead of 4/256) scores in the hundreds at 50,000 draws, thousands at 500,000.
const CRITICAL_55 = 120;

describe('short-link codes', () => {
	const codes = Array.from({ length: 50_000 }, newShortCode);

	it('are 10 characters from an alphabet without 0, O, o, 1, l or I', () => {
		expect(SHORT_CODE_LENGTH).toBe(10);
		expect(SHORT_CODE_ALPHABET).toHaveLength(56);
		expect(new Set(SHORT_CODE_ALPHABET).size).toBe(56);
		expect(SHORT_CODE_ALPHABET).not.toMatch(/[0Oo1lI]/);
		expect(SHORT_CODE_ALPHABET).toMatch(/^[A-Za-z0-9]+$/); // URL-safe without escaping
		expect(codes.filter((code) => code.length !== 10 || !isShortCode(code))).toEqual([]);
	});

	it('do not repeat', () => {
		expect(new Set(codes).size).toBe(codes.length);
	});

	it('use every symbol equally often, overall and at the first and last position', () => {
		const index = new Map([...SHORT_CODE_ALPHABET].map((c, i) => [c, i]));
		const overall = new Array(56).fill(0);
		const first = new Array(56).fill(0);
		const last = new Array(56).fill(0);
		for (const code of codes) {
			for (const c of code) overall[index.get(c)!]++;
			first[index.get(code[0])!]++;
			last[index.get(code[9])!]++;
		}
		expect(chiSquare(overall, codes.length * 10)).toBeLessThan(CRITICAL_55);
		expect(chiSquare(first, codes.length)).toBeLessThan(CRITICAL_55);
		expect(chiSquare(last, codes.length)).toBeLessThan(CRITICAL_55);
	});

	it('the same test sees a modulo bias', () => {
		const biased = new Array(56).fill(0);
		const bytes = new Uint8Array(500_000);
		crypto.getRandomValues(bytes.subarray(0, 65_536));
		for (let i = 65_536; i < bytes.length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
		for (const b of bytes) biased[b % 56]++;
		expect(chiSquare(biased, bytes.length)).toBeGreaterThan(10 * CRITICAL_55);
	});
});

describe('shape check', () => {
	it('accepts only 10 symbols of the alphabet', () => {
		expect(isShortCode('Ab3dEf7hJk')).toBe(true);
		for (const bad of ['', 'Ab3dEf7hJ', 'Ab3dEf7hJkm', 'Ab3dEf7hJ0', 'Ab3dEf7hJl', 'Ab3dEf7hJ-', 'Ab3dEf7hJ/', ' Ab3dEf7hJ', 'Ab3dEf7hJk\n', 'Ab3dEf7hJé']) {
			expect(isShortCode(bad), JSON.stringify(bad)).toBe(false);
		}
	});
});

describe('hash', () => {
	it('is SHA-256 in lowercase hex (FIPS 180-2 test vector)', () => {
		expect(shortCodeHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});

	it('is stable and tells codes apart, case included', () => {
		expect(shortCodeHash('Ab3dEf7hJk')).toBe(shortCodeHash('Ab3dEf7hJk'));
		expect(shortCodeHash('Ab3dEf7hJk')).not.toBe(shortCodeHash('ab3dEf7hJk'));
		expect(shortCodeHash('Ab3dEf7hJk')).toMatch(/^[0-9a-f]{64}$/);
	});
});
