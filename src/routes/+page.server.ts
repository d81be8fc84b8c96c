import { asc } from 'drizzle-orm';
import { db } from '$lib/server/db/client';
import { creditors } from '$lib/server/db/schema';

export const load = async () => {
	const list = await db()
		.select({ slug: creditors.slug, displayName: creditors.displayName, legalName: creditors.legalName })
		.from(creditors)
		.orderBy(asc(creditors.displayName))
		.limit(200);
	return { portals: list };
};
