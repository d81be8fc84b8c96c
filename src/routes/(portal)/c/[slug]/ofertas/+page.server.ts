import { db } from '$lib/server/db/client';
import * as offers from '$lib/server/offers';
import * as funnel from '$lib/server/funnel';
import { requireDebtor } from '$lib/server/guards';
import { parseDateInput, todayInSaoPaulo } from '$lib/format/dates';
import { compactSchedules } from '$lib/offers/schedule';

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
	// A KPI event: recorded after the answer, never slowing the page or failing it.
	const event = { agencyId: debtor.agencyId, creditorId: sel.creditor.id, debtorId: debtor.id, step: 'offers_viewed' as const, channel: 'portal' as const };
	setImmediate(() =>
		funnel
			.recordOncePerDay(db(), event)
			.catch((e) => console.error(JSON.stringify({ type: 'error', where: 'funnel.offers_viewed', error: String(e) })))
	);
	const { cash, plans } = sel.set;
	// Every plan's schedule, compacted: the page expands only the one the debtor is looking at.
	const schedules = compactSchedules(plans.map((p) => p.installments));
	return {
		ok: true as const,
		dateRefused: sel.dateRefused,
		campaign: sel.campaign,
		offerCreditor: { displayName: sel.creditor.displayName, legalName: sel.creditor.legalName, cnpj: sel.creditor.cnpj },
		debts: sel.descriptions,
		// Only what the page shows (the breakdown per debt and the band stay on the server).
		set: {
			updatedTotalCents: sel.set.updatedTotalCents,
			firstDueWindow: sel.set.firstDueWindow,
			firstDueDate: sel.set.firstDueDate,
			cash: { totalCents: cash.totalCents, savingsCents: cash.savingsCents, dueDate: cash.installments[0].dueDate },
			dueDates: schedules.dueDates,
			plans: plans.map((p, i) => ({
				count: p.count,
				totalCents: p.totalCents,
				savingsCents: p.savingsCents,
				discountCents: p.discountCents,
				interestCents: p.interestCents,
				entryCents: p.entryCents,
				interestMonthlyBp: p.interestMonthlyBp,
				cetMonthly: p.cetMonthly,
				cetYearly: p.cetYearly,
				remainderNote: p.remainderNote,
				runs: schedules.runs[i]
			}))
		}
	};
};
