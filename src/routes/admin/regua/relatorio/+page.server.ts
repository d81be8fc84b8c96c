import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as kpis from '$lib/server/kpis';
import * as report from '$lib/server/campaigns/report';

export const load = async ({ url }) => {
	const me = requireStaff('read');
	const q = url.searchParams;
	const asked = kpis.parsePeriod(q.get('de'), q.get('ate'));
	const creditors = (await creditorsInReach(db(), me)).map((c) => ({ id: c.id, displayName: c.displayName }));
	const creditorId = q.get('credor') || me.creditorId || creditors[0]?.id;
	const r = creditorId ? await report.forRegua(db(), me, creditorId, asked.period) : null;
	if (creditorId && !r) error(404, 'Credor não encontrado.');
	return { report: r, period: asked.period, message: asked.ok ? null : asked.message, creditors, windowDays: report.STEP_WINDOW_DAYS };
};
