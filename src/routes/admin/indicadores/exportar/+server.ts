import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { csvDownload } from '$lib/server/http/download';
import * as kpis from '$lib/server/kpis';

/** Every figure of the dashboard, for the same period and creditor, as CSV for Excel. */
export const GET = async ({ url }) => {
	const me = requireStaff('read');
	const q = url.searchParams;
	const asked = kpis.parsePeriod(q.get('de'), q.get('ate'));
	if (!asked.ok) error(400, asked.message);
	const reach = await kpis.scopeFor(db(), me, q.get('credor'));
	if (!reach) error(404, 'Credor não encontrado.');
	const figures = await kpis.compute(db(), reach.scope, asked.period);
	return csvDownload(kpis.toCsv(figures, reach.creditorName), `indicadores-${asked.period.from}-a-${asked.period.to}.csv`);
};
