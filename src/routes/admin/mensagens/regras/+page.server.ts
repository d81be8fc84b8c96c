import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as contactSettings from '$lib/server/messaging/contact-settings';
import { MAX_CAPS } from '$lib/server/messaging/rules';

export const load = async () => {
	const me = requireStaff('read');
	return {
		caps: await contactSettings.caps(db(), me.agencyId),
		maxCaps: MAX_CAPS,
		hours: contactSettings.hoursTable(),
		safeDefault: contactSettings.SAFE_DEFAULT_LAW,
		canEdit: can(me, 'manage_messaging')
	};
};

export const actions = {
	limites: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_messaging');
		const form = await request.formData();
		const input = { perDay: form.get('porDia'), perWeek: form.get('porSemana') };
		const result = await contactSettings.setCaps(db(), me.agencyId, input, { id: me.id, ip: getClientAddress() });
		if (!result.ok) return fail(400, { errors: result.errors, values: { perDay: String(input.perDay ?? ''), perWeek: String(input.perWeek ?? '') } });
		return { saved: true };
	}
};
