import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { can, type StaffPrincipal } from '$lib/server/staff';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as campaigns from '$lib/server/campaigns';
import { checkForm, valuesFromForm, type CampaignFormValues } from '$lib/components/admin/campaign-form';
import type { Finding } from '$lib/messaging/template';
import { actorOf, limitsOf } from './campaign.server';

/** What the campaign editor needs besides the values: creditors in reach, their limits, the price of each channel. */
export async function editorData(me: StaffPrincipal) {
	const creditors = await creditorsInReach(db(), me);
	return {
		creditors: creditors.map((c) => ({ id: c.id, displayName: c.displayName })),
		limits: await limitsOf(db(), creditors.map((c) => c.id)),
		costs: await campaigns.costPerMessageMillicents(db(), me.agencyId),
		canOverrideLint: can(me, 'override_template_lint')
	};
}

/** The save action of the editor (new draft, or the draft `id`): the form checked, then `campaigns.save`. */
export async function saveFromForm(me: StaffPrincipal, request: Request, id?: string) {
	const values: CampaignFormValues = valuesFromForm(await request.formData());
	const checked = checkForm(values);
	if (Object.keys(checked.errors).length) return fail(400, { values, errors: checked.errors, findings: [] as Finding[], message: 'Corrija os campos indicados.' });
	const r = await campaigns.save(db(), actorOf(me), { creditorId: checked.creditorId, id, body: checked.body, overrideLint: values.overrideLint });
	if (r.ok) redirect(303, `/admin/campanhas/${r.id}?feito=salva`);
	if (r.status === 404) error(404, r.message);
	return fail(r.status, { values, errors: r.errors ?? {}, findings: r.findings ?? [], message: r.message });
}
