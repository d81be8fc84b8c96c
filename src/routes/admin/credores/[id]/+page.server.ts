import { error, fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { orNotFound, requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as creditors from '$lib/server/tenancy/creditors';
import * as tenancy from '$lib/server/tenancy';
import { formatDocument } from '$lib/format/document';

export const load = async ({ locals, url, params }) => {
	const me = requireStaff('read');
	const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
	const values: Record<string, string> = Object.fromEntries(creditors.FORM_FIELDS.map((f) => [f, c[f] === null ? '' : String(c[f])]));
	values.cnpj = formatDocument(c.cnpj);
	return {
		creditor: { id: c.id, slug: c.slug, host: c.host, displayName: c.displayName },
		values,
		// Its address, as the portal shows it: a PNG, whatever an older version stored.
		logo: tenancy.logoUrl(c),
		canEdit: can(me, 'manage_creditor'),
		created: url.searchParams.has('criado')
	};
};

export const actions = {
	default: async ({ request, locals, url, params, getClientAddress }) => {
		const me = requireStaff('manage_creditor');
		orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
		const input = await creditors.inputFromForm(await request.formData());
		const result = await db().transaction((tx) =>
			creditors.updateCreditor(tx, params.id, input, { scope: me, actor: { type: 'staff', id: me.id }, ip: getClientAddress() })
		);
		if (!result.ok) {
			if (result.notFound) error(404, 'Credor não encontrado.');
			return fail(400, { errors: result.errors, values: creditors.echoForm(input, result.errors) });
		}
		return { saved: true, changed: result.changed.length };
	}
};
