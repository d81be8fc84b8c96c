import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as review from '$lib/server/payments/review';

const associateSchema = z.object({ itemId: z.uuid({ error: 'Pendência inválida.' }), installmentId: z.uuid({ error: 'Escolha a parcela.' }) });
const discardSchema = z.object({ itemId: z.uuid({ error: 'Pendência inválida.' }), reason: z.string().trim().min(3, { error: 'Informe o motivo do descarte.' }).max(500) });

export const load = async () => {
	const me = requireStaff('read');
	const reach = { agencyId: me.agencyId, creditorId: me.creditorId };
	const items = await review.list(db(), reach, { limit: 50 });
	const withSuggestions = await Promise.all(items.map(async (item) => ({ item, suggestions: await review.suggestions(db(), reach, item, 5) })));
	return {
		canAct: can(me, 'act_on_agreements'),
		total: await review.count(db(), reach),
		items: withSuggestions.map(({ item, suggestions }) => ({
			id: item.id,
			reasonLabel: (item.details as { reasonLabel?: string }).reasonLabel ?? item.reason,
			message: item.message,
			amountCents: Number(item.amountCents),
			paidOn: item.paidOn,
			source: item.source,
			reference: item.reference,
			payerName: item.payerName,
			createdAt: item.createdAt.toISOString(),
			suggestions
		}))
	};
};

export const actions = {
	associar: async ({ request, getClientAddress }) => {
		const me = requireStaff('act_on_agreements');
		const parsed = associateSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { itemId: null, message: parsed.error.issues[0].message });
		const r = await db().transaction((tx) => review.associate(tx, { ...parsed.data, staff: me, ip: getClientAddress() }));
		if (!r.ok) return fail(409, { itemId: parsed.data.itemId, message: r.message });
		return { itemId: parsed.data.itemId, done: 'Pagamento lançado na parcela.' };
	},
	descartar: async ({ request, getClientAddress }) => {
		const me = requireStaff('act_on_agreements');
		const parsed = discardSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { itemId: null, message: parsed.error.issues[0].message });
		const r = await db().transaction((tx) => review.discard(tx, { ...parsed.data, staff: me, ip: getClientAddress() }));
		if (!r.ok) return fail(409, { itemId: parsed.data.itemId, message: r.message });
		return { itemId: parsed.data.itemId, done: 'Pendência descartada.' };
	}
};
