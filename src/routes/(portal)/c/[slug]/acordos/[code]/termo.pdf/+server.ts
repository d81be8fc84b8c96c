import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import { termoPdf } from '$lib/server/agreements/documents';
import { requireDebtor } from '$lib/server/guards';

export const GET = async ({ locals, params }) => {
	const { debtor } = requireDebtor(locals);
	const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	const pdf = await termoPdf(db(), found, debtor);
	return new Response(new Uint8Array(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="termo-acordo-${found.agreement.code}.pdf"`,
			'cache-control': 'private, no-store'
		}
	});
};
