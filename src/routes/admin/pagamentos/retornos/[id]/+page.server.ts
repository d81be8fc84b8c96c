import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { isUuid } from '$lib/server/access';
import * as retorno from '$lib/server/payments/retorno-import';

export const load = async ({ params, url }) => {
	const me = requireStaff('read');
	const report = isUuid(params.id) ? await retorno.report(db(), params.id, { agencyId: me.agencyId }) : null;
	if (!report) error(404, 'Arquivo não encontrado.');
	return { report: { ...report, createdAt: report.createdAt.toISOString() }, repeated: url.searchParams.has('repetido') };
};
