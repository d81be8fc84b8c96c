import { db } from '../../src/lib/server/db/client';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import { agencies, creditors, debtors, debts, policies } from '../../src/lib/server/db/schema';
import { generateCnpj, generateCpf } from '../../src/lib/format/document';
import { DEFAULT_POLICY, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';

const rng = () => Math.random();
let n = 0;
const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function agency() {
	const [a] = await db().insert(agencies).values({ name: `Assessoria ${unique()}`, cnpj: generateCnpj(rng) }).returning();
	return a;
}

export async function creditor(agencyId: string, over: Partial<typeof creditors.$inferInsert> = {}, policy: Policy = DEFAULT_POLICY) {
	const slug = `cred-${unique()}`;
	const [c] = await db()
		.insert(creditors)
		.values({
			agencyId,
			legalName: `Credor ${slug} Ltda.`,
			cnpj: generateCnpj(rng),
			address: 'Rua Teste, 1, Centro, São Paulo/SP',
			displayName: `Credor ${slug}`,
			slug,
			pixKey: 'pix@example.com',
			pixMerchantName: 'Credor Teste',
			pixMerchantCity: 'Sao Paulo',
			...over
		})
		.returning();
	await db().insert(policies).values({ creditorId: c.id, version: 1, body: policy });
	return c;
}

export async function debtor(agencyId: string, over: Partial<typeof debtors.$inferInsert> = {}) {
	const [d] = await db()
		.insert(debtors)
		.values({ agencyId, document: generateCpf(rng), name: 'Pessoa Teste', phone: '+5511987654321', state: 'SP', ...over })
		.returning();
	return d;
}

export async function debt(creditorId: string, debtorId: string, over: Partial<typeof debts.$inferInsert> & { daysPastDue?: number } = {}) {
	const { daysPastDue = 60, ...rest } = over;
	const [row] = await db()
		.insert(debts)
		.values({
			creditorId,
			debtorId,
			externalId: `CT-${unique()}`,
			description: 'Compra parcelada',
			dueDate: addDays(todayInSaoPaulo(), -daysPastDue),
			principalCents: 100_000,
			...rest
		})
		.returning();
	return row;
}

/** A creditor with one debtor owing one debt: the smallest world a test needs. */
export async function world(over: { policy?: Policy; daysPastDue?: number; principalCents?: number } = {}) {
	const a = await agency();
	const c = await creditor(a.id, {}, over.policy);
	const d = await debtor(a.id);
	const t = await debt(c.id, d.id, {
		...(over.daysPastDue !== undefined && { daysPastDue: over.daysPastDue }),
		...(over.principalCents !== undefined && { principalCents: over.principalCents })
	});
	return { agency: a, creditor: c, debtor: d, debt: t };
}

/** A payment destination for installments a test writes by hand. */
export const DESTINATION = {
	pixKey: 'pix@example.com',
	pixMerchantName: 'Credor Teste',
	pixMerchantCity: 'Sao Paulo',
	boletoBankCode: '237',
	boletoAgency: '0001',
	boletoAccount: '0000001',
	boletoWallet: '09'
};

/** Accepts the plan the portal would show (`count` 1: cash), as the debtor would. */
export async function acceptPlan(debtor: { id: string; agencyId: string }, debtIds: string[], count: number, today = todayInSaoPaulo()) {
	const sel = await offers.forSelection(db(), { agencyId: debtor.agencyId, debtorId: debtor.id, debtIds, today });
	if (!sel.ok) throw new Error(sel.message);
	const offer = count === 1 ? sel.set.cash : sel.set.plans.find((p) => p.count === count)!;
	const r = await db().transaction((tx) =>
		agreements.accept(tx, {
			debtor,
			debtIds,
			kind: count === 1 ? 'cash' : 'installments',
			count,
			firstDueDate: sel.set.firstDueDate,
			expected: { totalCents: offer.totalCents, installments: offer.installments.map((i) => i.amountCents) },
			ip: '203.0.113.7',
			today
		})
	);
	if (!r.ok) throw new Error(r.message);
	return r.agreement;
}
