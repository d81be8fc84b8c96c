import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as report from '$lib/server/campaigns/report';
import { STATUS_LABELS } from '$lib/server/campaigns';

export const load = async ({ params }) => {
	const me = requireStaff('read');
	const r = await report.forCampaign(db(), me, params.id);
	if (!r) error(404, 'Campanha não encontrada.');
	return { report: r, statusLabel: STATUS_LABELS[r.campaign.status as keyof typeof STATUS_LABELS] ?? r.campaign.status, tailDays: report.CAMPAIGN_TAIL_DAYS };
};
