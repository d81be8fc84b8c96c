import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { csvDownload } from '$lib/server/http/download';
import * as report from '$lib/server/campaigns/report';

/** Every figure of the campaign's report, per channel, as CSV for Excel. */
export const GET = async ({ params }) => {
	const me = requireStaff('read');
	const r = await report.forCampaign(db(), me, params.id);
	if (!r) error(404, 'Campanha não encontrada.');
	return csvDownload(report.campaignCsv(r), report.campaignCsvName(r));
};
