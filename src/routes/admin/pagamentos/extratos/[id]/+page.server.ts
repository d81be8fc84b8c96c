import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { isUuid } from '$lib/server/access';
import * as statements from '$lib/server/payments/statement-import';

export const load = async ({ params, url }) => {
	const me = requireStaff('read');
	const report = isUuid(params.id) ? await statements.report(db(), params.id, { agencyId: me.agencyId, creditorId: me.creditorId }) : null;
	if (!report) error(404, 'Extrato não encontrado.');
	return { report: { ...report, createdAt: report.createdAt.toISOString() }, repeated: url.searchParams.has('repetido') };
};
