import { pgTable, uuid, text, timestamp, jsonb, bigserial, index } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';
import { debtors } from './debts';

/** Every outgoing message (SMS, WhatsApp, e-mail) is recorded here before a driver sends it. */
export const outbox = pgTable(
	'outbox',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		/** The creditor the message speaks for (its staff see it); null for the agency's own. */
		creditorId: uuid('creditor_id').references(() => creditors.id),
		channel: text('channel').$type<'sms' | 'whatsapp' | 'email'>().notNull(),
		to: text('to').notNull(),
		text: text('text').notNull(),
		status: text('status').$type<'pending' | 'sending' | 'sent' | 'failed'>().notNull().default('pending'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		sentAt: timestamp('sent_at', { withTimezone: true })
	},
	(t) => [index('outbox_agency_created').on(t.agencyId, t.createdAt)]
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
