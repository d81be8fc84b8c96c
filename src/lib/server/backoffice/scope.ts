import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agreements, creditors, debtors } from '../db/schema';
import type { StaffPrincipal } from '../staff/roles';
import * as access from '../access';

/** Loaders of the back office: a row only when the access module says this person reaches it. */

export type Who = Pick<StaffPrincipal, 'id' | 'agencyId' | 'creditorId'>;
export type Debtor = typeof debtors.$inferSelect & {
	/** False when the name and contacts were set by another creditor's portfolio (scoped staff see them masked). */
	contactsVisible: boolean;
};

export const isUuid = access.isUuid;

/** A debtor this person may see, or null (the caller answers 404 either way: nothing is revealed). */
export async function debtorInReach(db: DbOrTx, who: Who, id: string): Promise<Debtor | null> {
	if (!isUuid(id)) return null;
	const rows = await db
		.select({ debtor: debtors, contactsVisible: access.where.contactsVisible(who).mapWith(Boolean) })
		.from(debtors)
		.where(and(eq(debtors.id, id), access.where.debtor(who)))
		.limit(1);
	return rows[0] ? { ...rows[0].debtor, contactsVisible: rows[0].contactsVisible } : null;
}

/** An agreement by its code, only if its creditor is in reach; optionally locked for update. */
export async function agreementInReach(db: DbOrTx, who: Who, code: string, lock = false) {
	const normalized = code.trim().toUpperCase();
	if (!/^AC-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(normalized)) return null;
	const q = db
		.select({ agreement: agreements, creditor: creditors })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(and(eq(agreements.code, normalized), access.where.creditor(who)))
		.limit(1);
	const rows = lock ? await q.for('update', { of: agreements }) : await q;
	return rows[0] ?? null;
}
