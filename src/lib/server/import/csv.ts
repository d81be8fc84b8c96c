import fs from 'node:fs';
import { readCsvCell } from '../../format/csv';

/**
 * A streaming CSV reader for the files people export from Excel and from collection systems.
 *
 * - RFC 4180 quoting (`"a ""b"""`, separators and line breaks inside quotes), CRLF, LF or CR.
 * - The separator (`;`, `,` or tab) is read from the header line: Excel in pt-BR writes `;`.
 * - Encoding: a UTF-8 or UTF-16LE byte-order mark decides; without one, the first non-ASCII
 *   bytes decide between UTF-8 and windows-1252 (Latin-1), which is what Excel writes for
 *   "CSV (separado por vírgulas)" on a Brazilian Windows.
 * - A cell the app guarded against formulas when it wrote it (`'+55 11…`, `'=…`: see
 *   format/csv.ts) is read without the `'`, so a file of rejected rows can be fixed and sent again.
 *
 * Memory stays bounded by the chunk size plus the longest row: nothing holds the whole file.
 */

export type CsvEncoding = 'utf-8' | 'windows-1252' | 'utf-16le';
export type CsvRow = { /** 1-based line where the row starts. */ line: number; fields: string[] };
export type CsvSource = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array> | string;

export class CsvError extends Error {
	constructor(
		message: string,
		/** 1-based line, or 0 when not known. */
		readonly line: number
	) {
		super(message);
		this.name = 'CsvError';
	}
}

export type CsvOptions = {
	/** Force a separator instead of detecting it from the header line. */
	separator?: string;
	/** A row longer than this (in characters) is an error, not a memory leak: usually an unclosed quote. */
	maxRowChars?: number;
	/** Bytes per read when the source is a file path. */
	readSize?: number;
};

export type CsvFile = {
	/** Header names, trimmed and lower-cased (empty for an empty file). */
	header: string[];
	headerLine: number;
	separator: string;
	/** Final once the rows have been read: until a non-ASCII byte shows up, 'utf-8'. */
	readonly encoding: CsvEncoding;
	/** The data rows (after the header) in groups, as they come off the source. */
	batches(): AsyncGenerator<CsvRow[]>;
	/** The data rows one by one. */
	[Symbol.asyncIterator](): AsyncGenerator<CsvRow>;
	/** Stops reading (closes the file) when the caller leaves early. */
	close(): Promise<void>;
};

const DEFAULT_MAX_ROW = 1 << 20;

/** Opens a CSV source and reads up to the header; rows are pulled as the caller iterates. */
export async function openCsv(source: CsvSource, options: CsvOptions = {}): Promise<CsvFile> {
	const reader = new CsvReader(options);
	const gen = reader.rows(bytesOf(source, options.readSize));
	let header: CsvRow | undefined;
	let rest: CsvRow[] = [];
	while (!header) {
		const next = await gen.next();
		if (next.done) break;
		if (next.value.length > 0) {
			header = next.value[0];
			rest = next.value.slice(1);
		}
	}
	async function* batches(): AsyncGenerator<CsvRow[]> {
		if (rest.length > 0) {
			const first = rest;
			rest = [];
			yield first;
		}
		for (;;) {
			const next = await gen.next();
			if (next.done) return;
			if (next.value.length > 0) yield next.value;
		}
	}
	return {
		header: header ? header.fields.map(normalizeHeaderName) : [],
		headerLine: header?.line ?? 1,
		separator: reader.separator ?? ',',
		// Decided at the first non-ASCII bytes, which may come late: read it after the rows.
		get encoding() {
			return reader.encoding ?? 'utf-8';
		},
		batches,
		async *[Symbol.asyncIterator]() {
			for await (const batch of batches()) yield* batch;
		},
		async close() {
			await gen.return(undefined);
		}
	};
}

export function normalizeHeaderName(name: string): string {
	return name.replace(/^\uFEFF/, '').trim().toLowerCase();
}

