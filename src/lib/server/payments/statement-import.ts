/**
 * Imports a bank statement (OFX) into the payment lifecycle, for creditors paid by the static
 * BR Code with no PSP to tell us. The file is stored once per agency (SHA-256 of its bytes); its
 * credits are handled in transactions of `batchSize`, each once, keyed by (file, seq), so an
 * import that died half-way resumes and the same file again changes nothing. The same bank entry
 * in two overlapping statements (same account, FITID, day and amount) is handled once.
 *
 * A credit carrying one of our txids is recorded at once (a Pix: its end-to-end id is the external
 * id, so a PSP webhook telling the same Pix is the same payment); an amount alone is only ever
 * proposed to a person in the review queue; debits are ignored.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, between, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client';
import { agreements, creditors, installments, payments, reviewItems, statementFiles, statementLines, type StatementAccount, type StatementOutcome } from '../db/schema';
import * as audit from '../audit';
import { where, type Reach } from '../access';
import { OPEN_INSTALLMENT_STATUSES } from '../../agreements/status';
import { addDays, formatDateBR } from '../../format/dates';
import { formatBRL } from '../../format/money';
import { parseOfx, OfxError, type OfxAccount, type OfxFile, type OfxTransaction } from './ofx/parse';
import { decide, endToEndIds, entryKey, textOf, txidCandidates, DUE_WINDOW_DAYS, type OpenInstallment, type StatementDecision } from './ofx/match';
import { record as recordPayment } from './record';
import { isAgencyCreditor, openBankFile, type BankFileImportInput } from './bank-file';
import * as review from './review';


export const OUTCOMES: StatementOutcome[] = ['recorded', 'known', 'proposed', 'unmatched'];

export const REVIEW_REASONS = {
	amount_match: 'Crédito no extrato com o valor de uma parcela',
	unmatched: 'Crédito no extrato sem parcela correspondente',
	payment_refused: 'Crédito no extrato não lançado'
} as const;

export type StatementLineView = {
	seq: number;
	line: number;
	postedOn: string;
	amountCents: number;
	description: string;
	outcome: StatementOutcome;
	/** For a credit sent to the queue: where the person left it. */
	reviewStatus: 'open' | 'associated' | 'discarded' | null;
	message: string | null;
	/** The installment the money went to (by its txid, or as a person associated it). */
	agreementCode: string | null;
	installmentSeq: number | null;
};

export type StatementReport = {
	fileId: string;
	fileName: string;
	format: 'ofx1' | 'ofx2';
	accounts: StatementAccount[];
	periodStart: string | null;
	periodEnd: string | null;
	status: 'importing' | 'done';
	createdAt: Date;
	creditorId: string | null;
	/** Entries read, of them credits (candidate payments) and debits (ignored). */
	transactions: number;
	credits: number;
	debits: number;
	counts: Record<StatementOutcome, number>;
	recordedCents: number;
	reviewCents: number;
	/** Credits of this file still waiting in the review queue. */
	openReview: number;
	lines: StatementLineView[];
	warnings: string[];
};

export type ImportStatementResult = { ok: true; duplicate: boolean; resumed: boolean; report: StatementReport } | { ok: false; message: string };

export const MAX_MB = 16;
export const MAX_BYTES = MAX_MB * 1024 * 1024;

type Credit = { seq: number; account: OfxAccount; t: OfxTransaction };

