import { addDays } from '../../format/dates';
import { isHoliday } from '../messaging/rules';

/**
 * STJ Súmula 548: once the debt is paid (here: the agreement's first payment), the creditor has
 * five business days to ask the credit bureaus to remove the debtor's name. Business days skip
 * Saturdays, Sundays and national public holidays (`date-holidays`, country BR); the day of the
 * payment does not count.
 */
export const DELISTING_BUSINESS_DAYS = 5;

/** `paidDate` plus `n` business days (ISO dates, São Paulo calendar). */
export function addBusinessDays(paidDate: string, n: number): string {
	let date = paidDate;
	let left = n;
	while (left > 0) {
		date = addDays(date, 1);
		const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
		if (weekday !== 0 && weekday !== 6 && !isHoliday(null, date)) left--;
	}
	return date;
}

export function delistingDeadline(paidDate: string): string {
	return addBusinessDays(paidDate, DELISTING_BUSINESS_DAYS);
}
