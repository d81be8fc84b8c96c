import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors, debts, policies } from '../db/schema';
import { policySchema, type Policy } from '../../schemas/policy';
import { updatedValueUnderPolicy, type ValueBreakdown } from './updated-value';

export type DebtRow = typeof debts.$inferSelect;

export type DebtView = {
	id: string;
	externalId: string;
	description: string;
	dueDate: string;
	status: DebtRow['status'];
	creditor: { id: string; displayName: string; legalName: string; cnpj: string; slug: string };
	value: ValueBreakdown;
};

/**
 * A debtor's debts across the agency's creditors (and only that agency's), with values updated
 * to `today` under each creditor's policy in force. One query.
 */
export async function forDebtor(
	db: DbOrTx,
	agencyId: string,
	debtorId: string,
	today: string,
	statuses: DebtRow['status'][] = ['open', 'in_agreement']
): Promise<DebtView[]> {
	const rows = await db
		.select({
			debt: debts,
			creditor: {
				id: creditors.id,
				displayName: creditors.displayName,
				legalName: creditors.legalName,
				cnpj: creditors.cnpj,
				slug: creditors.slug
			},
			policy: sql<unknown>`(select body from ${policies} p where p.creditor_id = ${creditors.id} order by p.version desc limit 1)`
		})
		.from(debts)
		.innerJoin(creditors, eq(creditors.id, debts.creditorId))
		.where(and(eq(debts.debtorId, debtorId), eq(creditors.agencyId, agencyId), inArray(debts.status, statuses)))
		.orderBy(asc(creditors.displayName), asc(debts.dueDate));
	const policyCache = new Map<string, Policy>();
	return rows.map(({ debt, creditor, policy }) => {
		let p = policyCache.get(creditor.id);
		if (!p) {
			p = policySchema.parse(policy);
			policyCache.set(creditor.id, p);
		}
		return {
			id: debt.id,
			externalId: debt.externalId,
			description: debt.description,
			dueDate: debt.dueDate,
			status: debt.status,
			creditor,
			value: updatedValueUnderPolicy(debt, p, today)
		};
	});
}
