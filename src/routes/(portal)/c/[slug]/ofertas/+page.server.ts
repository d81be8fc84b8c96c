import { db } from '$lib/server/db/client';
import * as offers from '$lib/server/offers';
import * as funnel from '$lib/server/funnel';
import { requireDebtorIn } from '$lib/server/guards';
import { parseDateInput, todayInSaoPaulo } from '$lib/format/dates';
import { pageInputs } from '$lib/server/offers/engine';

export const load = async ({ url }) => {
	const requested = url.searchParams.get('vencimento');
	// One statement for the session and the selected debts.
	const { debtor, data: sel } = await requireDebtorIn((key) =>
		offers.forSessionSelection(db(), key, {
			debtIds: url.searchParams.getAll('d'),
			today: todayInSaoPaulo(),
			firstDueDate: requested ? (parseDateInput(requested) ?? undefined) : undefined,
			// The page computes the plans itself, on the server as it renders and in the browser.
			plans: 'value'
		})
	);
	const debtorName = debtor.name.split(' ')[0];
	if (!sel.ok) return { ok: false as const, message: sel.message, debtorName };
	// A KPI event, once a day (the page's query says whether it is there already): recorded after
	// the answer, never slowing the page or failing it.
	if (!sel.viewedToday) {
		const event = { agencyId: debtor.agencyId, creditorId: sel.creditor.id, debtorId: debtor.id, step: 'offers_viewed' as const, channel: 'portal' as const };
		setImmediate(() =>
			funnel
				.recordOncePerDay(db(), event)
				.catch((e) => console.error(JSON.stringify({ type: 'error', where: 'funnel.offers_viewed', error: String(e) })))
		);
	}
	return {
		ok: true as const,
		debtorName,
		dateRefused: sel.dateRefused,
		campaign: sel.campaign,
		offerCreditor: { displayName: sel.creditor.displayName },
		debts: sel.descriptions.map(({ id, description }) => ({ id, description })),
		// The engine's inputs, not its output: the same pure engine ($lib/offers/engine) computes the
		// plans from them on the page. The amounts charged are recomputed on the review page and on accept.
		set: pageInputs(sel.set)
	};
};
