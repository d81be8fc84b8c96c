import { sql } from 'drizzle-orm';
import { csvLine } from '../../format/csv';
import type { DbOrTx } from '../db/client';
import type { RowError } from '../import/rows';

/**
 * An upload lives in `import_chunks`, so any app process can work on it: seq 0, 1, 2… hold the
 * file as sent; negative seqs (-1, -2, …) hold the CSV of rejected rows written by validation.
 */

/**
 * Bytes per piece the browser sends, each stored as one chunk. adapter-node refuses request bodies
 * over BODY_SIZE_LIMIT (512K by default), so a piece stays under it and no other route has to
 * accept large bodies.
 */
export const PIECE_BYTES = 512_000;

/** The uploaded file, one chunk at a time (one query per chunk: memory stays at one chunk). */
export async function* fileChunks(db: DbOrTx, importId: string): AsyncGenerator<Uint8Array> {
	for (let seq = 0; ; seq++) {
		const rows = await db.execute<{ data: Buffer }>(sql`select data from import_chunks where import_id = ${importId} and seq = ${seq}`);
		if (rows.length === 0) return;
		yield rows[0].data;
	}
}

/** The rejected rows' CSV, in the order it was written. */
export async function* rejectedChunks(db: DbOrTx, importId: string): AsyncGenerator<Uint8Array> {
	for (let seq = -1; ; seq--) {
		const rows = await db.execute<{ data: Buffer }>(sql`select data from import_chunks where import_id = ${importId} and seq = ${seq}`);
		if (rows.length === 0) return;
		yield rows[0].data;
	}
}

export async function hasRejected(db: DbOrTx, importId: string): Promise<boolean> {
	const rows = await db.execute(sql`select 1 from import_chunks where import_id = ${importId} and seq = -1`);
	return rows.length > 0;
}

/** What the `motivo` column says: every problem of the row, in the importer's words. */
export function reasonOf(line: number, errors: RowError[]): string {
	return errors.map((e) => `linha ${line}${e.column ? `, coluna ${e.column}` : ''}: ${e.message}`).join(' | ');
}

/**
 * Writes the rejected rows (the row as read plus `motivo`) as UTF-8 with a BOM, so Excel opens the
 * accents right, in chunks of about PIECE_BYTES. Cells that would start a formula get a leading
 * `'` (csvLine), which the importer drops when the fixed file comes back.
 */
export class RejectedWriter {
	private parts: string[] = [];
	private size = 0;
	private seq = -1;
	rows = 0;

	constructor(
		private readonly db: DbOrTx,
		private readonly importId: string,
		header: string[]
	) {
		this.push('\uFEFF' + csvLine([...header, 'motivo']));
	}

	async add(row: { line: number; fields: string[]; errors: RowError[] }): Promise<void> {
		this.rows++;
		this.push(csvLine([...row.fields, reasonOf(row.line, row.errors)]));
		if (this.size >= PIECE_BYTES) await this.flush();
	}

	/** Writes what is left; nothing at all when no row was rejected. */
	async finish(): Promise<void> {
		if (this.rows > 0) await this.flush();
	}

	private push(s: string): void {
		this.parts.push(s);
		this.size += s.length;
	}

	private async flush(): Promise<void> {
		if (this.parts.length === 0) return;
		const data = Buffer.from(this.parts.join(''), 'utf8');
		this.parts = [];
		this.size = 0;
		await this.db.execute(sql`insert into import_chunks (import_id, seq, data) values (${this.importId}, ${this.seq--}, ${data})`);
	}
}
