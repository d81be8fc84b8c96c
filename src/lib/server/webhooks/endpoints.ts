import { and, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../db/schema';
import * as access from '../access';
import * as audit from '../audit';
import * as jobs from '../jobs';
import { seal } from '../auth/secrets';
import { config } from '../config';
import type { WebhookEndpointInput } from '../../schemas/webhooks';
import { newSecret } from './signature';
import { SECRET_PURPOSE } from './deliver';
import { RETRY_WINDOW_MS } from './outbox';
import { checkUrl, resolvesPublic } from './url';

/**
 * A creditor's webhook endpoints, managed by its staff (admin area) or by its own API key: every
 * query is scoped by `access.where.creditorId`, so B's endpoints do not exist for A.
 */

/** Who acts: a person, or an API key (audited as the system, naming the key). */
export type Actor = { type: 'staff'; id: string } | { type: 'api'; keyId: string; keyName: string };

type Options = { production: boolean; ip?: string | null };

/** The options of a request in this deployment (production is NODE_ENV's). */
export function options(ip?: string | null): Options {
	return { production: config().NODE_ENV === 'production', ip: ip ?? null };
}

const inReach = (r: access.Reach) => access.where.creditorId(r, webhookEndpoints.creditorId);

function auditActor(actor: Actor) {
	return actor.type === 'staff'
		? { actorType: 'staff' as const, actorId: actor.id, via: {} }
		: { actorType: 'system' as const, actorId: actor.keyId, via: { via: 'api', apiKey: { id: actor.keyId, name: actor.keyName } } };
}

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type EndpointListing = Omit<EndpointRow, 'secretSealed'> & { creditor: { id: string; displayName: string }; pending: number; failed: number };

export async function list(db: DbOrTx, r: access.Reach): Promise<EndpointListing[]> {
	const { secretSealed: _s, ...cols } = getTableColumns(webhookEndpoints);
	void _s;
	return db
		.select({
			...cols,
			creditor: { id: creditors.id, displayName: creditors.displayName },
			pending: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = ${webhookEndpoints.id} and d.status = 'pending')`,
			failed: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = ${webhookEndpoints.id} and d.status = 'failed')`
		})
		.from(webhookEndpoints)
		.innerJoin(creditors, eq(creditors.id, webhookEndpoints.creditorId))
		.where(inReach(r))
		.orderBy(sql`${webhookEndpoints.disabledAt} is not null`, desc(webhookEndpoints.createdAt));
}

/** One endpoint within reach, or null (404 for the caller, revealing nothing). */
export async function find(db: DbOrTx, r: access.Reach, id: string): Promise<(EndpointRow & { creditor: { id: string; displayName: string; agencyId: string } }) | null> {
	if (!access.isUuid(id)) return null;
	const [row] = await db
		.select({ endpoint: webhookEndpoints, creditor: { id: creditors.id, displayName: creditors.displayName, agencyId: creditors.agencyId } })
		.from(webhookEndpoints)
		.innerJoin(creditors, eq(creditors.id, webhookEndpoints.creditorId))
		.where(and(eq(webhookEndpoints.id, id), inReach(r)));
	return row ? { ...row.endpoint, creditor: row.creditor } : null;
}

export type CreateResult = { ok: true; endpoint: EndpointRow; secret: string } | { ok: false; field: 'url' | 'creditorId'; message: string };

/** Creates an endpoint with a new secret, returned this once (only its sealed form is stored). */
export async function create(tx: DbOrTx, r: access.Reach, actor: Actor, input: WebhookEndpointInput & { creditorId: string }, opts: Options): Promise<CreateResult> {
	const [creditor] = access.isUuid(input.creditorId)
		? await tx.select({ id: creditors.id, agencyId: creditors.agencyId }).from(creditors).where(and(eq(creditors.id, input.creditorId), access.where.creditor(r)))
		: [];
	if (!creditor) return { ok: false, field: 'creditorId', message: 'Credor não encontrado.' };
	const url = await checkedUrl(input.url, opts.production);
	if (!url.ok) return { ok: false, field: 'url', message: url.message };
	const secret = newSecret();
	const [endpoint] = await tx
		.insert(webhookEndpoints)
		.values({
			creditorId: creditor.id,
			url: url.url,
			description: input.description,
			events: input.events,
			secretSealed: seal(SECRET_PURPOSE, new TextEncoder().encode(secret)),
			createdBy: actor.type === 'staff' ? actor.id : null
		})
		.returning();
	const a = auditActor(actor);
	await audit.record(tx, {
		agencyId: creditor.agencyId,
		actorType: a.actorType,
		actorId: a.actorId,
		action: 'webhook.create',
		entity: 'webhook_endpoint',
		entityId: endpoint.id,
		ip: opts.ip ?? null,
		data: { ...a.via, after: { creditorId: creditor.id, url: endpoint.url, description: endpoint.description, events: endpoint.events } }
	});
	return { ok: true, endpoint, secret };
}

async function checkedUrl(raw: string, production: boolean) {
	const first = checkUrl(raw, production);
	if (!first.ok || !production) return first;
	return resolvesPublic(first.url);
}

type Change = { ok: true; endpoint: EndpointRow } | { ok: false };

