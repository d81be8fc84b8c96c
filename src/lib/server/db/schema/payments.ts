import { pgTable, uuid, text, timestamp, bigint, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { installments } from './agreements';
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
