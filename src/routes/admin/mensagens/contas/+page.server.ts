import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as accountAdmin from '$lib/server/messaging/account-admin';

export const load = async () => {
	const me = requireStaff('manage_messaging');
	return { accounts: await accountAdmin.list(db(), me.agencyId), fields: accountAdmin.FIELDS };
};

export const actions = {
	salvar: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_messaging');
		const form = await request.formData();
		const provider = String(form.get('provedor') ?? '');
		const fields = Object.fromEntries([...form.entries()].filter(([k]) => k.startsWith('cred.')).map(([k, v]) => [k.slice(5), v]));
		const input = { channel: form.get('canal'), provider, fields, ratePerSecond: form.get('ritmo'), cost: form.get('custo') };
		const result = await accountAdmin.save(db(), me.agencyId, input, { id: me.id, ip: getClientAddress() });
		if (!result.ok) {
			// What was typed comes back, except the secrets.
			const secret = new Set((accountAdmin.FIELDS[provider as accountAdmin.StoredProvider] ?? []).filter((f) => f.secret).map((f) => f.name));
			const echo = Object.fromEntries(Object.entries(fields).filter(([k, v]) => !secret.has(k) && typeof v === 'string').map(([k, v]) => [k, String(v)]));
			const values: Record<string, string> = { ...echo, ritmo: String(input.ratePerSecond ?? ''), custo: String(input.cost ?? '') };
			return fail(400, { provider, errors: result.errors, values });
		}
		return { saved: provider, label: result.label };
	},

	remover: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_messaging');
		const channel = (await request.formData()).get('canal');
		const removed = await accountAdmin.remove(db(), me.agencyId, channel, { id: me.id, ip: getClientAddress() });
		if (!removed) return fail(404, { message: 'Não há conta própria para este canal.' });
		return { removed: String(channel) };
	}
};
