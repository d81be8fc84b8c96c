import type { Page } from 'playwright-core';
import { db } from '../../src/lib/server/db/client';
import * as staffAuth from '../../src/lib/server/staff';
import type { StaffRole } from '../../src/lib/server/db/schema';

const PASSWORD = 'uma frase longa da equipe de testes 2026';

/** A new staff member of the agency, invited and with a password (the invite accepted as a person would). */
export async function staffMember(agencyId: string, role: StaffRole, creditorId: string | null = null, name: string = role): Promise<{ email: string; password: string }> {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 6)}@equipe.example`;
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId, email, role, creditorId }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name, password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	return { email, password: PASSWORD };
}

/** The session cookie of a new staff member signed in over HTTP (`name=value`, for a request's cookie header). */
export async function staffCookie(base: string, agencyId: string, role: StaffRole, creditorId: string | null = null, name: string = role): Promise<string> {
	const { email, password } = await staffMember(agencyId, role, creditorId, name);
	const res = await fetch(`${base}/admin/entrar`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ email, senha: password })
	});
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${staffAuth.STAFF_COOKIE}=`));
	if (res.status !== 303 || !cookie) throw new Error(`login de ${role}: ${res.status} ${(await res.text()).match(/role="alert"[^>]*>([^<]*)/)?.[1]}`);
	return cookie.split(';')[0];
}

/** The same, named by an object (the campaign tests' form). */
export function signedInStaff(base: string, who: { agencyId: string; role: StaffRole; creditorId?: string | null; name?: string }): Promise<string> {
	return staffCookie(base, who.agencyId, who.role, who.creditorId ?? null, who.name ?? who.role);
}

/** A new staff member signed in in the browser, through the sign-in page. */
export async function signIn(page: Page, base: string, agencyId: string, role: StaffRole, creditorId: string | null = null): Promise<void> {
	const { email, password } = await staffMember(agencyId, role, creditorId);
	await page.goto(`${base}/admin/entrar`);
	await page.getByLabel('E-mail').fill(email);
	await page.getByLabel('Senha').fill(password);
	await page.getByRole('button', { name: 'Entrar' }).click();
	await page.waitForURL(`${base}/admin`);
}
