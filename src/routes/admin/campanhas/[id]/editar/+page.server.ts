import { error, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { valuesFromCampaign } from '$lib/components/admin/campaign-form';
import { campaignInReach } from '../../campaign.server';
import { editorData, saveFromForm } from '../../form.server';

const NOT_A_DRAFT = 'Só um rascunho pode ser editado; esta campanha já começou.';

export const load = async ({ params }) => {
	const { me, row } = await campaignInReach(db(), 'manage_campaigns', params.id);
	if (row.status !== 'draft') redirect(303, `/admin/campanhas/${row.id}?aviso=nao-editavel`);
	return { ...(await editorData(me)), id: row.id, name: row.name, values: valuesFromCampaign(row.creditorId, row.body) };
};

export const actions = {
	default: async ({ request, params }) => {
		const { me, row } = await campaignInReach(db(), 'manage_campaigns', params.id);
		if (row.status !== 'draft') error(409, NOT_A_DRAFT);
		return saveFromForm(me, request, row.id);
	}
};
