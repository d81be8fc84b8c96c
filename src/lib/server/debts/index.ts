import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { preparedQuery, type DbOrTx } from '../db/client';
import * as tenancy from '../tenancy';
import { creditors, debts, policies } from '../db/schema';
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

// The debts page runs it on every view: built once. The newest policy's id comes along; its
// parsed body is cached by id (tenancy.policyById), so the page costs one query.
const debtsOfDebtor = preparedQuery((db) =>
	db
		.select({
			debt: debts,
			creditor: {
				id: creditors.id,
				displayName: creditors.displayName,
				legalName: creditors.legalName,
				cnpj: creditors.cnpj,
				slug: creditors.slug
			},
			policyId: sql<string | null>`(select p.id from ${policies} p where p.creditor_id = ${creditors.id} order by p.version desc limit 1)`
		})
		.from(debts)
		.innerJoin(creditors, eq(creditors.id, debts.creditorId))
		.where(
			and(
				eq(debts.debtorId, sql.placeholder('debtorId')),
				eq(creditors.agencyId, sql.placeholder('agencyId')),
				inArray(debts.status, ['open', 'in_agreement'])
			)
		)
		.orderBy(asc(creditors.displayName), asc(debts.dueDate))
		.prepare('debts_of_debtor')
);

/**
 * A debtor's open and in-agreement debts across the agency's creditors (and only that agency's),
 * with values updated to `today` under each creditor's policy in force.
 */
export async function forDebtor(db: DbOrTx, agencyId: string, debtorId: string, today: string): Promise<DebtView[]> {
	const rows = await debtsOfDebtor(db).execute({ debtorId, agencyId });
	const views: DebtView[] = [];
	for (const { debt, creditor, policyId } of rows) {
		// Debts of a creditor without a policy cannot be valued or negotiated in the portal yet.
		if (!policyId) continue;
		const policy = await tenancy.policyById(db, policyId);
		views.push({
			id: debt.id,
			externalId: debt.externalId,
			description: debt.description,
			dueDate: debt.dueDate,
			status: debt.status,
			creditor,
			value: updatedValueUnderPolicy(debt, policy, today)
		});
	}
	return views;
}
