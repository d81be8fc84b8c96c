import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	documentError,
	documentKind,
	formatDocument,
	formatDocumentAsTyped,
	generateCnpj,
	generateCpf,
	isValidCnpj,
	isValidCpf,
	maskDocument,
	normalizeDocument
} from '../../src/lib/format/document';

/** A small seeded generator (Park–Miller) so every run draws the same documents. */
function seeded(seed: number): () => number {
	let state = (Math.abs(seed) % 2147483646) + 1;
	return () => {
		state = (state * 48271) % 2147483647;
		return (state - 1) / 2147483646;
	};
}

const DIGITS = '0123456789';
const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function replaceAt(doc: string, index: number, char: string): string {
	return doc.slice(0, index) + char + doc.slice(index + 1);
}

describe('normalizing documents', () => {
	it('keeps only digits and upper-cased letters', () => {
		expect(normalizeDocument(' 123.456.789-09 ')).toBe('12345678909');
		expect(normalizeDocument('12.abc.345/01de-35')).toBe('12ABC34501DE35');
		expect(normalizeDocument('')).toBe('');
	});
});

describe('CPF', () => {
	it('accepts valid CPFs with or without punctuation', () => {
		expect(isValidCpf('529.982.247-25')).toBe(true);
		expect(isValidCpf('52998224725')).toBe(true);
		expect(isValidCpf('123.456.789-09')).toBe(true);
	});

	it('rejects wrong check digits, wrong lengths and letters', () => {
		expect(isValidCpf('529.982.247-24')).toBe(false);
		expect(isValidCpf('123.456.789-00')).toBe(false);
		expect(isValidCpf('5299822472')).toBe(false);
		expect(isValidCpf('529982247250')).toBe(false);
		expect(isValidCpf('5299822472A')).toBe(false);
	});

	it('rejects every all-equal sequence even though its check digits add up', () => {
		for (const d of DIGITS) expect(isValidCpf(d.repeat(11))).toBe(false);
	});
});

describe('CNPJ', () => {
	it('accepts classic numeric CNPJs', () => {
		expect(isValidCnpj('11.222.333/0001-81')).toBe(true);
		expect(isValidCnpj('11222333000181')).toBe(true);
		expect(isValidCnpj('11.222.333/0001-80')).toBe(false);
	});

	it('accepts the alphanumeric CNPJ of IN RFB 2.229/2024', () => {
		expect(isValidCnpj('12.ABC.345/01DE-35')).toBe(true);
		expect(isValidCnpj('12ABC34501DE35')).toBe(true);
		expect(isValidCnpj('12abc34501de35')).toBe(true);
		expect(isValidCnpj('12.ABC.345/01DE-36')).toBe(false);
	});

	it('keeps the last two positions numeric', () => {
		expect(isValidCnpj('12ABC34501DE3A')).toBe(false);
	});

	it('rejects all-equal sequences and wrong lengths', () => {
		expect(isValidCnpj('00000000000000')).toBe(false);
		expect(isValidCnpj('1122233300018')).toBe(false);
	});
});

describe('document kind', () => {
	it('tells a CPF from a CNPJ and returns null for anything invalid', () => {
		expect(documentKind('529.982.247-25')).toBe('cpf');
		expect(documentKind('12.ABC.345/01DE-35')).toBe('cnpj');
		expect(documentKind('11.222.333/0001-81')).toBe('cnpj');
		expect(documentKind('123')).toBeNull();
		expect(documentKind('529.982.247-24')).toBeNull();
	});
});

describe('generated documents', () => {
	it('every generated CPF is valid', () => {
		fc.assert(
			fc.property(fc.integer(), (seed) => {
				const cpf = generateCpf(seeded(seed));
				expect(cpf).toMatch(/^\d{11}$/);
				expect(isValidCpf(cpf)).toBe(true);
				expect(documentKind(cpf)).toBe('cpf');
			})
		);
	});

	it('every generated CNPJ is valid, numeric or alphanumeric', () => {
		fc.assert(
			fc.property(fc.integer(), fc.boolean(), (seed, alphanumeric) => {
				const cnpj = generateCnpj(seeded(seed), alphanumeric);
				expect(cnpj).toMatch(alphanumeric ? /^[0-9A-Z]{12}\d{2}$/ : /^\d{14}$/);
				expect(isValidCnpj(cnpj)).toBe(true);
				expect(documentKind(cnpj)).toBe('cnpj');
			})
		);
	});

	it('a generator stuck on one value still yields valid documents', () => {
		expect(isValidCpf(generateCpf(() => 0))).toBe(true);
		expect(isValidCpf(generateCpf(() => 0.99999))).toBe(true);
		expect(isValidCnpj(generateCnpj(() => 0))).toBe(true);
		expect(isValidCnpj(generateCnpj(() => 1, true))).toBe(true);
	});
});

