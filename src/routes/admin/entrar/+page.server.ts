import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import * as staffAuth from '$lib/server/staff';
import { sessionCookieOptions } from '$lib/server/auth/cookies';
import { adminReturnPath } from '$lib/server/http/input';

const schema = z.object({ email: z.string().trim().min(1, 'Informe seu e-mail.').max(200), senha: z.string().min(1, 'Informe sua senha.').max(200) });

export const load = async ({ locals, url }) => {
	if (locals.staff && locals.staffSession?.twoFactorVerified) redirect(303, adminReturnPath(url.searchParams.get('voltar')));
	return {};
};

export const actions = {
	default: async ({ request, cookies, getClientAddress, url }) => {
		const form = Object.fromEntries(await request.formData());
		const parsed = schema.safeParse(form);
		if (!parsed.success) return fail(400, { message: parsed.error.issues[0].message, email: String(form.email ?? '') });
		const result = await staffAuth.login(db(), { email: parsed.data.email, password: parsed.data.senha, ip: getClientAddress() });
		if (!result.ok) return fail(400, { message: result.message, email: parsed.data.email });
		cookies.set(staffAuth.STAFF_COOKIE, result.token, sessionCookieOptions(result.session.expiresAt));
		redirect(303, result.needsTotp ? `/admin/entrar/codigo?voltar=${encodeURIComponent(adminReturnPath(url.searchParams.get('voltar')))}` : adminReturnPath(url.searchParams.get('voltar')));
	}
};
