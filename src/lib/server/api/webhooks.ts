import type { Tx } from '../db/client';
import * as webhooks from '../webhooks';
import { webhookEndpointRequestSchema } from '../../schemas/api';
import type { ApiPrincipal } from './keys';
import { problem, type ApiResult } from './problem';
import * as api from './http';

/**
 * The API face of webhooks: a key manages its own creditor's endpoints (and only those), with
 * the same rules and audit as the admin area.
 */

type Endpoint = webhooks.endpoints.EndpointRow;

function endpointJson(e: Endpoint) {
	return {
		id: e.id,
		url: e.url,
		description: e.description,
		events: e.events,
		status: e.disabledAt ? ('disabled' as const) : ('active' as const),
		created_at: e.createdAt.toISOString(),
		updated_at: e.updatedAt.toISOString()
	};
}

const actorOf = (key: ApiPrincipal) => ({ type: 'api' as const, keyId: key.keyId, keyName: key.keyName });
const notFound = (url: URL) => problem(url, 'nao-encontrado', 'Endpoint de webhook não encontrado para o credor desta chave.');

export const list = api.read(async (db, { key }) => ({ status: 200, body: { data: (await webhooks.endpoints.list(db, key)).map((e) => endpointJson({ ...e, secretSealed: '' })) } }));

export const create = api.write(async (tx: Tx, { key, url, body }): Promise<ApiResult> => {
	const parsed = webhookEndpointRequestSchema.safeParse(body ?? {});
	if (!parsed.success) {
		return problem(url, 'validacao', 'O endpoint tem dados inválidos.', parsed.error.issues.map((i) => ({ field: i.path.join('.') || null, message: i.message })));
	}
	const r = await webhooks.endpoints.create(tx, key, actorOf(key), { ...parsed.data, creditorId: key.creditorId }, webhooks.endpoints.options());
	if (!r.ok) return problem(url, 'validacao', r.message, [{ field: r.field === 'creditorId' ? null : r.field, message: r.message }]);
	return { status: 200, body: { ...endpointJson(r.endpoint), secret: r.secret } };
});

export const remove = api.write(async (tx, { key, url, params }) => {
	const r = await webhooks.endpoints.remove(tx, key, actorOf(key), params.id, webhooks.endpoints.options());
	return r.ok ? { status: 200, body: { id: params.id, deleted: true } } : notFound(url);
});

export const setDisabled = (disabled: boolean) =>
	api.write(async (tx, { key, url, params }) => {
		const r = await webhooks.endpoints.setDisabled(tx, key, actorOf(key), params.id, disabled, webhooks.endpoints.options());
		return r.ok ? { status: 200, body: endpointJson(r.endpoint) } : notFound(url);
	});

export const rotateSecret = api.write(async (tx, { key, url, params }) => {
	const r = await webhooks.endpoints.rotateSecret(tx, key, actorOf(key), params.id, webhooks.endpoints.options());
	return r.ok ? { status: 200, body: { ...endpointJson(r.endpoint), secret: r.secret } } : notFound(url);
});

export const deliveries = api.read(async (db, { key, url, params }) => {
	const log = await webhooks.endpoints.deliveries(db, key, params.id);
	if (!log) return notFound(url);
	return {
		status: 200,
		body: {
			data: log.map((d) => ({
				id: d.id,
				event_id: d.eventId,
				type: d.type,
				status: d.status,
				attempts: d.attempts,
				next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
				created_at: d.createdAt.toISOString(),
				payload: JSON.parse(d.body),
				tries: d.tries.map((t) => ({ at: t.at.toISOString(), status_code: t.statusCode, latency_ms: t.latencyMs, error: t.error, response_body: t.responseBody }))
			}))
		}
	};
});

export const replay = api.write(async (tx, { key, url, params }) => {
	const r = await webhooks.endpoints.replay(tx, key, actorOf(key), params.id, params.delivery_id, webhooks.endpoints.options());
	return r.ok ? { status: 200, body: { id: params.delivery_id, status: 'pending' } } : problem(url, 'nao-encontrado', 'Entrega não encontrada neste endpoint.');
});
