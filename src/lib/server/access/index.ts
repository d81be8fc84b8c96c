import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agreements, apiKeys, creditors, debtors, debts, imports } from '../db/schema';

/**
 * Who may reach what: the one place that answers it, for staff and API keys alike (the debtor's
 * own portal answers it by session: a debtor reaches their own rows only).
 *
 * A principal reaches an agency and, when scoped, one creditor of it: staff of a creditor and
 * every API key are scoped; agency staff are not. From that:
 * - a creditor is reached when it is the agency's (and the principal's own, when scoped);
 * - a debt, agreement, upload or API key through its creditor;
 * - a debtor when they owe a creditor in reach. What a scoped principal sees of a debtor who also
 *   owes other creditors stops at what its own creditor placed: its debts, agreements, messages
 *   and portal logins, and the contacts only when its creditor set them (`contactsVisible`);
 * - a debtor's name and contacts are changed on behalf of a creditor only while the debtor owes
 *   no other creditor of the agency (`debtorWritable`); the agency itself may change them.
 *
 * Each question comes two ways: as a SQL predicate to put in the query that loads the rows
 * (`where.*`), and for a set of ids, returning the subset reached (`reachable`), as immich's
 * `utils/access.ts` does.
 */

export type Reach = { agencyId: string; creditorId: string | null };

// Columns written out in full: drizzle leaves a column unqualified in the select list of a
// one-table query, and inside a subquery an unqualified `id` would name the subquery's own.
const col = (table: string, column: string) => sql.raw(`"${table}"."${column}"`);
const c = { agency: col('creditors', 'agency_id'), id: col('creditors', 'id') };
const d = { agency: col('debtors', 'agency_id'), id: col('debtors', 'id'), dataCreditor: col('debtors', 'data_creditor_id') };
const u = { agency: col('imports', 'agency_id'), creditor: col('imports', 'creditor_id') };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
	return UUID.test(id);
}

/** The creditors in reach, as a subquery of ids. */
function creditorIds(r: Reach): SQL {
	return r.creditorId
		? sql`(select c.id from creditors c where c.agency_id = ${r.agencyId}::uuid and c.id = ${r.creditorId}::uuid)`
		: sql`(select c.id from creditors c where c.agency_id = ${r.agencyId}::uuid)`;
}

export const where = {
	/** A column holding a creditor id (a debt's, an agreement's, an upload's…) names a creditor in reach. */
	creditorId(r: Reach, column: SQLWrapper): SQL {
		// Scoped: an equality the column's indexes serve, and a check of the agency evaluated once.
		if (r.creditorId) {
			return sql`(${column} = ${r.creditorId}::uuid and exists (select 1 from creditors sc where sc.id = ${r.creditorId}::uuid and sc.agency_id = ${r.agencyId}::uuid))`;
		}
		return sql`${column} in ${creditorIds(r)}`;
	},

	/** A row of `creditors` is in reach. */
	creditor(r: Reach): SQL {
		return r.creditorId
			? sql`(${c.agency} = ${r.agencyId}::uuid and ${c.id} = ${r.creditorId}::uuid)`
			: sql`${c.agency} = ${r.agencyId}::uuid`;
	},

	/**
	 * A debtor is in reach: of the agency and, for a scoped principal, owing (or having owed) its
	 * creditor. `id`/`agency` are the debtor's columns (an alias's, when the query aliases `debtors`;
	 * `agency` null when the query already keeps to the agency).
	 */
	debtor(r: Reach, id: SQLWrapper = d.id, agency: SQLWrapper | null = d.agency): SQL {
		const base = agency === null ? sql`true` : sql`${agency} = ${r.agencyId}::uuid`;
		if (!r.creditorId) return base;
		return sql`(${base} and exists (select 1 from debts rd where rd.debtor_id = ${id} and rd.creditor_id = ${r.creditorId}::uuid))`;
	},

	/**
	 * The debtor's name and contacts may be shown to this principal: agency-wide principals see
	 * them; a scoped one only when its creditor set them, or the debtor owes nobody else.
	 */
	contactsVisible(r: Reach, id: SQLWrapper = d.id, dataCreditor: SQLWrapper = d.dataCreditor): SQL {
		if (!r.creditorId) return sql`true`;
		return sql`(${dataCreditor} is not distinct from ${r.creditorId}::uuid
			or not exists (select 1 from debts od where od.debtor_id = ${id} and od.creditor_id <> ${r.creditorId}::uuid))`;
	},

	/** An upload of a creditor in reach. */
	upload(r: Reach): SQL {
		return sql`(${u.agency} = ${r.agencyId}::uuid and ${u.creditor} in ${creditorIds(r)})`;
	},

	/** An API key of a creditor in reach. */
	apiKey(r: Reach): SQL {
		return sql`${col('api_keys', 'creditor_id')} in ${creditorIds(r)}`;
	},

	/** A message the principal may read: the agency's, and for a scoped one only those its creditor sent. */
	message(r: Reach): SQL {
		const base = sql`${col('outbox', 'agency_id')} = ${r.agencyId}::uuid`;
		return r.creditorId ? sql`(${base} and ${col('outbox', 'creditor_id')} = ${r.creditorId}::uuid)` : base;
	}
};

/**
 * Whether a write on behalf of `writer` (a creditor, or null for the agency itself) may change the
 * name and contacts of the debtor whose id is `debtorId`: only while they owe no other creditor.
 * One rule for every writer: imports, uploads, the API, the back office.
 */
export function debtorWritable(writer: string | SQLWrapper | null, debtorId: SQLWrapper): SQL {
	if (writer === null) return sql`true`;
	const w = typeof writer === 'string' ? sql`${writer}::uuid` : writer;
	return sql`not exists (select 1 from debts ow where ow.debtor_id = ${debtorId} and ow.creditor_id <> ${w})`;
}

export type Entity = 'creditor' | 'debtor' | 'debt' | 'agreement' | 'upload' | 'apiKey';

/** The subset of `ids` this principal reaches; ids that are not UUIDs are never reached. */
export async function reachable(db: DbOrTx, r: Reach, entity: Entity, ids: Iterable<string>): Promise<Set<string>> {
	const wanted = [...new Set(ids)].filter(isUuid);
	if (wanted.length === 0) return new Set();
	const list = sql`${`{${wanted.join(',')}}`}::uuid[]`;
	const query: Record<Entity, SQL> = {
		creditor: sql`select ${creditors.id} as id from ${creditors} where ${creditors.id} = any(${list}) and ${where.creditor(r)}`,
		debtor: sql`select ${debtors.id} as id from ${debtors} where ${debtors.id} = any(${list}) and ${where.debtor(r)}`,
		debt: sql`select ${debts.id} as id from ${debts} where ${debts.id} = any(${list}) and ${where.creditorId(r, debts.creditorId)}`,
		agreement: sql`select ${agreements.id} as id from ${agreements} where ${agreements.id} = any(${list}) and ${where.creditorId(r, agreements.creditorId)}`,
		upload: sql`select ${imports.id} as id from ${imports} where ${imports.id} = any(${list}) and ${where.upload(r)}`,
		apiKey: sql`select ${apiKeys.id} as id from ${apiKeys} where ${apiKeys.id} = any(${list}) and ${where.apiKey(r)}`
	};
	const rows = await db.execute<{ id: string }>(query[entity]);
	return new Set(rows.map((row) => row.id));
}

/** Whether this principal reaches one thing. */
export async function reaches(db: DbOrTx, r: Reach, entity: Entity, id: string): Promise<boolean> {
	return (await reachable(db, r, entity, [id])).has(id.toLowerCase());
}
