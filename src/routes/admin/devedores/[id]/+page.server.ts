import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as backoffice from '$lib/server/backoffice';

export const load = async ({ params, getClientAddress }) => {
	const me = requireStaff('read');
	// Opening the page is logged (audit 'debtor.view'): the document is shown unmasked here.
	const page = await backoffice.debtor.open(db(), me, params.id, { ip: getClientAddress(), withLgpd: can(me, 'lgpd') });
	if (!page) error(404, 'Devedor não encontrado.');
	return { ...page, can: { act: can(me, 'act_on_agreements'), lgpd: can(me, 'lgpd'), edit: can(me, 'edit_debtor') } };
};

const anonymizeSchema = z.object({
	confirmar: z.literal('sim', { error: 'Marque a confirmação: a anonimização não pode ser desfeita.' })
});

export const actions = {
	contato: async ({ params, request, getClientAddress }) => {
		const me = requireStaff('edit_debtor');
		const values = Object.fromEntries([...(await request.formData())].map(([k, v]) => [k, String(v)]));
		const parsed = backoffice.contacts.contactSchema.safeParse(values);
		if (!parsed.success) return fail(400, { action: 'contato', message: parsed.error.issues[0].message, values });
		const result = await db().transaction((tx) => backoffice.contacts.updateContacts(tx, me, params.id, parsed.data, { ip: getClientAddress() }));
		if (!result.ok && result.status === 404) error(404, 'Devedor não encontrado.');
		if (!result.ok) return fail(result.status, { action: 'contato', message: result.message, values });
		return { action: 'contato', ok: true, message: result.message };
	},
	anonimizar: async ({ params, request, getClientAddress }) => {
		const me = requireStaff('lgpd');
		const parsed = anonymizeSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { action: 'anonimizar', message: parsed.error.issues[0].message });
		const result = await db().transaction((tx) => backoffice.lgpd.anonymize(tx, me, params.id, { ip: getClientAddress() }));
		if (!result.ok && result.status === 404) error(404, 'Devedor não encontrado.');
		if (!result.ok) return fail(result.status, { action: 'anonimizar', message: result.message });
		return { action: 'anonimizar', ok: true, message: result.message };
	}
};
