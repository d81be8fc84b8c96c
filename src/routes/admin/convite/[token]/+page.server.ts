import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as staffAuth from '$lib/server/staff';

export const load = async ({ params }) => {
	const person = await staffAuth.inviteFor(db(), params.token);
	if (!person) return { ok: false as const };
	return { ok: true as const, email: person.email, name: person.name, role: staffAuth.ROLE_LABELS[person.role] };
};

export const actions = {
	default: async ({ request, params }) => {
		const f = await request.formData();
		const result = await staffAuth.acceptInvite(db(), {
			token: params.token,
			name: String(f.get('nome') ?? ''),
			password: String(f.get('senha') ?? ''),
			confirm: String(f.get('confirmacao') ?? '')
		});
		if (!result.ok) return fail(400, { message: result.message, nome: String(f.get('nome') ?? '') });
		redirect(303, '/admin/entrar?convite=aceito');
	}
};
