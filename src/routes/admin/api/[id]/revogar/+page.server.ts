import { error, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as apiKeys from '$lib/server/api/keys';

export const load = async ({ params }) => {
	const me = requireStaff('manage_api_keys');
	const found = await apiKeys.findForStaff(db(), me, params.id);
	if (!found) error(404, 'Chave não encontrada.');
	return {
		key: {
			name: found.key.name,
			prefix: found.key.prefix,
			scope: apiKeys.SCOPE_LABELS[found.key.scope],
			creditor: found.creditor.displayName,
			revoked: found.key.revokedAt !== null
		}
	};
};

export const actions = {
	default: async ({ params }) => {
		const me = requireStaff('manage_api_keys');
		const result = await db().transaction((tx) => apiKeys.revoke(tx, me, params.id));
		if (!result.ok) error(404, 'Chave não encontrada.');
		redirect(303, `/admin/api?revogada=${encodeURIComponent(result.prefix)}`);
	}
};
