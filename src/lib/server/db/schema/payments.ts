import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, bigint, integer, jsonb, date, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { agreements, installments } from './agreements';
import { creditors } from './tenancy';
import { debtors, debts } from './debts';
import { staff } from './staff';

/** Who told us of a payment: the PSP (webhook or sweep), a bank return file, a bank statement (OFX), staff. */
export type PaymentSource = 'webhook' | 'return_file' | 'statement' | 'manual';

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
		source: text('source').$type<PaymentSource>().notNull(),
		/** endToEndId, bank return reference, or a manual reference: unique per source (a Pix endToEndId: across sources, `lifecycle.recordPayment`). */
		externalId: text('external_id'),
		proof: text('proof'),
		recordedBy: uuid('recorded_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('payments_installment').on(t.installmentId), uniqueIndex('payments_source_external').on(t.source, t.externalId), index('payments_external_id').on(t.externalId)]
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

/**
 * What a creditor's bank gave it to register boletos (CNAB 240 remessa), beside the account in
 * `creditors.boleto_*`. `next_file_sequence` is the NSA of the next file: taken under this row's
 * lock, so two generations never share one.
 */
export const boletoSettings = pgTable(
	'boleto_settings',
	{
		creditorId: uuid('creditor_id')
			.primaryKey()
			.references(() => creditors.id),
		/** Convênio / código do beneficiário. */
		convenio: text('convenio').notNull(),
		agencyDigit: text('agency_digit').notNull().default(''),
		accountDigit: text('account_digit').notNull().default(''),
		walletVariation: text('wallet_variation'),
		species: text('species'),
		bankName: text('bank_name'),
		writeOffAfterDays: integer('write_off_after_days').notNull().default(30),
		nextFileSequence: integer('next_file_sequence').notNull().default(1),
		updatedBy: uuid('updated_by'),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [check('boleto_settings_next_file_sequence_range', sql`${t.nextFileSequence} between 1 and 1000000`)]
);

/** A title left out of a remessa, and why (pt-BR). */
export type LeftOutTitle = { installmentId: string; agreementCode: string; seq: number; debtorName: string; movement: 'entry' | 'write_off' | 'amount_change'; message: string };

/** A title's nominal value changed in a remessa (47): from and to, so a discarded file can put it back. */
export type AmountChange = { installmentId: string; fromCents: number; toCents: number };

/** A generated remessa file. Kept whole: it is small, and the bank may ask for it again. */
export const remessaFiles = pgTable(
	'remessa_files',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		/** NSA (G018). */
		fileSequence: integer('file_sequence').notNull(),
		fileName: text('file_name').notNull(),
		content: text('content').notNull(),
		entries: integer('entries').notNull(),
		writeOffs: integer('write_offs').notNull(),
		amountChanges: jsonb('amount_changes').$type<AmountChange[]>().notNull().default([]),
		totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
		leftOut: jsonb('left_out').$type<LeftOutTitle[]>().notNull().default([]),
		createdBy: uuid('created_by'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		/** Set when staff discard a file not sent to the bank: its titles go in the next one. */
		discardedAt: timestamp('discarded_at', { withTimezone: true }),
		discardedBy: uuid('discarded_by')
	},
	(t) => [uniqueIndex('remessa_files_creditor_sequence').on(t.creditorId, t.fileSequence), index('remessa_files_creditor_created').on(t.creditorId, t.createdAt)]
);

/**
 * Where an installment's boleto stands with the bank. No row: not yet sent (pending).
 * sent → confirmed | rejected (reasons); sent | confirmed → write_off_requested → written_off.
 */
export type RegistrationStatus = 'sent' | 'confirmed' | 'rejected' | 'write_off_requested' | 'written_off';

export const boletoRegistrations = pgTable(
	'boleto_registrations',
	{
		installmentId: uuid('installment_id')
			.primaryKey()
			.references(() => installments.id),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		status: text('status').$type<RegistrationStatus>().notNull(),
		/** The title as entered (remessa `Title`): a write-off repeats it exactly. */
		title: jsonb('title'),
		entryFileId: uuid('entry_file_id').references(() => remessaFiles.id),
		writeOffFileId: uuid('write_off_file_id').references(() => remessaFiles.id),
		/** The bank's reasons for a rejection (return file), pt-BR. */
		reasons: text('reasons').array().notNull().default(sql`'{}'`),
		confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
		/** The bank's last movement from a return file (code, label, date, the record it came in). */
		movementCode: text('movement_code'),
		movementLabel: text('movement_label'),
		occurredOn: date('occurred_on', { mode: 'string' }),
		/** return_records.id (foreign key in the migration). */
		recordId: uuid('record_id'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('boleto_registrations_creditor_status').on(t.creditorId, t.status),
		index('boleto_registrations_entry_file').on(t.entryFileId),
		index('boleto_registrations_write_off_file').on(t.writeOffFileId),
		check('boleto_registrations_status', sql`${t.status} in ('sent', 'confirmed', 'rejected', 'write_off_requested', 'written_off')`)
	]
);
