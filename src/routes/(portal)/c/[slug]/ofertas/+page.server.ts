import { db } from '$lib/server/db/client';
import * as offers from '$lib/server/offers';
import * as funnel from '$lib/server/funnel';
import { requireDebtor } from '$lib/server/guards';
import { parseDateInput, todayInSaoPaulo } from '$lib/format/dates';
import { pageInputs } from '$lib/server/offers/engine';

export const load = async ({ locals, url }) => {
	const { debtor } = requireDebtor(locals);
	const requested = url.searchParams.get('vencimento');
	const sel = await offers.forSelection(db(), {
		agencyId: debtor.agencyId,
		debtorId: debtor.id,
		debtIds: url.searchParams.getAll('d'),
		today: todayInSaoPaulo(),
		firstDueDate: requested ? (parseDateInput(requested) ?? undefined) : undefined,
		// The page computes the plans itself, on the server as it renders and in the browser.
		plans: 'value'
	});
	if (!sel.ok) return { ok: false as const, message: sel.message };
	// A KPI event: recorded after the answer, never slowing the page or failing it.
	const event = { agencyId: debtor.agencyId, creditorId: sel.creditor.id, debtorId: debtor.id, step: 'offers_viewed' as const, channel: 'portal' as const };
	setImmediate(() =>
		funnel
			.recordOncePerDay(db(), event)
			.catch((e) => console.error(JSON.stringify({ type: 'error', where: 'funnel.offers_viewed', error: String(e) })))
	);
	return {
		ok: true as const,
		dateRefused: sel.dateRefused,
		campaign: sel.campaign,
		offerCreditor: { displayName: sel.creditor.displayName, legalName: sel.creditor.legalName, cnpj: sel.creditor.cnpj },
		debts: sel.descriptions,
		// The engine's inputs, not its output: the same pure engine ($lib/offers/engine) computes the
		// plans from them on the page. The amounts charged are recomputed on the review page and on accept.
		set: pageInputs(sel.set)
	};
};
