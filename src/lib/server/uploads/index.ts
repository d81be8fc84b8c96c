import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors, importChunks, imports, staff, type ImportStatus } from '../db/schema';
import * as access from '../access';
import { can, type StaffPrincipal } from '../staff/roles';
import * as audit from '../audit';
import { hasRejected, PIECE_BYTES, rejectedChunks } from './chunks';
import type { RowError } from '../import/rows';

/**
 * Portfolio uploads from the admin area: the CLI importer (src/lib/server/import) behind a web
 * upload. The browser sends the file in pieces that are stored in PostgreSQL; a background worker
 * (./worker.ts, in a worker thread of some app process) validates it, the person reads the report
 * and commits, and the same worker imports it. Everything here is scoped to what the person reaches.
 */

export { PIECE_BYTES } from './chunks';
/** A million-row portfolio is about 200 MB; this leaves room without inviting abuse. */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;
export const REPORTED_ERRORS = 100;

type Who = Pick<StaffPrincipal, 'id' | 'agencyId' | 'creditorId' | 'role'>;
export type Result<T> = ({ ok: true } & T) | { ok: false; status: number; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ImportView = {
	id: string;
	fileName: string;
	fileBytes: number;
	status: ImportStatus;
	creditor: { id: string; displayName: string; slug: string };
	by: string | null;
	createdAt: Date;
	finishedAt: Date | null;
	totalRows: number | null;
	validRows: number | null;
	invalidRows: number | null;
	processedRows: number;
	inserted: number | null;
	updated: number | null;
	failure: string | null;
};

const viewColumns = {
	id: imports.id,
	fileName: imports.fileName,
	fileBytes: imports.fileBytes,
	status: imports.status,
	creditor: { id: creditors.id, displayName: creditors.displayName, slug: creditors.slug },
	by: sql<string | null>`coalesce(nullif(${staff.name}, ''), ${staff.email})`,
	createdAt: imports.createdAt,
	finishedAt: imports.finishedAt,
	totalRows: imports.totalRows,
	validRows: imports.validRows,
	invalidRows: imports.invalidRows,
	processedRows: imports.processedRows,
	inserted: imports.inserted,
	updated: imports.updated,
	failure: imports.failure
};


/** A file name fit to show and to put in a header: its base name, printable, at most 200 characters. */
export function cleanFileName(name: string): string {
	const base = name.split(/[\\/]/).pop() ?? '';
	return base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200);
}

/** Starts an upload: the file's name and size; its bytes come next, piece by piece. */
export async function start(
	tx: DbOrTx,
	who: Who,
	input: { creditorId: string; fileName: string; fileBytes: number; ip?: string | null }
): Promise<Result<{ id: string; pieceBytes: number; pieces: number }>> {
	const fileName = cleanFileName(input.fileName);
	if (!fileName) return { ok: false, status: 400, message: 'Escolha um arquivo CSV.' };
	if (!/\.(csv|txt)$/i.test(fileName)) return { ok: false, status: 400, message: 'Envie um arquivo .csv (o modelo da carteira, separado por ponto e vírgula ou vírgula).' };
	if (!Number.isSafeInteger(input.fileBytes) || input.fileBytes <= 0) return { ok: false, status: 400, message: 'O arquivo está vazio.' };
	if (input.fileBytes > MAX_FILE_BYTES) return { ok: false, status: 413, message: 'O arquivo passa de 1 GB: divida a carteira em arquivos menores.' };
	if (!UUID.test(input.creditorId)) return { ok: false, status: 400, message: 'Escolha o credor da carteira.' };
	const [creditor] = await tx
		.select({ id: creditors.id, agencyId: creditors.agencyId, slug: creditors.slug })
		.from(creditors)
		.where(and(eq(creditors.id, input.creditorId), access.where.creditor(who)));
	if (!creditor) return { ok: false, status: 404, message: 'Credor não encontrado.' };
	const [row] = await tx
		.insert(imports)
		.values({ agencyId: creditor.agencyId, creditorId: creditor.id, staffId: who.id, fileName, fileBytes: input.fileBytes, status: 'uploaded' })
		.returning({ id: imports.id });
	await audit.record(tx, {
		agencyId: creditor.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'import.upload',
		entity: 'import',
		entityId: row.id,
		ip: input.ip ?? null,
		data: { before: null, after: { fileName, fileBytes: input.fileBytes, creditor: creditor.slug, status: 'uploaded' } }
	});
	return { ok: true, id: row.id, pieceBytes: PIECE_BYTES, pieces: Math.ceil(input.fileBytes / PIECE_BYTES) };
}

