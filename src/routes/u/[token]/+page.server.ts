import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { db } from '$lib/server/db/client';
import * as messaging from '$lib/server/messaging';
import { readUnsubscribeToken } from '$lib/server/messaging/unsubscribe';
import * as audit from '$lib/server/audit';
import { sql } from 'drizzle-orm';

const INVALID = 'Este link de descadastro não é válido. Se quiser parar de receber e-mails, responda ao e-mail pedindo o descadastro.';

async function who(token: string) {
	const t = readUnsubscribeToken(token);
	if (!t) error(404, INVALID);
	const [row] = await db().execute<{ name: string }>(
		t.creditorId
			? sql`select display_name as name from creditors where id = ${t.creditorId}::uuid and agency_id = ${t.agencyId}::uuid`
			: sql`select name from agencies where id = ${t.agencyId}::uuid`
	);
	if (!row) error(404, INVALID);
	return { ...t, name: row.name };
}

function masked(email: string): string {
	const [user, domain] = email.split('@');
	return `${user.slice(0, 2)}${'•'.repeat(Math.max(1, user.length - 2))}@${domain}`;
}

export const load: PageServerLoad = async ({ params }) => {
	const t = await who(params.token);
	return { name: t.name, email: masked(t.email) };
};

export const actions: Actions = {
	/**
	 * The button on this page and the mail provider's one-click POST (RFC 8058: the body is
	 * `List-Unsubscribe=One-Click`) land here; either stops e-mails at once.
	 */
	default: async ({ params, getClientAddress }) => {
		const t = await who(params.token);
		await db().transaction(async (tx) => {
			await messaging.setOptOut(tx, { agencyId: t.agencyId, channel: 'email', address: t.email, source: 'unsubscribe', stop: true });
			await audit.record(tx, { agencyId: t.agencyId, actorType: 'debtor', action: 'contact.opt_out', entity: 'email', ip: getClientAddress(), data: { channel: 'email', source: 'unsubscribe' } });
		});
		return { done: true };
	}
};
