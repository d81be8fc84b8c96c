import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as staffAuth from '$lib/server/staff';
import { adminReturnPath } from '$lib/server/http/input';

export const load = async ({ locals }) => {
	if (!locals.staffSession) redirect(303, '/admin/entrar');
	if (locals.staffSession.twoFactorVerified) redirect(303, '/admin');
	return {};
};

export const actions = {
	default: async ({ request, locals, getClientAddress, url }) => {
		if (!locals.staffSession) redirect(303, '/admin/entrar');
		const code = String((await request.formData()).get('codigo') ?? '');
		const result = await staffAuth.verifySecondFactor(db(), locals.staffSession, code, getClientAddress());
		if (!result.ok) return fail(400, { message: result.message });
		redirect(303, adminReturnPath(url.searchParams.get('voltar')));
	}
};
