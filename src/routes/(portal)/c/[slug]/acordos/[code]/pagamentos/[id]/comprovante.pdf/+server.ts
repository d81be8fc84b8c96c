import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import * as receipts from '$lib/server/payments/receipts';
import { pdfResponse } from '$lib/server/pdf/render';
import { requireDebtor } from '$lib/server/guards';

export const GET = async ({ locals, params }) => {
	const { debtor } = requireDebtor(locals);
	const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	const pdf = await receipts.receiptPdf(db(), found.agreement.id, params.id);
	if (!pdf) error(404, 'Comprovante não encontrado.');
	return pdfResponse(pdf, `comprovante-${found.agreement.code}.pdf`);
};