describe('a single mistyped character', () => {
	const kinds = [
		{ name: 'CPF', generate: (rng: () => number) => generateCpf(rng), isValid: isValidCpf, alphabet: DIGITS },
		{ name: 'CNPJ', generate: (rng: () => number) => generateCnpj(rng), isValid: isValidCnpj, alphabet: DIGITS },
		{
			name: 'alphanumeric CNPJ',
			generate: (rng: () => number) => generateCnpj(rng, true),
			isValid: isValidCnpj,
			alphabet: ALPHANUMERIC
		}
	];

	for (const kind of kinds) {
		it(`in a check digit of a ${kind.name} is always caught`, () => {
			fc.assert(
				fc.property(fc.integer(), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 9 }), (seed, fromEnd, shift) => {
					const doc = kind.generate(seeded(seed));
					const index = doc.length - fromEnd;
					const mutated = replaceAt(doc, index, String((Number(doc[index]) + shift) % 10));
					expect(kind.isValid(mutated)).toBe(false);
				})
			);
		});
	}

	// Mod 11 folds two remainders into the same check digit, so a few substitutions slip through
	// by design of the official algorithms; the rates below are what they are known to catch.
	it('in the body of a numeric CPF or CNPJ is caught more than 99% of the time', () => {
		for (const kind of kinds.slice(0, 2)) {
			const rng = seeded(2024);
			let caught = 0;
			const trials = 5000;
			for (let t = 0; t < trials; t++) {
				const doc = kind.generate(rng);
				const index = Math.floor(rng() * (doc.length - 2));
				const replacement = DIGITS[(Number(doc[index]) + 1 + Math.floor(rng() * 9)) % 10];
				if (!kind.isValid(replaceAt(doc, index, replacement))) caught++;
			}
			expect(caught / trials).toBeGreaterThan(0.99);
		}
	});

	it('in the body of an alphanumeric CNPJ goes unnoticed only when the values differ by a multiple of 11', () => {
		// IN RFB 2.229/2024 counts '6' as 6 and 'A' as 17: 11 apart, so both DVs stay the same.
		expect(isValidCnpj('12ABC34501DE35'.replace('E', 'P'))).toBe(true);
		fc.assert(
			fc.property(fc.integer(), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 35 }), (seed, index, pick) => {
				const doc = generateCnpj(seeded(seed), true);
				const replacement = ALPHANUMERIC[pick];
				fc.pre(replacement !== doc[index]);
				const difference = replacement.charCodeAt(0) - doc.charCodeAt(index);
				if (difference % 11 === 0) expect(isValidCnpj(replaceAt(doc, index, replacement))).toBe(true);
			})
		);
	});
});

describe('formatting and masking', () => {
	it('punctuates CPFs and CNPJs', () => {
		expect(formatDocument('12345678909')).toBe('123.456.789-09');
		expect(formatDocument('12abc34501de35')).toBe('12.ABC.345/01DE-35');
		expect(formatDocument('11222333000181')).toBe('11.222.333/0001-81');
		expect(formatDocument('12-34')).toBe('1234');
	});

	it('masks a CPF as ***.456.789-** and a CNPJ showing the same six middle positions', () => {
		expect(maskDocument('123.456.789-09')).toBe('***.456.789-**');
		expect(maskDocument('12ABC34501DE35')).toBe('**.ABC.345/****-**');
		expect(maskDocument('11222333000181')).toBe('**.222.333/****-**');
	});

	it('never leaks a document it does not recognise', () => {
		expect(maskDocument('12345')).toBe('*****');
		expect(maskDocument('')).toBe('***');
	});

	it('punctuates as the person types, switching to the CNPJ mask after 11 digits or at a letter', () => {
		expect(formatDocumentAsTyped('')).toBe('');
		expect(formatDocumentAsTyped('123')).toBe('123');
		expect(formatDocumentAsTyped('1234')).toBe('123.4');
		expect(formatDocumentAsTyped('1234567')).toBe('123.456.7');
		expect(formatDocumentAsTyped('1234567890')).toBe('123.456.789-0');
		expect(formatDocumentAsTyped('12345678909')).toBe('123.456.789-09');
		expect(formatDocumentAsTyped('123456789012')).toBe('12.345.678/9012');
		expect(formatDocumentAsTyped('12A')).toBe('12.A');
		expect(formatDocumentAsTyped('12abc3450')).toBe('12.ABC.345/0');
		expect(formatDocumentAsTyped('12ABC34501DE3')).toBe('12.ABC.345/01DE-3');
		expect(formatDocumentAsTyped('12.ABC.345/01DE-35')).toBe('12.ABC.345/01DE-35');
		expect(formatDocumentAsTyped('12ABC34501DE35999')).toBe('12.ABC.345/01DE-35');
	});

	it('typing over an already punctuated value gives the same result', () => {
		fc.assert(
			fc.property(fc.string({ unit: fc.constantFrom(...ALPHANUMERIC.split('')), maxLength: 16 }), (typed) => {
				const once = formatDocumentAsTyped(typed);
				expect(formatDocumentAsTyped(once)).toBe(once);
			})
		);
	});
});

describe('document field errors', () => {
	it('accepts valid documents', () => {
		expect(documentError('529.982.247-25')).toBeNull();
		expect(documentError('12.ABC.345/01DE-35')).toBeNull();
	});

	it('explains what is wrong in Portuguese', () => {
		expect(documentError('529.982.247-24')).toBe('CPF inválido. Confira os números digitados.');
		expect(documentError('12.ABC.345/01DE-36')).toBe('CNPJ inválido. Confira os caracteres digitados.');
		expect(documentError('')).toBe('Informe um CPF (11 dígitos) ou CNPJ (14 caracteres).');
		expect(documentError('1234')).toBe('Informe um CPF (11 dígitos) ou CNPJ (14 caracteres).');
	});
});
