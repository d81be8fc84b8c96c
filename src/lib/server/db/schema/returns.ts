import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, bigint, integer, date, jsonb, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { installments } from './agreements';
import { payments } from './payments';
import { staff } from './staff';

/**
 * A bank return file (*arquivo retorno*) as received: stored once per agency, keyed by the
 * SHA-256 of its bytes. `status` stays 'importing' until every record was handled, so an
 * import that died half-way resumes where it stopped when the same file comes again.
 */
export const returnFiles = pgTable(
	'return_files',
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
		format: text('format').$type<'cnab240' | 'cnab400'>().notNull(),
		bankCode: text('bank_code').notNull(),
		bankName: text('bank_name'),
		generatedOn: date('generated_on', { mode: 'string' }),
		fileSequence: integer('file_sequence'),
		company: jsonb('company').$type<{ document?: string; name?: string; agency?: string; account?: string }>().notNull(),
		recordCount: integer('record_count').notNull(),
		warnings: jsonb('warnings').$type<string[]>().notNull(),
		status: text('status').$type<'importing' | 'done'>().notNull().default('importing'),
		actorType: text('actor_type').$type<'staff' | 'cli' | 'system'>().notNull(),
		importedBy: uuid('imported_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true })
	},
	(t) => [uniqueIndex('return_files_agency_sha256').on(t.agencyId, t.sha256), index('return_files_agency_created').on(t.agencyId, t.createdAt)]
);

export type ReturnOutcome =
	/** A payment recorded (or found already recorded from another file: `duplicate`). */
	| 'paid'
	| 'duplicate'
	| 'registered'
	| 'rejected'
	| 'written_off'
	/** Handed to a person: see `review_items`. */
	| 'review'
	/** Nothing to do (an informative movement about a known installment). */
	| 'ignored';

/** Each record of a return file, handled once: (file, line) is the key a resumed import skips by. */
export const returnRecords = pgTable(
	'return_records',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		fileId: uuid('file_id')
			.notNull()
			.references(() => returnFiles.id),
		line: integer('line').notNull(),
		nossoNumero: text('nosso_numero').notNull(),
		movementCode: text('movement_code').notNull(),
		movementKind: text('movement_kind').notNull(),
		movementLabel: text('movement_label').notNull(),
		reasons: jsonb('reasons').$type<string[]>().notNull(),
		paidCents: bigint('paid_cents', { mode: 'number' }).notNull(),
		faceValueCents: bigint('face_value_cents', { mode: 'number' }).notNull(),
		occurredOn: date('occurred_on', { mode: 'string' }),
		creditedOn: date('credited_on', { mode: 'string' }),
		installmentId: uuid('installment_id').references(() => installments.id),
		paymentId: uuid('payment_id').references(() => payments.id),
		outcome: text('outcome').$type<ReturnOutcome>().notNull(),
		message: text('message'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('return_records_file_line').on(t.fileId, t.line), index('return_records_installment').on(t.installmentId)]
);

export type BoletoRegistrationStatus = 'registered' | 'rejected' | 'written_off';

export type ReviewSource = 'return_file' | 'pix' | 'ofx';
export type ReviewStatus = 'open' | 'associated' | 'discarded';

/**
 * Money or a bank message no rule could place: it waits for a person, who associates it with an
 * installment (the payment is then recorded) or discards it with a reason. Generic over sources.
 */
export const reviewItems = pgTable(
	'review_items',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		creditorId: uuid('creditor_id').references(() => creditors.id),
		source: text('source').$type<ReviewSource>().notNull(),
		/** The source's own id for the item (a return record id, an endToEndId…): one item each. */
		sourceRef: text('source_ref').notNull(),
		/** Why it needs a person (`unmatched`, `not_payable`, `unknown_movement`…), and the pt-BR explanation. */
		reason: text('reason').notNull(),
		message: text('message').notNull(),
		/** Cents received (0 for a bank message that carries no money). */
		amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
		paidOn: date('paid_on', { mode: 'string' }),
		reference: text('reference'),
		payerDocument: text('payer_document'),
		payerName: text('payer_name'),
		/** How to record the payment if associated: the method and the external id that keep it idempotent. */
		method: text('method').$type<'pix' | 'boleto' | 'manual'>(),
		externalId: text('external_id'),
		/** The installment the source pointed at, if any (cancelled, paid…). */
		installmentId: uuid('installment_id').references(() => installments.id),
		details: jsonb('details').notNull(),
		status: text('status').$type<ReviewStatus>().notNull().default('open'),
		resolvedBy: uuid('resolved_by').references(() => staff.id),
		resolvedAt: timestamp('resolved_at', { withTimezone: true }),
		resolutionNote: text('resolution_note'),
		paymentId: uuid('payment_id').references(() => payments.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('review_items_source_ref').on(t.source, t.sourceRef),
		index('review_items_external_id').on(t.externalId),
		index('review_items_open').on(t.agencyId, t.createdAt).where(sql`${t.status} = 'open'`),
		// The break job asks whether money for an agreement's slips waits for a person.
		index('review_items_open_installment').on(t.installmentId).where(sql`${t.status} = 'open'`)
	]
);
