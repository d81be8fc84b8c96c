import { describe, expect, it } from 'vitest';
import { AutoDecoder, CsvError, detectSeparator, openCsv, type CsvRow } from '../../src/lib/server/import/csv';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** windows-1252 bytes for text made of Latin-1 characters. */
const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function* each(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
	yield* chunks;
}

async function read(bytes: Uint8Array | AsyncIterable<Uint8Array>, chunkSize = 1 << 16) {
	const csv = await openCsv(bytes instanceof Uint8Array ? chunked(bytes, chunkSize) : bytes);
	const rows: CsvRow[] = [];
	for await (const row of csv) rows.push(row);
	return { header: csv.header, separator: csv.separator, encoding: csv.encoding, rows };
}

describe('CSV reader', () => {
	it('reads a header and rows separated by commas', async () => {
		const r = await read(utf8('a,b,c\n1,2,3\n4,5,6\n'));
		expect(r.separator).toBe(',');
		expect(r.header).toEqual(['a', 'b', 'c']);
		expect(r.rows).toEqual([
			{ line: 2, fields: ['1', '2', '3'] },
			{ line: 3, fields: ['4', '5', '6'] }
		]);
	});

	it('detects the semicolon Excel writes in pt-BR and keeps commas inside values', async () => {
		const r = await read(utf8('nome;valor\r\nMaria;1.234,56\r\n'));
		expect(r.separator).toBe(';');
		expect(r.rows).toEqual([{ line: 2, fields: ['Maria', '1.234,56'] }]);
	});

	it('lower-cases and trims header names', async () => {
		const r = await read(utf8(' Creditor_CNPJ ; DEBT_ID\n1;2\n'));
		expect(r.header).toEqual(['creditor_cnpj', 'debt_id']);
	});

	it('follows RFC 4180 quoting: separators, escaped quotes and line breaks inside quotes', async () => {
		const r = await read(utf8('a;b;c\n"x;y";"Smart TV 50"" - carnê";"linha 1\nlinha 2"\nfim;;\n'));
		expect(r.rows).toEqual([
			{ line: 2, fields: ['x;y', 'Smart TV 50" - carnê', 'linha 1\nlinha 2'] },
			// The row after a quoted line break starts on physical line 4.
			{ line: 4, fields: ['fim', '', ''] }
		]);
	});

	it('accepts CRLF, LF and a last line without a line break', async () => {
		const r = await read(utf8('a,b\r\n1,2\n3,4\r\n5,6'));
		expect(r.rows.map((x) => x.fields)).toEqual([
			['1', '2'],
			['3', '4'],
			['5', '6']
		]);
	});

	it('skips blank lines but keeps counting them', async () => {
		const r = await read(utf8('a,b\n\n1,2\r\n\r\n3,4\n\n'));
		expect(r.rows).toEqual([
			{ line: 3, fields: ['1', '2'] },
			{ line: 5, fields: ['3', '4'] }
		]);
	});

	it('strips a UTF-8 byte-order mark', async () => {
		const r = await read(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('nome;cidade\nJoão;São Paulo\n')]));
		expect(r.encoding).toBe('utf-8');
		expect(r.header).toEqual(['nome', 'cidade']);
		expect(r.rows[0].fields).toEqual(['João', 'São Paulo']);
	});

	it('reads UTF-8 without a byte-order mark', async () => {
		const r = await read(utf8('nome\nJoão Conceição\n'));
		expect(r.encoding).toBe('utf-8');
		expect(r.rows[0].fields).toEqual(['João Conceição']);
	});

	it('falls back to windows-1252 for the bytes Excel writes as "CSV (separado por vírgulas)"', async () => {
		const bytes = latin1('nome;cidade\nJoão;São Paulo\nConceição;Maceió\n');
		expect(bytes[bytes.indexOf(0x4a) + 2]).toBe(0xe3); // 'ã' is one byte, 0xE3
		const r = await read(bytes);
		expect(r.encoding).toBe('windows-1252');
		expect(r.rows.map((x) => x.fields)).toEqual([
			['João', 'São Paulo'],
			['Conceição', 'Maceió']
		]);
	});

	it('decides Latin-1 even when the first accent appears far into the file', async () => {
		const filler = 'x;y\n'.repeat(50_000);
		const r = await read(latin1(`a;b\n${filler}João;ação\n`), 4096);
		expect(r.encoding).toBe('windows-1252');
		expect(r.rows.at(-1)).toEqual({ line: 50_002, fields: ['João', 'ação'] });
	});

	it('reads windows-1252 characters outside Latin-1 (the euro sign, curly quotes)', async () => {
		const r = await read(new Uint8Array([...utf8('a\n'), 0x80, 0x93, 0x6f, 0x6b, 0x94, 0x0a]));
		expect(r.rows[0].fields).toEqual(['€“ok”']);
	});

	it('reads UTF-16LE files (Excel "Texto Unicode") with tabs', async () => {
		const text = 'nome\tvalor\nJoão\t10\n';
		const r = await read(new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]));
		expect(r.encoding).toBe('utf-16le');
		expect(r.separator).toBe('\t');
		expect(r.rows[0].fields).toEqual(['João', '10']);
	});

	it('handles a chunk boundary in the middle of a multi-byte character', async () => {
		const bytes = utf8('nome\nJoão\n');
		const at = bytes.indexOf(0xc3) + 1; // between the two bytes of 'ã'
		for (const r of [
			await read(each(bytes.subarray(0, at), bytes.subarray(at))),
			await read(bytes, 1) // every byte its own chunk
		]) {
			expect(r.encoding).toBe('utf-8');
			expect(r.rows).toEqual([{ line: 2, fields: ['João'] }]);
		}
	});

	it('handles a chunk boundary inside a quoted field, at an escaped quote and inside CRLF', async () => {
		const text = 'a;b\r\n"um ""dois""; três\r\nquatro";fim\r\nx;y\r\n';
		const expected = [
			{ line: 2, fields: ['um "dois"; três\r\nquatro', 'fim'] },
			{ line: 4, fields: ['x', 'y'] }
		];
		const bytes = utf8(text);
		for (let cut = 1; cut < bytes.length; cut++) {
			const r = await read(each(bytes.subarray(0, cut), bytes.subarray(cut)));
			expect(r.rows, `cut at byte ${cut}`).toEqual(expected);
		}
		expect((await read(bytes, 1)).rows).toEqual(expected);
	});

	it('keeps Excel-style text after a closing quote', async () => {
		const r = await read(utf8('a,b\n"12"34,x\n'));
		expect(r.rows[0].fields).toEqual(['1234', 'x']);
	});

	it('reports an unclosed quote with its line', async () => {
		await expect(read(utf8('a,b\n1,2\n"aberto,3\n4,5\n'))).rejects.toMatchObject({ name: 'CsvError', line: 3 });
	});

	it('refuses a runaway row instead of holding the file in memory', async () => {
		const csv = await openCsv(chunked(utf8(`a\n"${'x'.repeat(5000)}`), 100), { maxRowChars: 1000 });
		const consume = async () => {
			for await (const _ of csv) void _;
		};
		await expect(consume()).rejects.toBeInstanceOf(CsvError);
	});

	it('says the file is empty by giving no header', async () => {
		const r = await read(new Uint8Array(0));
		expect(r.header).toEqual([]);
		expect(r.rows).toEqual([]);
	});

	it('reads a file path and a web ReadableStream', async () => {
		const fs = await import('node:fs');
		const os = await import('node:os');
		const path = await import('node:path');
		const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'csv-')), 'x.csv');
		fs.writeFileSync(file, latin1('nome;uf\nJoão;SP\n'));
		const fromPath = await openCsv(file);
		const rows: CsvRow[] = [];
		for await (const row of fromPath) rows.push(row);
		expect(rows).toEqual([{ line: 2, fields: ['João', 'SP'] }]);

		const stream = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(utf8('nome;uf\n'));
				c.enqueue(utf8('Ana;RJ\n'));
				c.close();
			}
		});
		const fromStream = await openCsv(stream);
		const streamed: CsvRow[] = [];
		for await (const row of fromStream) streamed.push(row);
		expect(streamed).toEqual([{ line: 2, fields: ['Ana', 'RJ'] }]);
	});
});

describe('separator detection', () => {
	it('counts only outside quotes and prefers ; on a tie', () => {
		expect(detectSeparator('"a;b",c,d')).toBe(',');
		expect(detectSeparator('a;b,c')).toBe(';');
		expect(detectSeparator('a\tb\tc')).toBe('\t');
		expect(detectSeparator('solo')).toBe(',');
	});
});

describe('encoding detection', () => {
	it('switches to UTF-8 at the first multi-byte sequence and then refuses stray Latin-1 bytes', () => {
		const d = new AutoDecoder();
		expect(d.decode(utf8('abc\nJoão\n'), false)).toBe('abc\nJoão\n');
		expect(d.encoding).toBe('utf-8');
		expect(() => d.decode(latin1('Conceição\n'), true)).toThrow(/UTF-8/);
	});
});
