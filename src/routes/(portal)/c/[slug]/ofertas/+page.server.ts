import { db } from '$lib/server/db/client';
import * as offers from '$lib/server/offers';
import * as funnel from '$lib/server/funnel';
import { requireDebtor } from '$lib/server/guards';
import { parseDateInput, todayInSaoPaulo } from '$lib/format/dates';

export const load = async ({ locals, url }) => {
	const { debtor } = requireDebtor(locals);
	const requested = url.searchParams.get('vencimento');
	const sel = await offers.forSelection(db(), {
		agencyId: debtor.agencyId,
		debtorId: debtor.id,
		debtIds: url.searchParams.getAll('d'),
		today: todayInSaoPaulo(),
		firstDueDate: requested ? (parseDateInput(requested) ?? undefined) : undefined
	});
	if (!sel.ok) return { ok: false as const, message: sel.message };
	await db().transaction((tx) =>
		funnel.recordOncePerDay(tx, { agencyId: debtor.agencyId, creditorId: sel.creditor.id, debtorId: debtor.id, step: 'offers_viewed', channel: 'portal' })
	);
	return {
		ok: true as const,
		dateRefused: sel.dateRefused,
		offerCreditor: { displayName: sel.creditor.displayName, legalName: sel.creditor.legalName, cnpj: sel.creditor.cnpj },
		debts: sel.descriptions,
		set: sel.set
	};
};
