import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../db/client';
import * as jobs from '../jobs';
import { textArray } from '../import';

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
	return (await emitAll(tx, [event]))[0];
}

/** `emit` for several events of one creditor in one statement (a payment's two or three). Their ids, in order. */
export async function emitAll(tx: DbOrTx, events: Event[]): Promise<string[]> {
	if (events.length === 0) return [];
	const creditorId = events[0].creditorId;
	if (events.some((e) => e.creditorId !== creditorId)) throw new Error('emitAll: eventos de credores diferentes');
	const now = new Date();
	const ids = events.map(() => `evt_${randomUUID().replaceAll('-', '')}`);
	const inserted = await tx.execute<{ id: string }>(sql`
		insert into webhook_deliveries (endpoint_id, creditor_id, event_id, type, body, next_attempt_at, give_up_at)
		select e.id, e.creditor_id, v.event_id, v.type, v.body, now(), now() + ${RETRY_WINDOW_MS} * interval '1 millisecond'
		from unnest(${textArray(ids)}::text[], ${textArray(events.map((e) => e.type))}::text[], ${textArray(events.map((e) => body(e.type, e.at ?? now, e.data)))}::text[]) with ordinality as v(event_id, type, body, n)
		join webhook_endpoints e on e.creditor_id = ${creditorId}::uuid and e.disabled_at is null and v.type = any(e.events)
		order by v.n, e.id
		returning id`);
	if (inserted.length > 0) await jobs.enqueue(tx, 'deliver-webhooks', {}, { jobKey: 'deliver-webhooks' });
	return ids;
}
