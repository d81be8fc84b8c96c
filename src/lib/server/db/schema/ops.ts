import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, jsonb, bigserial, index, integer, boolean } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { debtors } from './debts';

export type MessageStatus =
	| 'queued' // waiting to be sent (`next_attempt_at`: not before; a rule may have moved it)
	| 'sending' // claimed by a sender; a crash here becomes `unknown`, never a second copy
	| 'sent' // the provider took it
	| 'delivered'
	| 'read'
	| 'failed' // refused for good, or given up after retries (`dead`): see `reason`
	| 'unknown' // the request went out and no answer came: shown to staff, not re-sent blindly
	| 'skipped' // held back by the contact rules (`reason`), or its campaign was cancelled
	| 'fallen_back'; // this channel could not reach the debtor: the next channel's message took over

/** What a message is for: codes, receipts and notices are not collection contacts (no hours, no cap). */
export type MessageKind = 'otp' | 'notice' | 'receipt' | 'campaign' | 'regua';

/**
 * Every outgoing message (SMS, WhatsApp, e-mail): recorded here in the writer's transaction, then
 * sent by the job runner (messaging/index.ts). One row is one message on one channel; a fallback to
 * the next channel is a new row of the same `group_id`.
 */
export const outbox = pgTable(
	'outbox',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		/** The creditor the message speaks for (its staff see it); null for the agency's own. */
		creditorId: uuid('creditor_id').references(() => creditors.id),
		debtorId: uuid('debtor_id').references(() => debtors.id),
		kind: text('kind').$type<MessageKind>().notNull().default('notice'),
		/** Collection contacts: 'offer' (never to a debtor in an agreement) or 'reminder'. */
		purpose: text('purpose').$type<'offer' | 'reminder'>(),
		channel: text('channel').$type<'sms' | 'whatsapp' | 'email'>().notNull(),
		to: text('to').notNull(),
		text: text('text').notNull(),
		/** E-mail subject and HTML; WhatsApp template `{ name, language, params }`. */
		subject: text('subject'),
		html: text('html'),
		template: jsonb('template').$type<{ name: string; language: string; params: string[] }>(),
		/** Channels still to try, in order, if this one cannot reach the debtor. */
		fallback: jsonb('fallback').$type<('sms' | 'whatsapp' | 'email')[]>().notNull().default([]),
		groupId: uuid('group_id'),
		campaignId: uuid('campaign_id'),
		/** Régua step that sent it, and the debt, agreement or installment it is about. */
		reguaStep: text('regua_step'),
		reguaSubjectId: uuid('regua_subject_id'),
		status: text('status').$type<MessageStatus>().notNull().default('queued'),
		/** Why it waits, was skipped or failed (a rule code, a provider error). */
		reason: text('reason'),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
		/** Failed for good after retries, or by a permanent error: a dead letter (retry button). */
		dead: boolean('dead').notNull().default(false),
		/** The provider account used ('env' for the environment's default) and the provider's id. */
		provider: text('provider'),
		accountId: text('account_id'),
		providerId: text('provider_id'),
		/** When it was handed to a provider: counts against the contact caps from then on. */
		contactedAt: timestamp('contacted_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		sentAt: timestamp('sent_at', { withTimezone: true }),
		deliveredAt: timestamp('delivered_at', { withTimezone: true }),
		readAt: timestamp('read_at', { withTimezone: true }),
		failedAt: timestamp('failed_at', { withTimezone: true }),
		clickedAt: timestamp('clicked_at', { withTimezone: true })
	},
	(t) => [
		index('outbox_agency_created').on(t.agencyId, t.createdAt),
		index('outbox_due').on(t.nextAttemptAt, t.id).where(sql`${t.status} = 'queued'`),
		index('outbox_sending').on(t.nextAttemptAt).where(sql`${t.status} = 'sending'`),
		index('outbox_provider_id').on(t.providerId),
		index('outbox_debtor_contacted').on(t.debtorId, t.contactedAt),
		index('outbox_campaign').on(t.campaignId, t.status),
		index('outbox_dead').on(t.agencyId, t.createdAt).where(sql`${t.dead} or ${t.status} = 'unknown'`)
	]
);

export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		agencyId: uuid('agency_id'),
		actorType: text('actor_type').$type<'debtor' | 'staff' | 'system' | 'cli'>().notNull(),
		actorId: text('actor_id'),
		action: text('action').notNull(),
		entity: text('entity'),
		entityId: text('entity_id'),
		ip: text('ip'),
		data: jsonb('data')
	},
	(t) => [index('audit_log_agency_at').on(t.agencyId, t.at)]
);

export type FunnelStep = 'identified' | 'offers_viewed' | 'agreement' | 'first_payment' | 'settled';

/** The debtor's funnel, one row per step reached, for the KPIs (never used to decide anything). */
export const funnelEvents = pgTable(
	'funnel_events',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		creditorId: uuid('creditor_id').references(() => creditors.id),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		step: text('step').$type<FunnelStep>().notNull(),
		/** 'portal' for self-service, 'staff' or 'api' otherwise (digital share). */
		channel: text('channel').notNull().default('portal'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('funnel_events_agency_at').on(t.agencyId, t.at),
		index('funnel_events_creditor_at').on(t.creditorId, t.at),
		// "Already recorded today?", asked on every view of the offers page.
		index('funnel_events_debtor_step_at').on(t.debtorId, t.step, t.at)
	]
);
