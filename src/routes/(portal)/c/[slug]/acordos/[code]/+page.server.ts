import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import { paymentView } from '$lib/server/payments/view';
import { requireDebtor } from '$lib/server/guards';

export const load = async ({ locals, params, url }) => {
	const { debtor } = requireDebtor(locals);
	const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	const next = found.installments.find((i) => i.status === 'pending');
	const payments = await Promise.all(found.installments.map((i) => paymentView(i, i === next)));
	return {
		agreement: {
			code: found.agreement.code,
			status: found.agreement.status,
			kind: found.agreement.kind,
			totalCents: found.agreement.totalCents,
			updatedTotalCents: found.agreement.updatedTotalCents,
			discountCents: found.agreement.discountCents,
			interestCents: found.agreement.interestCents,
			createdAt: found.agreement.createdAt.toISOString(),
			breakToleranceDays: found.agreement.breakToleranceDays
		},
		offerCreditor: { displayName: found.creditor.displayName, legalName: found.creditor.legalName, cnpj: found.creditor.cnpj },
		debts: found.debts.map((d) => ({ description: d.debt.description, externalId: d.debt.externalId })),
		payments,
		nextSeq: next?.seq ?? null,
		justCreated: url.searchParams.has('novo'),
		alreadyExisted: url.searchParams.has('existente')
	};
};
