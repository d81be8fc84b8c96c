import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as statements from '$lib/server/payments/statement-import';

const creditorSchema = z.union([z.literal(''), z.uuid()], { error: 'Credor não encontrado.' });

export const load = async () => {
	const me = requireStaff('read');
	const reach = { agencyId: me.agencyId, creditorId: me.creditorId };
	const [files, creditors] = await Promise.all([statements.listFiles(db(), reach), me.creditorId ? [] : creditorsInReach(db(), me)]);
	return {
		canImport: can(me, 'act_on_agreements'),
		creditors: creditors.map((c) => ({ id: c.id, name: c.displayName })),
		files: files.map((f) => ({ ...f, createdAt: f.createdAt.toISOString() }))
	};
};

export const actions = {
	default: async ({ request, getClientAddress }) => {
		const me = requireStaff('act_on_agreements');
		const form = await request.formData();
		const file = form.get('arquivo');
		if (!(file instanceof File) || file.size === 0) return fail(400, { message: 'Escolha o extrato OFX que o banco gerou.' });
		if (file.size > statements.MAX_BYTES) return fail(400, { message: 'Arquivo grande demais (o limite é 16 MB).' });
		// A creditor's staff import for their creditor; agency staff choose one, or the whole agency.
		const chosen = creditorSchema.safeParse(form.get('credor') ?? '');
		if (!chosen.success) return fail(400, { message: chosen.error.issues[0].message });
		const creditorId = me.creditorId ?? (chosen.data === '' ? null : chosen.data);
		const result = await statements.importStatement(db(), {
			agencyId: me.agencyId,
			creditorId,
			content: new Uint8Array(await file.arrayBuffer()),
			fileName: file.name,
			actor: { type: 'staff', id: me.id },
			ip: getClientAddress()
		});
		if (!result.ok) return fail(400, { message: result.message });
		redirect(303, `/admin/pagamentos/extratos/${result.report.fileId}${result.duplicate ? '?repetido=1' : ''}`);
	}
};
