import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as registration from '$lib/server/payments/registration';

const actor = (me: { id: string; agencyId: string; creditorId: string | null }) => ({ agencyId: me.agencyId, creditorId: me.creditorId, id: me.id, actorType: 'staff' as const });

export const load = async ({ url }) => {
	const me = requireStaff('act_on_agreements');
	const creditors = await creditorsInReach(db(), me);
	const chosen = creditors.find((c) => c.id === url.searchParams.get('credor')) ?? creditors[0] ?? null;
	if (!chosen) return { creditors: [], creditor: null, settings: null, files: [], canConfigure: false };
	const [settings, files] = await Promise.all([registration.settingsOf(db(), me, chosen.id), registration.files(db(), me, chosen.id)]);
	return {
		creditors: creditors.map((c) => ({ id: c.id, name: c.displayName })),
		creditor: { id: chosen.id, name: chosen.displayName },
		settings: settings && {
			configured: settings.configured,
			bank: { code: settings.bankCode, agency: settings.agency, account: settings.account, wallet: settings.wallet },
			convenio: settings.convenio ?? '',
			agencyDigit: settings.agencyDigit ?? '',
			accountDigit: settings.accountDigit ?? '',
			walletVariation: settings.walletVariation ?? '',
			species: settings.species ?? '',
			bankName: settings.bankName ?? '',
			writeOffAfterDays: settings.writeOffAfterDays ?? 30,
			nextFileSequence: settings.nextFileSequence ?? 1
		},
		files,
		canConfigure: can(me, 'manage_creditor')
	};
};

export const actions = {
	configurar: async ({ request, url, getClientAddress }) => {
		const me = requireStaff('manage_creditor');
		const form = Object.fromEntries(await request.formData());
		const creditorId = String(form.creditorId ?? '');
		const r = await db().transaction((tx) => registration.saveSettings(tx, actor(me), creditorId, form, { ip: getClientAddress() }));
		// What was typed goes back to the form: text fields only (a multipart post may carry files).
		const values = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'));
		if (!r.ok) return fail(r.status, { action: 'configurar', message: r.message, errors: 'errors' in r ? r.errors : {}, values });
		redirect(303, `${url.pathname}?credor=${creditorId}&salvo`);
	},
	gerar: async ({ request, getClientAddress }) => {
		const me = requireStaff('act_on_agreements');
		const creditorId = String((await request.formData()).get('creditorId') ?? '');
		const r = await db().transaction((tx) => registration.generate(tx, actor(me), creditorId, { ip: getClientAddress() }));
		if (!r.ok) return fail(r.status, { action: 'gerar', message: r.message });
		return { action: 'gerar', generated: r.file, leftOut: r.leftOut };
	},
	descartar: async ({ request, getClientAddress }) => {
		const me = requireStaff('act_on_agreements');
		const fileId = String((await request.formData()).get('fileId') ?? '');
		const r = await db().transaction((tx) => registration.discard(tx, actor(me), fileId, { ip: getClientAddress() }));
		if (!r.ok) return fail(r.status, { action: 'descartar', message: r.message });
		return { action: 'descartar', discarded: true };
	}
};
