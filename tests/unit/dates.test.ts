import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	addDays,
	addMonths,
	daysBetween,
	formatDateBR,
	isIsoDate,
	parseDateInput,
	todayInSaoPaulo
} from '../../src/lib/format/dates';

const isoDate = fc.integer({ min: 0, max: 365 * 200 }).map((n) => addDays('1950-01-01', n));

describe("today's date in São Paulo", () => {
	it('is still the previous day until 03:00 UTC', () => {
		expect(todayInSaoPaulo(new Date('2026-01-15T02:59:59Z'))).toBe('2026-01-14');
		expect(todayInSaoPaulo(new Date('2026-01-15T03:00:00Z'))).toBe('2026-01-15');
	});

	it('turns the year at São Paulo midnight, not UTC midnight', () => {
		expect(todayInSaoPaulo(new Date('2027-01-01T01:00:00Z'))).toBe('2026-12-31');
		expect(todayInSaoPaulo(new Date('2027-01-01T03:00:00Z'))).toBe('2027-01-01');
	});

	it('followed daylight saving time when Brazil still had it (UTC−2 in summer 2018)', () => {
		expect(todayInSaoPaulo(new Date('2018-12-01T02:30:00Z'))).toBe('2018-12-01');
		expect(todayInSaoPaulo(new Date('2018-12-01T01:59:00Z'))).toBe('2018-11-30');
	});

	it('gives an ISO date for the current instant', () => {
		expect(isIsoDate(todayInSaoPaulo())).toBe(true);
	});
});

describe('calendar arithmetic', () => {
	it('adds days across months, years and leap days', () => {
		expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
		expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
		expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
		expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
		expect(addDays('2026-01-10', 0)).toBe('2026-01-10');
	});

	it('clamps to the end of shorter months when adding months', () => {
		expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
		expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
		expect(addMonths('2026-01-31', 2)).toBe('2026-03-31');
		expect(addMonths('2026-05-31', 1)).toBe('2026-06-30');
		expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
	});

	it('carries months into the next or previous year', () => {
		expect(addMonths('2026-11-15', 2)).toBe('2027-01-15');
		expect(addMonths('2026-01-15', -1)).toBe('2025-12-15');
		expect(addMonths('2026-01-15', 60)).toBe('2031-01-15');
		expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
	});

	it('counts the days between two dates, negative backwards', () => {
		expect(daysBetween('2026-01-01', '2026-01-31')).toBe(30);
		expect(daysBetween('2026-01-31', '2026-01-01')).toBe(-30);
		expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
		expect(daysBetween('2026-02-15', '2026-02-15')).toBe(0);
	});

	it('adding n days moves exactly n days and back', () => {
		fc.assert(
			fc.property(isoDate, fc.integer({ min: -5000, max: 5000 }), (date, n) => {
				const later = addDays(date, n);
				expect(isIsoDate(later)).toBe(true);
				expect(daysBetween(date, later)).toBe(n);
				expect(addDays(later, -n)).toBe(date);
			})
		);
	});

	it('adding months keeps the day of the month unless the month is shorter', () => {
		fc.assert(
			fc.property(isoDate, fc.integer({ min: -120, max: 120 }), (date, n) => {
				const result = addMonths(date, n);
				expect(isIsoDate(result)).toBe(true);
				const day = Number(date.slice(8));
				const resultDay = Number(result.slice(8));
				if (resultDay !== day) {
					expect(resultDay).toBeLessThan(day);
					expect(addDays(result, 1).slice(8)).toBe('01');
				}
			})
		);
	});

	it('refuses impossible ISO dates', () => {
		expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
		expect(() => daysBetween('2026-13-01', '2026-01-01')).toThrow(RangeError);
		expect(isIsoDate('2026-02-29')).toBe(false);
		expect(isIsoDate('2024-02-29')).toBe(true);
		expect(isIsoDate('2026-1-5')).toBe(false);
	});
});

describe('Brazilian date format', () => {
	it('shows dates as DD/MM/AAAA', () => {
		expect(formatDateBR('2017-01-05')).toBe('05/01/2017');
		expect(formatDateBR('2026-12-31')).toBe('31/12/2026');
	});

	it.each([
		['05/01/2017', '2017-01-05'],
		['5/1/2017', '2017-01-05'],
		[' 31/12/2026 ', '2026-12-31'],
		['29/02/2024', '2024-02-29'],
		['2017-01-05', '2017-01-05']
	])('reads %j as %s', (input, iso) => {
		expect(parseDateInput(input)).toBe(iso);
	});

	it.each(['31/02/2026', '29/02/2026', '00/01/2026', '01/13/2026', '2026-02-30', '05/01/17', '05-01-2017', '2017/01/05', 'ontem', '', '01/01/0202'])(
		'rejects %j',
		(input) => {
			expect(parseDateInput(input)).toBeNull();
		}
	);

	it('reads back every date it shows', () => {
		fc.assert(
			fc.property(isoDate, (date) => {
				expect(parseDateInput(formatDateBR(date))).toBe(date);
			})
		);
	});
});
