import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { can } from '$lib/server/staff';
import * as campaigns from '$lib/server/campaigns';
import { campaignInReach, creditorName, progressView } from '../campaign.server';

const CONFIRMS = ['iniciar', 'cancelar'] as const;

export const load = async ({ params, url }) => {
	const { me, row } = await campaignInReach(db(), 'read', params.id);
	const canManage = can(me, 'manage_campaigns');
	const asked = url.searchParams.get('confirmar');
	return {
		campaign: {
			id: row.id,
			name: row.name,
			status: row.status,
			statusLabel: campaigns.STATUS_LABELS[row.status],
			body: row.body,
			creditor: await creditorName(db(), row.creditorId),
			startedAt: row.startedAt?.toISOString() ?? null
		},
		estimate: row.status === 'draft' ? await campaigns.estimate(db(), row) : null,
		progress: row.status === 'draft' ? null : await progressView(db(), row),
		canManage,
		confirm: canManage ? (CONFIRMS.find((c) => c === asked) ?? null) : null,
		done: url.searchParams.get('feito'),
		notEditable: url.searchParams.get('aviso') === 'nao-editavel' && row.status !== 'draft'
	};
};

/** Start, pause, resume or cancel: each a transition of `campaigns`, refused (409) from the wrong state. */
async function transition(id: string, run: (actor: campaigns.Actor) => ReturnType<typeof campaigns.move>, done: string) {
	const { actor, row } = await campaignInReach(db(), 'manage_campaigns', id);
	const r = await run(actor);
	if (!r.ok && r.status === 404) error(404, r.message);
	if (!r.ok) return fail(409, { message: r.message });
	redirect(303, `/admin/campanhas/${row.id}?feito=${done}`);
}

export const actions = {
	iniciar: ({ params }) => transition(params.id, (actor) => campaigns.start(db(), actor, params.id), 'iniciada'),
	pausar: ({ params }) => transition(params.id, (actor) => campaigns.move(db(), actor, params.id, 'pause'), 'pausada'),
	retomar: ({ params }) => transition(params.id, (actor) => campaigns.move(db(), actor, params.id, 'resume'), 'retomada'),
	cancelar: ({ params }) => transition(params.id, (actor) => campaigns.move(db(), actor, params.id, 'cancel'), 'cancelada')
};
