import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { redirect } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { db } from '$lib/server/db/client';
import * as tenancy from '$lib/server/tenancy';
import { SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/session';
import { config } from '$lib/server/config';
import { cookieScope, isHttps, sessionCookieOptions } from '$lib/server/auth/cookies';
import * as staffAuth from '$lib/server/staff';
import * as importWorker from '$lib/server/uploads/runner';
import { securityHeaders } from '$lib/server/http/headers';

const tenant: Handle = async ({ event, resolve }) => {
	event.locals.creditor = null;
	const slug = event.params.slug;
	if (slug) {
		const c = await tenancy.bySlug(db(), slug);
		if (c) event.locals.creditor = tenancy.toPublic(c);
	} else if (event.url.pathname === '/') {
		// A creditor on its own host name gets its portal at the root.
		const c = await tenancy.byHost(db(), event.url.host);
		if (c) redirect(307, `/c/${c.slug}`);
	}
	return resolve(event);
};

const session: Handle = async ({ event, resolve }) => {
	event.locals.debtor = null;
	event.locals.session = null;
	const token = event.cookies.get(SESSION_COOKIE);
	if (token && event.locals.creditor) {
		const found = await validateSessionToken(db(), token, config().SESSION_IDLE_MINUTES);
		// A session belongs to one agency: it opens no other agency's portal.
		if (found && found.session.agencyId === event.locals.creditor.agencyId) {
			event.locals.debtor = found.debtor;
			event.locals.session = found.session;
			// The cookie's expiry follows the session's, which moves at most once a minute.
			if (found.refreshed) event.cookies.set(SESSION_COOKIE, token, sessionCookieOptions(found.session.expiresAt));
		} else if (!found) {
			event.cookies.delete(SESSION_COOKIE, cookieScope());
		}
	}
	const response = await resolve(event);
	// Personal data is never stored by browsers or shared caches.
	if (event.locals.debtor && !response.headers.has('cache-control')) {
		response.headers.set('cache-control', 'private, no-store');
	}
	return response;
};

const staffSession: Handle = async ({ event, resolve }) => {
	event.locals.staff = null;
	event.locals.staffSession = null;
	const token = event.cookies.get(staffAuth.STAFF_COOKIE);
	if (token && event.url.pathname.startsWith('/admin')) {
		const found = await staffAuth.validateSession(db(), token);
		if (found) {
			event.locals.staffSession = found.session;
			event.locals.staff = found.staff;
			event.cookies.set(staffAuth.STAFF_COOKIE, token, sessionCookieOptions(found.session.expiresAt));
		} else {
			event.cookies.delete(staffAuth.STAFF_COOKIE, cookieScope());
		}
	}
	const response = await resolve(event);
	if (event.locals.staff && !response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
	return response;
};

const headers: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	for (const [name, value] of securityHeaders(isHttps(event.url))) {
		if (!response.headers.has(name)) response.headers.set(name, value);
	}
	return response;
};

// Each app process runs one import worker thread; jobs are shared through PostgreSQL.
export const init: ServerInit = () => {
	if (!building) importWorker.start();
};

export const handle = sequence(headers, tenant, session, staffSession);

export const handleError: HandleServerError = ({ error, event, status }) => {
	const errorId = crypto.randomUUID().slice(0, 8);
	if (status !== 404) console.error(JSON.stringify({ type: 'error', errorId, path: event.url.pathname, status, error: String((error as Error)?.stack ?? error) }));
	return { message: status === 404 ? 'Página não encontrada.' : 'Algo deu errado do nosso lado. Tente novamente em instantes.', errorId };
};
