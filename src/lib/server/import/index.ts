import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { TransactionRollbackError } from 'drizzle-orm/errors';
import type { Db, Tx } from '../db/client';
import * as audit from '../audit';
import { todayInSaoPaulo } from '../../format/dates';
import { normalizeDocument } from '../../format/document';
import { CsvError, openCsv, type CsvFile, type CsvSource } from './csv';
import { isBlankRow, mapHeader, validateRow, type ImportRecord, type RowError } from './rows';

/**
 * Portfolio import: a creditor's CSV of debtors and debts, streamed, validated row by row and
 * upserted in batches inside ONE transaction, so a file imports entirely or not at all:
 * a file with an invalid row writes nothing unless `skipInvalid` (then only the valid rows).
 *
 * One pass: rows are written while they are read; at the first invalid row writing stops, the
 * rest is only validated (to report every error) and the transaction is rolled back at the end.
 * Debtors are upserted by (agency, document), debts by (creditor, debt_id); a debt that is no
 * longer `open` (in an agreement, settled) is never rewritten. Re-importing a file changes nothing.
 */

export type ImportActor = { type: 'cli' | 'staff' | 'system'; id?: string | null };
export type ImportProgress = { rows: number; valid: number; invalid: number; done: boolean };

export type ImportInput = {
	/** A file path, a Node stream or a web ReadableStream of the CSV bytes. */
	stream: CsvSource;
	/** CNPJ or slug: every row must belong to this creditor. */
	creditorRef?: string;
	/** Validate and count what would change, write nothing. */
	dryRun?: boolean;
	/** Import the valid rows even when some are invalid (those are reported and left out). */
	skipInvalid?: boolean;
	/** Called a few times a second while reading, and once at the end with `done: true`. */
	onProgress?: (p: ImportProgress) => void;
	/** Called for each invalid row with its fields as read and every problem in it (a file of rejected rows); awaited. */
	onInvalidRow?: (row: { line: number; fields: string[]; errors: RowError[] }) => void | Promise<void>;
	actor?: ImportActor;
	/** For the audit record (a path's base name by default). */
	fileName?: string;
	/** Today in São Paulo; due dates after it are refused. */
	today?: string;
	/** Rows per multi-row upsert. */
	batchSize?: number;
};

export type ImportError = RowError;

export type ImportReport = {
	/** Data rows read (blank rows are not counted). */
	rows: number;
	valid: number;
	invalid: number;
	/** Debts created, or that would be in a dry run. */
	inserted: number;
	/** Open debts whose data changed. */
	updated: number;
	/** Valid rows that changed nothing: identical to what is stored, a repeated debt_id, or a debt no longer open. */
	skipped: number;
	debtors: { inserted: number; updated: number };
	/** The first 1,000 problems, file-level ones first. */
	errors: ImportError[];
	/** No file-level error, and every row valid or `skipInvalid`. */
	ok: boolean;
	/** The changes were written (false for a dry run or a refused file). */
	committed: boolean;
	dryRun: boolean;
	encoding: string | null;
	separator: string | null;
	agencyId: string | null;
	durationMs: number;
};

export const MAX_REPORTED_ERRORS = 1000;
// Rows per upsert statement. On 200,000 rows, alternating runs: 5,000 gave 9.0k and 9.5k rows/s,
// 10,000 gave 10.1k and 10.7k (PostgreSQL spends less per row in larger statements); 20,000 was no
// faster and took the importer's peak memory from ~260 to ~420 MB.
const DEFAULT_BATCH = 10_000;
const PROGRESS_EVERY_MS = 250;

type CreditorInfo = { id: string; agencyId: string; cnpj: string; slug: string; consumer: boolean };
export type Row = ImportRecord & { creditorId: string };
export type Counts = { inserted: number; updated: number; debtorsInserted: number; debtorsUpdated: number };

