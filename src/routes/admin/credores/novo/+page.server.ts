import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as creditors from '$lib/server/tenancy/creditors';

export const load = async () => {
	requireStaff('create_creditor');
	return {};
};

export const actions = {
	default: async ({ request, getClientAddress }) => {
		const me = requireStaff('create_creditor');
		const input = await creditors.inputFromForm(await request.formData());
		const result = await db().transaction((tx) =>
			creditors.createCreditor(tx, input, { agencyId: me.agencyId, actor: { type: 'staff', id: me.id }, ip: getClientAddress() })
		);
		if (!result.ok) return fail(400, { errors: result.errors, values: creditors.echoForm(input, result.errors) });
		redirect(303, `/admin/credores/${result.creditor.id}?criado=1`);
	}
};
