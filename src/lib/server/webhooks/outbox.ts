import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../db/client';
import * as jobs from '../jobs';

export const EVENT_TYPES = ['agreement.created', 'installment.paid', 'agreement.settled', 'agreement.broken', 'agreement.cancelled', 'debtor.delisting_due'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_LABELS: Record<EventType, string> = {
	'agreement.created': 'Acordo feito',
	'installment.paid': 'Parcela paga',
	'agreement.settled': 'Acordo quitado',
	'agreement.broken': 'Acordo quebrado',
	'agreement.cancelled': 'Acordo cancelado',
	'debtor.delisting_due': 'Baixa da negativação devida (Súmula 548)'
};

/** Retries stop this long after the event (or after a replay): then the delivery is failed. */
export const RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

export type Event = { creditorId: string; type: EventType; data: Record<string, unknown>; at?: Date };

/** `{ type, timestamp, data }`, the body every endpoint receives for an event. */
export function body(type: EventType, at: Date, data: Record<string, unknown>): string {
	return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

/**
 * Queues an event for every active endpoint of the creditor subscribed to its type, IN THE
 * CALLER'S TRANSACTION (an outbox): nothing is sent here, and nothing is queued unless the change
 * commits. The delivery job starts as soon as the transaction commits. Returns the event id.
 */
export async function emit(tx: DbOrTx, event: Event): Promise<string> {
	const at = event.at ?? new Date();
	const eventId = `evt_${randomUUID().replaceAll('-', '')}`;
	const text = body(event.type, at, event.data);
	const inserted = await tx.execute<{ id: string }>(sql`
		insert into webhook_deliveries (endpoint_id, creditor_id, event_id, type, body, next_attempt_at, give_up_at)
		select e.id, e.creditor_id, ${eventId}, ${event.type}, ${text}, now(), now() + ${RETRY_WINDOW_MS} * interval '1 millisecond'
		from webhook_endpoints e
		where e.creditor_id = ${event.creditorId}::uuid and e.disabled_at is null and ${event.type} = any(e.events)
		returning id`);
	if (inserted.length > 0) await jobs.enqueue(tx, 'deliver-webhooks', {}, { jobKey: 'deliver-webhooks' });
	return eventId;
}
