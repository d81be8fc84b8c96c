import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { invalidateSession } from '$lib/server/auth/session';
import { cookieScope, SESSION_COOKIE_NAME } from '$lib/server/auth/cookies';
import { requireCreditor } from '$lib/server/guards';

export const load = ({ locals }) => redirect(303, `/c/${requireCreditor(locals).slug}`);

export const actions = {
	default: async ({ locals, cookies }) => {
		const creditor = requireCreditor(locals);
		// Logout ends the session on the server, not only in this browser.
		if (locals.session) await invalidateSession(db(), locals.session.id);
		cookies.delete(SESSION_COOKIE_NAME, cookieScope());
		redirect(303, `/c/${creditor.slug}`);
	}
};
