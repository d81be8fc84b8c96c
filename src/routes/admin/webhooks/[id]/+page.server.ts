import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as webhooks from '$lib/server/webhooks';

const NOT_FOUND = 'Endpoint não encontrado.';

export const load = async ({ params }) => {
	const me = requireStaff('manage_webhooks');
	const [endpoint, log] = await Promise.all([webhooks.endpoints.find(db(), me, params.id), webhooks.endpoints.deliveries(db(), me, params.id)]);
	if (!endpoint || !log) error(404, NOT_FOUND);
	return {
		endpoint: {
			id: endpoint.id,
			url: endpoint.url,
			description: endpoint.description,
			creditor: endpoint.creditor.displayName,
			events: endpoint.events.map((t) => webhooks.EVENT_LABELS[t as webhooks.EventType] ?? t),
			disabled: endpoint.disabledAt !== null,
			createdAt: endpoint.createdAt.toISOString()
		},
		deliveries: log.map((d) => ({
			id: d.id,
			eventId: d.eventId,
			type: d.type,
			status: d.status,
			attempts: d.attempts,
			nextAttemptAt: d.nextAttemptAt.toISOString(),
			createdAt: d.createdAt.toISOString(),
			lastError: d.lastError,
			tries: d.tries.map((t) => ({ at: t.at.toISOString(), statusCode: t.statusCode, latencyMs: t.latencyMs, error: t.error, responseBody: t.responseBody }))
		}))
	};
};

const who = () => {
	const me = requireStaff('manage_webhooks');
	return { me, actor: { type: 'staff' as const, id: me.id } };
};

export const actions = {
	desativar: async ({ params, getClientAddress }) => {
		const { me, actor } = who();
		const r = await db().transaction((tx) => webhooks.endpoints.setDisabled(tx, me, actor, params.id, true, webhooks.endpoints.options(getClientAddress())));
		if (!r.ok) error(404, NOT_FOUND);
		return { message: 'Endpoint desativado: ele não recebe novos eventos até ser reativado.' };
	},
	ativar: async ({ params, getClientAddress }) => {
		const { me, actor } = who();
		const r = await db().transaction((tx) => webhooks.endpoints.setDisabled(tx, me, actor, params.id, false, webhooks.endpoints.options(getClientAddress())));
		if (!r.ok) error(404, NOT_FOUND);
		return { message: 'Endpoint reativado: as entregas pendentes seguem agora.' };
	},
	segredo: async ({ params, getClientAddress }) => {
		const { me, actor } = who();
		const r = await db().transaction((tx) => webhooks.endpoints.rotateSecret(tx, me, actor, params.id, webhooks.endpoints.options(getClientAddress())));
		if (!r.ok) error(404, NOT_FOUND);
		return { secret: r.secret };
	},
	reenviar: async ({ params, request, getClientAddress }) => {
		const { me, actor } = who();
		const delivery = String((await request.formData()).get('delivery') ?? '');
		const r = await db().transaction((tx) => webhooks.endpoints.replay(tx, me, actor, params.id, delivery, webhooks.endpoints.options(getClientAddress())));
		if (!r.ok) return fail(404, { message: 'Entrega não encontrada.' });
		return { message: 'Entrega reenviada: ela sai nos próximos segundos.' };
	},
	excluir: async ({ params, request, getClientAddress }) => {
		const { me, actor } = who();
		if ((await request.formData()).get('confirmo') !== 'sim') return fail(400, { confirmError: 'Marque a confirmação para excluir o endpoint.' });
		const r = await db().transaction((tx) => webhooks.endpoints.remove(tx, me, actor, params.id, webhooks.endpoints.options(getClientAddress())));
		if (!r.ok) error(404, NOT_FOUND);
		redirect(303, '/admin/webhooks?excluido=1');
	}
};