export async function importStatement(db: Db, input: BankFileImportInput): Promise<ImportStatementResult> {
	const opened = openBankFile(input.content, { encoding: 'utf8', maxMb: MAX_MB, read: parseOfx, readError: OfxError });
	if (!opened.ok) return opened;
	const { bytes, parsed, sha256 } = opened;
	if (input.creditorId && !(await isAgencyCreditor(db, input.agencyId, input.creditorId))) return { ok: false, message: 'Credor não encontrado.' };
	const all = parsed.statements.flatMap((s) => s.transactions.map((t) => ({ account: s.account, t })));
	const credits: Credit[] = all.filter((x) => x.t.credit).map((x, seq) => ({ seq, ...x }));
	const fileName = input.fileName.replace(/\p{Cc}/gu, '').trim().slice(0, 200) || 'extrato.ofx';
	const dates = parsed.statements.flatMap((s) => [s.start, s.end, ...s.transactions.map((t) => t.postedOn)]).filter((d): d is string => !!d).sort();

	const [created] = await db
		.insert(statementFiles)
		.values({
			agencyId: input.agencyId,
			creditorId: input.creditorId ?? null,
			sha256,
			fileName,
			sizeBytes: bytes.length,
			format: parsed.version === 2 ? 'ofx2' : 'ofx1',
			accounts: parsed.statements.map((s) => ({ bankId: s.account.bankId, branchId: s.account.branchId, accountId: s.account.accountId, start: s.start, end: s.end })),
			periodStart: dates[0] ?? null,
			periodEnd: dates[dates.length - 1] ?? null,
			transactionCount: all.length,
			creditCount: credits.length,
			debitCount: all.length - credits.length,
			warnings: parsed.warnings,
			actorType: input.actor.type,
			importedBy: input.actor.type === 'staff' ? (input.actor.id ?? null) : null
		})
		.onConflictDoNothing({ target: [statementFiles.agencyId, statementFiles.sha256] })
		.returning();
	const file = created ?? (await db.select().from(statementFiles).where(and(eq(statementFiles.agencyId, input.agencyId), eq(statementFiles.sha256, sha256))))[0];
	const reach = { agencyId: input.agencyId, creditorId: input.creditorId ?? null };
	if (!created && file.status === 'done') return { ok: true, duplicate: true, resumed: false, report: (await report(db, file.id, reach))! };

	const size = Math.max(1, Math.min(2_000, input.batchSize ?? 500));
	for (let start = 0; start < credits.length; start += size) {
		await db.transaction((tx) => importBatch(tx, file, credits.slice(start, start + size)));
	}
	await db.transaction(async (tx) => {
		const [done] = await tx
			.update(statementFiles)
			.set({ status: 'done', finishedAt: new Date() })
			.where(and(eq(statementFiles.id, file.id), eq(statementFiles.status, 'importing')))
			.returning({ id: statementFiles.id });
		if (!done) return;
		await audit.record(tx, {
			agencyId: input.agencyId,
			actorType: input.actor.type,
			actorId: input.actor.id ?? null,
			action: 'statement_file.import',
			entity: 'statement_file',
			entityId: file.id,
			ip: input.ip ?? null,
			data: { fileName, sha256, creditorId: file.creditorId, accounts: file.accounts, transactions: all.length, credits: credits.length, counts: await countsOf(tx, file.id), resumed: !created }
		});
	});
	return { ok: true, duplicate: false, resumed: !created, report: (await report(db, file.id, reach))! };
}

type FileRow = typeof statementFiles.$inferSelect;

