import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as backoffice from '$lib/server/backoffice';

/** LGPD: everything held about the debtor, as a JSON download (audited as 'debtor.export'). */
export const GET = async ({ params, getClientAddress }) => {
	const me = requireStaff('lgpd');
	const data = await backoffice.lgpd.exportDebtor(db(), me, params.id, { ip: getClientAddress() });
	if (!data) error(404, 'Devedor não encontrado.');
	return new Response(JSON.stringify(data, null, 2), {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="devedor-${params.id}.json"`,
			'cache-control': 'private, no-store'
		}
	});
};
