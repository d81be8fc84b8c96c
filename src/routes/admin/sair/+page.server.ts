import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import * as staffAuth from '$lib/server/staff';
import { cookieScope } from '$lib/server/auth/cookies';

export const load = () => redirect(303, '/admin');

export const actions = {
	default: async ({ locals, cookies }) => {
		if (locals.staffSession) await staffAuth.logout(db(), locals.staffSession.id);
		cookies.delete(staffAuth.STAFF_COOKIE, cookieScope());
		redirect(303, '/admin/entrar');
	}
};
