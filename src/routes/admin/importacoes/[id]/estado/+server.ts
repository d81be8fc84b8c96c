import { error, json } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as uploads from '$lib/server/uploads';

/** What the progress bar polls every second. */
export const GET = async ({ params }) => {
	const me = requireStaff('read');
	const p = await uploads.progress(db(), me, params.id);
	if (!p) error(404, 'Importação não encontrada.');
	return json({ ...p, statusLabel: uploads.STATUS_LABELS[p.status] }, { headers: { 'cache-control': 'no-store' } });
};
