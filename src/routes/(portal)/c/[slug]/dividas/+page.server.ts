import { db } from '$lib/server/db/client';
import * as debts from '$lib/server/debts';
import { requireDebtorIn } from '$lib/server/guards';
import { todayInSaoPaulo } from '$lib/format/dates';

export const load = async () => {
	const today = todayInSaoPaulo();
	// One statement for the session and the debts.
	const { debtor, creditor, data: all } = await requireDebtorIn((key) => debts.forSession(db(), key, today));
	const groups = new Map<string, { creditor: debts.DebtView['creditor']; debts: debts.DebtView[]; totalCents: number }>();
	for (const d of all.filter((x) => x.status === 'open')) {
		const g = groups.get(d.creditor.id) ?? { creditor: d.creditor, debts: [], totalCents: 0 };
		g.debts.push(d);
		g.totalCents += d.value?.totalCents ?? 0;
		groups.set(d.creditor.id, g);
	}
	return {
		today,
		name: debtor.name,
		// The layout's menu (its own load ran before this page found the session).
		debtorName: debtor.name.split(' ')[0],
		// The portal's own creditor first; then the agency's other creditors.
		open: [...groups.values()].sort((x, y) => Number(y.creditor.id === creditor.id) - Number(x.creditor.id === creditor.id)),
		inAgreement: all.filter((x) => x.status === 'in_agreement')
	};
};

// Without JavaScript the page works the same (the selection is a GET form to the offers, the totals
// are the server's), so it ships none: no hydration, no client router, no page data in a script.
export const csr = false;
