import { asc, eq, ne, and } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agreementDebts, agreements, debtors, debts, installments, payments } from '../db/schema';
import { todayInSaoPaulo } from '../../format/dates';
import { emit } from './outbox';
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

/**
 * A payment was recorded: `installment.paid`; `agreement.settled` when it was the last; and on
 * the agreement's first payment `debtor.delisting_due`, with the Súmula 548 deadline.
 */
export async function paymentRecorded(tx: DbOrTx, input: { paymentId: string; firstPayment: boolean; settled: boolean }): Promise<void> {
	const [p] = await tx
		.select({ payment: payments, installment: installments })
		.from(payments)
		.innerJoin(installments, eq(installments.id, payments.installmentId))
		.where(eq(payments.id, input.paymentId));
	if (!p) throw new Error(`pagamento inexistente: ${input.paymentId}`);
	const f = await agreementFacts(tx, p.installment.agreementId);
	const paidDate = todayInSaoPaulo(p.payment.paidAt);
	const payment = { id: p.payment.id, amount_cents: p.payment.amountCents, paid_at: iso(p.payment.paidAt), paid_date: paidDate, method: p.payment.method, source: p.payment.source };
	await emit(tx, {
		creditorId: f.creditorId,
		type: 'installment.paid',
		data: {
			...f.common,
			installment: { id: p.installment.id, seq: p.installment.seq, due_date: p.installment.dueDate, amount_cents: p.installment.amountCents, paid_cents: p.installment.paidCents },
			payment
		}
	});
	if (input.settled) {
		const a = f.agreement;
		await emit(tx, {
			creditorId: f.creditorId,
			type: 'agreement.settled',
			data: { ...f.common, agreement: { ...f.common.agreement, total_cents: a.totalCents, settled_at: iso(a.settledAt) } }
		});
	}
	if (input.firstPayment) {
		await emit(tx, {
			creditorId: f.creditorId,
			type: 'debtor.delisting_due',
			data: {
				...f.common,
				payment,
				// STJ Súmula 548: the creditor removes the listing within 5 business days of the payment.
				deadline: delistingDeadline(paidDate),
				business_days: DELISTING_BUSINESS_DAYS,
				rule: 'STJ Súmula 548'
			}
		});
	}
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
