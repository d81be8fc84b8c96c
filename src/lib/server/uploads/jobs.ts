import { eq, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client';
import { creditors, imports } from '../db/schema';
import { importCsv, type ImportReport } from '../import';
import { CsvError, openCsv } from '../import/csv';
import { fileChunks, RejectedWriter } from './chunks';
import * as housekeeping from '../housekeeping';

/**
 * The background side of uploads: claim a job, validate or import it, record the outcome.
 *
 * Claiming: `for update skip locked` picks a row no other process is looking at, and a
 * session-level advisory lock on a reserved connection marks it as being worked on for as long
 * as that connection lives. So with several app processes exactly one works on a job, and a job
 * whose process died (its connection, and with it the lock, gone) is found again and resumed from
 * the start: validation writes nothing but the report, and the import's single transaction was
 * rolled back with the connection.
 */

const LOCK_SPACE = 815246;
const REPORTED_ERRORS = 1000;

export type Job = { id: string; kind: 'validate' | 'import'; release: () => Promise<void> };

export async function claimNext(client: postgres.Sql): Promise<Job | null> {
	const conn = await client.reserve();
	let kept = false;
	try {
		await conn`begin`;
		// 'uploaded' is a job once every piece is in; 'validating'/'importing' are jobs only when
		// nobody holds their lock (their worker died).
		const candidates = await conn<{ id: string; status: string }[]>`
			select i.id, i.status from imports i
			where i.status in ('validating', 'importing')
				or (i.status = 'uploaded' and i.file_bytes = (select coalesce(sum(length(c.data)), 0) from import_chunks c where c.import_id = i.id and c.seq >= 0))
			order by i.created_at
			limit 20
			for update of i skip locked`;
		for (const c of candidates) {
			const [{ got }] = await conn<{ got: boolean }[]>`select pg_try_advisory_lock(${LOCK_SPACE}, hashtext(${c.id})) as got`;
			if (!got) continue;
			const kind = c.status === 'importing' ? 'import' : 'validate';
			await conn`update imports set status = ${kind === 'import' ? 'importing' : 'validating'}, processed_rows = 0, updated_at = now() where id = ${c.id}`;
			await conn`commit`;
			kept = true;
			return {
				id: c.id,
				kind,
				release: async () => {
					try {
						await conn`select pg_advisory_unlock(${LOCK_SPACE}, hashtext(${c.id}))`;
					} finally {
						conn.release();
					}
				}
			};
		}
		await conn`commit`;
		return null;
	} catch (e) {
		await conn`rollback`.catch(() => {});
		throw e;
	} finally {
		if (!kept) conn.release();
	}
}

/** Writes the rows read to `processed_rows` at most every `everyMs`, off the reading path. */
class ProgressWriter {
	private latest = 0;
	private written = -1;
	private pending: Promise<unknown> = Promise.resolve();
	private readonly timer: ReturnType<typeof setInterval>;

	constructor(
		private readonly db: Db,
		private readonly id: string,
		everyMs = 500
	) {
		this.timer = setInterval(() => this.write(), everyMs);
	}

	set(rows: number) {
		this.latest = rows;
	}

	private write() {
		if (this.latest === this.written) return;
		const rows = this.latest;
		this.written = rows;
		this.pending = this.pending
			.then(() => this.db.update(imports).set({ processedRows: rows, updatedAt: new Date() }).where(eq(imports.id, this.id)))
			.catch(() => {});
	}

	async stop() {
		clearInterval(this.timer);
		await this.pending;
	}
}

async function headerOf(db: Db, id: string): Promise<string[]> {
	try {
		const csv = await openCsv(fileChunks(db, id));
		await csv.close();
		return csv.header;
	} catch (e) {
		if (e instanceof CsvError) return [];
		throw e;
	}
}

const firstErrors = (r: ImportReport) => r.errors.slice(0, REPORTED_ERRORS);

/** Validates an upload: a dry run of the importer that also keeps every rejected row with its reasons. */
export async function validate(db: Db, id: string, opts: { today?: string } = {}): Promise<ImportReport> {
	const job = await load(db, id);
	await db.execute(sql`delete from import_chunks where import_id = ${id} and seq < 0`);
	const rejected = new RejectedWriter(db, id, await headerOf(db, id));
	const progress = new ProgressWriter(db, id);
	let report: ImportReport;
	try {
		report = await importCsv(db, {
			stream: fileChunks(db, id),
			creditorRef: job.slug,
			dryRun: true,
			skipInvalid: true,
			today: opts.today,
			fileName: job.fileName,
			onProgress: (p) => progress.set(p.rows),
			onInvalidRow: (row) => rejected.add(row)
		});
		await rejected.finish();
	} finally {
		await progress.stop();
	}
	// With skipInvalid a report is refused only for the file as a whole (encoding, a missing column…).
	await db
		.update(imports)
		.set({
			status: report.ok ? 'validated' : 'failed',
			totalRows: report.rows,
			validRows: report.valid,
			invalidRows: report.invalid,
			processedRows: report.rows,
			inserted: report.inserted,
			updated: report.updated,
			errors: firstErrors(report),
			warnings: report.warnings.slice(0, REPORTED_ERRORS),
			debtorsKept: report.debtors.kept,
			failure: report.ok ? null : (report.errors[0]?.message ?? 'O arquivo não pôde ser lido.'),
			finishedAt: report.ok ? null : new Date(),
			updatedAt: new Date()
		})
		.where(eq(imports.id, id));
	// A file refused as a whole will never be imported: it goes now (its report stays).
	if (!report.ok) await housekeeping.purgeFinishedFiles(db, new Date(), id);
	return report;
}

/** Imports a validated upload (only its valid rows when it had invalid ones) and records the counts. */
export async function commit(db: Db, id: string, opts: { today?: string } = {}): Promise<ImportReport> {
	const job = await load(db, id);
	const progress = new ProgressWriter(db, id);
	let report: ImportReport;
	try {
		report = await importCsv(db, {
			stream: fileChunks(db, id),
			creditorRef: job.slug,
			skipInvalid: (job.invalidRows ?? 0) > 0,
			updateShared: job.updateShared,
			today: opts.today,
			fileName: job.fileName,
			actor: { type: 'staff', id: job.staffId },
			onProgress: (p) => progress.set(p.rows)
		});
	} finally {
		await progress.stop();
	}
	const done = report.ok && report.committed;
	await db
		.update(imports)
		.set({
			status: done ? 'done' : 'failed',
			totalRows: report.rows,
			validRows: report.valid,
			invalidRows: report.invalid,
			processedRows: report.rows,
			inserted: report.inserted,
			updated: report.updated,
			...(done ? { warnings: report.warnings.slice(0, REPORTED_ERRORS), debtorsKept: report.debtors.kept } : { errors: firstErrors(report) }),
			failure: done ? null : (report.errors[0]?.message ?? 'A importação não foi concluída.'),
			finishedAt: new Date(),
			updatedAt: new Date()
		})
		.where(eq(imports.id, id));
	// The debts are in their tables now (or the import failed): the file, personal data, goes.
	await housekeeping.purgeFinishedFiles(db, new Date(), id);
	return report;
}

async function load(db: Db, id: string) {
	const [row] = await db
		.select({ fileName: imports.fileName, staffId: imports.staffId, invalidRows: imports.invalidRows, updateShared: imports.updateShared, slug: creditors.slug })
		.from(imports)
		.innerJoin(creditors, eq(creditors.id, imports.creditorId))
		.where(eq(imports.id, id));
	if (!row) throw new Error(`importação ${id} não existe`);
	return row;
}

export async function fail(db: Db, id: string, failure: string): Promise<void> {
	await db
		.update(imports)
		.set({ status: 'failed', failure, finishedAt: new Date(), updatedAt: new Date() })
		.where(sql`${imports.id} = ${id} and ${imports.status} in ('uploaded', 'validating', 'importing')`);
	await housekeeping.purgeFinishedFiles(db, new Date(), id);
}

/** Claims one job and runs it to the end. False when there was nothing to do. */
export async function processNext(
	db: Db,
	client: postgres.Sql,
	hooks: { onStart?: (job: Job) => void; onEnd?: (job: Job) => void } = {}
): Promise<boolean> {
	const job = await claimNext(client);
	if (!job) return false;
	hooks.onStart?.(job);
	try {
		if (job.kind === 'validate') await validate(db, job.id);
		else await commit(db, job.id);
	} catch (e) {
		console.error(JSON.stringify({ type: 'error', where: 'import-job', importId: job.id, error: String((e as Error)?.stack ?? e) }));
		await fail(db, job.id, 'Algo deu errado ao processar o arquivo. Tente de novo; se persistir, fale com o suporte.').catch(() => {});
	} finally {
		await job.release().catch(() => {});
		hooks.onEnd?.(job);
	}
	return true;
}
