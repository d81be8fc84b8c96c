import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import { payableView } from '$lib/server/payments/view';
import { requireDebtor } from '$lib/server/guards';

export const load = async ({ locals, params }) => {
	const { debtor } = requireDebtor(locals);
	const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
	const inst = found?.installments.find((i) => String(i.seq) === params.seq);
	if (!found || !inst) error(404, 'Parcela não encontrada.');
	return {
		code: found.agreement.code,
		kind: found.agreement.kind,
		count: found.installments.length,
		payment: await payableView(db(), inst, true)
	};
};
