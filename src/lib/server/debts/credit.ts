import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/**
 * A debt's credit balance in cents (the sum of its `debt_credits`, 0 when it has none), as a
 * scalar subquery: every reader that values debts selects it in the statement that reads them.
 * Served by the `debt_credits_debt` index.
 */
export function creditBalanceSql(debtId: SQLWrapper): SQL<number> {
	return sql`(select coalesce(sum(dc.amount_cents), 0)::int8 from debt_credits dc where dc.debt_id = ${debtId})`.mapWith(Number);
}