export async function importCsv(db: Db, input: ImportInput): Promise<ImportReport> {
	const started = performance.now();
	const dryRun = input.dryRun ?? false;
	const skipInvalid = input.skipInvalid ?? false;
	const today = input.today ?? todayInSaoPaulo();
	const batchSize = input.batchSize ?? DEFAULT_BATCH;
	const report: ImportReport = {
		rows: 0,
		valid: 0,
		invalid: 0,
		inserted: 0,
		updated: 0,
		skipped: 0,
		debtors: { inserted: 0, updated: 0 },
		errors: [],
		ok: false,
		committed: false,
		dryRun,
		encoding: null,
		separator: null,
		agencyId: null,
		durationMs: 0
	};
	const finish = () => {
		report.durationMs = Math.round(performance.now() - started);
		input.onProgress?.({ rows: report.rows, valid: report.valid, invalid: report.invalid, done: true });
		return report;
	};
	const fileError = (message: string, line = 0, column: string | null = null) => {
		report.errors.unshift({ line, column, message });
		report.ok = false;
		report.inserted = report.updated = report.skipped = 0;
		report.debtors = { inserted: 0, updated: 0 };
		return finish();
	};

	const creditors = await loadCreditors(db);
	let fixed: CreditorInfo | undefined;
	if (input.creditorRef) {
		const ref = input.creditorRef.trim();
		const all = [...creditors.values()].flat();
		const matches = all.some((c) => c.slug === ref) ? all.filter((c) => c.slug === ref) : (creditors.get(normalizeDocument(ref)) ?? []);
		if (matches.length > 1) {
			return fileError(`O CNPJ ${ref} está cadastrado em mais de uma assessoria: informe o credor pelo identificador (slug).`);
		}
		fixed = matches[0];
		if (!fixed) return fileError(`Credor não encontrado: "${ref}". Informe o CNPJ ou o identificador (slug) de um credor cadastrado.`);
	}
	let agencyId: string | null = fixed?.agencyId ?? null;

	let csv: CsvFile;
	try {
		csv = await openCsv(input.stream);
	} catch (e) {
		if (e instanceof CsvError) return fileError(e.message, e.line);
		throw e;
	}
	report.encoding = csv.encoding;
	report.separator = csv.separator;
	const header = mapHeader(csv.header, csv.headerLine);
	if (!header.ok) {
		await csv.close();
		return fileError(header.error.message, header.error.line, header.error.column);
	}
	const columns = header.columns;

	/** The creditor a row's CNPJ names, in this import's agency. */
	const pick = (cnpj: string): CreditorInfo | undefined => {
		const candidates = creditors.get(cnpj);
		if (!candidates) return undefined;
		if (agencyId) return candidates.find((c) => c.agencyId === agencyId);
		return candidates.length === 1 ? candidates[0] : undefined;
	};
	const ctx = { today, isConsumer: (cnpj: string) => pick(cnpj)?.consumer ?? true };
	const usedCreditors = new Set<string>();

	const addError = (e: RowError) => {
		// A copy: a message quoting a cell would otherwise keep that cell's whole decoded chunk alive.
		if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ ...e, message: Buffer.from(e.message).toString() });
	};
	const writing = () => report.invalid === 0 || skipInvalid;

	let lastProgress = 0;
	const progress = () => {
		const now = Date.now();
		if (now - lastProgress < PROGRESS_EVERY_MS) return;
		lastProgress = now;
		input.onProgress?.({ rows: report.rows, valid: report.valid, invalid: report.invalid, done: false });
	};

	/** Reads the whole file; `flush` receives full batches of valid rows while writing is still on. */
	async function readAll(flush: (rows: Row[]) => Promise<void>): Promise<void> {
		let batch: Row[] = [];
		for await (const rows of csv.batches()) {
			for (const { line, fields } of rows) {
				if (isBlankRow(fields)) continue;
				report.rows++;
				const checked = validateRow(fields, line, columns, ctx);
				let creditor: CreditorInfo | undefined;
				const errors: RowError[] = checked.ok ? [] : checked.errors;
				if (!errors.some((e) => e.column === 'creditor_cnpj')) {
					const cnpj = normalizeDocument(fields[columns.index.creditor_cnpj!] ?? '');
					const problem = creditorProblem(cnpj);
					if (problem) errors.push({ line, column: 'creditor_cnpj', message: problem });
					else creditor = pick(cnpj);
				}
				if (!checked.ok || errors.length > 0 || !creditor) {
					report.invalid++;
					for (const e of errors) addError(e);
					if (input.onInvalidRow) await input.onInvalidRow({ line, fields, errors });
					if (!skipInvalid) batch = [];
					continue;
				}
				report.valid++;
				agencyId ??= creditor.agencyId;
				usedCreditors.add(creditor.id);
				if (!writing()) continue;
				batch.push({ ...checked.record, creditorId: creditor.id });
				if (batch.length >= batchSize) {
					await flush(batch);
					batch = [];
				}
			}
			progress();
		}
		if (batch.length > 0 && writing()) await flush(batch);
	}

	function creditorProblem(cnpj: string): string | null {
		if (!cnpj) return null; // the row's own validation already said so
		const candidates = creditors.get(cnpj);
		if (!candidates) return `Credor não cadastrado (CNPJ ${cnpj}). Cadastre-o antes com "acerto creditor add".`;
		const creditor = pick(cnpj);
		if (!creditor) {
			return agencyId
				? 'Credor de outra assessoria: um arquivo só pode trazer dívidas de credores da mesma assessoria.'
				: 'Este CNPJ de credor está cadastrado em mais de uma assessoria: informe o credor com --creditor.';
		}
		if (fixed && creditor.id !== fixed.id) {
			return `Linha de outro credor (CNPJ ${cnpj}): esta importação é só do credor "${fixed.slug}".`;
		}
		return null;
	}

	const add = (c: Counts, rows: number) => {
		report.inserted += c.inserted;
		report.updated += c.updated;
		report.skipped += rows - c.inserted - c.updated;
		report.debtors.inserted += c.debtorsInserted;
		report.debtors.updated += c.debtorsUpdated;
	};

	try {
		if (dryRun) {
			await readAll(async (rows) => add(await planBatch(db, agencyId!, rows), rows.length));
		} else {
			await db.transaction(async (tx) => {
				// Parsing the next batch overlaps with the database writing this one.
				let pending: Promise<void> = Promise.resolve();
				let locked = false;
				await readAll(async (rows) => {
					await pending;
					const agency = agencyId!;
					if (!locked) {
						await lockPortfolio(tx, agency);
						locked = true;
					}
					pending = writeBatch(tx, agency, rows).then((c) => add(c, rows.length));
					pending.catch(() => {});
				});
				await pending;
				if (!writing()) tx.rollback();
				await audit.record(tx, {
					agencyId,
					actorType: input.actor?.type ?? 'system',
					actorId: input.actor?.id ?? null,
					action: 'portfolio.import',
					entity: 'import',
					data: {
						file: input.fileName ?? (typeof input.stream === 'string' ? path.basename(input.stream) : null),
						creditorIds: [...usedCreditors],
						skipInvalid,
						rows: report.rows,
						valid: report.valid,
						invalid: report.invalid,
						inserted: report.inserted,
						updated: report.updated,
						skipped: report.skipped,
						debtors: report.debtors,
						durationMs: Math.round(performance.now() - started)
					}
				});
			});
			report.committed = true;
		}
	} catch (e) {
		if (e instanceof CsvError) return fileError(e.message, e.line);
		if (!(e instanceof TransactionRollbackError)) throw e;
	} finally {
		await csv.close();
	}

	report.encoding = csv.encoding;
	report.agencyId = agencyId;
	report.ok = writing();
	if (!report.ok) {
		// Nothing was (or would be) written: say so in the counts.
		report.inserted = report.updated = report.skipped = 0;
		report.debtors = { inserted: 0, updated: 0 };
	}
	return finish();
}

