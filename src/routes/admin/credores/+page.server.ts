import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as creditors from '$lib/server/tenancy/creditors';

export const load = async () => {
	const me = requireStaff('read');
	return {
		creditors: await creditors.listInReach(db(), me),
		canCreate: can(me, 'create_creditor'),
		canEdit: can(me, 'manage_creditor'),
		canPublish: can(me, 'publish_policy')
	};
};
