import { db } from '../../src/lib/server/db/client';
import * as staffAuth from '../../src/lib/server/staff';
import type { StaffRole } from '../../src/lib/server/staff';

const PASSWORD = 'um cafezinho no fim da tarde 7';

/**
 * A staff member invited by the CLI, who accepts and signs in to the running app with a password
 * (no second factor): the session cookie, as `name=value`.
 */
export async function staffCookie(base: string, agencyId: string, role: StaffRole, creditorId: string | null = null): Promise<string> {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@equipe.example`;
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId, email, role, creditorId }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: role, password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	const res = await fetch(`${base}/admin/entrar`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ email, senha: PASSWORD })
	});
	if (res.status !== 303) throw new Error(`login de ${role}: ${res.status}`);
	return res.headers.getSetCookie().find((c) => c.startsWith(`${staffAuth.STAFF_COOKIE}=`))!.split(';')[0];
}
