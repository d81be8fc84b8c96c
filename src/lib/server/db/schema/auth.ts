import { pgTable, uuid, text, timestamp, integer, primaryKey, index } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { debtors } from './debts';

/** Debtor sessions per the Lucia guide: the id is the SHA-256 (hex) of the token; the token itself is never stored. */
export const debtorSessions = pgTable(
	'debtor_sessions',
	{
		id: text('id').primaryKey(),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('debtor_sessions_debtor').on(t.debtorId)]
);

/**
 * One-time code challenges. A challenge exists also for unknown documents (debtor_id null)
 * so that known and unknown documents behave alike.
 */
export const otpChallenges = pgTable('otp_challenges', {
	id: uuid('id').primaryKey().defaultRandom(),
	agencyId: uuid('agency_id')
		.notNull()
		.references(() => agencies.id),
	creditorId: uuid('creditor_id')
		.notNull()
		.references(() => creditors.id),
	debtorId: uuid('debtor_id').references(() => debtors.id),
	/** HMAC of (agency, document): finds the latest code sent for a document, known or not. */
	documentKey: text('document_key'),
	/**
	 * Set when this challenge answers to the code of an earlier one (the per-document limit was
	 * reached, so no new code was sent): the code is checked against that challenge's hash.
	 */
	codeChallengeId: uuid('code_challenge_id'),
	codeHash: text('code_hash').notNull(),
	channel: text('channel').notNull(),
	destinationMasked: text('destination_masked').notNull(),
	attempts: integer('attempts').notNull().default(0),
	expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
	consumedAt: timestamp('consumed_at', { withTimezone: true }),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
}, (t) => [index('otp_challenges_document_created').on(t.documentKey, t.createdAt), index('otp_challenges_expires').on(t.expiresAt)]);

/** Fixed-window counters shared by every app process (rate limits live in PostgreSQL, not memory). */
export const rateLimits = pgTable(
	'rate_limits',
	{
		key: text('key').notNull(),
		windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
		count: integer('count').notNull().default(0)
	},
	(t) => [primaryKey({ columns: [t.key, t.windowStart] })]
);