async function loadCreditors(db: Db): Promise<Map<string, CreditorInfo[]>> {
	const rows = await db.execute<{ id: string; agency_id: string; cnpj: string; slug: string; consumer: boolean | null }>(sql`
		select c.id, c.agency_id, c.cnpj, c.slug,
			(select (p.body->>'consumer')::boolean from policies p where p.creditor_id = c.id order by p.version desc limit 1) as consumer
		from creditors c`);
	const map = new Map<string, CreditorInfo[]>();
	for (const r of rows) {
		const info = { id: r.id, agencyId: r.agency_id, cnpj: r.cnpj, slug: r.slug, consumer: r.consumer ?? true };
		const list = map.get(r.cnpj);
		if (list) list.push(info);
		else map.set(r.cnpj, [info]);
	}
	return map;
}

/** Within one statement a key may appear once: the last row for a debtor or a debt wins. */
function lastWins<T>(rows: Row[], key: (r: Row) => string, pick: (r: Row) => T): T[] {
	const map = new Map<string, T>();
	for (const r of rows) {
		const k = key(r);
		map.delete(k); // keep the order of the last occurrence
		map.set(k, pick(r));
	}
	return [...map.values()];
}

type DebtorValues = { document: string; name: string; phone: string | null; email: string | null; state: string };

