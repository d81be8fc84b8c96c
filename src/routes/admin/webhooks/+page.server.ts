import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { creditorsInReach } from '$lib/server/tenancy/creditors';
import * as webhooks from '$lib/server/webhooks';
import { webhookEndpointFormSchema } from '$lib/schemas/webhooks';

export const load = async ({ url }) => {
	const me = requireStaff('manage_webhooks');
	const [creditors, list] = await Promise.all([creditorsInReach(db(), me), webhooks.endpoints.list(db(), me)]);
	return {
		creditors: creditors.map((c) => ({ id: c.id, name: c.displayName })),
		events: webhooks.EVENT_TYPES.map((type) => ({ type, label: webhooks.EVENT_LABELS[type] })),
		endpoints: list.map((e) => ({
			id: e.id,
			url: e.url,
			description: e.description,
			creditor: e.creditor.displayName,
			events: e.events,
			disabled: e.disabledAt !== null,
			pending: e.pending,
			failed: e.failed
		})),
		deleted: url.searchParams.get('excluido') !== null
	};
};

export const actions = {
	criar: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_webhooks');
		const form = await request.formData();
		const raw = { creditorId: String(form.get('creditorId') ?? ''), url: String(form.get('url') ?? ''), description: String(form.get('description') ?? ''), events: form.getAll('events').map(String) };
		const parsed = webhookEndpointFormSchema.safeParse(raw);
		if (!parsed.success) return fail(400, { errors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]>, values: raw });
		const result = await db().transaction((tx) => webhooks.endpoints.create(tx, me, { type: 'staff', id: me.id }, parsed.data, webhooks.endpoints.options(getClientAddress())));
		if (!result.ok) return fail(400, { errors: { [result.field]: [result.message] } as Record<string, string[]>, values: raw });
		return { created: { id: result.endpoint.id, url: result.endpoint.url, secret: result.secret } };
	}
};
