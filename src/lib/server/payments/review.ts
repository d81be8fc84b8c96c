/**
 * The review queue: money or bank messages no rule could place (a return file's record that
 * matches nothing, a payment for a withdrawn slip, an unknown movement code; later Pix and OFX).
 * Nothing here is counted as paid until a person associates it with an installment, which records
 * the payment through `record()`, or discards it with a reason. Both are audited.
 */
import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { agreements, creditors, debtors, installments, reviewItems, type PaymentSource, type ReviewSource } from '../db/schema';
import * as audit from '../audit';
import { where, type Reach } from '../access';
import { record } from './record';
import { OPEN_INSTALLMENT_STATUSES } from '../../agreements/status';
import { addDays } from '../../format/dates';

export type ReviewItem = typeof reviewItems.$inferSelect;
export type NewReviewItem = Omit<typeof reviewItems.$inferInsert, 'status' | 'createdAt' | 'resolvedAt' | 'resolvedBy' | 'resolutionNote' | 'paymentId'>;

/** Adds items; one per (source, source ref): enqueuing the same again changes nothing. */
export async function enqueue(tx: DbOrTx, items: NewReviewItem[]): Promise<number> {
	if (items.length === 0) return 0;
	const rows = await tx.insert(reviewItems).values(items).onConflictDoNothing({ target: [reviewItems.source, reviewItems.sourceRef] }).returning({ id: reviewItems.id });
	return rows.length;
}

/** Items in reach: a scoped principal sees its creditor's; items of no creditor are the agency's. */
function inReach(r: Reach) {
	const own = where.creditorId(r, reviewItems.creditorId);
	return and(eq(reviewItems.agencyId, r.agencyId), r.creditorId ? own : or(isNull(reviewItems.creditorId), own));
}

export async function list(db: DbOrTx, r: Reach, opts: { status?: ReviewItem['status']; limit?: number } = {}) {
	const status = opts.status ?? 'open';
	return db
		.select()
		.from(reviewItems)
		.where(and(inReach(r), eq(reviewItems.status, status)))
		.orderBy(status === 'open' ? asc(reviewItems.createdAt) : desc(reviewItems.resolvedAt), asc(reviewItems.id))
		.limit(opts.limit ?? 200);
}

export async function count(db: DbOrTx, r: Reach): Promise<number> {
	const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(reviewItems).where(and(inReach(r), eq(reviewItems.status, 'open')));
	return row.n;
}

export async function get(db: DbOrTx, r: Reach, id: string): Promise<ReviewItem | null> {
	const [row] = await db.select().from(reviewItems).where(and(inReach(r), eq(reviewItems.id, id))).limit(1);
	return row ?? null;
}

export type Suggestion = {
	installmentId: string;
	agreementCode: string;
	seq: number;
	dueDate: string;
	amountCents: number;
	paidCents: number;
	status: string;
	debtorName: string;
	creditorName: string;
	why: string;
};

/** How far an amount may be from the installment's to be suggested (fine, interest, discount). */
const AMOUNT_TOLERANCE = 0.1;
const DUE_WINDOW_DAYS = 45;

/**
 * Open installments of active agreements in reach that could be this money: the same debtor by
 * document, or an amount within 10 % and a due date within 45 days of the payment.
 */
export async function suggestions(db: DbOrTx, r: Reach, item: ReviewItem, limit = 8): Promise<Suggestion[]> {
	const amount = Number(item.amountCents);
	const byAmount =
		amount > 0 && item.paidOn
			? sql`(${installments.amountCents} between ${Math.floor(amount * (1 - AMOUNT_TOLERANCE))} and ${Math.ceil(amount * (1 + AMOUNT_TOLERANCE))}
				and ${installments.dueDate} between ${addDays(item.paidOn, -DUE_WINDOW_DAYS)} and ${addDays(item.paidOn, DUE_WINDOW_DAYS)})`
			: sql`false`;
	const document = (item.payerDocument ?? '').replace(/\D/g, '');
	const byDebtor = document.length === 11 || document.length === 14 ? sql`${debtors.document} = ${document}` : sql`false`;
	const rows = await db
		.select({
			installmentId: installments.id,
			agreementCode: agreements.code,
			seq: installments.seq,
			dueDate: installments.dueDate,
			amountCents: installments.amountCents,
			paidCents: installments.paidCents,
			status: installments.status,
			debtorName: debtors.name,
			creditorName: creditors.displayName,
			sameDebtor: sql<boolean>`${byDebtor}`
		})
		.from(installments)
		.innerJoin(agreements, eq(agreements.id, installments.agreementId))
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
		.where(
			and(
				where.creditorId(r, agreements.creditorId),
				item.creditorId ? eq(agreements.creditorId, item.creditorId) : undefined,
				eq(agreements.status, 'active'),
				inArray(installments.status, [...OPEN_INSTALLMENT_STATUSES]),
				isNull(installments.supersededBy),
				or(byDebtor, byAmount)
			)
		)
		.orderBy(sql`case when ${byDebtor} then 0 else 1 end`, sql`abs(${installments.amountCents} - ${amount})`, asc(installments.dueDate))
		.limit(limit);
	return rows.map(({ sameDebtor, ...s }) => ({
		...s,
		paidCents: s.paidCents ?? 0,
		why: sameDebtor ? 'Mesmo CPF/CNPJ do pagador' : s.amountCents === amount ? 'Mesmo valor, vencimento próximo' : 'Valor e vencimento próximos'
	}));
}