/** Everything a source can be, as a stream of byte chunks. A string is a file path. */
async function* bytesOf(source: CsvSource, readSize = 1 << 18): AsyncGenerator<Uint8Array> {
	if (typeof source === 'string') {
		const file = fs.createReadStream(source, { highWaterMark: readSize });
		try {
			for await (const chunk of file) yield chunk as Buffer;
		} finally {
			file.destroy();
		}
		return;
	}
	if (typeof (source as ReadableStream).getReader === 'function') {
		const reader = (source as ReadableStream<Uint8Array>).getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) return;
				yield value;
			}
		} finally {
			reader.releaseLock();
		}
	}
	const encoder = new TextEncoder();
	for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
		yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
	}
}

/**
 * Turns bytes into text, deciding the encoding as late as it safely can: while only ASCII has
 * been seen, any choice decodes the same, so a Latin-1 accent first appearing on row 50,000
 * still switches the whole file to windows-1252.
 */
export class AutoDecoder {
	encoding: CsvEncoding | undefined;
	private decoder: TextDecoder | undefined;
	private held: Uint8Array | undefined;
	private started = false;
	private offset = 0;
	private readonly ascii = new TextDecoder('windows-1252');

	decode(input: Uint8Array, final: boolean): string {
		let chunk = input;
		if (this.held) {
			chunk = concat(this.held, chunk);
			this.held = undefined;
		}
		if (!this.started) {
			if (chunk.length < 3 && !final) {
				this.held = chunk;
				return '';
			}
			this.started = true;
			if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
				this.choose('utf-8');
				chunk = chunk.subarray(3);
				this.offset += 3;
			} else if (chunk[0] === 0xff && chunk[1] === 0xfe) {
				this.choose('utf-16le');
				chunk = chunk.subarray(2);
				this.offset += 2;
			}
		}
		if (!this.decoder) {
			let i = 0;
			while (i < chunk.length && chunk[i] < 0x80) i++;
			if (i === chunk.length) {
				this.offset += chunk.length;
				return this.ascii.decode(chunk);
			}
			// A multi-byte UTF-8 sequence can straddle chunks: decide only with its 4 bytes at hand.
			if (!final && chunk.length - i < 4) {
				this.held = chunk.slice(i);
				this.offset += i;
				return this.ascii.decode(chunk.subarray(0, i));
			}
			this.choose(looksLikeUtf8(chunk.subarray(i), final) ? 'utf-8' : 'windows-1252');
		}
		try {
			const text = this.decoder!.decode(chunk, { stream: !final });
			this.offset += chunk.length;
			return text;
		} catch {
			throw new CsvError(
				`O arquivo começa em UTF-8, mas tem caracteres em outra codificação (perto do byte ${this.offset.toLocaleString('pt-BR')}). ` +
					'Salve o arquivo inteiro como "CSV UTF-8" e importe de novo.',
				0
			);
		}
	}

	private choose(encoding: CsvEncoding): void {
		this.encoding = encoding;
		// ignoreBOM: the BOM was already consumed above; a later U+FEFF is data.
		this.decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8', ignoreBOM: true });
	}
}

function looksLikeUtf8(bytes: Uint8Array, final: boolean): boolean {
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !final });
		return true;
	} catch {
		return false;
	}
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	const out = new Uint8Array(a.length + b.length);
	out.set(a, 0);
	out.set(b, a.length);
	return out;
}

const QUOTE = 34;
const APOSTROPHE = 39;
const LF = 10;
const CR = 13;

/** Counts `;`, `,` and tab outside quotes on the header line; `;` wins ties (Excel pt-BR). */
export function detectSeparator(headerLine: string): string {
	const counts = new Map<string, number>([
		[';', 0],
		['\t', 0],
		[',', 0]
	]);
	let quoted = false;
	for (const ch of headerLine) {
		if (ch === '"') quoted = !quoted;
		else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
	}
	let best = ',';
	let bestCount = 0;
	for (const [sep, count] of counts) {
		if (count > bestCount) {
			best = sep;
			bestCount = count;
		}
	}
	return best;
}

/** The incremental row parser: bytes in, groups of rows out. */
export class CsvReader {
	separator: string | undefined;
	private readonly decoder = new AutoDecoder();
	private readonly maxRow: number;
	private sep = 0;
	private carry = '';
	private line = 1;

	constructor(private readonly options: CsvOptions = {}) {
		this.maxRow = options.maxRowChars ?? DEFAULT_MAX_ROW;
		if (options.separator) this.setSeparator(options.separator);
	}

