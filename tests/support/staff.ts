import { db } from '../../src/lib/server/db/client';
import * as staffAuth from '../../src/lib/server/staff';

const PASSWORD = 'uma senha de teste bem longa 7';

/**
 * A staff member invited by the CLI, with a password, signed in on the built app through the
 * sign-in form as a person would: the session cookie (`name=value`) to send with requests.
 */
export async function signedInStaff(base: string, who: { agencyId: string; role: staffAuth.StaffRole; creditorId?: string | null; name?: string }): Promise<string> {
	const email = `${who.role}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}@equipe.example`;
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: who.agencyId, email, role: who.role, creditorId: who.creditorId ?? null }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: who.name ?? who.role, password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	const res = await fetch(`${base}/admin/entrar`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ email, senha: PASSWORD })
	});
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${staffAuth.STAFF_COOKIE}=`));
	if (res.status !== 303 || !cookie) throw new Error(`login de ${who.role}: ${res.status}`);
	return cookie.split(';')[0];
}
