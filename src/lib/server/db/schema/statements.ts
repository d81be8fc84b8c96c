import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, bigint, integer, date, jsonb, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { installments } from './agreements';
import { payments } from './payments';
import { reviewItems } from './returns';
import { staff } from './staff';

export type StatementAccount = { bankId: string; branchId: string | null; accountId: string; start: string | null; end: string | null };

/**
 * A bank statement (OFX) as received: stored once per agency, keyed by the SHA-256 of its bytes.
 * `status` stays 'importing' until every credit was handled, so an import that died half-way
 * resumes when the same file comes again.
 */
export const statementFiles = pgTable(
	'statement_files',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		/** When the import was limited to one creditor's installments. */
		creditorId: uuid('creditor_id').references(() => creditors.id),
		sha256: text('sha256').notNull(),
		fileName: text('file_name').notNull(),
		sizeBytes: integer('size_bytes').notNull(),
		format: text('format').$type<'ofx1' | 'ofx2'>().notNull(),
		accounts: jsonb('accounts').$type<StatementAccount[]>().notNull(),
		periodStart: date('period_start', { mode: 'string' }),
		periodEnd: date('period_end', { mode: 'string' }),
		/** Every entry read, and of them the credits (candidate payments) and debits (ignored). */
		transactionCount: integer('transaction_count').notNull(),
		creditCount: integer('credit_count').notNull(),
		debitCount: integer('debit_count').notNull(),
		warnings: jsonb('warnings').$type<string[]>().notNull(),
		status: text('status').$type<'importing' | 'done'>().notNull().default('importing'),
		actorType: text('actor_type').$type<'staff' | 'cli' | 'system'>().notNull(),
		importedBy: uuid('imported_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true })
	},
	(t) => [uniqueIndex('statement_files_agency_sha256').on(t.agencyId, t.sha256), index('statement_files_agency_created').on(t.agencyId, t.createdAt)]
);

export type StatementOutcome =
	/** A txid of ours was in the entry: the payment was recorded. */
	| 'recorded'
	/** Already known: the same entry in an earlier statement, or a Pix already recorded (webhook, manual). */
	| 'known'
	/** Same amount as an open installment due near the day: waits in the review queue with the proposal. */
	| 'proposed'
	/** Nothing matched: waits in the review queue. */
	| 'unmatched';

/**
 * Each credit of a statement, handled once. (file, seq) is what a resumed import skips by; the
 * first time an entry of an account is seen holds (agency, bank, account, entry key), so the same
 * entry in an overlapping statement is `known` and points at the line it repeats.
 */
export const statementLines = pgTable(
	'statement_lines',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		fileId: uuid('file_id')
			.notNull()
			.references(() => statementFiles.id),
		seq: integer('seq').notNull(),
		line: integer('line').notNull(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		bankId: text('bank_id').notNull(),
		accountId: text('account_id').notNull(),
		/** FITID, posting day and amount (`ofx/match.ts` `entryKey`). */
		entryKey: text('entry_key').notNull(),
		fitId: text('fit_id').notNull(),
		trnType: text('trn_type').notNull(),
		postedOn: date('posted_on', { mode: 'string' }).notNull(),
		amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
		name: text('name'),
		memo: text('memo'),
		refNum: text('ref_num'),
		endToEndId: text('end_to_end_id'),
		outcome: text('outcome').$type<StatementOutcome>().notNull(),
		message: text('message'),
		repeats: uuid('repeats'),
		installmentId: uuid('installment_id').references(() => installments.id),
		paymentId: uuid('payment_id').references(() => payments.id),
		reviewItemId: uuid('review_item_id').references(() => reviewItems.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('statement_lines_file_seq').on(t.fileId, t.seq),
		uniqueIndex('statement_lines_entry').on(t.agencyId, t.bankId, t.accountId, t.entryKey).where(sql`${t.repeats} is null`),
		index('statement_lines_installment').on(t.installmentId)
	]
);