/**
 * Stores piece `seq` of an upload. Only its uploader adds pieces, only while it is being received;
 * every piece but the last is exactly PIECE_BYTES, so the file is complete when all are in.
 * Sending a piece again replaces it (a retry after a dropped connection is harmless).
 */
export async function putPiece(
	tx: DbOrTx,
	who: Who,
	id: string,
	seq: number,
	data: Uint8Array
): Promise<Result<{ received: number; complete: boolean }>> {
	if (!UUID.test(id)) return { ok: false, status: 404, message: 'Importação não encontrada.' };
	const [row] = await tx
		.select({ id: imports.id, status: imports.status, fileBytes: imports.fileBytes, staffId: imports.staffId })
		.from(imports)
		.innerJoin(creditors, eq(creditors.id, imports.creditorId))
		.where(and(eq(imports.id, id), access.where.upload(who)))
		.for('update', { of: imports });
	if (!row || row.staffId !== who.id) return { ok: false, status: 404, message: 'Importação não encontrada.' };
	const pieces = Math.ceil(row.fileBytes / PIECE_BYTES);
	if (!Number.isSafeInteger(seq) || seq < 0 || seq >= pieces) return { ok: false, status: 400, message: 'Parte do arquivo fora da sequência.' };
	const expected = seq < pieces - 1 ? PIECE_BYTES : row.fileBytes - PIECE_BYTES * (pieces - 1);
	if (data.byteLength !== expected) return { ok: false, status: 400, message: `Parte ${seq + 1} com tamanho inesperado: envie o arquivo de novo.` };
	const [{ have }] = await tx.execute<{ have: number }>(sql`select count(*)::int as have from import_chunks where import_id = ${id} and seq >= 0`);
	if (row.status !== 'uploaded' || have >= pieces) return { ok: false, status: 409, message: 'Este arquivo já foi recebido por inteiro.' };
	const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	await tx
		.insert(importChunks)
		.values({ importId: id, seq, data: buf })
		.onConflictDoUpdate({ target: [importChunks.importId, importChunks.seq], set: { data: buf } });
	await tx.update(imports).set({ updatedAt: new Date() }).where(eq(imports.id, id));
	const [{ count }] = await tx.execute<{ count: number }>(sql`select count(*)::int as count from import_chunks where import_id = ${id} and seq >= 0`);
	return { ok: true, received: count, complete: count === pieces };
}

export async function get(
	db: DbOrTx,
	who: Who,
	id: string
): Promise<(ImportView & { errors: RowError[]; warnings: RowError[]; debtorsKept: number; updateShared: boolean; hasRejected: boolean }) | null> {
	if (!UUID.test(id)) return null;
	const [row] = await db
		.select({ ...viewColumns, errors: imports.errors, warnings: imports.warnings, debtorsKept: imports.debtorsKept, updateShared: imports.updateShared })
		.from(imports)
		.innerJoin(creditors, eq(creditors.id, imports.creditorId))
		.leftJoin(staff, eq(staff.id, imports.staffId))
		.where(and(eq(imports.id, id), access.where.upload(who)));
	if (!row) return null;
	const errors = Array.isArray(row.errors) ? (row.errors as RowError[]).slice(0, REPORTED_ERRORS) : [];
	const warnings = Array.isArray(row.warnings) ? (row.warnings as RowError[]).slice(0, REPORTED_ERRORS) : [];
	return { ...row, errors, warnings, debtorsKept: row.debtorsKept ?? 0, hasRejected: (row.invalidRows ?? 0) > 0 && (await hasRejected(db, id)) };
}

/** The history: newest first. */
export async function list(db: DbOrTx, who: Who, limit = 50): Promise<ImportView[]> {
	return db
		.select(viewColumns)
		.from(imports)
		.innerJoin(creditors, eq(creditors.id, imports.creditorId))
		.leftJoin(staff, eq(staff.id, imports.staffId))
		.where(access.where.upload(who))
		.orderBy(desc(imports.createdAt))
		.limit(limit);
}

export type Progress = {
	id: string;
	status: ImportStatus;
	processedRows: number;
	totalRows: number | null;
	/** 0–100 while importing (rows read of the rows validated); null while the total is unknown. */
	percent: number | null;
	validRows: number | null;
	invalidRows: number | null;
	inserted: number | null;
	updated: number | null;
	failure: string | null;
};

