/**
 * CSV cells as the files the app writes hold them (`;` by default, opened by Excel or LibreOffice
 * in pt-BR), and back as the importer reads them.
 */

/**
 * A cell starting with one of these is read as a formula by Excel and LibreOffice: a debtor named
 * `=HYPERLINK(…)` or `+cmd|…` would run when the operator opens the file (OWASP: CSV injection).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell: a leading `'` when it would start a formula (the spreadsheet then shows it as text),
 * and quoted, with quotes doubled, when it holds the separator, a quote, a line break or
 * spaces at either end.
 */
export function csvCell(value: string, separator = ';'): string {
	const text = FORMULA_START.test(value) ? `'${value}` : value;
	const quote = text.includes(separator) || /["\r\n]/.test(text) || text !== text.trim();
	return quote ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of cells, CRLF as Excel writes it. */
export function csvLine(values: string[], separator = ';'): string {
	return values.map((v) => csvCell(v, separator)).join(separator) + '\r\n';
}

/**
 * A cell as it was before `csvCell` guarded it: `'=…`, `'+…`, `'-…`, `'@…`, `'` + tab or CR lose
 * the `'`, so a file of rejected rows, fixed and sent again, imports the values it came with.
 */
export function readCsvCell(cell: string): string {
	return cell.charCodeAt(0) === 39 && FORMULA_START.test(cell.slice(1, 2)) ? cell.slice(1) : cell;
}
