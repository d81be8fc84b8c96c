/**
 * Imports a bank return file into the payment lifecycle. The file is stored once per agency
 * (SHA-256 of its bytes) and its records are handled in transactions of `batchSize`: each
 * record once, keyed by (file, line), so an import that died half-way resumes where it stopped
 * and the same file again changes nothing. Payments go through `record()` with an external id
 * that names the bank payment, so the same payment in two files is recorded once.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client';
import { agreements, boletoRegistrations, creditors, installments, payments, returnFiles, returnRecords, type ReturnOutcome } from '../db/schema';
import * as audit from '../audit';
import { parseRetorno, CnabError, type RetornoFile, type RetornoRecord } from './cnab/retorno';
import { record as recordPayment } from './record';
import { isAgencyCreditor, openBankFile, type BankFileImportInput } from './bank-file';
import { inLanes } from '../db/lanes';
import * as review from './review';
import { decide, nossoNumeroKeys, REVIEW_REASONS, type Candidate, type Decision } from './retorno/rules';

export type ImportRetornoInput = BankFileImportInput & { onProgress?: (p: { done: number; total: number }) => void };

export type RetornoReport = {
	fileId: string;
	fileName: string;
	format: 'cnab240' | 'cnab400';
	bankCode: string;
	bankName: string | null;
	generatedOn: string | null;
	status: 'importing' | 'done';
	createdAt: Date;
	records: number;
	counts: Record<ReturnOutcome, number>;
	/** Cents recorded as payments by this file, and cents waiting in the review queue. */
	paidCents: number;
	reviewCents: number;
	review: { line: number; nossoNumero: string; movement: string; amountCents: number; message: string }[];
	rejected: { line: number; nossoNumero: string; reasons: string[] }[];
	warnings: string[];
};

export type ImportRetornoResult =
	| { ok: true; duplicate: boolean; resumed: boolean; report: RetornoReport }
	| { ok: false; message: string };

const OUTCOMES: ReturnOutcome[] = ['paid', 'duplicate', 'registered', 'rejected', 'written_off', 'review', 'ignored'];
const MAX_MB = 64;

export async function importRetorno(db: Db, input: ImportRetornoInput): Promise<ImportRetornoResult> {
	const opened = openBankFile(input.content, { encoding: 'latin1', maxMb: MAX_MB, read: parseRetorno, readError: CnabError });
	if (!opened.ok) return opened;
	const { bytes, parsed, sha256 } = opened;
	if (input.creditorId && !(await isAgencyCreditor(db, input.agencyId, input.creditorId))) return { ok: false, message: 'Credor não encontrado.' };
	const fileName = input.fileName.trim().slice(0, 200) || 'retorno';

	const [created] = await db
		.insert(returnFiles)
		.values({
			agencyId: input.agencyId,
			creditorId: input.creditorId ?? null,
			sha256,
			fileName,
			sizeBytes: bytes.length,
			format: parsed.format,
			bankCode: parsed.bankCode,
			bankName: parsed.bankName ?? null,
			generatedOn: parsed.generatedOn ?? null,
			fileSequence: parsed.fileSequence ?? null,
			company: parsed.company,
			recordCount: parsed.records.length,
			warnings: parsed.warnings,
			actorType: input.actor.type,
			importedBy: input.actor.type === 'staff' ? (input.actor.id ?? null) : null
		})
		.onConflictDoNothing({ target: [returnFiles.agencyId, returnFiles.sha256] })
		.returning();
	const file = created ?? (await db.select().from(returnFiles).where(and(eq(returnFiles.agencyId, input.agencyId), eq(returnFiles.sha256, sha256))))[0];
	if (!created && file.status === 'done') return { ok: true, duplicate: true, resumed: false, report: (await report(db, file.id))! };

	const size = Math.max(1, Math.min(5_000, input.batchSize ?? 1_000));
	const ctx = { file, parsed, scope: { agencyId: input.agencyId, creditorId: file.creditorId } };
	for (let start = 0; start < parsed.records.length; start += size) {
		await db.transaction((tx) => importBatch(tx, ctx, parsed.records.slice(start, start + size)));
		input.onProgress?.({ done: Math.min(start + size, parsed.records.length), total: parsed.records.length });
	}
	await db.transaction(async (tx) => {
		const [done] = await tx
			.update(returnFiles)
			.set({ status: 'done', finishedAt: new Date() })
			.where(and(eq(returnFiles.id, file.id), eq(returnFiles.status, 'importing')))
			.returning({ id: returnFiles.id });
		if (!done) return;
		const counts = await countsOf(tx, file.id);
		await audit.record(tx, {
			agencyId: input.agencyId,
			actorType: input.actor.type,
			actorId: input.actor.id ?? null,
			action: 'return_file.import',
			entity: 'return_file',
			entityId: file.id,
			ip: input.ip ?? null,
			data: { fileName, sha256, bankCode: parsed.bankCode, format: parsed.format, records: parsed.records.length, counts, resumed: !created }
		});
	});
	return { ok: true, duplicate: false, resumed: !created, report: (await report(db, file.id))! };
}

