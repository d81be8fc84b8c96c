import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as retorno from '$lib/server/payments/retorno-import';

const MAX_BYTES = 64 * 1024 * 1024;

export const load = async () => {
	const me = requireStaff('read');
	const files = await retorno.listFiles(db(), { agencyId: me.agencyId, creditorId: me.creditorId });
	return { canImport: can(me, 'act_on_agreements'), files: files.map((f) => ({ ...f, createdAt: f.createdAt.toISOString() })) };
};

export const actions = {
	default: async ({ request, getClientAddress }) => {
		const me = requireStaff('act_on_agreements');
		const form = await request.formData();
		const file = form.get('arquivo');
		if (!(file instanceof File) || file.size === 0) return fail(400, { message: 'Escolha o arquivo de retorno que o banco enviou.' });
		if (file.size > MAX_BYTES) return fail(400, { message: 'Arquivo grande demais (o limite é 64 MB).' });
		const result = await retorno.importRetorno(db(), {
			agencyId: me.agencyId,
			creditorId: me.creditorId,
			content: new Uint8Array(await file.arrayBuffer()),
			fileName: file.name,
			actor: { type: 'staff', id: me.id },
			ip: getClientAddress()
		});
		if (!result.ok) return fail(400, { message: result.message });
		redirect(303, `/admin/pagamentos/retornos/${result.report.fileId}${result.duplicate ? '?repetido=1' : ''}`);
	}
};
