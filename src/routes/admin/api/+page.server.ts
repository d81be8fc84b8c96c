import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as apiKeys from '$lib/server/api/keys';
import { apiKeyCreateSchema } from '$lib/schemas/api';

export const load = async ({ url }) => {
	const me = requireStaff('manage_api_keys');
	const [creditors, keys] = await Promise.all([creditorsInReach(db(), me), apiKeys.listForStaff(db(), me)]);
	return {
		creditors: creditors.map((c) => ({ id: c.id, name: c.displayName })),
		keys: keys.map((k) => ({
			id: k.id,
			name: k.name,
			prefix: k.prefix,
			scope: apiKeys.SCOPE_LABELS[k.scope],
			creditor: k.creditor.displayName,
			createdAt: k.createdAt.toISOString(),
			createdBy: k.createdBy ?? 'linha de comando',
			lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
			revokedAt: k.revokedAt?.toISOString() ?? null
		})),
		revoked: url.searchParams.get('revogada')
	};
};

export const actions = {
	criar: async ({ request }) => {
		const me = requireStaff('manage_api_keys');
		const form = Object.fromEntries(await request.formData());
		const parsed = apiKeyCreateSchema.safeParse(form);
		if (!parsed.success) {
			return fail(400, { errors: z.flattenError(parsed.error).fieldErrors, values: { creditorId: String(form.creditorId ?? ''), name: String(form.name ?? ''), scope: String(form.scope ?? '') } });
		}
		const result = await db().transaction((tx) => apiKeys.createForStaff(tx, me, parsed.data));
		if (!result.ok) return fail(404, { errors: { creditorId: [result.message] }, values: parsed.data });
		return { created: { key: result.key, name: parsed.data.name, creditor: result.creditor, scope: apiKeys.SCOPE_LABELS[parsed.data.scope] } };
	}
};
