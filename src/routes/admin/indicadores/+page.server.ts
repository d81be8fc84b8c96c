import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as kpis from '$lib/server/kpis';

export const load = async ({ url }) => {
	const me = requireStaff('read');
	const q = url.searchParams;
	const asked = kpis.parsePeriod(q.get('de'), q.get('ate'));
	const reach = await kpis.scopeFor(db(), me, q.get('credor'));
	if (!reach) error(404, 'Credor não encontrado.');
	const [figures, creditors] = await Promise.all([kpis.compute(db(), reach.scope, asked.period), creditorsInReach(db(), me)]);
	return {
		figures,
		message: asked.ok ? null : asked.message,
		creditorId: reach.scope.creditorId,
		creditorName: reach.creditorName,
		agencyWide: me.creditorId === null,
		creditors: creditors.map((c) => ({ id: c.id, displayName: c.displayName }))
	};
};
