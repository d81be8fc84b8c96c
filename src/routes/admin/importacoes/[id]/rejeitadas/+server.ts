import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { csvDownload } from '$lib/server/http/download';
import * as uploads from '$lib/server/uploads';

/** The rejected rows as they were sent, plus a `motivo` column (UTF-8 with BOM, `;`: opens in Excel). */
export const GET = async ({ params }) => {
	const me = requireStaff('upload_portfolio');
	const file = await uploads.rejectedCsv(db(), me, params.id);
	if (!file) error(404, 'Não há linhas rejeitadas para esta importação.');
	return csvDownload(file.body, file.fileName);
};