	get encoding(): CsvEncoding | undefined {
		return this.decoder.encoding;
	}

	async *rows(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRow[]> {
		for await (const chunk of chunks) {
			const out = this.push(this.decoder.decode(chunk, false), false);
			if (out.length > 0) yield out;
		}
		const out = this.push(this.decoder.decode(new Uint8Array(0), true), true);
		if (out.length > 0) yield out;
	}

	/** Feeds decoded text; returns the rows completed by it. */
	push(text: string, final: boolean): CsvRow[] {
		const s = this.carry.length > 0 ? this.carry + text : text;
		this.carry = '';
		if (!this.separator) {
			const end = s.search(/[\r\n]/);
			if (end === -1 && !final) {
				this.keep(s);
				return [];
			}
			this.setSeparator(detectSeparator(end === -1 ? s : s.slice(0, end)));
		}
		const out: CsvRow[] = [];
		const rest = this.parse(s, final, out);
		if (rest < s.length) this.keep(s.slice(rest));
		return out;
	}

	private keep(s: string): void {
		if (s.length > this.maxRow) {
			throw new CsvError(
				`A linha ${this.line.toLocaleString('pt-BR')} passa de ${this.maxRow.toLocaleString('pt-BR')} caracteres: confira se há aspas sem fechamento.`,
				this.line
			);
		}
		this.carry = s;
	}

	private setSeparator(sep: string): void {
		if (sep.length !== 1 || sep === '"' || sep === '\n' || sep === '\r') {
			throw new CsvError(`Separador inválido: ${JSON.stringify(sep)}.`, 0);
		}
		this.separator = sep;
		this.sep = sep.charCodeAt(0);
	}

	/**
	 * Parses complete rows from `s` into `out` and returns the index where the first incomplete
	 * row starts (s.length when none). An incomplete row is re-parsed with the next chunk.
	 */
	private parse(s: string, final: boolean, out: CsvRow[]): number {
		const n = s.length;
		const sep = this.sep;
		let pos = 0;
		while (pos < n) {
			const rowStart = pos;
			const fields: string[] = [];
			let breaks = 0;
			let i = pos;
			for (;;) {
				// One field starts at i.
				let value: string;
				if (i < n && s.charCodeAt(i) === QUOTE) {
					let j = i + 1;
					value = '';
					for (;;) {
						const q = s.indexOf('"', j);
						if (q === -1 || (q === n - 1 && !final)) {
							// The closing quote (or the one escaping it) has not arrived yet.
							if (!final) return rowStart;
							throw new CsvError(`Aspas abertas na linha ${this.line.toLocaleString('pt-BR')} e nunca fechadas.`, this.line);
						}
						const part = s.slice(j, q);
						breaks += countLf(part);
						if (s.charCodeAt(q + 1) === QUOTE) {
							value += part + '"';
							j = q + 2;
							continue;
						}
						value += part;
						i = q + 1;
						break;
					}
					// Lenient like Excel: text between the closing quote and the separator is kept.
					const tail = i;
					while (i < n) {
						const c = s.charCodeAt(i);
						if (c === sep || c === LF || c === CR) break;
						i++;
					}
					if (i > tail) value += s.slice(tail, i);
				} else {
					const start = i;
					while (i < n) {
						const c = s.charCodeAt(i);
						if (c === sep || c === LF || c === CR) break;
						i++;
					}
					value = s.slice(start, i);
				}
				fields.push(value.charCodeAt(0) === APOSTROPHE ? readCsvCell(value) : value);
				if (i >= n) {
					if (!final) return rowStart;
					pos = n;
					break;
				}
				const c = s.charCodeAt(i);
				if (c === sep) {
					i++;
					continue;
				}
				if (c === CR) {
					if (i + 1 >= n && !final) return rowStart;
					pos = s.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
				} else {
					pos = i + 1;
				}
				break;
			}
			if (!(fields.length === 1 && fields[0] === '' && s.charCodeAt(rowStart) !== QUOTE)) {
				out.push({ line: this.line, fields });
			}
			this.line += 1 + breaks;
		}
		return n;
	}
}

function countLf(s: string): number {
	let count = 0;
	for (let k = s.indexOf('\n'); k !== -1; k = s.indexOf('\n', k + 1)) count++;
	return count;
}
