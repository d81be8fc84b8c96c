import { error, fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as uploads from '$lib/server/uploads';
import * as importWorker from '$lib/server/uploads/runner';

export const load = async ({ params }) => {
	const me = requireStaff('read');
	const row = await uploads.get(db(), me, params.id);
	if (!row) error(404, 'Importação não encontrada.');
	return {
		canUpload: can(me, 'upload_portfolio'),
		canUpdateShared: can(me, 'update_shared_debtors'),
		item: {
			...row,
			statusLabel: uploads.STATUS_LABELS[row.status],
			percent: uploads.percentOf(row.status, row.processedRows, row.totalRows),
			createdAt: row.createdAt.toISOString(),
			finishedAt: row.finishedAt?.toISOString() ?? null
		}
	};
};

export const actions = {
	importar: async ({ params, request, getClientAddress }) => {
		const me = requireStaff('upload_portfolio');
		const form = await request.formData();
		const skipInvalid = form.get('soValidas') === 'on';
		const updateShared = form.get('atualizarCompartilhados') === 'on';
		const r = await db().transaction((tx) => uploads.requestCommit(tx, me, params.id, { skipInvalid, updateShared, ip: getClientAddress() }));
		if (!r.ok) {
			if (r.status === 404) error(404, 'Importação não encontrada.');
			return fail(r.status, { message: r.message });
		}
		importWorker.nudge();
		return { started: true };
	}
};
