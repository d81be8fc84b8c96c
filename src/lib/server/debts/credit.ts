import { Column, getTableName, sql, type SQL } from 'drizzle-orm';

/**
 * A debt's credit balance in cents (the sum of its `debt_credits`, 0 when it has none), as a
 * scalar subquery: every reader that values debts selects it in the statement that reads them.
 * Served by the `debt_credits_debt` index.
 */
export function creditBalanceSql(debtId: Column | SQL): SQL<number> {
	// Drizzle leaves a column unqualified in a one-table select; inside this subquery a bare "id"
	// would be debt_credits' own id, so a column is always written with its table.
	const ref = debtId instanceof Column ? sql`${sql.identifier(getTableName(debtId.table))}.${sql.identifier(debtId.name)}` : debtId;
	return sql`(select coalesce(sum(dc.amount_cents), 0)::int8 from debt_credits dc where dc.debt_id = ${ref})`.mapWith(Number);
}
