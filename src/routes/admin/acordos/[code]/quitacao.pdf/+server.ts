import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as backoffice from '$lib/server/backoffice';
import * as receipts from '$lib/server/payments/receipts';
import { pdfResponse } from '$lib/server/pdf/render';
import { requireStaff } from '$lib/server/guards';

export const GET = async ({ params }) => {
	const me = requireStaff('read');
	const found = await backoffice.agreementInReach(db(), me, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	const pdf = await receipts.quitacaoPdf(db(), found.agreement.id);
	if (!pdf) error(404, 'O acordo ainda não está quitado.');
	return pdfResponse(pdf, `termo-quitacao-${found.agreement.code}.pdf`);
};
