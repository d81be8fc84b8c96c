import { asc, eq, ne, and } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agreementDebts, agreements, debtors, debts, installments, payments } from '../db/schema';
import { todayInSaoPaulo } from '../../format/dates';
import { emit, emitAll, type Event } from './outbox';
import { delistingDeadline, DELISTING_BUSINESS_DAYS } from './deadline';

/**
 * The events of an agreement's life, each built from the database inside the caller's transaction
 * (so it carries what that transaction wrote) and queued with `emit`. Ids are stable: the
 * agreement's id and code, the installment's id and seq, the payment's id; money in cents; legal
 * dates as YYYY-MM-DD (São Paulo); instants in ISO 8601 UTC.
 */

async function agreementFacts(tx: DbOrTx, agreementId: string) {
	const [row] = await tx
		.select({ agreement: agreements, debtorDocument: debtors.document })
		.from(agreements)
		.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
		.where(eq(agreements.id, agreementId));
	if (!row) throw new Error(`acordo inexistente: ${agreementId}`);
	const linked = await tx
		.select({ externalId: debts.externalId })
		.from(agreementDebts)
		.innerJoin(debts, eq(debts.id, agreementDebts.debtId))
		.where(eq(agreementDebts.agreementId, agreementId))
		.orderBy(asc(debts.externalId));
	const a = row.agreement;
	return {
		creditorId: a.creditorId,
		agreement: a,
		common: {
			agreement: { id: a.id, code: a.code, status: a.status },
			debtor_document: row.debtorDocument,
			debt_ids: linked.map((d) => d.externalId)
		}
	};
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** An agreement was accepted: its terms and schedule. */
export async function agreementCreated(tx: DbOrTx, agreementId: string): Promise<void> {
	const f = await agreementFacts(tx, agreementId);
	const a = f.agreement;
	const schedule = await tx
		.select({ id: installments.id, seq: installments.seq, dueDate: installments.dueDate, amountCents: installments.amountCents })
		.from(installments)
		.where(and(eq(installments.agreementId, agreementId), ne(installments.status, 'cancelled')))
		.orderBy(asc(installments.seq));
	await emit(tx, {
		creditorId: f.creditorId,
		type: 'agreement.created',
		data: {
			...f.common,
			agreement: {
				...f.common.agreement,
				kind: a.kind,
				updated_total_cents: a.updatedTotalCents,
				discount_cents: a.discountCents,
				interest_cents: a.interestCents,
				total_cents: a.totalCents,
				installment_count: a.installmentCount,
				created_at: iso(a.createdAt)
			},
			installments: schedule.map((i) => ({ id: i.id, seq: i.seq, due_date: i.dueDate, amount_cents: i.amountCents }))
		}
	});
}

/** What a payment's events say, as the payment's own transaction left it (no second read). */
export type PaymentFacts = {
	agreement: { id: string; code: string; status: string; creditorId: string; totalCents: number; settledAt: Date | null };
	debtorDocument: string;
	/** The agreement's debts' external ids, sorted. */
	debtIds: string[];
	installment: { id: string; seq: number; dueDate: string; amountCents: number; paidCents: number | null };
	payment: { id: string; amountCents: number; paidAt: Date; method: string; source: string };
	firstPayment: boolean;
	settled: boolean;
};

/**
 * A payment was recorded: `installment.paid`; `agreement.settled` when it was the last; and on
 * the agreement's first payment `debtor.delisting_due`, with the Súmula 548 deadline.
 */
export function paymentEvents(f: PaymentFacts): Event[] {
	const a = f.agreement;
	const common = { agreement: { id: a.id, code: a.code, status: a.status }, debtor_document: f.debtorDocument, debt_ids: f.debtIds };
	const paidDate = todayInSaoPaulo(f.payment.paidAt);
	const payment = { id: f.payment.id, amount_cents: f.payment.amountCents, paid_at: iso(f.payment.paidAt), paid_date: paidDate, method: f.payment.method, source: f.payment.source };
	const i = f.installment;
	const events: Event[] = [
		{
			creditorId: a.creditorId,
			type: 'installment.paid',
			data: { ...common, installment: { id: i.id, seq: i.seq, due_date: i.dueDate, amount_cents: i.amountCents, paid_cents: i.paidCents }, payment }
		}
	];
	if (f.settled) {
		events.push({ creditorId: a.creditorId, type: 'agreement.settled', data: { ...common, agreement: { ...common.agreement, total_cents: a.totalCents, settled_at: iso(a.settledAt) } } });
	}
	if (f.firstPayment) {
		events.push({
			creditorId: a.creditorId,
			type: 'debtor.delisting_due',
			data: {
				...common,
				payment,
				// STJ Súmula 548: the creditor removes the listing within 5 business days of the payment.
				deadline: delistingDeadline(paidDate),
				business_days: DELISTING_BUSINESS_DAYS,
				rule: 'STJ Súmula 548'
			}
		});
	}
	return events;
}

/** Queues a payment's events (one statement), in the transaction that recorded it. */
export async function paymentRecorded(tx: DbOrTx, facts: PaymentFacts): Promise<void> {
	await emitAll(tx, paymentEvents(facts));
}

/** An agreement was cancelled by staff. */
export async function agreementCancelled(tx: DbOrTx, agreementId: string): Promise<void> {
	const f = await agreementFacts(tx, agreementId);
	await emit(tx, {
		creditorId: f.creditorId,
		type: 'agreement.cancelled',
		data: { ...f.common, agreement: { ...f.common.agreement, cancel_reason: f.agreement.cancelReason, cancelled_at: iso(f.agreement.cancelledAt) } }
	});
}

/** An agreement was broken (an installment unpaid past the tolerance); for the break job. */
export async function agreementBroken(tx: DbOrTx, agreementId: string, extra: { installmentSeq?: number; brokenAt?: Date } = {}): Promise<void> {
	const f = await agreementFacts(tx, agreementId);
	await emit(tx, {
		creditorId: f.creditorId,
		type: 'agreement.broken',
		data: {
			...f.common,
			agreement: { ...f.common.agreement, broken_at: iso(extra.brokenAt ?? new Date()), ...(extra.installmentSeq !== undefined && { overdue_installment_seq: extra.installmentSeq }) }
		}
	});
}
