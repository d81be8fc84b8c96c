import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agreements, creditors, debtors } from '../db/schema';
import type { StaffPrincipal } from '../staff/roles';

export type Who = Pick<StaffPrincipal, 'id' | 'agencyId' | 'creditorId'>;
export type Debtor = typeof debtors.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
	return UUID.test(id);
}

/**
 * The debtor is in this person's reach: same agency and, for creditor-scoped staff, with at least
 * one debt at their creditor. Used as a raw condition on an outer `debtors` row.
 */
export function debtorReach(who: Pick<Who, 'agencyId' | 'creditorId'>, debtorId: SQL | string = sql`${debtors.id}`): SQL {
	const base = sql`${debtors.agencyId} = ${who.agencyId}`;
	if (!who.creditorId) return base;
	return sql`${base} and exists (select 1 from debts sd where sd.debtor_id = ${debtorId} and sd.creditor_id = ${who.creditorId})`;
}

/** A debtor this person may see, or null (the caller answers 404 either way: nothing is revealed). */
export async function debtorInReach(db: DbOrTx, who: Who, id: string): Promise<Debtor | null> {
	if (!isUuid(id)) return null;
	const rows = await db
		.select()
		.from(debtors)
		.where(and(eq(debtors.id, id), debtorReach(who)))
		.limit(1);
	return rows[0] ?? null;
}

/** Creditor ids this person reaches, as a SQL list for `in (...)`. */
export function creditorIdsInReach(who: Pick<Who, 'agencyId' | 'creditorId'>): SQL {
	return who.creditorId
		? sql`(select id from creditors where agency_id = ${who.agencyId} and id = ${who.creditorId})`
		: sql`(select id from creditors where agency_id = ${who.agencyId})`;
}

/** An agreement by its code, only if its creditor is in reach; optionally locked for update. */
export async function agreementInReach(db: DbOrTx, who: Who, code: string, lock = false) {
	const normalized = code.trim().toUpperCase();
	if (!/^AC-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(normalized)) return null;
	const q = db
		.select({ agreement: agreements, creditor: creditors })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(
			and(
				eq(agreements.code, normalized),
				eq(creditors.agencyId, who.agencyId),
				who.creditorId ? eq(creditors.id, who.creditorId) : undefined
			)
		)
		.limit(1);
	const rows = lock ? await q.for('update', { of: agreements }) : await q;
	return rows[0] ?? null;
}
