import { error, redirect } from '@sveltejs/kit';
import { getRequestEvent } from '$app/server';
import type { PublicCreditor } from './tenancy';
import { SESSION_COOKIE, sessionIdFromToken, settleSession, type SessionDebtor, type SessionRow } from './auth/session';
import { sessionCookieOptions } from './auth/cookies';
import { config } from './config';
import { can, type Permission, type StaffPrincipal } from './staff/roles';
import * as access from './access';
import { db } from './db/client';

type Locals = { creditor: PublicCreditor | null; debtor: SessionDebtor | null };

export function requireCreditor(locals: Locals): PublicCreditor {
	if (!locals.creditor) error(404, 'Portal não encontrado.');
	return locals.creditor;
}

/** Every portal page behind identification calls this in its own load and action. */
export function requireDebtor(locals: Locals): { debtor: SessionDebtor; creditor: PublicCreditor } {
	const creditor = requireCreditor(locals);
	if (!locals.debtor) redirect(303, `/c/${creditor.slug}?expirou=1`);
	return { debtor: locals.debtor, creditor };
}

/**
 * The portal's busiest pages (the debts and the offers) check the session inside their own query:
 * one statement for the session and the page's data. The hook leaves their session to them.
 */
const CHECKS_ITS_OWN_SESSION = new Set(['/(portal)/c/[slug]/dividas', '/(portal)/c/[slug]/ofertas']);

export function checksItsOwnSession(routeId: string | null): boolean {
	return routeId !== null && CHECKS_ITS_OWN_SESSION.has(routeId);
}

/**
 * `requireDebtor` for a page whose query validates the session too: `query` gets the session id
 * (the token's hash) and the portal's agency, selects `auth.sessionColumns` beside its data, and
 * returns the session's row (none when the session is unknown or of another agency) with the data.
 * Expired sessions are deleted and a live one slides forward, as the hook would have done.
 */
export async function requireDebtorIn<T>(
	query: (key: { sessionId: string; agencyId: string }) => Promise<{ auth: SessionRow | null | undefined; data: T }>
): Promise<{ debtor: SessionDebtor; creditor: PublicCreditor; data: T }> {
	const { locals, cookies } = getRequestEvent();
	const creditor = requireCreditor(locals);
	const token = cookies.get(SESSION_COOKIE);
	if (!token) redirect(303, `/c/${creditor.slug}?expirou=1`);
	const { auth, data } = await query({ sessionId: sessionIdFromToken(token), agencyId: creditor.agencyId });
	const found = await settleSession(db(), auth, config().SESSION_IDLE_MINUTES);
	if (!found) redirect(303, `/c/${creditor.slug}?expirou=1`);
	locals.debtor = found.debtor;
	locals.session = found.session;
	// The cookie's expiry follows the session's, which moves at most once a minute.
	if (found.refreshed) cookies.set(SESSION_COOKIE, token, sessionCookieOptions(found.session.expiresAt));
	return { debtor: found.debtor, creditor, data };
}

/** Where to come back after signing in: this page, as a path the sign-in page accepts. */
function here(url: URL): string {
	return url.pathname + (url.search.length < 500 ? url.search : '');
}

/**
 * Every admin load, action and endpoint calls this (layouts alone protect nothing): signed in,
 * second factor done when enabled, and the permission the action needs. It reads the request
 * itself, so a route cannot hand it the wrong one.
 */
export function requireStaff(permission: Permission = 'read'): StaffPrincipal {
	const { locals, url } = getRequestEvent();
	if (!locals.staff || !locals.staffSession) redirect(303, `/admin/entrar?voltar=${encodeURIComponent(here(url))}`);
	if (!locals.staffSession.twoFactorVerified) redirect(303, '/admin/entrar/codigo');
	if (!can(locals.staff, permission)) error(403, 'Você não tem permissão para esta ação.');
	return locals.staff;
}

const NOT_FOUND: Record<access.Entity, string> = {
	creditor: 'Credor não encontrado.',
	debtor: 'Devedor não encontrado.',
	debt: 'Dívida não encontrada.',
	agreement: 'Acordo não encontrado.',
	upload: 'Importação não encontrada.',
	apiKey: 'Chave não encontrada.'
};

/**
 * `requireStaff(permission)`, and the thing must be in this person's reach (access module);
 * otherwise 404, revealing nothing about whether it exists.
 */
export async function requireAccess(permission: Permission, entity: access.Entity, id: string): Promise<StaffPrincipal> {
	const me = requireStaff(permission);
	if (!(await access.reaches(db(), me, entity, id))) error(404, NOT_FOUND[entity]);
	return me;
}

/** A row a loader found within this person's reach (the loader's query carries the access predicate), or 404. */
export function orNotFound<T>(row: T | null | undefined, entity: access.Entity): T {
	if (row === null || row === undefined) error(404, NOT_FOUND[entity]);
	return row;
}
