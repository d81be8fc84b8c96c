import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as registration from '$lib/server/payments/registration';

/** The remessa file as generated, to upload to the bank. */
export const GET = async ({ params }) => {
	const me = requireStaff('act_on_agreements');
	const file = await registration.fileContent(db(), me, params.id);
	if (!file) error(404, 'Arquivo não encontrado.');
	return new Response(file.content, {
		headers: {
			'content-type': 'text/plain; charset=us-ascii',
			'content-disposition': `attachment; filename="${file.fileName}"`,
			'cache-control': 'no-store'
		}
	});
};