// Agreements whose payments are recorded at once within a batch's transaction (pipelined on its connection).
const PAYMENT_LANES = 16;

type FileRow = typeof returnFiles.$inferSelect;
type Ctx = { file: FileRow; parsed: RetornoFile; scope: { agencyId: string; creditorId: string | null } };

async function importBatch(tx: Tx, ctx: Ctx, batch: RetornoRecord[]): Promise<void> {
	const { file, parsed } = ctx;
	// One importer per file at a time: a second one waits, then skips what the first handled.
	await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${'return_file:' + file.id}, 0))`);
	const lines = batch.map((r) => r.line);
	const handled = new Set((await tx.select({ line: returnRecords.line }).from(returnRecords).where(and(eq(returnRecords.fileId, file.id), inArray(returnRecords.line, lines)))).map((r) => r.line));
	const todo = batch.filter((r) => !handled.has(r.line));
	if (todo.length === 0) return;

	const keysOf = new Map(todo.map((r) => [r.line, nossoNumeroKeys(parsed.bankCode, r.nossoNumeroDigits)]));
	const allKeys = [...new Set([...keysOf.values()].flat())];
	const byKey = new Map<string, Candidate[]>();
	if (allKeys.length > 0) {
		const key = sql<string>`ltrim(${installments.nossoNumero}, '0')`;
		const rows = await tx
			.select({
				key,
				id: installments.id,
				creditorId: agreements.creditorId,
				agreementId: installments.agreementId,
				agreementStatus: agreements.status,
				status: installments.status,
				supersededBy: installments.supersededBy,
				amountCents: installments.amountCents,
				paidCents: installments.paidCents,
				nossoNumero: installments.nossoNumero,
				boletoAgency: installments.boletoAgency,
				boletoAccount: installments.boletoAccount,
				dueDate: installments.dueDate
			})
			.from(installments)
			.innerJoin(agreements, eq(agreements.id, installments.agreementId))
			.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
			.where(
				and(
					inArray(key, allKeys),
					eq(installments.boletoBankCode, parsed.bankCode),
					eq(creditors.agencyId, ctx.scope.agencyId),
					ctx.scope.creditorId ? eq(agreements.creditorId, ctx.scope.creditorId) : undefined
				)
			)
			.orderBy(asc(installments.id));
		for (const { key: k, ...c } of rows) byKey.set(k, [...(byKey.get(k) ?? []), c]);
	}

	const decisions = todo.map((r) => {
		const keys = keysOf.get(r.line)!;
		// The most specific form that names an installment wins (BB: the sequence inside convênio + sequence).
		const candidates = keys.map((k) => byKey.get(k) ?? []).find((c) => c.length > 0) ?? [];
		return { record: r, candidates };
	});
	const externalIds = new Set<string>();
	const recorded = new Set<string>();
	const pending = decisions.map(({ record, candidates }) => decide(record, { bankCode: parsed.bankCode, fileDate: parsed.generatedOn, account: parsed.company, candidates, recorded }));
	for (const d of pending) if ('externalId' in d && d.externalId) externalIds.add(d.externalId);
	if (externalIds.size > 0) {
		for (const p of await tx.select({ externalId: payments.externalId }).from(payments).where(and(eq(payments.source, 'return_file'), inArray(payments.externalId, [...externalIds])))) {
			recorded.add(p.externalId!);
		}
	}

	// Decided again now that the ids recorded before are known; a payment counts as recorded from
	// here on, so the same money twice in this batch is a duplicate whatever its first's fate.
	const final = decisions.map(({ record, candidates }) => {
		const d = decide(record, { bankCode: parsed.bankCode, fileDate: parsed.generatedOn, account: parsed.company, candidates, recorded });
		if (d.action === 'pay') recorded.add(d.externalId);
		return { record, d };
	});
	// The payments, one lane per agreement, pipelined (each is still the lifecycle's own transaction logic).
	const paid = new Map<number, Awaited<ReturnType<typeof recordPayment>>>();
	const toPay = final.filter((x): x is { record: RetornoRecord; d: Extract<Decision, { action: 'pay' }> } => x.d.action === 'pay');
	await inLanes(toPay, (x) => x.d.installment.agreementId, PAYMENT_LANES, async ({ record, d }) => {
		const result = await recordPayment(tx, {
			installmentId: d.installment.id,
			amountCents: d.amountCents,
			paidAt: new Date(`${d.paidOn}T12:00:00-03:00`),
			method: 'boleto',
			source: 'return_file',
			externalId: d.externalId,
			proof: `${file.fileName}, linha ${record.line}`,
			actor: { type: ctx.file.actorType === 'staff' ? 'staff' : ctx.file.actorType, id: ctx.file.importedBy },
			channel: 'portal'
		});
		paid.set(record.line, result);
	});

	const recordRows: (typeof returnRecords.$inferInsert)[] = [];
	const reviewRows: review.NewReviewItem[] = [];
	const registrations = new Map<string, typeof boletoRegistrations.$inferInsert>();
	for (const { record, d: decided } of final) {
		let d: Decision = decided;
		const id = randomUUID();
		let outcome: ReturnOutcome;
		let message: string | null = null;
		let paymentId: string | null = null;
		if (d.action === 'pay') {
			const result = paid.get(record.line)!;
			if (!result.ok) {
				d = { action: 'review', reason: 'payment_refused', message: `${record.movement.code} – ${record.movement.label}: ${result.message}`, installment: d.installment, externalId: d.externalId, paidOn: d.paidOn };
			} else {
				paymentId = result.payment.id;
				outcome = result.duplicate ? 'duplicate' : 'paid';
				if (!result.duplicate && result.appliedCents < d.amountCents) message = 'Valor acima do aberto: o excedente virou crédito nas dívidas.';
				else if (!result.duplicate && result.installment.status === 'partially_paid') message = `Pago em parte: faltam ${result.installment.openCents} centavos.`;
			}
		}
		if (d.action === 'note') {
			outcome = 'ignored';
			message = `${record.movement.code} – ${record.movement.label}`;
		} else if (d.action === 'duplicate') {
			outcome = 'duplicate';
			message = 'Pagamento já lançado por outro arquivo.';
		} else if (d.action === 'registration') {
			outcome = d.status;
			registrations.set(d.installment.id, {
				installmentId: d.installment.id,
				creditorId: d.installment.creditorId,
				// The bank confirming the entry is the registration's 'confirmed' (payments/registration.ts).
				status: d.status === 'registered' ? 'confirmed' : d.status,
				confirmedAt: d.status === 'registered' ? new Date() : null,
				movementCode: record.movement.code,
				movementLabel: record.movement.label,
				reasons: record.movement.reasons,
				occurredOn: record.occurredOn ?? null,
				recordId: id,
				updatedAt: new Date()
			});
			if (d.status === 'rejected') message = record.movement.reasons.join('; ') || null;
		} else if (d.action === 'review') {
			outcome = 'review';
			message = d.message;
			const installment = d.installment;
			reviewRows.push({
				agencyId: ctx.scope.agencyId,
				creditorId: installment?.creditorId ?? ctx.scope.creditorId,
				source: 'return_file',
				sourceRef: `${file.id}:${record.line}`,
				reason: d.reason,
				message: d.message,
				amountCents: record.paidCents,
				paidOn: d.paidOn ?? record.occurredOn ?? record.creditedOn ?? null,
				reference: record.nossoNumero,
				payerDocument: record.payer?.document ?? null,
				payerName: record.payer?.name ?? null,
				method: 'boleto',
				externalId: d.externalId ?? (record.paidCents > 0 ? `boleto:${parsed.bankCode}:${record.nossoNumeroDigits.replace(/^0+/, '')}:${record.occurredOn ?? record.creditedOn ?? parsed.generatedOn ?? ''}:${record.paidCents}` : null),
				installmentId: installment?.id ?? null,
				details: {
					fileId: file.id,
					fileName: file.fileName,
					line: record.line,
					bankCode: parsed.bankCode,
					movement: { code: record.movement.code, kind: record.movement.kind, label: record.movement.label, reasons: record.movement.reasons },
					reasonLabel: REVIEW_REASONS[d.reason],
					faceValueCents: record.faceValueCents,
					dueDate: record.dueDate ?? null,
					documentNumber: record.documentNumber ?? null,
					companyReference: record.companyReference ?? null
				}
			});
		}
		recordRows.push({
			id,
			fileId: file.id,
			line: record.line,
			nossoNumero: record.nossoNumero,
			movementCode: record.movement.code,
			movementKind: record.movement.kind,
			movementLabel: record.movement.label,
			reasons: record.movement.reasons,
			paidCents: record.paidCents,
			faceValueCents: record.faceValueCents,
			occurredOn: record.occurredOn ?? null,
			creditedOn: record.creditedOn ?? null,
			installmentId: 'installment' in d && d.installment ? d.installment.id : null,
			paymentId,
			outcome: outcome!,
			message
		});
	}
	// Records before what points at them; in slices to stay under the parameter limit.
	for (let k = 0; k < recordRows.length; k += 2_000) await tx.insert(returnRecords).values(recordRows.slice(k, k + 2_000));
	for (let k = 0; k < reviewRows.length; k += 1_000) await review.enqueue(tx, reviewRows.slice(k, k + 1_000));
	if (registrations.size > 0) {
		const set = Object.fromEntries(
			(['status', 'movement_code', 'movement_label', 'reasons', 'occurred_on', 'record_id', 'updated_at'] as const).map((c) => [c, sql.raw(`excluded.${c}`)])
		);
		const confirmedAt = sql.raw('coalesce(boleto_registrations.confirmed_at, excluded.confirmed_at)');
		await tx
			.insert(boletoRegistrations)
			.values([...registrations.values()])
			.onConflictDoUpdate({
				target: boletoRegistrations.installmentId,
				set: { status: set.status, confirmedAt, movementCode: set.movement_code, movementLabel: set.movement_label, reasons: set.reasons, occurredOn: set.occurred_on, recordId: set.record_id, updatedAt: set.updated_at }
			});
	}
}

async function countsOf(db: DbOrTx, fileId: string): Promise<Record<ReturnOutcome, number>> {
	const rows = await db.select({ outcome: returnRecords.outcome, n: sql<number>`count(*)::int` }).from(returnRecords).where(eq(returnRecords.fileId, fileId)).groupBy(returnRecords.outcome);
	const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<ReturnOutcome, number>;
	for (const r of rows) counts[r.outcome] = r.n;
	return counts;
}

/** A file's report, from what was stored: the same after a resumed import or on a later visit. */
export async function report(db: DbOrTx, fileId: string, scope?: { agencyId: string }): Promise<RetornoReport | null> {
	const [file] = await db.select().from(returnFiles).where(and(eq(returnFiles.id, fileId), scope ? eq(returnFiles.agencyId, scope.agencyId) : undefined));
	if (!file) return null;
	const counts = await countsOf(db, fileId);
	const [sums] = await db
		.select({
			paid: sql<number>`coalesce(sum(${returnRecords.paidCents}) filter (where ${returnRecords.outcome} = 'paid'), 0)::int8`,
			review: sql<number>`coalesce(sum(${returnRecords.paidCents}) filter (where ${returnRecords.outcome} = 'review'), 0)::int8`
		})
		.from(returnRecords)
		.where(eq(returnRecords.fileId, fileId));
	const reviewRows = await db
		.select({ line: returnRecords.line, nossoNumero: returnRecords.nossoNumero, code: returnRecords.movementCode, label: returnRecords.movementLabel, amountCents: returnRecords.paidCents, message: returnRecords.message })
		.from(returnRecords)
		.where(and(eq(returnRecords.fileId, fileId), eq(returnRecords.outcome, 'review')))
		.orderBy(asc(returnRecords.line))
		.limit(500);
	const rejectedRows = await db
		.select({ line: returnRecords.line, nossoNumero: returnRecords.nossoNumero, reasons: returnRecords.reasons })
		.from(returnRecords)
		.where(and(eq(returnRecords.fileId, fileId), eq(returnRecords.outcome, 'rejected')))
		.orderBy(asc(returnRecords.line))
		.limit(500);
	return {
		fileId,
		fileName: file.fileName,
		format: file.format,
		bankCode: file.bankCode,
		bankName: file.bankName,
		generatedOn: file.generatedOn,
		status: file.status,
		createdAt: file.createdAt,
		records: file.recordCount,
		counts,
		paidCents: Number(sums.paid),
		reviewCents: Number(sums.review),
		review: reviewRows.map((r) => ({ line: r.line, nossoNumero: r.nossoNumero, movement: `${r.code} – ${r.label}`, amountCents: Number(r.amountCents), message: r.message ?? '' })),
		rejected: rejectedRows,
		warnings: file.warnings
	};
}

/** The files an agency imported, newest first, with their counts. */
export async function listFiles(db: DbOrTx, scope: { agencyId: string; creditorId: string | null }, limit = 100) {
	const rows = await db
		.select({
			id: returnFiles.id,
			fileName: returnFiles.fileName,
			bankCode: returnFiles.bankCode,
			bankName: returnFiles.bankName,
			format: returnFiles.format,
			status: returnFiles.status,
			records: returnFiles.recordCount,
			createdAt: returnFiles.createdAt,
			paid: sql<number>`(select count(*) from return_records r where r.file_id = ${returnFiles.id} and r.outcome = 'paid')::int`,
			review: sql<number>`(select count(*) from return_records r where r.file_id = ${returnFiles.id} and r.outcome = 'review')::int`
		})
		.from(returnFiles)
		.where(and(eq(returnFiles.agencyId, scope.agencyId), scope.creditorId ? eq(returnFiles.creditorId, scope.creditorId) : undefined))
		.orderBy(sql`${returnFiles.createdAt} desc`)
		.limit(limit);
	return rows;
}
