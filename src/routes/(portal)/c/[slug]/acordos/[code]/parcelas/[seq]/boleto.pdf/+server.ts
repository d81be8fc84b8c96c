import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import { boletoPdf } from '$lib/server/agreements/documents';
import { requireDebtor } from '$lib/server/guards';

export const GET = async ({ locals, params }) => {
	const { debtor } = requireDebtor(locals);
	const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	const pdf = await boletoPdf(found, Number(params.seq), debtor);
	// A paid or cancelled installment has no valid slip: never serve a superseded boleto.
	if (!pdf) error(410, 'Este boleto não está mais disponível. Veja a situação da parcela no portal.');
	return new Response(new Uint8Array(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="boleto-${found.agreement.code}-${params.seq}.pdf"`,
			'cache-control': 'private, no-store'
		}
	});
};