async function change(tx: DbOrTx, r: access.Reach, actor: Actor, id: string, action: string, set: Partial<typeof webhookEndpoints.$inferInsert>, opts: Options, data: Record<string, unknown> = {}): Promise<Change> {
	const found = await find(tx, r, id);
	if (!found) return { ok: false };
	const [endpoint] = await tx.update(webhookEndpoints).set({ ...set, updatedAt: new Date() }).where(eq(webhookEndpoints.id, id)).returning();
	const a = auditActor(actor);
	await audit.record(tx, {
		agencyId: found.creditor.agencyId,
		actorType: a.actorType,
		actorId: a.actorId,
		action,
		entity: 'webhook_endpoint',
		entityId: id,
		ip: opts.ip ?? null,
		data: { ...a.via, url: found.url, ...data }
	});
	return { ok: true, endpoint };
}

/** Disabled: no new events are queued for it and what is pending waits; enabling resumes. */
export async function setDisabled(tx: DbOrTx, r: access.Reach, actor: Actor, id: string, disabled: boolean, opts: Options): Promise<Change> {
	const result = await change(tx, r, actor, id, disabled ? 'webhook.disable' : 'webhook.enable', { disabledAt: disabled ? new Date() : null }, opts);
	if (result.ok && !disabled) await jobs.enqueue(tx, 'deliver-webhooks', {}, { jobKey: 'deliver-webhooks' });
	return result;
}

/** A new secret at once (the old one stops signing): returned this once. */
export async function rotateSecret(tx: DbOrTx, r: access.Reach, actor: Actor, id: string, opts: Options): Promise<{ ok: true; secret: string; endpoint: EndpointRow } | { ok: false }> {
	const secret = newSecret();
	const result = await change(tx, r, actor, id, 'webhook.rotate_secret', { secretSealed: seal(SECRET_PURPOSE, new TextEncoder().encode(secret)) }, opts);
	return result.ok ? { ok: true, secret, endpoint: result.endpoint } : { ok: false };
}

/** Deletes the endpoint and its delivery log (the audit log keeps the record). */
export async function remove(tx: DbOrTx, r: access.Reach, actor: Actor, id: string, opts: Options): Promise<{ ok: boolean }> {
	const found = await find(tx, r, id);
	if (!found) return { ok: false };
	await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
	const a = auditActor(actor);
	await audit.record(tx, {
		agencyId: found.creditor.agencyId,
		actorType: a.actorType,
		actorId: a.actorId,
		action: 'webhook.delete',
		entity: 'webhook_endpoint',
		entityId: id,
		ip: opts.ip ?? null,
		data: { ...a.via, before: { creditorId: found.creditorId, url: found.url, description: found.description, events: found.events } }
	});
	return { ok: true };
}

export type DeliveryListing = {
	id: string;
	eventId: string;
	type: string;
	status: string;
	attempts: number;
	nextAttemptAt: Date;
	lastStatusCode: number | null;
	lastError: string | null;
	deliveredAt: Date | null;
	createdAt: Date;
	body: string;
	tries: { at: Date; statusCode: number | null; latencyMs: number; error: string | null; responseBody: string | null }[];
};

/** The endpoint's latest deliveries with their attempts, newest first. */
export async function deliveries(db: DbOrTx, r: access.Reach, endpointId: string, limit = 50): Promise<DeliveryListing[] | null> {
	const endpoint = await find(db, r, endpointId);
	if (!endpoint) return null;
	const rows = await db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.endpointId, endpointId))
		.orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
		.limit(limit);
	const tries = rows.length
		? await db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, rows.map((d) => d.id))).orderBy(webhookAttempts.at, webhookAttempts.id)
		: [];
	return rows.map((d) => ({
		id: d.id,
		eventId: d.eventId,
		type: d.type,
		status: d.status,
		attempts: d.attempts,
		nextAttemptAt: d.nextAttemptAt,
		lastStatusCode: d.lastStatusCode,
		lastError: d.lastError,
		deliveredAt: d.deliveredAt,
		createdAt: d.createdAt,
		body: d.body,
		tries: tries
			.filter((t) => t.deliveryId === d.id)
			.map((t) => ({ at: t.at, statusCode: t.statusCode, latencyMs: t.latencyMs, error: t.error, responseBody: t.responseBody }))
	}));
}

/**
 * Sends a delivery again (same webhook-id and body, signed anew): it goes back to pending, due
 * now, with a fresh 3-day retry window. A delivery still waiting for its next attempt is just
 * moved to now.
 */
export async function replay(tx: DbOrTx, r: access.Reach, actor: Actor, endpointId: string, deliveryId: string, opts: Options): Promise<{ ok: true; endpoint: EndpointRow } | { ok: false }> {
	const endpoint = await find(tx, r, endpointId);
	if (!endpoint || !access.isUuid(deliveryId)) return { ok: false };
	const [updated] = await tx
		.update(webhookDeliveries)
		.set({ status: 'pending', nextAttemptAt: sql`now()`, giveUpAt: sql`now() + ${RETRY_WINDOW_MS} * interval '1 millisecond'`, updatedAt: new Date() })
		.where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
		.returning({ eventId: webhookDeliveries.eventId, type: webhookDeliveries.type });
	if (!updated) return { ok: false };
	const a = auditActor(actor);
	await audit.record(tx, {
		agencyId: endpoint.creditor.agencyId,
		actorType: a.actorType,
		actorId: a.actorId,
		action: 'webhook.replay',
		entity: 'webhook_endpoint',
		entityId: endpointId,
		ip: opts.ip ?? null,
		data: { ...a.via, delivery: deliveryId, eventId: updated.eventId, type: updated.type }
	});
	await jobs.enqueue(tx, 'deliver-webhooks', {}, { jobKey: 'deliver-webhooks' });
	return { ok: true, endpoint };
}
