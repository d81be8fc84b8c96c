import { fail } from '@sveltejs/kit';
import { sql } from 'drizzle-orm';
import { db } from '$lib/server/db/client';
import { requireDebtor } from '$lib/server/guards';
import * as messaging from '$lib/server/messaging';
import * as audit from '$lib/server/audit';
import { isMobileE164, maskEmail, maskPhone } from '$lib/format/contact';
import type { Channel } from '$lib/server/messaging/wire';

/**
 * *Preferências de contato*: the debtor chooses on which channels the agency's creditors may send
 * collection messages (codes they ask for and payment receipts still come). Honoured at once.
 */

const LABELS: Record<Channel, string> = { whatsapp: 'WhatsApp', sms: 'SMS', email: 'E-mail' };

async function channelsOf(debtorId: string, agencyId: string) {
	const [d] = await db().execute<{ phone: string | null; email: string | null }>(sql`select phone, email from debtors where id = ${debtorId}::uuid and agency_id = ${agencyId}::uuid`);
	const opted = await db().execute<{ channel: Channel; address: string }>(sql`
		select channel, address from contact_opt_outs where agency_id = ${agencyId}::uuid and address = any(${`{${[d?.phone, d?.email?.toLowerCase()].filter(Boolean).map((a) => `"${a}"`).join(',')}}`}::text[])`);
	const list: { channel: Channel; label: string; address: string; masked: string; on: boolean }[] = [];
	const add = (channel: Channel, address: string | null | undefined, masked: (a: string) => string) => {
		if (!address) return;
		list.push({ channel, label: LABELS[channel], address, masked: masked(address), on: !opted.some((o) => o.channel === channel && o.address === address) });
	};
	if (d?.phone && isMobileE164(d.phone)) add('whatsapp', d.phone, maskPhone);
	if (d?.phone && isMobileE164(d.phone)) add('sms', d.phone, maskPhone);
	add('email', d?.email?.toLowerCase(), maskEmail);
	return list;
}

export const load = async ({ locals }) => {
	const { debtor } = requireDebtor(locals);
	const channels = await channelsOf(debtor.id, debtor.agencyId);
	return { channels: channels.map(({ address: _a, ...c }) => c) };
};

export const actions = {
	default: async ({ locals, request, getClientAddress }) => {
		const { debtor } = requireDebtor(locals);
		const form = await request.formData();
		const stopAll = form.get('acao') === 'parar-tudo';
		const wanted = new Set(form.getAll('canal').map(String));
		const channels = await channelsOf(debtor.id, debtor.agencyId);
		if (channels.length === 0) return fail(400, { message: 'Não há telefone nem e-mail cadastrado para você.' });
		const changes: { channel: Channel; on: boolean }[] = [];
		await db().transaction(async (tx) => {
			for (const c of channels) {
				const on = !stopAll && wanted.has(c.channel);
				if (on === c.on) continue;
				await messaging.setOptOut(tx, { agencyId: debtor.agencyId, channel: c.channel, address: c.address, source: 'preferences', stop: !on });
				changes.push({ channel: c.channel, on });
			}
			if (changes.length) {
				await audit.record(tx, { agencyId: debtor.agencyId, actorType: 'debtor', actorId: debtor.id, action: 'contact.preferences', entity: 'debtor', entityId: debtor.id, ip: getClientAddress(), data: { changes } });
			}
		});
		return { saved: true };
	}
};
