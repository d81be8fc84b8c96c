import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as psp from '$lib/server/payments/psp';

export const load = async () => {
	const me = requireStaff('manage_psp');
	return { ...(await psp.accountAdmin.list(db(), me)), fields: psp.accountAdmin.FIELDS, agency: psp.accountAdmin.AGENCY };
};

export const actions = {
	salvar: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_psp');
		const values = await psp.accountAdmin.formValues(await request.formData());
		const result = await psp.accountAdmin.save(db(), me, values, { id: me.id, ip: getClientAddress() });
		if (!result.ok) {
			// What was typed comes back, except the secrets and the PEM texts.
			const echo = Object.fromEntries(psp.accountAdmin.FIELDS.filter((f) => !f.secret && !f.pem).map((f) => [f.name, values[f.name] ?? '']));
			return fail(400, { errors: result.errors, values: { ...echo, para: values.para } });
		}
		return { saved: result.label };
	},

	remover: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_psp');
		const para = String((await request.formData()).get('para') ?? '');
		if (!(await psp.accountAdmin.remove(db(), me, para, { id: me.id, ip: getClientAddress() }))) return fail(404, { message: 'Não há conta do PSP cadastrada para esta escolha.' });
		return { removed: true };
	},

	testar: async ({ request }) => {
		const me = requireStaff('manage_psp');
		const para = String((await request.formData()).get('para') ?? '');
		const r = await psp.accountAdmin.test(db(), me, para);
		// A connection that fails is the answer to the test, not an error of this request (no 5xx).
		return r.ok ? { tested: r.message } : fail(422, { message: r.message });
	}
};
