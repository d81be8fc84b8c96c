import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { csvDownload } from '$lib/server/http/download';
import * as kpis from '$lib/server/kpis';
import * as report from '$lib/server/campaigns/report';

/** Every figure of a creditor's régua, step by step and per channel, for the period, as CSV for Excel. */
export const GET = async ({ url }) => {
	const me = requireStaff('read');
	const q = url.searchParams;
	const asked = kpis.parsePeriod(q.get('de'), q.get('ate'));
	if (!asked.ok) error(400, asked.message);
	const creditorId = q.get('credor') || me.creditorId;
	if (!creditorId) error(400, 'Escolha o credor.');
	const r = await report.forRegua(db(), me, creditorId, asked.period);
	if (!r) error(404, 'Credor não encontrado.');
	return csvDownload(report.reguaCsv(r), report.reguaCsvName(r));
};
