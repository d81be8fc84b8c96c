import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as campaigns from '$lib/server/campaigns';

export const load = async ({ url }) => {
	const me = requireStaff('read');
	const creditorId = url.searchParams.get('credor') ?? '';
	const [rows, creditors] = await Promise.all([campaigns.list(db(), me, creditorId || undefined), creditorsInReach(db(), me)]);
	return {
		campaigns: rows.map((c) => ({
			id: c.id,
			name: c.name,
			creditor: c.creditor,
			status: c.status,
			statusLabel: campaigns.STATUS_LABELS[c.status],
			startsAt: c.startsAt.toISOString(),
			endsAt: c.endsAt.toISOString()
		})),
		creditors: creditors.map((c) => ({ id: c.id, displayName: c.displayName })),
		creditorId: creditors.some((c) => c.id === creditorId) ? creditorId : '',
		canManage: can(me, 'manage_campaigns')
	};
};
