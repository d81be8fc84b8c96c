/**
 * The Pix end-to-end id (BCB Pix API `endToEndId`): E + the payer PSP's ISPB (8 digits) +
 * yyyyMMddHHmm (12) + 11 alphanumerics. It names one Pix across every channel that reports it.
 */
export const END_TO_END_PATTERN = 'E\\d{8}20\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])(?:[01]\\d|2[0-3])[0-5]\\d[A-Za-z0-9]{11}';
const END_TO_END_ID = new RegExp(`^${END_TO_END_PATTERN}$`);

export function isEndToEndId(value: string): boolean {
	return END_TO_END_ID.test(value);
}
