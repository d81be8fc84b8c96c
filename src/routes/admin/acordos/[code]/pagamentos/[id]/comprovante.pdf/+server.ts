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
	const pdf = await receipts.receiptPdf(db(), found.agreement.id, params.id);
	if (!pdf) error(404, 'Comprovante não encontrado.');
	return pdfResponse(pdf, `comprovante-${found.agreement.code}.pdf`);
};
