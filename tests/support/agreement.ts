import { and, asc, eq, isNull } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { installments } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import * as factory from './factory';

/** A full postal address, as a registered boleto needs it. */
export const ADDRESS = { addressStreet: 'Rua das Palmeiras', addressNumber: '120', addressComplement: 'ap 31', addressDistrict: 'Centro', addressCep: '01310-100', addressCity: 'São Paulo', state: 'SP' };

/** A new debtor (named Maria da Silva) owing one debt, and an agreement of `count` installments accepted on it. */
export async function agreementFor(agencyId: string, creditorId: string, debtorOver: Parameters<typeof factory.debtor>[1] = ADDRESS, count = 3) {
	const today = todayInSaoPaulo();
	const d = await factory.debtor(agencyId, { name: 'Maria da Silva', ...debtorOver });
	const t = await factory.debt(creditorId, d.id, { principalCents: 120_000 });
	const sel = await offers.forSelection(db(), { agencyId, debtorId: d.id, debtIds: [t.id], today });
	if (!sel.ok) throw new Error(sel.message);
	const offer = sel.set.plans.find((p) => p.count === count)!;
	const r = await db().transaction((x) =>
		agreements.accept(x, {
			debtor: { id: d.id, agencyId },
			debtIds: [t.id],
			kind: 'installments',
			count,
			firstDueDate: sel.set.firstDueDate,
			expected: { totalCents: offer.totalCents, installments: offer.installments.map((i) => i.amountCents) },
			today
		})
	);
	if (!r.ok) throw new Error(r.message);
	const live = await db().select().from(installments).where(and(eq(installments.agreementId, r.agreement.id), isNull(installments.supersededBy))).orderBy(asc(installments.seq));
	return { debtor: d, agreement: r.agreement, installments: live };
}
