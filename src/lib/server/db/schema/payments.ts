import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, bigint, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { agreements, installments } from './agreements';
import { creditors } from './tenancy';
import { debtors, debts } from './debts';
import { staff } from './staff';

/** Money received for an installment, from any source; a payment is never deleted. */
export const payments = pgTable(
	'payments',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		installmentId: uuid('installment_id')
			.notNull()
			.references(() => installments.id),
		amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
		paidAt: timestamp('paid_at', { withTimezone: true }).notNull(),
		method: text('method').$type<'pix' | 'boleto' | 'manual'>().notNull(),
		source: text('source').$type<'webhook' | 'return_file' | 'manual'>().notNull(),
		/** endToEndId, bank return reference, or a manual reference: unique per source. */
		externalId: text('external_id'),
		proof: text('proof'),
		recordedBy: uuid('recorded_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('payments_installment').on(t.installmentId), uniqueIndex('payments_source_external').on(t.source, t.externalId)]
);

export type CreditReason =
	/** Paid more than the installment's open remainder (or an installment already paid). */
	| 'overpayment'
	/** Paid a cancelled or superseded slip, or an installment of a closed agreement. */
	| 'not_payable'
	/** What had been paid on an agreement that was cancelled or broken, handed back to its debts. */
	| 'cancelled'
	| 'broken'
	/** Money given back to the debtor by staff (a negative amount). */
	| 'refund'
	/** The credit a new agreement took off its debts' value when accepted (a negative amount). */
	| 'applied'
	/** That credit handed back when the agreement that used it was cancelled or broke. */
	| 'released';

/**
 * The debtor's credit on a debt: money received that no installment holds. Never updated or
 * deleted; a refund is a negative row. The balance of a debt is the sum of its rows.
 */
export const debtCredits = pgTable(
	'debt_credits',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		debtId: uuid('debt_id')
			.notNull()
			.references(() => debts.id),
		agreementId: uuid('agreement_id').references(() => agreements.id),
		paymentId: uuid('payment_id').references(() => payments.id),
		amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
		reason: text('reason').$type<CreditReason>().notNull(),
		note: text('note'),
		createdBy: uuid('created_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('debt_credits_debt').on(t.debtId),
		index('debt_credits_agreement').on(t.agreementId),
		index('debt_credits_debtor').on(t.debtorId),
		check('debt_credits_amount_nonzero', sql`${t.amountCents} <> 0`)
	]
);