const SOURCE_OF: Record<ReviewSource, PaymentSource> = { return_file: 'return_file', pix: 'webhook', ofx: 'statement' };

export type Staff = { id: string; agencyId: string; creditorId: string | null };
export type ResolveResult = { ok: true; item: ReviewItem; paymentId?: string } | { ok: false; message: string };

async function lockOpen(tx: Tx, staff: Staff, itemId: string): Promise<ReviewItem | string> {
	const r = { agencyId: staff.agencyId, creditorId: staff.creditorId };
	const [item] = await tx.select().from(reviewItems).where(and(inReach(r), eq(reviewItems.id, itemId))).for('update');
	if (!item) return 'Pendência não encontrada.';
	if (item.status !== 'open') return item.status === 'associated' ? 'Esta pendência já foi associada a uma parcela.' : 'Esta pendência já foi descartada.';
	return item;
}

/** "Associar à parcela": records the item's money on an installment in reach, once. */
export async function associate(tx: Tx, input: { itemId: string; installmentId: string; staff: Staff; ip?: string | null }): Promise<ResolveResult> {
	const item = await lockOpen(tx, input.staff, input.itemId);
	if (typeof item === 'string') return { ok: false, message: item };
	if (!(Number(item.amountCents) > 0)) return { ok: false, message: 'Esta pendência não traz valor pago: não há pagamento a associar. Descarte-a com o motivo.' };
	const r = { agencyId: input.staff.agencyId, creditorId: input.staff.creditorId };
	const [target] = await tx
		.select({ id: installments.id, creditorId: agreements.creditorId, code: agreements.code, seq: installments.seq })
		.from(installments)
		.innerJoin(agreements, eq(agreements.id, installments.agreementId))
		.where(and(eq(installments.id, input.installmentId), where.creditorId(r, agreements.creditorId)))
		.limit(1);
	if (!target) return { ok: false, message: 'Parcela não encontrada.' };
	if (item.creditorId && item.creditorId !== target.creditorId) return { ok: false, message: 'A parcela é de outro credor que o desta pendência.' };

	const paidAt = item.paidOn ? new Date(`${item.paidOn}T12:00:00-03:00`) : item.createdAt;
	const result = await record(tx, {
		installmentId: target.id,
		amountCents: Number(item.amountCents),
		paidAt,
		method: item.method ?? 'manual',
		source: SOURCE_OF[item.source],
		// The same money must not be recorded twice, whichever way it arrives again.
		externalId: item.externalId ?? `review:${item.id}`,
		proof: `Pendência ${item.id} associada por ${input.staff.id}`,
		actor: { type: 'staff', id: input.staff.id },
		ip: input.ip ?? null,
		channel: 'staff'
	});
	if (!result.ok) return { ok: false, message: result.message };
	if (result.duplicate) return { ok: false, message: 'Este pagamento já está lançado nesta parcela.' };
	const now = new Date();
	const [updated] = await tx
		.update(reviewItems)
		.set({ status: 'associated', installmentId: target.id, paymentId: result.payment.id, resolvedBy: input.staff.id, resolvedAt: now })
		.where(eq(reviewItems.id, item.id))
		.returning();
	await audit.record(tx, {
		agencyId: item.agencyId,
		actorType: 'staff',
		actorId: input.staff.id,
		action: 'review.associate',
		entity: 'review_item',
		entityId: item.id,
		ip: input.ip ?? null,
		data: { source: item.source, reason: item.reason, amountCents: Number(item.amountCents), installmentId: target.id, agreement: target.code, seq: target.seq, paymentId: result.payment.id }
	});
	return { ok: true, item: updated, paymentId: result.payment.id };
}

/** "Descartar": closes the item without money moving; the reason is kept and audited. */
export async function discard(tx: Tx, input: { itemId: string; reason: string; staff: Staff; ip?: string | null }): Promise<ResolveResult> {
	const reason = input.reason.trim();
	if (reason.length < 3) return { ok: false, message: 'Informe o motivo do descarte.' };
	if (reason.length > 500) return { ok: false, message: 'O motivo pode ter até 500 caracteres.' };
	const item = await lockOpen(tx, input.staff, input.itemId);
	if (typeof item === 'string') return { ok: false, message: item };
	const [updated] = await tx
		.update(reviewItems)
		.set({ status: 'discarded', resolutionNote: reason, resolvedBy: input.staff.id, resolvedAt: new Date() })
		.where(eq(reviewItems.id, item.id))
		.returning();
	await audit.record(tx, {
		agencyId: item.agencyId,
		actorType: 'staff',
		actorId: input.staff.id,
		action: 'review.discard',
		entity: 'review_item',
		entityId: item.id,
		ip: input.ip ?? null,
		data: { source: item.source, reason: item.reason, amountCents: Number(item.amountCents), note: reason }
	});
	return { ok: true, item: updated };
}
