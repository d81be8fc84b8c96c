import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { agreements, auditLog, debtorSessions, debtors, funnelEvents, otpChallenges, outbox } from '../db/schema';
import * as audit from '../audit';
import { formatDocument } from '../../format/document';
import { contactsFor, gather, redactCodes } from './debtor';
import * as access from '../access';
import { debtorInReach, type Who } from './scope';
import { anonymizeCheck } from './retention';

/**
 * LGPD art. 18 (access): everything held about a debtor, as JSON, within what this person reaches
 * (the whole agency for agency staff; one creditor's part for creditor-scoped staff). One-time
 * codes inside messages are redacted (they are credentials, not data about the person).
 * The export itself is audited ('debtor.export'). Null when out of reach.
 */
export async function exportDebtor(db: DbOrTx, who: Who, id: string, ctx: { ip?: string | null } = {}) {
	const debtor = await debtorInReach(db, who, id);
	if (!debtor) return null;
	const g = await gather(db, who, debtor);
	const agreementIds = g.agreementRows.map((r) => r.agreement.id);
	const debtIds = g.debtRows.map((r) => r.debt.id);
	const [aboutThem, funnel, challenges, sessions] = await Promise.all([
		db
			.select({ at: auditLog.at, actorType: auditLog.actorType, action: auditLog.action, entity: auditLog.entity, entityId: auditLog.entityId, ip: auditLog.ip })
			.from(auditLog)
			.where(
				and(
					eq(auditLog.agencyId, who.agencyId),
					sql`((${auditLog.actorType} = 'debtor' and ${auditLog.actorId} = ${debtor.id} and ${auditLog.action} = 'debtor.login')
						or ${auditLog.entityId} in ${[debtor.id, ...agreementIds, ...debtIds]})`
				)
			)
			.orderBy(auditLog.at),
		db
			.select({ step: funnelEvents.step, channel: funnelEvents.channel, at: funnelEvents.at, creditorId: funnelEvents.creditorId })
			.from(funnelEvents)
			.where(and(eq(funnelEvents.debtorId, debtor.id), access.where.creditorId(who, funnelEvents.creditorId))),
		db
			.select({ channel: otpChallenges.channel, destination: otpChallenges.destinationMasked, createdAt: otpChallenges.createdAt, consumedAt: otpChallenges.consumedAt, creditorId: otpChallenges.creditorId })
			.from(otpChallenges)
			.where(and(eq(otpChallenges.debtorId, debtor.id), access.where.creditorId(who, otpChallenges.creditorId))),
		db.select({ createdAt: debtorSessions.createdAt, expiresAt: debtorSessions.expiresAt }).from(debtorSessions).where(eq(debtorSessions.debtorId, debtor.id))
	]);
	await audit.record(db, { agencyId: who.agencyId, actorType: 'staff', actorId: who.id, action: 'debtor.export', entity: 'debtor', entityId: debtor.id, ip: ctx.ip ?? null });
	return {
		exportedAt: new Date().toISOString(),
		scope: who.creditorId ? 'creditor' : 'agency',
		debtor: {
			id: debtor.id,
			document: debtor.document,
			name: debtor.name,
			...contactsFor(debtor),
			state: debtor.state,
			createdAt: debtor.createdAt,
			updatedAt: debtor.updatedAt,
			anonymizedAt: debtor.anonymizedAt
		},
		debts: g.debtRows.map(({ debt, creditor }) => ({ ...debt, creditor: creditor.displayName })),
		agreements: g.agreementRows.map(({ agreement, creditor }) => ({
			...agreement,
			creditor: creditor.displayName,
			debts: g.links.filter((l) => l.agreementId === agreement.id).map((l) => l.externalId)
		})),
		installments: g.instRows,
		payments: g.paymentRows.map((p) => ({ ...p.payment, agreementId: p.agreementId, seq: p.seq })),
		messages: g.messages.map((m) => ({ channel: m.channel, to: m.to, text: redactCodes(m.text), status: m.status, createdAt: m.created_at, sentAt: m.sent_at })),
		replies: g.replies.map((r) => ({ channel: r.channel, text: redactCodes(r.text), at: r.at })),
		contactOptOuts: g.optOuts,
		portalLogins: g.logins.map((l) => ({ at: l.at, ip: l.ip, portal: l.creditor })),
		oneTimeCodes: challenges,
		sessions,
		funnel,
		auditEntries: aboutThem
	};
}

/**
 * Uploaded portfolio files still kept (awaiting import, or their rejected rows) that mention the
 * document, written bare or formatted: their rejected rows are deleted, and an upload not yet
 * imported is given up (its file deleted). A document split across two stored pieces is found too.
 */
async function purgeUploadsMentioning(tx: Tx, agencyId: string, document: string): Promise<number> {
	const forms = [...new Set([document, formatDocument(document)])];
	const found = sql.join(
		forms.map((f) => sql`position(convert_to(${f}, 'UTF8') in coalesce((select substring(p.data from greatest(length(p.data) - 40, 1)) from import_chunks p where p.import_id = c.import_id and p.seq = c.seq - 1), ''::bytea) || c.data) > 0`),
		sql` or `
	);
	const hits = await tx.execute<{ import_id: string; file: boolean }>(sql`
		select c.import_id, bool_or(c.seq >= 0) as file
		from import_chunks c join imports i on i.id = c.import_id
		where i.agency_id = ${agencyId}::uuid and (${found})
		group by c.import_id`);
	for (const h of hits) {
		await tx.execute(sql`delete from import_chunks where import_id = ${h.import_id}::uuid and seq < 0`);
		if (!h.file) continue;
		// A file being read right now is left to its job, which deletes it when done.
		const given = await tx.execute(sql`update imports set status = 'failed', failure = 'O arquivo mencionava um titular cujos dados foram anonimizados (LGPD) e foi apagado. Envie-o de novo sem essa pessoa.',
			finished_at = coalesce(finished_at, now()), updated_at = now(), file_purged_at = now()
			where id = ${h.import_id}::uuid and status in ('uploaded', 'validated', 'failed', 'done')
			returning id`);
		if (given.length) await tx.execute(sql`delete from import_chunks where import_id = ${h.import_id}::uuid and seq >= 0`);
	}
	return hits.length;
}

