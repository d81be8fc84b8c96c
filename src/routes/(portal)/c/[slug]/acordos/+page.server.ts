import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import { requireDebtor } from '$lib/server/guards';
import { todayInSaoPaulo } from '$lib/format/dates';

export const load = async ({ locals }) => {
	const { debtor } = requireDebtor(locals);
	const list = await agreements.forDebtor(db(), debtor.agencyId, debtor.id);
	return {
		agreements: list.map((a) => ({
			code: a.code,
			status: a.status,
			kind: a.kind,
			totalCents: a.totalCents,
			createdOn: todayInSaoPaulo(a.createdAt),
			creditor: a.creditor.displayName,
			installments: a.installments.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amountCents: i.amountCents, status: i.status }))
		}))
	};
};