function debtorsOf(rows: Row[]): DebtorValues[] {
	return lastWins(
		rows,
		(r) => r.debtorDocument,
		(r) => ({ document: r.debtorDocument, name: r.debtorName, phone: r.debtorPhone, email: r.debtorEmail, state: r.debtorState })
	);
}

function debtsOf(rows: Row[]): Row[] {
	return lastWins(rows, (r) => `${r.creditorId}\u0000${r.debtId}`, (r) => r);
}

function debtorsTable(d: DebtorValues[]): SQL {
	return sql`unnest(${textArray(d.map((x) => x.document))}::text[], ${textArray(d.map((x) => x.name))}::text[],
		${textArray(d.map((x) => x.phone))}::text[], ${textArray(d.map((x) => x.email))}::text[],
		${textArray(d.map((x) => x.state))}::text[]) as v(document, name, phone, email, state)`;
}

function debtsTable(rows: Row[]): SQL {
	return sql`unnest(${textArray(rows.map((r) => r.creditorId))}::uuid[], ${textArray(rows.map((r) => r.debtorDocument))}::text[],
		${textArray(rows.map((r) => r.debtId))}::text[], ${textArray(rows.map((r) => r.description))}::text[],
		${textArray(rows.map((r) => r.dueDate))}::date[], ${numberArray(rows.map((r) => r.principalCents))}::int8[],
		${numberArray(rows.map((r) => r.lateFeeBp))}::int4[], ${numberArray(rows.map((r) => r.interestMonthlyBp))}::int4[])
		as v(creditor_id, document, external_id, description, due_date, principal_cents, late_fee_bp, interest_monthly_bp)`;
}

