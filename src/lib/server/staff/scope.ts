import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors } from '../db/schema';
import type { StaffPrincipal } from './roles';

/** The SQL condition that limits creditors to what this person reaches (tenant isolation). */
export function creditorScope(who: Pick<StaffPrincipal, 'agencyId' | 'creditorId'>): SQL {
	return who.creditorId
		? and(eq(creditors.agencyId, who.agencyId), eq(creditors.id, who.creditorId))!
		: eq(creditors.agencyId, who.agencyId);
}

export function creditorsInReach(db: DbOrTx, who: Pick<StaffPrincipal, 'agencyId' | 'creditorId'>) {
	return db
		.select({ id: creditors.id, slug: creditors.slug, displayName: creditors.displayName, legalName: creditors.legalName, cnpj: creditors.cnpj, primaryColor: creditors.primaryColor })
		.from(creditors)
		.where(creditorScope(who))
		.orderBy(asc(creditors.displayName));
}
