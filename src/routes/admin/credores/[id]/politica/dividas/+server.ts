import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { orNotFound, requireStaff } from '$lib/server/guards';
import * as creditors from '$lib/server/tenancy/creditors';
import * as policies from '$lib/server/tenancy/policies';

/** Open debts of this creditor for the simulator: by contract id prefix or debtor name. */
export const GET = async ({ url, params }) => {
	const me = requireStaff('read');
	const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
	return json(await policies.searchOpenDebts(db(), c.id, url.searchParams.get('q') ?? ''));
};
