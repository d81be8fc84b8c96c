import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { TransactionRollbackError } from 'drizzle-orm/errors';
import type { Db, Tx } from '../db/client';
import * as audit from '../audit';
import * as access from '../access';
import * as jobs from '../jobs';
import * as messaging from '../messaging';
import { todayInSaoPaulo } from '../../format/dates';
import { normalizeDocument } from '../../format/document';
import { MOBILE_E164_PATTERN } from '../../format/contact';
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
	/**
	 * Also change the name and contacts of debtors who owe other creditors of the agency (an agency
	 * admin's choice, audited). Without it such debtors keep their data and the report warns per line.
	 */
	updateShared?: boolean;
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
	debtors: { inserted: number; updated: number; kept: number; sharedUpdated: number; contactsChanged: number };
	/** The first 1,000 problems, file-level ones first. */
	errors: ImportError[];
	/**
	 * Lines written with a reservation (the first 1,000): a debtor who also owes another creditor of
	 * the agency keeps the name and contacts on file.
	 */
	warnings: ImportError[];
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
export type Counts = {
	inserted: number;
	updated: number;
	debtorsInserted: number;
	debtorsUpdated: number;
	/** Documents whose name or contacts differed but were kept: the debtor also owes another creditor. */
	kept: string[];
	/** Debtors whose phone or e-mail changed: the old contact was told (one message each). */
	contactsChanged: number;
	/** Shared debtors changed anyway (`agencyWide`): for the audit. */
	sharedChanged: string[];
};

/** Who a write speaks for: `agencyWide` lets it change debtors who also owe other creditors (an agency admin, audited). */
export type WriteOptions = { agencyWide?: boolean };

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
		debtors: noDebtors(),
		errors: [],
		warnings: [],
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
		report.debtors = noDebtors();
		report.warnings = [];
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

	const sharedChanged: string[] = [];
	const add = (c: Counts, rows: Row[]) => {
		report.inserted += c.inserted;
		report.updated += c.updated;
		report.skipped += rows.length - c.inserted - c.updated;
		report.debtors.inserted += c.debtorsInserted;
		report.debtors.updated += c.debtorsUpdated;
		report.debtors.kept += c.kept.length;
		report.debtors.sharedUpdated += c.sharedChanged.length;
		report.debtors.contactsChanged += c.contactsChanged;
		if (sharedChanged.length < MAX_REPORTED_ERRORS) sharedChanged.push(...c.sharedChanged.slice(0, MAX_REPORTED_ERRORS - sharedChanged.length));
		report.warnings.push(...keptWarnings(rows, c.kept, MAX_REPORTED_ERRORS - report.warnings.length));
	};
	const writeOptions: WriteOptions = { agencyWide: input.updateShared === true };

	try {
		if (dryRun) {
			await readAll(async (rows) => add(await planBatch(db, agencyId!, rows, writeOptions), rows));
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
					pending = writeBatch(tx, agency, rows, writeOptions).then((c) => add(c, rows));
					pending.catch(() => {});
				});
				await pending;
				if (!writing()) tx.rollback();
				if (report.debtors.contactsChanged > 0) await jobs.enqueue(tx, 'deliver-messages', {}, { jobKey: 'deliver-messages' });
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
						updateShared: writeOptions.agencyWide,
						// An agency admin changed debtors other creditors share: which ones (the first 1,000).
						...(sharedChanged.length > 0 && { sharedDebtorsChanged: sharedChanged }),
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
		report.debtors = noDebtors();
		report.warnings = [];
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

/** A debtor as a row writes it, and the creditor the row speaks for. */
type DebtorValues = { document: string; name: string; phone: string | null; email: string | null; state: string; creditorId: string; address: Row['debtorAddress'] };

function debtorsOf(rows: Row[]): DebtorValues[] {
	return lastWins(
		rows,
		(r) => r.debtorDocument,
		(r) => ({ document: r.debtorDocument, name: r.debtorName, phone: r.debtorPhone, email: r.debtorEmail, state: r.debtorState, creditorId: r.creditorId, address: r.debtorAddress })
	);
}

function debtsOf(rows: Row[]): Row[] {
	return lastWins(rows, (r) => `${r.creditorId}\u0000${r.debtId}`, (r) => r);
}

