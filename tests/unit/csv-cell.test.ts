import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvCell, csvLine, readCsvCell } from '../../src/lib/format/csv';
import { openCsv } from '../../src/lib/server/import/csv';

async function rowsOf(text: string): Promise<string[][]> {
	const csv = await openCsv((async function* () {
		yield new TextEncoder().encode(text);
	})());
	const rows: string[][] = [];
	for await (const row of csv) rows.push(row.fields);
	return rows;
}

describe('a CSV cell the app writes', () => {
	it.each([
		['=HYPERLINK("http://evil.example","Clique")', `"'=HYPERLINK(""http://evil.example"",""Clique"")"`],
		['+cmd|\' /C calc\'!A0', `'+cmd|' /C calc'!A0`],
		['-2+3', `'-2+3`],
		['@SUM(A1:A9)', `'@SUM(A1:A9)`],
		['\t=1+1', `'\t=1+1`],
		['\r=1+1', `"'\r=1+1"`]
	])('starts %j with a quote mark, so the spreadsheet shows it as text', (value, cell) => {
		expect(csvCell(value)).toBe(cell);
	});

	it('leaves ordinary text alone and quotes as Excel does with ;', () => {
		expect(csvCell('Maria Aparecida da Silva')).toBe('Maria Aparecida da Silva');
		expect(csvCell('1.234,56')).toBe('1.234,56');
		expect(csvCell('(11) 98765-4321')).toBe('(11) 98765-4321');
		expect(csvCell('Colchão; cama box')).toBe('"Colchão; cama box"');
		expect(csvCell('Smart TV 50" - carnê')).toBe('"Smart TV 50"" - carnê"');
		expect(csvCell('linha 1\nlinha 2')).toBe('"linha 1\nlinha 2"');
		expect(csvCell(' com espaço ')).toBe('" com espaço "');
		expect(csvCell('')).toBe('');
		// Already guarded: not guarded twice.
		expect(csvCell("'=1+1")).toBe("'=1+1");
	});

	it('quotes for the separator it is given', () => {
		expect(csvCell('a,b', ',')).toBe('"a,b"');
		expect(csvCell('a;b', ',')).toBe('a;b');
		expect(csvLine(['=1', 'x'], ',')).toBe("'=1,x\r\n");
	});

	it('writes a line with ; and CRLF', () => {
		expect(csvLine(['Maria', '+55 11 98765-4321', 'ok; sim'])).toBe(`Maria;'+55 11 98765-4321;"ok; sim"\r\n`);
	});
});

describe('a CSV cell the importer reads', () => {
	it("drops the quote mark in front of =, +, -, @, tab or CR, and nothing else", () => {
		expect(readCsvCell("'+55 11 98765-4321")).toBe('+55 11 98765-4321');
		expect(readCsvCell("'=HYPERLINK(1)")).toBe('=HYPERLINK(1)');
		expect(readCsvCell("'-100")).toBe('-100');
		expect(readCsvCell("'@x")).toBe('@x');
		expect(readCsvCell("'\tx")).toBe('\tx');
		expect(readCsvCell("'")).toBe("'");
		expect(readCsvCell("'abc")).toBe("'abc");
		expect(readCsvCell("D'Ávila")).toBe("D'Ávila");
		expect(readCsvCell("''=1")).toBe("''=1");
	});

	it('reads back every value it wrote, whatever the text', () => {
		fc.assert(
			fc.property(fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'", 'a', ' ', ';', '"', '\n') }), (value) => {
				const cell = csvCell(value);
				expect(/^[=+\-@\t\r]/.test(cell.replace(/^"/, ''))).toBe(false);
				const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
				// A value that itself began with ' + one of those characters is the one ambiguity, and it is read as the guarded form.
				if (!/^'[=+\-@\t\r]/.test(value)) expect(readCsvCell(unquoted)).toBe(value);
			})
		);
	});

	it('the CSV reader gives the importer the values as they were before the file was guarded', async () => {
		const rows = await rowsOf(`nome;telefone;valor\r\n"'=HYPERLINK(""x"")";'+55 11 98765-4321;'-10\r\nD'Ávila;'(11) 98765-4321;10\r\n`);
		expect(rows).toEqual([
			['=HYPERLINK("x")', '+55 11 98765-4321', '-10'],
			["D'Ávila", "'(11) 98765-4321", '10']
		]);
	});
});