function anonToken(): string {
	const b = new Uint8Array(4);
	crypto.getRandomValues(b);
	return `ANON-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

export type AnonymizeResult = { ok: true; message: string } | { ok: false; status: 404 | 409; message: string };

/**
 * LGPD art. 16: once the retention period has passed and nothing is owed, personal data is
 * replaced by placeholders: name, phone, e-mail, document (a unique non-CPF token so the unique
 * index holds), plus the traces that identify the person (IP addresses of their own actions and
 * of their acceptances, the contacts and texts of messages sent to them, their sessions). Debts,
 * agreements and payments stay, without identity, for the creditor's accounts and statistics.
 * Audited without personal data.
 */
export async function anonymize(tx: Tx, who: Who, id: string, ctx: { ip?: string | null; today?: string } = {}): Promise<AnonymizeResult> {
	const debtor = await debtorInReach(tx, who, id);
	if (!debtor) return { ok: false, status: 404, message: 'Devedor não encontrado.' };
	// Lock the row: an import or an accept racing this waits, then sees the placeholders.
	await tx.execute(sql`select 1 from debtors where id = ${debtor.id} for update`);
	const check = await anonymizeCheck(tx, debtor, ctx.today);
	if (!check.allowed) return { ok: false, status: 409, message: check.message };
	// A write on behalf of one creditor: only for a debtor no other creditor of the agency has.
	const [{ writable }] = await tx.execute<{ writable: boolean }>(sql`select ${access.debtorWritable(who.creditorId, sql`${debtor.id}::uuid`)} as writable`);
	if (!writable) {
		return { ok: false, status: 409, message: 'Este devedor também tem dívidas com outro credor da assessoria: só a administração da assessoria pode anonimizar os dados dele.' };
	}

	let token = anonToken();
	for (let i = 0; i < 5; i++) {
		const taken = await tx.select({ id: debtors.id }).from(debtors).where(and(eq(debtors.agencyId, debtor.agencyId), eq(debtors.document, token))).limit(1);
		if (taken.length === 0) break;
		token = anonToken();
	}
	const now = new Date();
	const contacts = [debtor.phone, debtor.email].filter((c): c is string => !!c);
	await tx.update(debtors).set({ name: 'Titular anonimizado', document: token, phone: null, email: null, anonymizedAt: now, updatedAt: now }).where(eq(debtors.id, debtor.id));
	// Messages to them (campaigns and the régua name the debtor), and to a contact of theirs nobody
	// else in the agency still uses; the replies that came from such a contact.
	const notShared = sql`not exists (select 1 from debtors o where o.agency_id = ${debtor.agencyId} and o.id <> ${debtor.id} and (o.phone = ${outbox.to} or o.email = ${outbox.to}))`;
	const rows = await tx
		.update(outbox)
		.set({ to: 'anonimizado', text: '[conteúdo removido: titular anonimizado]', subject: null, html: null, template: null })
		.where(
			and(
				eq(outbox.agencyId, debtor.agencyId),
				contacts.length ? sql`(${outbox.debtorId} = ${debtor.id} or (${inArray(outbox.to, contacts)} and ${notShared}))` : eq(outbox.debtorId, debtor.id)
			)
		)
		.returning({ id: outbox.id });
	const scrubbed = rows.length;
	if (debtor.phone) {
		await tx.execute(sql`
			delete from inbound_messages where agency_id = ${debtor.agencyId}::uuid and "from" = ${debtor.phone}
				and not exists (select 1 from debtors o where o.agency_id = ${debtor.agencyId}::uuid and o.id <> ${debtor.id}::uuid and o.phone = ${debtor.phone})`);
	}
	await tx.update(otpChallenges).set({ destinationMasked: 'anonimizado' }).where(eq(otpChallenges.debtorId, debtor.id));
	const uploadsPurged = await purgeUploadsMentioning(tx, debtor.agencyId, debtor.document);
	await tx.delete(debtorSessions).where(eq(debtorSessions.debtorId, debtor.id));
	await tx.update(agreements).set({ acceptedIp: null }).where(eq(agreements.debtorId, debtor.id));
	await tx.update(auditLog).set({ ip: null }).where(and(eq(auditLog.actorType, 'debtor'), eq(auditLog.actorId, debtor.id)));
	await audit.record(tx, {
		agencyId: who.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'debtor.anonymize',
		entity: 'debtor',
		entityId: debtor.id,
		ip: ctx.ip ?? null,
		// No personal data here: only what changed, and the placeholder that now stands for the person.
		data: { before: { anonymizedAt: null }, after: { anonymizedAt: now.toISOString(), document: token, messagesScrubbed: scrubbed, uploadsPurged } }
	});
	return { ok: true, message: 'Dados pessoais anonimizados. Dívidas, acordos e pagamentos foram mantidos sem identificação.' };
}
