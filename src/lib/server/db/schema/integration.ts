import { pgTable, uuid, text, timestamp, integer, jsonb, primaryKey, index, bigint, boolean, customType } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { staff } from './staff';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** API keys per creditor: only the SHA-256 of the key is stored; the key is shown once. */
export const apiKeys = pgTable(
	'api_keys',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		name: text('name').notNull(),
		/** First characters of the key, to recognise it in lists. */
		prefix: text('prefix').notNull(),
		keyHash: text('key_hash').notNull().unique(),
		scope: text('scope').$type<'read' | 'read_write'>().notNull(),
		createdBy: uuid('created_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true })
	},
	(t) => [index('api_keys_creditor').on(t.creditorId)]
);

/** `Idempotency-Key` on API POSTs: the first response is stored and replayed for retries. */
export const idempotencyKeys = pgTable(
	'idempotency_keys',
	{
		apiKeyId: uuid('api_key_id')
			.notNull()
			.references(() => apiKeys.id),
		key: text('key').notNull(),
		requestHash: text('request_hash').notNull(),
		status: integer('status'),
		response: jsonb('response'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.apiKeyId, t.key] })]
);

export type ImportStatus = 'uploaded' | 'validating' | 'validated' | 'importing' | 'done' | 'failed';

/** Portfolio uploads from the admin area: the file lives in PostgreSQL so any process can work on it. */
export const imports = pgTable(
	'imports',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		creditorId: uuid('creditor_id').references(() => creditors.id),
		staffId: uuid('staff_id').references(() => staff.id),
		fileName: text('file_name').notNull(),
		fileBytes: bigint('file_bytes', { mode: 'number' }).notNull().default(0),
		/** An agency admin chose to update name and contacts of debtors who also owe other creditors. */
		updateShared: boolean('update_shared').notNull().default(false),
		/** When the uploaded file (personal data) was deleted: after the import, or when abandoned. */
		filePurgedAt: timestamp('file_purged_at', { withTimezone: true }),
		status: text('status').$type<ImportStatus>().notNull().default('uploaded'),
		totalRows: integer('total_rows'),
		validRows: integer('valid_rows'),
		invalidRows: integer('invalid_rows'),
		processedRows: integer('processed_rows').notNull().default(0),
		inserted: integer('inserted'),
		updated: integer('updated'),
		/** First errors `{ line, column, message }` for the report. */
		errors: jsonb('errors'),
		/** First lines written with a reservation (a debtor other creditors share keeps its data). */
		warnings: jsonb('warnings'),
		/** Debtors whose name and contacts were (or would be) kept because other creditors share them. */
		debtorsKept: integer('debtors_kept'),
		failure: text('failure'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp('finished_at', { withTimezone: true })
	},
	(t) => [index('imports_agency_created').on(t.agencyId, t.createdAt)]
);

export const importChunks = pgTable(
	'import_chunks',
	{
		importId: uuid('import_id')
			.notNull()
			.references(() => imports.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		data: bytea('data').notNull()
	},
	(t) => [primaryKey({ columns: [t.importId, t.seq] })]
);
