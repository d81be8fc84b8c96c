import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { campaignInReach, progressView } from '../../campaign.server';

/** The campaign page polls this every few seconds while the campaign runs. */
export const GET = async ({ params }) => {
	const { row } = await campaignInReach(db(), 'read', params.id);
	return json(await progressView(db(), row), { headers: { 'cache-control': 'no-store' } });
};
