import { pgTable, uuid, text, timestamp, uniqueIndex, primaryKey } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { agencies, creditors } from './tenancy';
import { staff } from './staff';

/**
 * Pix PSP accounts (Pix API v2: OAuth2 client credentials over mTLS) of an agency, or of one of its
 * creditors: credentials sealed as messaging accounts are. A creditor's own account comes first,
 * then its agency's, then the environment's; with none, Pix stays the static BR Code.
 */
export const pspAccounts = pgTable(
	'psp_accounts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		/** null: the agency's account, for its creditors without their own. */
		creditorId: uuid('creditor_id').references(() => creditors.id),
		sealed: text('sealed').notNull(),
		/** What staff may see of it (the PSP's name, the client id), never a secret. */
		label: text('label').notNull(),
		createdBy: uuid('created_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('psp_accounts_agency').on(t.agencyId).where(sql`creditor_id is null`),
		uniqueIndex('psp_accounts_creditor').on(t.creditorId).where(sql`creditor_id is not null`)
	]
);

/** Webhook URLs registered with a PSP per Pix key (`PUT /webhook/{chave}`): registered once per URL. */
export const pspWebhooks = pgTable(
	'psp_webhooks',
	{
		/** `env` or a psp_accounts id. */
		accountId: text('account_id').notNull(),
		chave: text('chave').notNull(),
		/** SHA-256 of the URL (it holds the webhook secret): a new URL or secret registers again. */
		urlHash: text('url_hash').notNull(),
		registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.accountId, t.chave] })]
);

/** How far each account's received Pix have been swept (`GET /pix?inicio&fim`). */
export const pspSweeps = pgTable('psp_sweeps', {
	accountId: text('account_id').primaryKey(),
	sweptUntil: timestamp('swept_until', { withTimezone: true }).notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