/** What the progress bar polls. */
export async function progress(db: DbOrTx, who: Who, id: string): Promise<Progress | null> {
	if (!UUID.test(id)) return null;
	const [r] = await db
		.select({
			id: imports.id,
			status: imports.status,
			processedRows: imports.processedRows,
			totalRows: imports.totalRows,
			validRows: imports.validRows,
			invalidRows: imports.invalidRows,
			inserted: imports.inserted,
			updated: imports.updated,
			failure: imports.failure
		})
		.from(imports)
		.innerJoin(creditors, eq(creditors.id, imports.creditorId))
		.where(and(eq(imports.id, id), access.where.upload(who)));
	if (!r) return null;
	return { ...r, percent: percentOf(r.status, r.processedRows, r.totalRows) };
}

export function percentOf(status: ImportStatus, processed: number, total: number | null): number | null {
	if (status === 'done') return 100;
	if (status !== 'importing' || !total) return null;
	return Math.min(100, Math.floor((processed / total) * 100));
}

/**
 * "Importar": hands a validated upload to the worker. With invalid rows the person must say
 * that only the valid ones go in (the CLI's --skip-invalid); otherwise nothing would.
 */
export async function requestCommit(
	tx: DbOrTx,
	who: Who,
	id: string,
	input: { skipInvalid: boolean; updateShared?: boolean; ip?: string | null }
): Promise<Result<object>> {
	const updateShared = input.updateShared === true;
	if (updateShared && !can(who, 'update_shared_debtors')) {
		return { ok: false, status: 403, message: 'Só a administração da assessoria pode alterar nome e contatos de devedores que também devem a outros credores.' };
	}
	if (!UUID.test(id)) return { ok: false, status: 404, message: 'Importação não encontrada.' };
	const [row] = await tx
		.select({ id: imports.id, agencyId: imports.agencyId, status: imports.status, validRows: imports.validRows, invalidRows: imports.invalidRows })
		.from(imports)
		.innerJoin(creditors, eq(creditors.id, imports.creditorId))
		.where(and(eq(imports.id, id), access.where.upload(who)))
		.for('update', { of: imports });
	if (!row) return { ok: false, status: 404, message: 'Importação não encontrada.' };
	if (row.status !== 'validated') {
		const message =
			row.status === 'importing' || row.status === 'done'
				? 'Esta importação já foi enviada para importar.'
				: row.status === 'failed'
					? 'Este arquivo não pode ser importado: corrija-o e envie de novo.'
					: 'O arquivo ainda está sendo validado. Aguarde o relatório.';
		return { ok: false, status: 409, message };
	}
	if (!row.validRows) return { ok: false, status: 400, message: 'Nenhuma linha válida para importar: corrija o arquivo e envie de novo.' };
	if ((row.invalidRows ?? 0) > 0 && !input.skipInvalid) {
		return {
			ok: false,
			status: 400,
			message: `Há ${row.invalidRows!.toLocaleString('pt-BR')} linha(s) com erro. Marque "Importar só as linhas válidas" ou corrija o arquivo e envie de novo.`
		};
	}
	await tx.update(imports).set({ status: 'importing', processedRows: 0, updateShared, updatedAt: new Date() }).where(eq(imports.id, id));
	await audit.record(tx, {
		agencyId: row.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'import.commit',
		entity: 'import',
		entityId: id,
		ip: input.ip ?? null,
		data: { before: { status: row.status }, after: { status: 'importing', skipInvalid: (row.invalidRows ?? 0) > 0, updateShared } }
	});
	return { ok: true };
}

/** The rejected rows' CSV as a stream, or null when out of reach or there are none. */
export async function rejectedCsv(db: DbOrTx, who: Who, id: string): Promise<{ fileName: string; body: ReadableStream<Uint8Array> } | null> {
	const row = await get(db, who, id);
	if (!row || !row.hasRejected) return null;
	const source = rejectedChunks(db, id);
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await source.next();
			if (next.done) controller.close();
			else controller.enqueue(next.value);
		},
		async cancel() {
			await source.return(undefined);
		}
	});
	return { fileName: `rejeitadas-${row.fileName.replace(/\.(csv|txt)$/i, '')}.csv`, body };
}

export const STATUS_LABELS: Record<ImportStatus, string> = {
	uploaded: 'Na fila',
	validating: 'Validando',
	validated: 'Aguardando confirmação',
	importing: 'Importando',
	done: 'Importado',
	failed: 'Falhou'
};
