import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as report from '$lib/server/campaigns/report';

/** Every figure of the campaign's report, per channel, as CSV for Excel. */
export const GET = async ({ params }) => {
	const me = requireStaff('read');
	const r = await report.forCampaign(db(), me, params.id);
	if (!r) error(404, 'Campanha não encontrada.');
	return new Response(report.campaignCsv(r), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${report.campaignCsvName(r)}"`,
			'cache-control': 'private, no-store'
		}
	});
};
