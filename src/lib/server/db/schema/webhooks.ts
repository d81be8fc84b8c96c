import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, integer, index, uniqueIndex, bigserial } from 'drizzle-orm/pg-core';
import { creditors } from './tenancy';
import { staff } from './staff';

/**
 * Endpoints of a creditor's ERP that receive its events as Standard Webhooks. The signing secret
 * (`whsec_…`) is sealed with APP_SECRET and shown once, at creation and at each rotation.
 */
export const webhookEndpoints = pgTable(
	'webhook_endpoints',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		url: text('url').notNull(),
		description: text('description').notNull().default(''),
		/** Event types this endpoint receives. */
		events: text('events').array().notNull(),
		secretSealed: text('secret_sealed').notNull(),
		createdBy: uuid('created_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
		/** Disabled: receives no new events, and what is pending for it waits. */
		disabledAt: timestamp('disabled_at', { withTimezone: true })
	},
	(t) => [index('webhook_endpoints_creditor').on(t.creditorId)]
);

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * The outbox: one row per event and endpoint, written in the transaction of the change that caused
 * the event; the `deliver-webhooks` job sends it. `event_id` is the `webhook-id` header, the same
 * for every attempt and every endpoint of one event (receivers deduplicate by it).
 */
export const webhookDeliveries = pgTable(
	'webhook_deliveries',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		endpointId: uuid('endpoint_id')
			.notNull()
			.references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		eventId: text('event_id').notNull(),
		type: text('type').notNull(),
		/** The exact body signed and sent. */
		body: text('body').notNull(),
		status: text('status').$type<WebhookDeliveryStatus>().notNull().default('pending'),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
		/** Retries stop after this instant (3 days after the event, or after a replay). */
		giveUpAt: timestamp('give_up_at', { withTimezone: true }).notNull(),
		lastStatusCode: integer('last_status_code'),
		lastError: text('last_error'),
		deliveredAt: timestamp('delivered_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('webhook_deliveries_endpoint_event').on(t.endpointId, t.eventId),
		index('webhook_deliveries_endpoint_created').on(t.endpointId, t.createdAt),
		index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`status = 'pending'`)
	]
);

/** Each HTTP attempt of a delivery: what came back (status, a truncated body) or what failed, and how long it took. */
export const webhookAttempts = pgTable(
	'webhook_attempts',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		deliveryId: uuid('delivery_id')
			.notNull()
			.references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
		at: timestamp('at', { withTimezone: true }).notNull(),
		statusCode: integer('status_code'),
		latencyMs: integer('latency_ms').notNull(),
		error: text('error'),
		responseBody: text('response_body')
	},
	(t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.at)]
);
