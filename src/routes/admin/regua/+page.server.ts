import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as creditors from '$lib/server/tenancy/creditors';
import * as regua from '$lib/server/regua';

export const load = async () => {
	const me = requireStaff('read');
	const list = await creditors.creditorsInReach(db(), me);
	// An agency has tens of creditors, not thousands: one small query each.
	const reguas = await Promise.all(list.map((c) => regua.get(db(), c.id)));
	return {
		creditors: list.map((c, i) => ({
			id: c.id,
			displayName: c.displayName,
			version: reguas[i]?.version ?? null,
			steps: reguas[i]?.regua.steps.length ?? 0,
			updatedAt: reguas[i]?.updatedAt.toISOString() ?? null
		}))
	};
};