async function importBatch(tx: Tx, file: FileRow, batch: Credit[]): Promise<void> {
	// One statement import per agency at a time: overlapping statements see each other's entries.
	await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${'statement_import:' + file.agencyId}, 0))`);
	const handled = new Set(
		(await tx.select({ seq: statementLines.seq }).from(statementLines).where(and(eq(statementLines.fileId, file.id), inArray(statementLines.seq, batch.map((c) => c.seq))))).map((r) => r.seq)
	);
	const todo = batch.filter((c) => !handled.has(c.seq));
	if (todo.length === 0) return;
	const scope: Reach = { agencyId: file.agencyId, creditorId: file.creditorId };
	const ids = new Map(todo.map((c) => {
		const text = textOf(c.t);
		return [c.seq, { key: entryKey(c.t), e2e: endToEndIds(text)[0] ?? null, txids: txidCandidates(text) }];
	}));

	// Earlier sightings of the same entries.
	const keys = [...new Set([...ids.values()].map((x) => x.key))];
	const seen = new Map<string, string>();
	for (const r of await tx
		.select({ id: statementLines.id, bankId: statementLines.bankId, accountId: statementLines.accountId, key: statementLines.entryKey })
		.from(statementLines)
		.where(and(eq(statementLines.agencyId, file.agencyId), inArray(statementLines.entryKey, keys), isNull(statementLines.repeats)))) {
		seen.set(`${r.bankId}|${r.accountId}|${r.key}`, r.id);
	}

	// Our txids (the static code's or a PSP charge's) named in the text, in scope.
	const tokens = [...new Set([...ids.values()].flatMap((x) => x.txids))];
	const byToken = new Map<string, { id: string; creditorId: string }>();
	if (tokens.length > 0) {
		for (const r of await tx
			.select({ id: installments.id, creditorId: agreements.creditorId, txid: installments.txid, pspTxid: installments.pspTxid })
			.from(installments)
			.innerJoin(agreements, eq(agreements.id, installments.agreementId))
			.where(and(or(inArray(installments.txid, tokens), inArray(installments.pspTxid, tokens)), where.creditorId(scope, agreements.creditorId)))) {
			if (tokens.includes(r.txid)) byToken.set(r.txid, r);
			if (r.pspTxid && tokens.includes(r.pspTxid)) byToken.set(r.pspTxid, r);
		}
	}

	// Pix already recorded under their end-to-end id, from any source.
	const e2es = [...new Set([...ids.values()].map((x) => x.e2e).filter((x): x is string => !!x))];
	const known = new Map<string, { id: string; installmentId: string }>();
	if (e2es.length > 0) {
		for (const p of await tx
			.select({ id: payments.id, installmentId: payments.installmentId, externalId: payments.externalId })
			.from(payments)
			.innerJoin(installments, eq(installments.id, payments.installmentId))
			.innerJoin(agreements, eq(agreements.id, installments.agreementId))
			.where(and(inArray(payments.externalId, e2es), where.creditorId(scope, agreements.creditorId)))) {
			known.set(p.externalId!, p);
		}
	}

	// Pix the PSP already handed to a person (the review queue): the same money, not a second item.
	const queued = new Set<string>();
	if (e2es.length > 0) {
		for (const r of await tx
			.select({ externalId: reviewItems.externalId })
			.from(reviewItems)
			.where(and(eq(reviewItems.agencyId, file.agencyId), inArray(reviewItems.externalId, e2es)))) {
			queued.add(r.externalId!);
		}
	}

	// Open installments whose open amount is one of the credits', due near the days: proposals.
	const amounts = [...new Set(todo.map((c) => c.t.amountCents))];
	const days = todo.map((c) => c.t.postedOn).sort();
	const openCents = sql<number>`(${installments.amountCents} - coalesce(${installments.paidCents}, 0))`;
	const open: OpenInstallment[] = (
		await tx
			.select({ id: installments.id, creditorId: agreements.creditorId, agreementCode: agreements.code, seq: installments.seq, dueDate: installments.dueDate, openCents })
			.from(installments)
			.innerJoin(agreements, eq(agreements.id, installments.agreementId))
			.where(
				and(
					where.creditorId(scope, agreements.creditorId),
					eq(agreements.status, 'active'),
					inArray(installments.status, [...OPEN_INSTALLMENT_STATUSES]),
					isNull(installments.supersededBy),
					inArray(openCents, amounts),
					between(installments.dueDate, addDays(days[0], -DUE_WINDOW_DAYS), addDays(days[days.length - 1], DUE_WINDOW_DAYS))
				)
			)
			.orderBy(asc(installments.dueDate))
			.limit(5_000)
	).map((r) => ({ ...r, openCents: Number(r.openCents) }));

	const lineRows: (typeof statementLines.$inferInsert)[] = [];
	const reviewRows: review.NewReviewItem[] = [];
	const actor = { type: file.actorType === 'staff' ? ('staff' as const) : file.actorType, id: file.importedBy };
	// Installments an earlier credit of this batch paid: no longer open for a proposal.
	const paidNow = new Set<string>();
	for (const c of todo) {
		const { key, e2e, txids } = ids.get(c.seq)!;
		const { t, account } = c;
		const id = randomUUID();
		const base = {
			id,
			fileId: file.id,
			seq: c.seq,
			line: t.line,
			agencyId: file.agencyId,
			bankId: account.bankId,
			accountId: account.accountId,
			entryKey: key,
			fitId: t.fitId,
			trnType: t.trnType,
			postedOn: t.postedOn,
			amountCents: t.amountCents,
			name: t.name,
			memo: t.memo,
			refNum: t.refNum,
			endToEndId: e2e
		};
		const seenKey = `${account.bankId}|${account.accountId}|${key}`;
		const earlier = seen.get(seenKey);
		if (earlier) {
			lineRows.push({ ...base, outcome: 'known', repeats: earlier, message: 'Lançamento já lido em outro extrato desta conta.' });
			continue;
		}
		seen.set(seenKey, id);
		const byTxid = [...new Map(txids.map((x) => byToken.get(x)).filter((x) => !!x).map((x) => [x!.id, x!])).values()];
		let d: StatementDecision = decide(t, { account, endToEndId: e2e, byTxid, knownPayment: e2e ? (known.get(e2e) ?? null) : null, open: open.filter((i) => !paidNow.has(i.id)) });
		if (d.action === 'known') {
			lineRows.push({ ...base, outcome: 'known', installmentId: d.installmentId, paymentId: d.paymentId, message: 'Pix já lançado por outro caminho (PSP ou lançamento manual): não foi lançado de novo.' });
			continue;
		}
		if ((d.action === 'propose' || d.action === 'unmatched') && e2e && queued.has(e2e)) {
			lineRows.push({ ...base, outcome: 'known', message: 'Pix já na fila de pendências, avisado pelo PSP: não entrou de novo.' });
			continue;
		}
		let refused: string | null = null;
		if (d.action === 'record') {
			const result = await recordPayment(tx, {
				installmentId: d.installment.id,
				amountCents: t.amountCents,
				paidAt: new Date(`${t.postedOn}T12:00:00-03:00`),
				method: 'pix',
				source: 'statement',
				externalId: d.externalId,
				proof: `${file.fileName}, linha ${t.line}`,
				actor,
				channel: 'portal'
			});
			if (result.ok) {
				if (e2e) known.set(e2e, { id: result.payment.id, installmentId: d.installment.id });
				paidNow.add(d.installment.id);
				let message: string | null = result.duplicate ? 'Pagamento já lançado antes: não foi lançado de novo.' : null;
				if (!result.duplicate && result.creditedCents > 0) message = `Valor acima do aberto ou parcela que não aceita pagamento: ${formatBRL(result.creditedCents)} viraram crédito nas dívidas.`;
				else if (!result.duplicate && result.installment.status === 'partially_paid') message = `Pago em parte: faltam ${formatBRL(result.installment.openCents)}.`;
				lineRows.push({ ...base, outcome: result.duplicate ? 'known' : 'recorded', installmentId: d.installment.id, paymentId: result.payment.id, message });
				continue;
			}
			refused = result.message;
			d = { action: 'unmatched', externalId: d.externalId, endToEndId: d.endToEndId };
		}
		const proposal = d.action === 'propose' ? d.candidates : [];
		const creditorsOf = [...new Set(proposal.map((p) => p.creditorId))];
		const reason = refused ? 'payment_refused' : d.action === 'propose' ? 'amount_match' : 'unmatched';
		const day = formatDateBR(t.postedOn);
		const message = refused
			? `Crédito de ${formatBRL(t.amountCents)} em ${day} com o txid de uma parcela, mas não lançado: ${refused}`
			: proposal.length > 0
				? `Crédito de ${formatBRL(t.amountCents)} em ${day} sem identificação do pagador, com o valor em aberto de ${proposal
						.slice(0, 3)
						.map((p) => `${p.agreementCode} parcela ${p.seq} (vence ${formatDateBR(p.dueDate)})`)
						.join(', ')}${proposal.length > 3 ? ` e mais ${proposal.length - 3}` : ''}. Confira quem pagou antes de associar.`
				: `Crédito de ${formatBRL(t.amountCents)} em ${day} que não casa com nenhuma parcela em aberto. Associe à parcela certa ou descarte com o motivo (se não for pagamento de devedor).`;
		const reviewId = randomUUID();
		reviewRows.push({
			id: reviewId,
			agencyId: file.agencyId,
			creditorId: creditorsOf.length === 1 ? creditorsOf[0] : file.creditorId,
			source: 'ofx',
			sourceRef: id,
			reason,
			message,
			amountCents: t.amountCents,
			paidOn: t.postedOn,
			reference: describe(t).slice(0, 120) || null,
			payerDocument: null,
			payerName: null,
			method: e2e || /\bpix\b/i.test(textOf(t)) ? 'pix' : 'manual',
			externalId: d.externalId,
			installmentId: proposal.length === 1 ? proposal[0].id : null,
			details: {
				fileId: file.id,
				fileName: file.fileName,
				line: t.line,
				bankId: account.bankId,
				branchId: account.branchId,
				accountId: account.accountId,
				fitId: t.fitId,
				trnType: t.trnType,
				name: t.name,
				memo: t.memo,
				refNum: t.refNum,
				endToEndId: e2e,
				reasonLabel: REVIEW_REASONS[reason],
				proposals: proposal.slice(0, 10).map((p) => ({ installmentId: p.id, agreementCode: p.agreementCode, seq: p.seq, dueDate: p.dueDate }))
			}
		});
		lineRows.push({ ...base, outcome: proposal.length > 0 ? 'proposed' : 'unmatched', reviewItemId: reviewId, installmentId: proposal.length === 1 ? proposal[0].id : null, message });
	}
	// The queue first: the lines point at its items.
	for (let k = 0; k < reviewRows.length; k += 1_000) await review.enqueue(tx, reviewRows.slice(k, k + 1_000));
	for (let k = 0; k < lineRows.length; k += 1_000) await tx.insert(statementLines).values(lineRows.slice(k, k + 1_000));
}

/** What a person reads of an entry: the payer's name and the bank's history. */
function describe(t: Pick<OfxTransaction, 'name' | 'memo'>): string {
	return [t.name, t.memo].filter(Boolean).join(' · ');
}

async function countsOf(db: DbOrTx, fileId: string): Promise<Record<StatementOutcome, number>> {
	const rows = await db.select({ outcome: statementLines.outcome, n: sql<number>`count(*)::int` }).from(statementLines).where(eq(statementLines.fileId, fileId)).groupBy(statementLines.outcome);
	const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<StatementOutcome, number>;
	for (const r of rows) counts[r.outcome] = r.n;
	return counts;
}

/** Files in reach: a scoped principal sees the files imported for its creditor. */
function filesInReach(r: Reach) {
	return and(eq(statementFiles.agencyId, r.agencyId), r.creditorId ? eq(statementFiles.creditorId, r.creditorId) : undefined);
}

/** A file's report, from what was stored: the same after a resumed import or on a later visit. */
export async function report(db: DbOrTx, fileId: string, r: Reach): Promise<StatementReport | null> {
	const [file] = await db.select().from(statementFiles).where(and(eq(statementFiles.id, fileId), filesInReach(r)));
	if (!file) return null;
	const counts = await countsOf(db, fileId);
	const rows = await db
		.select({
			seq: statementLines.seq,
			line: statementLines.line,
			postedOn: statementLines.postedOn,
			amountCents: statementLines.amountCents,
			name: statementLines.name,
			memo: statementLines.memo,
			outcome: statementLines.outcome,
			message: statementLines.message,
			reviewStatus: reviewItems.status,
			agreementCode: agreements.code,
			installmentSeq: installments.seq
		})
		.from(statementLines)
		.leftJoin(reviewItems, eq(reviewItems.id, statementLines.reviewItemId))
		// A proposal names an installment, but the money went there only if a person associated it.
		.leftJoin(
			installments,
			sql`${installments.id} = case when ${statementLines.outcome} in ('recorded', 'known') then ${statementLines.installmentId} when ${reviewItems.status} = 'associated' then ${reviewItems.installmentId} end`
		)
		.leftJoin(agreements, eq(agreements.id, installments.agreementId))
		.where(eq(statementLines.fileId, fileId))
		.orderBy(asc(statementLines.seq))
		.limit(1_000);
	const sum = (o: StatementOutcome[]) => rows.filter((x) => o.includes(x.outcome)).reduce((s, x) => s + Number(x.amountCents), 0);
	return {
		fileId,
		fileName: file.fileName,
		format: file.format,
		accounts: file.accounts,
		periodStart: file.periodStart,
		periodEnd: file.periodEnd,
		status: file.status,
		createdAt: file.createdAt,
		creditorId: file.creditorId,
		transactions: file.transactionCount,
		credits: file.creditCount,
		debits: file.debitCount,
		counts,
		recordedCents: sum(['recorded']),
		reviewCents: sum(['proposed', 'unmatched']),
		openReview: rows.filter((x) => x.reviewStatus === 'open').length,
		lines: rows.map((x) => ({
			seq: x.seq,
			line: x.line,
			postedOn: x.postedOn,
			amountCents: Number(x.amountCents),
			description: describe(x),
			outcome: x.outcome,
			reviewStatus: x.reviewStatus,
			message: x.message,
			agreementCode: x.agreementCode,
			installmentSeq: x.installmentSeq
		})),
		warnings: file.warnings
	};
}

/** The statements imported in reach, newest first, with their counts. */
export async function listFiles(db: DbOrTx, r: Reach, limit = 100) {
	const count = (o: StatementOutcome) => sql<number>`(select count(*) from statement_lines l where l.file_id = ${statementFiles.id} and l.outcome = ${o})::int`;
	return db
		.select({
			id: statementFiles.id,
			fileName: statementFiles.fileName,
			accounts: statementFiles.accounts,
			periodStart: statementFiles.periodStart,
			periodEnd: statementFiles.periodEnd,
			status: statementFiles.status,
			transactions: statementFiles.transactionCount,
			credits: statementFiles.creditCount,
			creditorName: creditors.displayName,
			createdAt: statementFiles.createdAt,
			recorded: count('recorded'),
			known: count('known'),
			/** Credits still waiting in the review queue (a person may have resolved some since). */
			toReview: sql<number>`(select count(*) from statement_lines l join review_items r on r.id = l.review_item_id where l.file_id = ${statementFiles.id} and r.status = 'open')::int`
		})
		.from(statementFiles)
		.leftJoin(creditors, eq(creditors.id, statementFiles.creditorId))
		.where(filesInReach(r))
		.orderBy(sql`${statementFiles.createdAt} desc`)
		.limit(limit);
}
