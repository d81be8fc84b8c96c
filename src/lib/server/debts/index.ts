import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { preparedQuery, type DbOrTx } from '../db/client';
import * as tenancy from '../tenancy';
import { creditors, debtorSessions, debtors, debts, policies } from '../db/schema';
import { sessionColumns, type SessionRow } from '../auth/session';
import { updatedValueUnderPolicy, type DebtTerms, type ValueBreakdown } from './updated-value';
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

const debtColumns = {
	debt: {
		id: debts.id,
		externalId: debts.externalId,
		description: debts.description,
		dueDate: debts.dueDate,
		status: debts.status,
		principalCents: debts.principalCents,
		lateFeeBp: debts.lateFeeBp,
		interestMonthlyBp: debts.interestMonthlyBp
	},
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
};

// The newest policy's id comes along; its parsed body is cached by id (tenancy.policyById).
const debtsOfDebtor = preparedQuery((db) =>
	db
		.select(debtColumns)
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

// The debts page runs it on every view, built once: the session and its debtor's debts in one
// statement (a session without debts gives one row with no debt). Same debts as `debtsOfDebtor`:
// a debt whose creditor is not of the session's agency comes with no creditor and is dropped by
// `forSession` (a join condition costs PostgreSQL less than an `exists` per view: 0.09 against 0.11 ms).
const debtsOfSession = preparedQuery((db) =>
	db
		.select({ ...sessionColumns, ...debtColumns })
		.from(debtorSessions)
		.innerJoin(debtors, eq(debtors.id, debtorSessions.debtorId))
		.leftJoin(debts, and(eq(debts.debtorId, debtorSessions.debtorId), inArray(debts.status, ['open', 'in_agreement'])))
		.leftJoin(creditors, and(eq(creditors.id, debts.creditorId), eq(creditors.agencyId, debtorSessions.agencyId)))
		.where(and(eq(debtorSessions.id, sql.placeholder('sessionId')), eq(debtorSessions.agencyId, sql.placeholder('agencyId'))))
		.orderBy(asc(creditors.displayName), asc(debts.dueDate))
		.prepare('debts_of_session')
);

type DebtRowsOf = Awaited<ReturnType<ReturnType<typeof debtsOfDebtor>['execute']>>;

/**
 * A debtor's open and in-agreement debts across the agency's creditors (and only that agency's),
 * with values updated to `today` under each creditor's policy in force.
 */
export async function forDebtor(db: DbOrTx, agencyId: string, debtorId: string, today: string): Promise<DebtView[]> {
	return views(db, await debtsOfDebtor(db).execute({ debtorId, agencyId }), today);
}

/**
 * `forDebtor` for the debtor of a session of this agency, found in the same statement: `auth` is
 * the session's row (see `guards.requireDebtorIn`), none when the session is unknown.
 */
export async function forSession(db: DbOrTx, key: { sessionId: string; agencyId: string }, today: string): Promise<{ auth: SessionRow | null; data: DebtView[] }> {
	const rows = await debtsOfSession(db).execute(key);
	if (rows.length === 0) return { auth: null, data: [] };
	const { session, debtor } = rows[0];
	const withDebts = rows.filter((r): r is (typeof rows)[number] & DebtRowsOf[number] => r.debt !== null && r.creditor !== null);
	return { auth: { session, debtor }, data: await views(db, withDebts, today) };
}

async function views(db: DbOrTx, rows: DebtRowsOf, today: string): Promise<DebtView[]> {
	const out: DebtView[] = [];
	for (const { debt, creditor, policyId, creditCents } of rows) {
		// Debts of a creditor without a policy cannot be valued or negotiated in the portal yet.
		if (!policyId) continue;
		out.push({
			id: debt.id,
			externalId: debt.externalId,
			description: debt.description,
			dueDate: debt.dueDate,
			status: debt.status,
			creditor,
			value: await valueOrNull(db, { ...debt, creditCents: Number(creditCents) }, policyId, today)
		});
	}
	return out;
}

async function valueOrNull(db: DbOrTx, debt: DebtTerms & { id: string; creditCents: number }, policyId: string, today: string): Promise<ValueBreakdown | null> {
	try {
		const value = updatedValueUnderPolicy(debt, await tenancy.policyById(db, policyId), today);
		return value.totalCents <= MAX_AMOUNT_CENTS ? value : null;
	} catch (error) {
		// A stored policy or debt the code cannot value: the card degrades; the log says why.
		console.error(JSON.stringify({ type: 'error', what: 'debt-value', debtId: debt.id, error: String((error as Error)?.stack ?? error) }));
		return null;
	}
}
