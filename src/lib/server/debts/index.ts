import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { preparedQuery, type DbOrTx } from '../db/client';
import * as tenancy from '../tenancy';
import { creditors, debts, policies } from '../db/schema';
import { updatedValueUnderPolicy, type ValueBreakdown } from './updated-value';
import { MAX_AMOUNT_CENTS } from '../../format/money';
import { creditBalanceSql } from './credit';

export { creditBalanceSql } from './credit';

export type DebtRow = typeof debts.$inferSelect;

export type DebtView = {
	id: string;
	externalId: string;
	description: string;
	dueDate: string;
	status: DebtRow['status'];
	creditor: { id: string; displayName: string; legalName: string; cnpj: string; slug: string };
	/**
	 * `null` when this debt cannot be valued or charged in the portal (its updated value passes
	 * MAX_AMOUNT_CENTS, or its data cannot be computed): its card says so and it cannot be picked;
	 * the rest of the page is unaffected.
	 */
	value: ValueBreakdown | null;
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
			policyId: sql<string | null>`(select p.id from ${policies} p where p.creditor_id = ${creditors.id} order by p.version desc limit 1)`,
			// What was paid before (broken or cancelled agreements, overpayments): taken off the value.
			creditCents: creditBalanceSql(debts.id)
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
	for (const { debt, creditor, policyId, creditCents } of rows) {
		// Debts of a creditor without a policy cannot be valued or negotiated in the portal yet.
		if (!policyId) continue;
		views.push({
			id: debt.id,
			externalId: debt.externalId,
			description: debt.description,
			dueDate: debt.dueDate,
			status: debt.status,
			creditor,
			value: await valueOrNull(db, { ...debt, creditCents: Number(creditCents) }, policyId, today)
		});
	}
	return views;
}

async function valueOrNull(db: DbOrTx, debt: DebtRow & { creditCents: number }, policyId: string, today: string): Promise<ValueBreakdown | null> {
	try {
		const value = updatedValueUnderPolicy(debt, await tenancy.policyById(db, policyId), today);
		return value.totalCents <= MAX_AMOUNT_CENTS ? value : null;
	} catch (error) {
		// A stored policy or debt the code cannot value: the card degrades; the log says why.
		console.error(JSON.stringify({ type: 'error', what: 'debt-value', debtId: debt.id, error: String((error as Error)?.stack ?? error) }));
		return null;
	}
}
