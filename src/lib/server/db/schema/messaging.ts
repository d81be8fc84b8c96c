import { pgTable, uuid, text, timestamp, integer, jsonb, date, index, uniqueIndex, primaryKey } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { debtors } from './debts';
import { staff } from './staff';

type Channel = 'sms' | 'whatsapp' | 'email';

/**
 * "Stop messages on this channel", per agency and address (the phone or e-mail that asked): by a
 * reply (SAIR, PARAR, STOP), the e-mail's one-click unsubscribe, or the debtor's preferences page.
 * Honoured at once by the contact rules; codes and receipts still go (the debtor asks for those).
 */
export const contactOptOuts = pgTable(
	'contact_opt_outs',
	{
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		channel: text('channel').$type<Channel>().notNull(),
		/** E.164 phone or lower-case e-mail. */
		address: text('address').notNull(),
		source: text('source').$type<'reply' | 'unsubscribe' | 'preferences' | 'staff'>().notNull(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.agencyId, t.channel, t.address] })]
);

/** What debtors wrote back (WhatsApp, SMS): opens WhatsApp's 24-hour window, shown on the timeline. */
export const inboundMessages = pgTable(
	'inbound_messages',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id').references(() => agencies.id),
		channel: text('channel').$type<Channel>().notNull(),
		from: text('from').notNull(),
		text: text('text').notNull(),
		provider: text('provider').notNull(),
		accountId: text('account_id').notNull(),
		providerId: text('provider_id'),
		at: timestamp('at', { withTimezone: true }).notNull()
	},
	(t) => [index('inbound_messages_from_at').on(t.from, t.at), uniqueIndex('inbound_messages_provider_id').on(t.provider, t.providerId)]
);

/**
 * Provider accounts an agency entered in the admin area (WhatsApp Cloud API, Zenvia, Twilio,
 * SMTP): credentials stored sealed (AES-256-GCM under APP_SECRET, as TOTP keys are). Without one,
 * the environment's account is used.
 */
export const messagingAccounts = pgTable(
	'messaging_accounts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		channel: text('channel').$type<Channel>().notNull(),
		provider: text('provider').$type<'whatsapp' | 'zenvia' | 'twilio' | 'smtp'>().notNull(),
		sealed: text('sealed').notNull(),
		/** What staff may see of it (e.g. the sender number), never a secret. */
		label: text('label').notNull(),
		/** Sends per second this account allows (WhatsApp's default is 80 per number). */
		ratePerSecond: integer('rate_per_second').notNull(),
		/** Cost of one message (one SMS segment) in thousandths of a cent, for the estimates. */
		costMillicents: integer('cost_millicents').notNull().default(0),
		createdBy: uuid('created_by').references(() => staff.id),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('messaging_accounts_agency_channel').on(t.agencyId, t.channel)]
);

export type CampaignStatus = 'draft' | 'running' | 'paused' | 'cancelled' | 'finished';

/** A campaign: a segment of a creditor's debtors, messages in a channel order, an optional special offer. */
export const campaigns = pgTable(
	'campaigns',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		name: text('name').notNull(),
		status: text('status').$type<CampaignStatus>().notNull().default('draft'),
		/** The whole definition as the zod schema reads it (segment, offer, channels, templates, dates, rate). */
		body: jsonb('body').notNull(),
		/** The special offer's end (a calendar date in America/Sao_Paulo), also in `body`; null: none. */
		offerUntil: date('offer_until', { mode: 'string' }),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
		endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
		createdBy: uuid('created_by').references(() => staff.id),
		startedAt: timestamp('started_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('campaigns_creditor_created').on(t.creditorId, t.createdAt), index('campaigns_agency_status').on(t.agencyId, t.status)]
);

/** A campaign's debtors, fixed when it starts (the segment as it was then). */
export const campaignTargets = pgTable(
	'campaign_targets',
	{
		campaignId: uuid('campaign_id')
			.notNull()
			.references(() => campaigns.id),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		clickedAt: timestamp('clicked_at', { withTimezone: true })
	},
	(t) => [primaryKey({ columns: [t.campaignId, t.debtorId] }), index('campaign_targets_debtor').on(t.debtorId)]
);

/** Short links `/l/{code}` in messages: the code is random, only its SHA-256 is kept. */
export const shortLinks = pgTable(
	'short_links',
	{
		codeHash: text('code_hash').primaryKey(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		campaignId: uuid('campaign_id').references(() => campaigns.id),
		messageId: uuid('message_id'),
		/** Where it leads inside the portal (e.g. '/dividas', '/acordos/ABC/parcelas/2'). */
		target: text('target').notNull().default(''),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		clicks: integer('clicks').notNull().default(0),
		firstClickAt: timestamp('first_click_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('short_links_campaign').on(t.campaignId), index('short_links_message').on(t.messageId)]
);

/** The régua de cobrança of a creditor: its standing schedule of steps (JSON read by a zod schema). */
export const reguas = pgTable('reguas', {
	creditorId: uuid('creditor_id')
		.primaryKey()
		.references(() => creditors.id),
	body: jsonb('body').notNull(),
	version: integer('version').notNull().default(1),
	updatedBy: uuid('updated_by').references(() => staff.id),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

/** Each régua step fires at most once per debt, agreement or installment, ever. */
export const reguaFired = pgTable(
	'regua_fired',
	{
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		step: text('step').notNull(),
		/** The debt, agreement or installment the step fired for. */
		subjectId: uuid('subject_id').notNull(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.creditorId, t.step, t.subjectId] })]
);