/** Two writers into one agency's portfolio at once (imports, the API) would only fight over the same rows. */
export async function lockPortfolio(tx: Tx, agencyId: string): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(815245, hashtext(${agencyId}))`);
}

/**
 * Upserts valid rows (the importer's and the API's): debtors by (agency, document), open debts by
 * (creditor, debt_id). `soleCreditor` (the API): a debtor who also owes another creditor keeps
 * the name and contacts on file, so one creditor's key never changes what another creditor uses.
 */
export async function writeBatch(tx: Tx, agencyId: string, rows: Row[], opts: { soleCreditor?: string } = {}): Promise<Counts> {
	// `xmax = 0` tells a freshly inserted row from one updated by ON CONFLICT.
	const [debtors] = await tx.execute<{ inserted: number; updated: number }>(sql`
		with up as (
			insert into debtors as t (agency_id, document, name, phone, email, state)
			select ${agencyId}::uuid, v.document, v.name, v.phone, v.email, v.state from ${debtorsTable(debtorsOf(rows))}
			on conflict (agency_id, document) do update set
				name = excluded.name,
				phone = coalesce(excluded.phone, t.phone),
				email = coalesce(excluded.email, t.email),
				state = excluded.state,
				updated_at = now()
			where (t.name, t.phone, t.email, t.state) is distinct from
				(excluded.name, coalesce(excluded.phone, t.phone), coalesce(excluded.email, t.email), excluded.state)
				${opts.soleCreditor ? sql`and not exists (select 1 from debts o where o.debtor_id = t.id and o.creditor_id <> ${opts.soleCreditor}::uuid)` : sql``}
			returning (xmax = 0) as inserted
		)
		select (count(*) filter (where inserted))::int as inserted, (count(*) filter (where not inserted))::int as updated from up`);
	const [debts] = await tx.execute<{ inserted: number; updated: number }>(sql`
		with up as (
			insert into debts as t (creditor_id, debtor_id, external_id, description, due_date, principal_cents, late_fee_bp, interest_monthly_bp)
			select v.creditor_id, d.id, v.external_id, v.description, v.due_date, v.principal_cents, v.late_fee_bp, v.interest_monthly_bp
			from ${debtsTable(debtsOf(rows))}
			-- LATERAL: one index lookup per row. Inside this long transaction the table statistics
			-- are stale, and a plain join would hash the agency's whole debtors table every batch.
			cross join lateral (select id from debtors where agency_id = ${agencyId}::uuid and document = v.document limit 1) d
			on conflict (creditor_id, external_id) do update set
				debtor_id = excluded.debtor_id,
				description = excluded.description,
				due_date = excluded.due_date,
				principal_cents = excluded.principal_cents,
				late_fee_bp = excluded.late_fee_bp,
				interest_monthly_bp = excluded.interest_monthly_bp,
				updated_at = now()
			-- A debt in an agreement (or settled) keeps what the agreement was made on.
			where t.status = 'open'
				and (t.debtor_id, t.description, t.due_date, t.principal_cents, t.late_fee_bp, t.interest_monthly_bp) is distinct from
					(excluded.debtor_id, excluded.description, excluded.due_date, excluded.principal_cents, excluded.late_fee_bp, excluded.interest_monthly_bp)
			returning (xmax = 0) as inserted
		)
		select (count(*) filter (where inserted))::int as inserted, (count(*) filter (where not inserted))::int as updated from up`);
	return { inserted: debts.inserted, updated: debts.updated, debtorsInserted: debtors.inserted, debtorsUpdated: debtors.updated };
}

/** Dry run: what `writeBatch` would do, read-only. */
async function planBatch(db: Db, agencyId: string, rows: Row[]): Promise<Counts> {
	const [debtors] = await db.execute<{ inserted: number; updated: number }>(sql`
		select (count(*) filter (where t.id is null))::int as inserted,
			(count(*) filter (where t.id is not null and (t.name, t.phone, t.email, t.state) is distinct from
				(v.name, coalesce(v.phone, t.phone), coalesce(v.email, t.email), v.state)))::int as updated
		from ${debtorsTable(debtorsOf(rows))}
		left join lateral (select * from debtors where agency_id = ${agencyId}::uuid and document = v.document limit 1) t on true`);
	const [debts] = await db.execute<{ inserted: number; updated: number }>(sql`
		select (count(*) filter (where t.id is null))::int as inserted,
			(count(*) filter (where t.status = 'open' and (t.debtor_id, t.description, t.due_date, t.principal_cents, t.late_fee_bp, t.interest_monthly_bp)
				is distinct from (d.id, v.description, v.due_date, v.principal_cents, v.late_fee_bp, v.interest_monthly_bp)))::int as updated
		from ${debtsTable(debtsOf(rows))}
		left join lateral (select id from debtors where agency_id = ${agencyId}::uuid and document = v.document limit 1) d on true
		left join lateral (select * from debts where creditor_id = v.creditor_id and external_id = v.external_id limit 1) t on true`);
	return { inserted: debts.inserted, updated: debts.updated, debtorsInserted: debtors.inserted, debtorsUpdated: debtors.updated };
}

/**
 * A PostgreSQL array literal sent as one text parameter: thousands of values per statement
 * without thousands of bind parameters (drizzle passes parameters through as-is).
 */
export function textArray(values: (string | null)[]): string {
	let out = '{';
	for (let i = 0; i < values.length; i++) {
		if (i > 0) out += ',';
		const v = values[i];
		out += v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`;
	}
	return out + '}';
}

export function numberArray(values: (number | null)[]): string {
	return `{${values.map((v) => (v === null ? 'NULL' : String(v))).join(',')}}`;
}
