import { db } from '$lib/server/db/client';
import * as debts from '$lib/server/debts';
import { requireDebtorIn } from '$lib/server/guards';
import { todayInSaoPaulo } from '$lib/format/dates';

export const load = async () => {
	const today = todayInSaoPaulo();
	// One statement for the session and the debts.
	const { debtor, creditor, data: all } = await requireDebtorIn((key) => debts.forSession(db(), key, today));
	// Only what the page shows: SvelteKit serialises the page's data even when it ships no JavaScript.
	const view = ({ id, externalId, description, dueDate, value }: debts.DebtView) => ({ id, externalId, description, dueDate, value });
	type Group = { creditor: { id: string; displayName: string; legalName: string; cnpj: string }; debts: ReturnType<typeof view>[]; totalCents: number };
	const groups = new Map<string, Group>();
	for (const d of all) {
		if (d.status !== 'open') continue;
		let g = groups.get(d.creditor.id);
		if (!g) {
			const { id, displayName, legalName, cnpj } = d.creditor;
			g = { creditor: { id, displayName, legalName, cnpj }, debts: [], totalCents: 0 };
			groups.set(id, g);
		}
		g.debts.push(view(d));
		g.totalCents += d.value?.totalCents ?? 0;
	}
	return {
		today,
		// The greeting, and the layout's menu (its own load ran before this page found the session).
		debtorName: debtor.name.split(' ')[0],
		// The portal's own creditor first; then the agency's other creditors.
		open: [...groups.values()].sort((x, y) => Number(y.creditor.id === creditor.id) - Number(x.creditor.id === creditor.id)),
		inAgreement: all
			.filter((x) => x.status === 'in_agreement')
			.map(({ id, description, externalId, creditor: c }) => ({ id, description, externalId, creditorName: c.displayName }))
	};
};

// Without JavaScript the page works the same (the selection is a GET form to the offers, the totals
// are the server's), so it ships none: no hydration, no client router, no page data in a script.
export const csr = false;
