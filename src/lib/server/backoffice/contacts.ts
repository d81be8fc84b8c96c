import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../db/client';
import * as audit from '../audit';
import * as jobs from '../jobs';
import * as messaging from '../messaging';
import { can } from '../staff/roles';
import { isMobileE164, isValidEmail, maskEmail, maskPhone, normalizePhoneBR } from '../../format/contact';
import { debtorInReach, type Who } from './scope';
import type { StaffPrincipal } from '../staff/roles';

/**
 * Correcting a debtor's name and contacts in the back office, under the same rule as every other
 * writer: on behalf of one creditor only while the debtor owes no other; a debtor several creditors
 * share only by the agency's administration (audited). The old phone or e-mail is told of the change.
 */

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const contactSchema = z
	.object({
		nome: z.string({ error: 'Informe o nome.' }).trim().min(2, 'Informe o nome do devedor.').max(200, 'Nome com mais de 200 caracteres.'),
		telefone: optional(
			z
				.string()
				.trim()
				.max(30)
				.transform((v, ctx) => normalizePhoneBR(v) ?? (ctx.addIssue({ code: 'custom', message: 'Telefone inválido: use DDD e número, por exemplo (11) 98765-4321.' }), z.NEVER))
		),
		email: optional(
			z
				.string()
				.trim()
				.max(254)
				.refine(isValidEmail, 'E-mail inválido: confira o endereço (por exemplo nome@provedor.com.br).')
				.transform((v) => v.toLowerCase())
		)
	})
	.refine((v) => v.telefone || v.email, { message: 'Informe o telefone ou o e-mail (ao menos um).', path: ['telefone'] });

export type ContactInput = z.infer<typeof contactSchema>;
export type ContactResult = { ok: true; message: string } | { ok: false; status: 404 | 409; message: string };

/** Whether this person may change this debtor's name and contacts, and whose data it then is. */
async function writer(tx: Tx, who: Who & Pick<StaffPrincipal, 'role'>, debtorId: string): Promise<{ ok: boolean; dataCreditorId: string | null; shared: boolean }> {
	const [row] = await tx.execute<{ creditors: string[] }>(sql`select coalesce(array_agg(distinct creditor_id::text), '{}') as creditors from debts where debtor_id = ${debtorId}::uuid`);
	const owed = row.creditors;
	// A debtor of one creditor: that creditor's data, whoever types it. Several: the agency's.
	const dataCreditorId = owed.length === 1 ? owed[0] : null;
	const shared = owed.length > 1;
	if (can(who, 'update_shared_debtors')) return { ok: true, dataCreditorId, shared };
	if (who.creditorId) return { ok: owed.every((c) => c === who.creditorId), dataCreditorId, shared };
	return { ok: !shared, dataCreditorId, shared };
}

export async function updateContacts(tx: Tx, who: Who & Pick<StaffPrincipal, 'role'>, id: string, input: ContactInput, ctx: { ip?: string | null } = {}): Promise<ContactResult> {
	const debtor = await debtorInReach(tx, who, id);
	if (!debtor) return { ok: false, status: 404, message: 'Devedor não encontrado.' };
	await tx.execute(sql`select 1 from debtors where id = ${debtor.id} for update`);
	if (debtor.anonymizedAt) return { ok: false, status: 409, message: 'Os dados deste devedor foram anonimizados e não podem ser alterados.' };
	const w = await writer(tx, who, debtor.id);
	if (!w.ok || !debtor.contactsVisible) {
		return {
			ok: false,
			status: 409,
			message: 'Este devedor também deve a outro credor da assessoria: só a administração da assessoria pode alterar o nome e os contatos dele. Nada foi alterado.'
		};
	}
	const next = { name: input.nome, phone: input.telefone ?? null, email: input.email ?? null };
	if (next.name === debtor.name && next.phone === debtor.phone && next.email === debtor.email) {
		return { ok: true, message: 'Nada mudou: os dados já eram estes.' };
	}
	await tx.execute(sql`update debtors set name = ${next.name}, phone = ${next.phone}, email = ${next.email},
		data_creditor_id = ${w.dataCreditorId}::uuid, updated_at = now() where id = ${debtor.id}`);

	// The old contact is told (no amounts, no new contact): a change the debtor did not ask for is seen.
	const sender = w.dataCreditorId ?? who.creditorId;
	const [c] = sender ? await tx.execute<{ display_name: string }>(sql`select display_name from creditors where id = ${sender}::uuid`) : [];
	const name = c?.display_name ?? 'Portal de negociação';
	const notices: { channel: 'sms' | 'email'; to: string; text: string }[] = [];
	if (debtor.phone && debtor.phone !== next.phone && isMobileE164(debtor.phone)) {
		notices.push({ channel: 'sms', to: debtor.phone, text: messaging.contactChanged('sms', name) });
	}
	if (debtor.email && debtor.email !== next.email) {
		notices.push({ channel: 'email', to: debtor.email, text: messaging.contactChanged('email', name) });
	}
	for (const m of notices) {
		await tx.execute(sql`insert into outbox (agency_id, creditor_id, channel, "to", text) values (${debtor.agencyId}, ${sender}::uuid, ${m.channel}, ${m.to}, ${m.text})`);
	}
	if (notices.length) await jobs.enqueue(tx, 'deliver-messages', {}, { jobKey: 'deliver-messages' });

	// Contacts are personal data: the audit keeps them masked.
	const view = (d: { name: string; phone: string | null; email: string | null }) => ({ name: d.name, phone: d.phone && maskPhone(d.phone), email: d.email && maskEmail(d.email) });
	await audit.record(tx, {
		agencyId: debtor.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'debtor.update_contacts',
		entity: 'debtor',
		entityId: debtor.id,
		ip: ctx.ip ?? null,
		data: { before: view(debtor), after: view(next), sharedDebtor: w.shared, oldContactsTold: notices.length }
	});
	return {
		ok: true,
		message: notices.length
			? `Dados atualizados. ${notices.length === 1 ? 'O contato anterior foi avisado' : 'Os contatos anteriores foram avisados'} da troca.`
			: 'Dados atualizados.'
	};
}
