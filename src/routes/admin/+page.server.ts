import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import { ROLE_LABELS } from '$lib/server/staff';

export const load = async () => {
	const me = requireStaff('read');
	return { role: ROLE_LABELS[me.role], creditors: await creditorsInReach(db(), me) };
};
