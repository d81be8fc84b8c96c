import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { error, redirect } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { db } from '$lib/server/db/client';
import * as tenancy from '$lib/server/tenancy';
import { SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/session';
import { config } from '$lib/server/config';
import { cookieScope, isHttps, sessionCookieOptions } from '$lib/server/auth/cookies';
import * as staffAuth from '$lib/server/staff';
import { checksItsOwnSession } from '$lib/server/guards';
import * as importWorker from '$lib/server/uploads/runner';
import { securityHeaders } from '$lib/server/http/headers';
import * as input from '$lib/server/http/input';
import { problem, toResponse } from '$lib/server/api/problem';

/**
 * Bad input stops here with a 4xx and a pt-BR message, before the tenant or a session is looked
 * up: control characters in the path or query, and form posts that cannot be read as forms
 * (SvelteKit has already refused a cross-site one with 403). The API answers in problem+json.
 */
const guard: Handle = async ({ event, resolve }) => {
	if (input.crossSiteForm(event.request, event.url)) {
		return new Response(`Cross-site ${event.request.method} form submissions are forbidden`, { status: 403, headers: { 'content-type': 'text/plain' } });
	}
	// No route (or a path that does not decode): SvelteKit answers 404/400 and runs no load or action.
	// Nothing may be thrown here then: SvelteKit calls the hooks for such a path outside its try/catch.
	if (event.route.id === null) return resolve(event);
	const refused =
		input.badAddress(event.params, event.url.searchParams) ??
		(input.isFormPost(event.request) && !event.url.pathname.startsWith('/api/') ? await input.badForm(event.request) : null);
	if (!refused) return resolve(event);
	if (event.url.pathname.startsWith('/api/')) {
		return toResponse(problem(event.url, refused.status === 415 ? 'tipo-de-conteudo' : 'requisicao-invalida', refused.message));
	}
	error(refused.status, refused.message);
};

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
	// The busiest portal pages check the session in their own query (guards.requireDebtorIn).
	if (token && event.locals.creditor && !checksItsOwnSession(event.route.id)) {
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

export const handle = sequence(headers, guard, tenant, session, staffSession);

export const handleError: HandleServerError = ({ error, event, status }) => {
	const errorId = crypto.randomUUID().slice(0, 8);
	if (status !== 404) console.error(JSON.stringify({ type: 'error', errorId, path: event.url.pathname, status, error: String((error as Error)?.stack ?? error) }));
	return { message: status === 404 ? 'Página não encontrada.' : 'Algo deu errado do nosso lado. Tente novamente em instantes.', errorId };
};
