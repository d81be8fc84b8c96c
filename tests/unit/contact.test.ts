import { describe, expect, it } from 'vitest';
import {
	UFS,
	isMobileE164,
	isValidEmail,
	maskEmail,
	maskPhone,
	normalizePhoneBR
} from '../../src/lib/format/contact';

const UNASSIGNED_DDDS = [20, 23, 25, 26, 29, 30, 36, 39, 40, 50, 52, 56, 57, 58, 59, 60, 70, 72, 76, 78, 80, 90];

describe('phone numbers', () => {
	it.each([
		'(11) 98765-4321',
		'11987654321',
		'11 98765 4321',
		'+55 11 98765-4321',
		'+5511987654321',
		'5511987654321',
		'(011) 98765-4321',
		'11.98765.4321'
	])('reads the mobile %j as +5511987654321', (input) => {
		expect(normalizePhoneBR(input)).toBe('+5511987654321');
	});

	it('reads 8-digit landlines', () => {
		expect(normalizePhoneBR('(11) 3456-7890')).toBe('+551134567890');
		expect(normalizePhoneBR('+55 21 2345-6789')).toBe('+552123456789');
		expect(normalizePhoneBR('552123456789')).toBe('+552123456789');
	});

	it('does not mistake area code 55 for the country code', () => {
		expect(normalizePhoneBR('(55) 99876-5432')).toBe('+5555998765432');
		expect(normalizePhoneBR('+55 55 99876-5432')).toBe('+5555998765432');
	});

	it('accepts every area code in use', () => {
		for (let ddd = 11; ddd <= 99; ddd++) {
			if (UNASSIGNED_DDDS.includes(ddd)) continue;
			expect(normalizePhoneBR(`(${ddd}) 98765-4321`)).toBe(`+55${ddd}987654321`);
		}
	});

	it('rejects unassigned area codes', () => {
		for (const ddd of [...UNASSIGNED_DDDS, 10, 1, 0]) {
			expect(normalizePhoneBR(`(${String(ddd).padStart(2, '0')}) 98765-4321`)).toBeNull();
		}
	});

	it.each([
		'',
		'98765-4321',
		'(11) 9876-5432',
		'(11) 8765-4321',
		'(11) 88765-4321',
		'(11) 98765-43210',
		'+1 415 555 2671',
		'+44 11 98765-4321',
		'11 98765-4321 ramal 2',
		'abc'
	])('rejects %j', (input) => {
		expect(normalizePhoneBR(input)).toBeNull();
	});

	it('tells mobiles from landlines', () => {
		expect(isMobileE164('+5511987654321')).toBe(true);
		expect(isMobileE164('+551134567890')).toBe(false);
		expect(isMobileE164('+5520987654321')).toBe(false);
		expect(isMobileE164('11987654321')).toBe(false);
	});

	it('masks all but the area code and the last four digits', () => {
		expect(maskPhone('+5511987654321')).toBe('(11) *****-4321');
		expect(maskPhone('+551134567890')).toBe('(11) ****-7890');
		expect(maskPhone('lixo')).toBe('(**) *****-****');
	});
});

describe('e-mail addresses', () => {
	it.each(['maria.silva@gmail.com', 'joao+acerto@empresa.com.br', 'a@b.co', 'Maria_Silva-2@sub.dominio.org'])(
		'accepts %j',
		(email) => {
			expect(isValidEmail(email)).toBe(true);
		}
	);

	it.each([
		'',
		'maria',
		'maria@',
		'@gmail.com',
		'maria@gmail',
		'maria silva@gmail.com',
		'maria@@gmail.com',
		'.maria@gmail.com',
		'maria..silva@gmail.com',
		'maria@-gmail.com',
		'maria@gmail.c',
		`${'a'.repeat(65)}@gmail.com`
	])('rejects %j', (email) => {
		expect(isValidEmail(email)).toBe(false);
	});

	it('masks the name and the domain, keeping the public suffix', () => {
		expect(maskEmail('maria.silva@gmail.com')).toBe('m***a@g***.com');
		expect(maskEmail('jo@empresa.com.br')).toBe('j***o@e***.com.br');
		expect(maskEmail('financeiro@mail.empresa.com.br')).toBe('f***o@m***.com.br');
		expect(maskEmail('a@x.io')).toBe('a***@x***.io');
		expect(maskEmail('sem-arroba')).toBe('***');
	});
});

describe('states', () => {
	it('lists the 27 federative units once each', () => {
		expect(UFS).toHaveLength(27);
		expect(new Set(UFS).size).toBe(27);
		expect(UFS).toContain('SP');
		expect(UFS).toContain('DF');
	});
});