function debtorsTable(d: DebtorValues[]): SQL {
	return sql`unnest(${textArray(d.map((x) => x.document))}::text[], ${textArray(d.map((x) => x.name))}::text[],
		${textArray(d.map((x) => x.phone))}::text[], ${textArray(d.map((x) => x.email))}::text[],
		${textArray(d.map((x) => x.state))}::text[], ${textArray(d.map((x) => x.creditorId))}::uuid[],
		${textArray(d.map((x) => x.address?.street ?? null))}::text[], ${textArray(d.map((x) => x.address?.number ?? null))}::text[],
		${textArray(d.map((x) => x.address?.complement ?? null))}::text[], ${textArray(d.map((x) => x.address?.district ?? null))}::text[],
		${textArray(d.map((x) => x.address?.cep ?? null))}::text[], ${textArray(d.map((x) => x.address?.city ?? null))}::text[])
		as v(document, name, phone, email, state, creditor_id, address_street, address_number, address_complement, address_district, address_cep, address_city)`;
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
 * (creditor, debt_id). A debtor's name and contacts change only when the write's creditor is the
 * only one the debtor owes (access.debtorWritable), unless `agencyWide`; otherwise the row keeps
 * its data and its document comes back in `kept`. When a phone or e-mail changes, the old contact
 * is told, in the same statement (a message without amounts, queued in the outbox).
 */
export async function writeBatch(tx: Tx, agencyId: string, rows: Row[], opts: WriteOptions = {}): Promise<Counts> {
	const agencyWide = opts.agencyWide === true;
	// `xmax = 0` tells a freshly inserted row from one updated by ON CONFLICT.
	const [debtors] = await tx.execute<DebtorCounts>(sql`
		with v as (select * from ${debtorsTable(debtorsOf(rows))}),
		prev as (
			select t.id, t.document, t.phone, t.email,
				${changes(sql`t`, sql`v`)} as differs,
				${access.debtorWritable(sql`v.creditor_id`, sql`t.id`)} as sole
			-- LATERAL: one index lookup per row (see the debts statement below: with the statistics
			-- stale inside a long import, a join would hash the agency's whole debtors table every batch).
			from v cross join lateral (select * from debtors where agency_id = ${agencyId}::uuid and document = v.document limit 1) t
		),
		up as (
			insert into debtors as t (agency_id, document, name, phone, email, state, data_creditor_id,
				address_street, address_number, address_complement, address_district, address_cep, address_city)
			select ${agencyId}::uuid, v.document, v.name, v.phone, v.email, v.state, v.creditor_id,
				v.address_street, v.address_number, v.address_complement, v.address_district, v.address_cep, v.address_city from v
			on conflict (agency_id, document) do update set
				name = excluded.name,
				phone = coalesce(excluded.phone, t.phone),
				email = coalesce(excluded.email, t.email),
				state = excluded.state,
				-- A row without an address keeps the stored one, whole.
				${sql.raw(ADDRESS_COLUMNS.map((c) => `${c} = case when excluded.address_street is null then t.${c} else excluded.${c} end,`).join(' '))}
				-- The writer's data when the debtor is only its own; the agency's when it changed a shared one.
				data_creditor_id = case when ${access.debtorWritable(sql`excluded.data_creditor_id`, sql`t.id`)} then excluded.data_creditor_id end,
				updated_at = now()
			where ${changes(sql`t`, sql`excluded`)}
				and (${agencyWide} or ${access.debtorWritable(sql`excluded.data_creditor_id`, sql`t.id`)})
			returning t.id, t.document, t.phone, t.email, (xmax = 0) as inserted
		),
		notices as (
			insert into outbox (agency_id, creditor_id, channel, "to", text)
			select ${agencyId}::uuid, v.creditor_id, m.channel, m.old, m.text
			from up
			join prev on prev.id = up.id
			join v on v.document = up.document
			join creditors c on c.id = v.creditor_id
			cross join lateral (values
				('sms', prev.phone, up.phone, replace(${messaging.CONTACT_CHANGED.sms}, '{credor}', c.display_name)),
				('email', prev.email, up.email, replace(${messaging.CONTACT_CHANGED.email}, '{credor}', c.display_name))
			) m(channel, old, new, text)
			where not up.inserted and m.old is not null and m.old is distinct from m.new
				-- A landline receives no SMS.
				and (m.channel <> 'sms' or m.old ~ ${MOBILE_E164_PATTERN})
			returning 1
		)
		select (select count(*) from up where inserted)::int as inserted,
			(select count(*) from up where not inserted)::int as updated,
			coalesce((select array_agg(document) from prev where differs and not sole ${agencyWide ? sql`and false` : sql``}), '{}') as kept,
			coalesce((select array_agg(up.id::text) from up join prev on prev.id = up.id where not prev.sole), '{}') as shared_changed,
			(select count(*) from notices)::int as notices`);
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
	return countsOf(debts, debtors);
}

type DebtorCounts = { inserted: number; updated: number; kept: string[]; shared_changed: string[]; notices: number };

function countsOf(debts: { inserted: number; updated: number }, debtors: DebtorCounts): Counts {
	return {
		inserted: debts.inserted,
		updated: debts.updated,
		debtorsInserted: debtors.inserted,
		debtorsUpdated: debtors.updated,
		kept: debtors.kept,
		contactsChanged: debtors.notices,
		sharedChanged: debtors.shared_changed
	};
}

const noDebtors = (): ImportReport['debtors'] => ({ inserted: 0, updated: 0, kept: 0, sharedUpdated: 0, contactsChanged: 0 });

/** One warning per debtor kept (at the first row of theirs), at most `limit`. */
export function keptWarnings(rows: Row[], kept: string[], limit: number): RowError[] {
	const out: RowError[] = [];
	if (kept.length === 0 || limit <= 0) return out;
	const left = new Set(kept);
	for (const r of rows) {
		if (out.length >= limit) break;
		if (left.delete(r.debtorDocument)) out.push({ line: r.line, column: 'debtor_document', message: SHARED_DEBTOR_KEPT });
	}
	return out;
}

export const SHARED_DEBTOR_KEPT =
	'Este devedor também deve a outro credor da assessoria: nome e contatos ficam como estavam (só a administração da assessoria pode alterá-los); a dívida é gravada.';


const ADDRESS_COLUMNS = ['address_street', 'address_number', 'address_complement', 'address_district', 'address_cep', 'address_city'] as const;

/** Whether the stored debtor `t` differs from the incoming `v` (a blank phone, e-mail or address keeps the stored one). */
function changes(t: SQL, v: SQL): SQL {
	const address = (x: SQL) => sql.join(ADDRESS_COLUMNS.map((c) => sql`${x}.${sql.raw(c)}`), sql`, `);
	return sql`(${t}.name, ${t}.phone, ${t}.email, ${t}.state, ${address(t)}) is distinct from
		(${v}.name, coalesce(${v}.phone, ${t}.phone), coalesce(${v}.email, ${t}.email), ${v}.state,
			${sql.join(ADDRESS_COLUMNS.map((c) => sql`case when ${v}.address_street is null then ${t}.${sql.raw(c)} else ${v}.${sql.raw(c)} end`), sql`, `)})`;
}

/** Dry run: what `writeBatch` would do, read-only. */
async function planBatch(db: Db, agencyId: string, rows: Row[], opts: WriteOptions = {}): Promise<Counts> {
	const agencyWide = opts.agencyWide === true;
	const [debtors] = await db.execute<DebtorCounts>(sql`
		with p as (
			select v.document, t.id, t.id is not null and ${changes(sql`t`, sql`v`)} as differs,
				t.id is null or ${access.debtorWritable(sql`v.creditor_id`, sql`t.id`)} as sole,
				t.id is not null and ((t.phone is not null and t.phone ~ ${MOBILE_E164_PATTERN} and v.phone is distinct from t.phone and v.phone is not null)
					or (t.email is not null and v.email is distinct from t.email and v.email is not null)) as contact_changes
			from ${debtorsTable(debtorsOf(rows))}
			left join lateral (select * from debtors where agency_id = ${agencyId}::uuid and document = v.document limit 1) t on true
		)
		select (count(*) filter (where id is null))::int as inserted,
			(count(*) filter (where differs and (sole or ${agencyWide})))::int as updated,
			coalesce(array_agg(document) filter (where differs and not sole and not ${agencyWide}), '{}') as kept,
			coalesce(array_agg(id::text) filter (where differs and not sole and ${agencyWide}), '{}') as shared_changed,
			(count(*) filter (where contact_changes and (sole or ${agencyWide})))::int as notices
		from p`);
	const [debts] = await db.execute<{ inserted: number; updated: number }>(sql`
		select (count(*) filter (where t.id is null))::int as inserted,
			(count(*) filter (where t.status = 'open' and (t.debtor_id, t.description, t.due_date, t.principal_cents, t.late_fee_bp, t.interest_monthly_bp)
				is distinct from (d.id, v.description, v.due_date, v.principal_cents, v.late_fee_bp, v.interest_monthly_bp)))::int as updated
		from ${debtsTable(debtsOf(rows))}
		left join lateral (select id from debtors where agency_id = ${agencyId}::uuid and document = v.document limit 1) d on true
		left join lateral (select * from debts where creditor_id = v.creditor_id and external_id = v.external_id limit 1) t on true`);
	return countsOf(debts, debtors);
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
