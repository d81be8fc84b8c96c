import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agreementDebts, agreements, auditLog, creditors, debts, installments, payments, staff, type MessageKind, type MessageStatus } from '../db/schema';
import * as access from '../access';
import { maskEmail, maskPhone } from '../../format/contact';
import * as audit from '../audit';
import { formatDocument } from '../../format/document';
import { formatDateBR, formatDateTimeBR, todayInSaoPaulo } from '../../format/dates';
import { formatBRL } from '../../format/money';
import { debtorInReach, type Debtor, type Who } from './scope';
import { reasonLabel } from '../../messaging/reasons';
import { CHANNEL_LABELS, MESSAGE_KIND_LABELS, MESSAGE_STATUS, OPT_OUT_SOURCE_LABELS, type Tone } from '../../messaging/labels';
import { stepLabel, type ReguaStep } from '../../schemas/regua';
import type { Channel } from '../messaging/wire';
import { anonymizeCheck } from './retention';
import { textArray } from '../import';

export type TimelineKind = 'debt' | 'agreement' | 'installment' | 'payment' | 'message' | 'reply' | 'opt_out' | 'login';

export type TimelineEvent = {
	/** ISO instant; shown in São Paulo time. */
	at: string;
	kind: TimelineKind;
	title: string;
	detail: string | null;
	/** The agreement it concerns, for a link. */
	code?: string;
	/** A message's state, as a badge. */
	status?: { label: string; tone: Tone };
	/** What else is known: why it was held or failed, when it was delivered, read, clicked. */
	facts?: string[];
};

type MessageRow = {
	id: string;
	kind: MessageKind;
	channel: Channel;
	to: string;
	text: string;
	status: MessageStatus;
	reason: string | null;
	creditor_id: string | null;
	campaign: string | null;
	regua_step: string | null;
	created_at: Date;
	sent_at: Date | null;
	delivered_at: Date | null;
	read_at: Date | null;
	clicked_at: Date | null;
	failed_at: Date | null;
};

const KIND_OF_PAYMENT: Record<string, string> = { pix: 'Pix', boleto: 'boleto', manual: 'registro manual' };
const DEBT_STATUS: Record<string, string> = { open: 'Em aberto', in_agreement: 'Em acordo', settled: 'Quitada', written_off: 'Baixada' };

/** One-time codes are never shown to staff: nobody but the debtor should ever read one. */
export function redactCodes(text: string): string {
	return text.replace(/\b\d{6}\b/g, '••••••');
}

/** Everything about one debtor that this person reaches: debts and agreements of creditors in reach only. */
export async function gather(db: DbOrTx, who: Who, debtor: Debtor) {
	const inReach = access.where.creditor(who);
	const debtRows = await db
		.select({ debt: debts, creditor: { id: creditors.id, displayName: creditors.displayName, retentionDays: creditors.retentionDays } })
		.from(debts)
		.innerJoin(creditors, eq(creditors.id, debts.creditorId))
		.where(and(eq(debts.debtorId, debtor.id), inReach))
		.orderBy(asc(debts.dueDate));
	const agreementRows = await db
		.select({ agreement: agreements, creditor: { id: creditors.id, displayName: creditors.displayName } })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(and(eq(agreements.debtorId, debtor.id), inReach))
		.orderBy(desc(agreements.createdAt));
	const agreementIds = agreementRows.map((r) => r.agreement.id);
	const [links, instRows, paymentRows] = agreementIds.length
		? await Promise.all([
				db.select({ agreementId: agreementDebts.agreementId, debtId: agreementDebts.debtId, externalId: debts.externalId }).from(agreementDebts).innerJoin(debts, eq(debts.id, agreementDebts.debtId)).where(inArray(agreementDebts.agreementId, agreementIds)),
				db.select().from(installments).where(inArray(installments.agreementId, agreementIds)).orderBy(asc(installments.seq), asc(installments.updatedAt)),
				db
					.select({ payment: payments, agreementId: installments.agreementId, seq: installments.seq, recordedBy: staff.email })
					.from(payments)
					.innerJoin(installments, eq(installments.id, payments.installmentId))
					.leftJoin(staff, eq(staff.id, payments.recordedBy))
					.where(inArray(installments.agreementId, agreementIds))
			])
		: [[], [], []];
	const contacts = [debtor.phone, debtor.email].filter((c): c is string => !!c);
	// Messages to the debtor (by debtor_id, or by address for those sent without one, such as codes);
	// staff of one creditor read only those their creditor sent.
	const messages = await db.execute<MessageRow>(sql`
		select outbox.id, outbox.kind, outbox.channel, outbox."to", outbox.text, outbox.status, outbox.reason, outbox.creditor_id,
			c.name as campaign, outbox.regua_step, outbox.created_at, outbox.sent_at, outbox.delivered_at, outbox.read_at, outbox.clicked_at, outbox.failed_at
		from outbox left join campaigns c on c.id = outbox.campaign_id
		where ${access.where.message(who)}
			and (outbox.debtor_id = ${debtor.id}::uuid or (outbox.debtor_id is null and outbox."to" = any(${textArray(contacts)}::text[])))
		order by outbox.created_at desc limit 500`);
	const steps = await reguaStepLabels(db, messages);
	// Replies from the debtor's phone. A reply answers the last message sent to that number on its
	// channel: staff of one creditor read those that answered their creditor's.
	const replies = debtor.phone
		? await db.execute<{ id: string; channel: Channel; text: string; at: Date }>(sql`
			select i.id, i.channel, i.text, i.at from inbound_messages i
			where i.agency_id = ${who.agencyId}::uuid and i."from" = ${debtor.phone}
				${who.creditorId ? sql`and (select o.creditor_id from outbox o where o.agency_id = i.agency_id and o."to" = i."from" and o.channel = i.channel and o.created_at <= i.at order by o.created_at desc limit 1) = ${who.creditorId}::uuid` : sql``}
			order by i.at desc limit 200`)
		: [];
	// Channels the debtor's contacts asked to stop (for the whole agency, so every creditor's staff see them).
	const optOuts = await db.execute<{ channel: Channel; source: keyof typeof OPT_OUT_SOURCE_LABELS; at: Date }>(sql`
		select channel, source, at from contact_opt_outs
		where agency_id = ${who.agencyId}::uuid
			and ((channel in ('sms', 'whatsapp') and address = ${debtor.phone ?? ''}) or (channel = 'email' and address = ${debtor.email?.toLowerCase() ?? ''}))`);
	// Portal logins: the audit's debtor.login, with the portal it went through (the one-time code consumed then).
	const logins = await db.execute<{ id: number; at: string; ip: string | null; creditor: string | null }>(sql`
		select a.id, a.at, a.ip, c.display_name as creditor
		from audit_log a
		-- Logins record their portal; older ones are matched to the code consumed then (codes are pruned after a day).
		left join lateral (
			select o.creditor_id from otp_challenges o
			where a.data->>'creditorId' is null and o.debtor_id = ${debtor.id} and o.consumed_at between a.at - interval '2 minutes' and a.at + interval '2 minutes'
			order by abs(extract(epoch from o.consumed_at - a.at)) limit 1
		) o on true
		left join creditors c on c.id = coalesce((a.data->>'creditorId')::uuid, o.creditor_id)
		where a.actor_type = 'debtor' and a.actor_id = ${debtor.id} and a.action = 'debtor.login' and a.agency_id = ${who.agencyId}
		${who.creditorId ? sql`and ${access.where.creditorId(who, sql`c.id`)}` : sql``}
		order by a.at desc limit 500`);
	// Who did what to these agreements (cancel, due date), for the timeline's "por …".
	const staffActions = agreementIds.length
		? await db
				.select({ action: auditLog.action, entityId: auditLog.entityId, data: auditLog.data, email: staff.email })
				.from(auditLog)
				.leftJoin(staff, sql`${auditLog.actorType} = 'staff' and ${staff.id}::text = ${auditLog.actorId}`)
				.where(and(inArray(auditLog.entityId, agreementIds), inArray(auditLog.action, ['agreement.cancel', 'installment.reschedule'])))
		: [];
	return { debtRows, agreementRows, links, instRows, paymentRows, messages, steps, replies, optOuts, logins, staffActions };
}

/** "Vencimento da dívida · D+15" for each régua step among the messages, by creditor and key, from the régua as it is now. */
async function reguaStepLabels(db: DbOrTx, messages: MessageRow[]): Promise<Map<string, string>> {
	const creditorIds = [...new Set(messages.filter((m) => m.regua_step && m.creditor_id).map((m) => m.creditor_id!))];
	if (creditorIds.length === 0) return new Map();
	const rows = await db.execute<{ creditor_id: string; body: { steps?: ReguaStep[] } }>(sql`
		select creditor_id, body from reguas where creditor_id = any(${`{${creditorIds.join(',')}}`}::uuid[])`);
	return new Map(rows.flatMap((r) => (r.body.steps ?? []).map((st): [string, string] => [`${r.creditor_id}:${st.key}`, stepLabel(st)])));
}

function reasonText(reason: string): string {
	return reasonLabel(reason);
}

const CHANNEL_IN_TEXT: Record<Channel, string> = { sms: 'SMS', whatsapp: 'WhatsApp', email: 'e-mail' };

/** A message on the timeline: channel and kind, its state (with the reason), and what followed. */
function messageEvent(m: MessageRow, steps: Map<string, string>): TimelineEvent {
	const what =
		m.kind === 'campaign'
			? `Campanha “${m.campaign ?? '—'}”`
			: m.kind === 'regua'
				? `Régua: ${steps.get(`${m.creditor_id}:${m.regua_step}`) ?? m.regua_step ?? '—'}`
				: MESSAGE_KIND_LABELS[m.kind];
	const at = (d: Date | null) => (d ? formatDateTimeBR(new Date(d)) : null);
	const facts = [
		m.reason && m.status !== 'sent' && m.status !== 'delivered' && m.status !== 'read' ? `${m.status === 'queued' ? 'Aguardando' : 'Motivo'}: ${reasonText(m.reason)}` : null,
		m.sent_at && m.status !== 'fallen_back' ? `Enviada em ${at(m.sent_at)}` : null,
		m.delivered_at ? `Entregue em ${at(m.delivered_at)}` : null,
		m.read_at ? `Lida em ${at(m.read_at)}` : null,
		m.clicked_at ? `Clicou no link em ${at(m.clicked_at)}` : null,
		m.failed_at && m.status === 'failed' ? `Falhou em ${at(m.failed_at)}` : null
	].filter((f): f is string => f !== null);
	return {
		at: new Date(m.sent_at ?? m.created_at).toISOString(),
		kind: 'message',
		title: `${CHANNEL_LABELS[m.channel]} · ${what}`,
		detail: m.text ? redactCodes(m.text) : null,
		status: MESSAGE_STATUS[m.status],
		facts
	};
}

type Gathered = Awaited<ReturnType<typeof gather>>;

/** One timeline of everything, newest first (pure: from what `gather` read). */
export function timeline(g: Gathered): TimelineEvent[] {
	const events: TimelineEvent[] = [];
	const codeOf = new Map(g.agreementRows.map((r) => [r.agreement.id, r.agreement.code]));
	const byWhom = (action: string, match: (data: Record<string, unknown>) => boolean, entityId: string) => {
		const hit = g.staffActions.find((s) => s.action === action && s.entityId === entityId && match((s.data ?? {}) as Record<string, unknown>));
		return hit?.email ? ` · por ${hit.email}` : '';
	};
	for (const { debt, creditor } of g.debtRows) {
		events.push({
			at: debt.createdAt.toISOString(),
			kind: 'debt',
			title: `Dívida ${debt.externalId} registrada`,
			detail: `${creditor.displayName} · ${debt.description} · ${formatBRL(debt.principalCents)} vencida em ${formatDateBR(debt.dueDate)}`
		});
		if (debt.closedAt && (debt.status === 'settled' || debt.status === 'written_off')) {
			events.push({
				at: debt.closedAt.toISOString(),
				kind: 'debt',
				title: `Dívida ${debt.externalId} ${debt.status === 'settled' ? 'quitada' : 'baixada'}`,
				detail: [creditor.displayName, debt.closedReason].filter(Boolean).join(' · ')
			});
		}
	}
	for (const { agreement: a, creditor } of g.agreementRows) {
		const linked = g.links.filter((l) => l.agreementId === a.id).map((l) => l.externalId);
		events.push({
			at: a.createdAt.toISOString(),
			kind: 'agreement',
			code: a.code,
			title: `Acordo ${a.code} feito`,
			detail: `${creditor.displayName} · ${a.kind === 'cash' ? 'à vista' : `${a.installmentCount} parcelas`} · total ${formatBRL(a.totalCents)} · dívidas ${linked.join(', ')} em acordo`
		});
		if (a.cancelledAt) {
			events.push({
				at: a.cancelledAt.toISOString(),
				kind: 'agreement',
				code: a.code,
				title: `Acordo ${a.code} cancelado`,
				detail: `Motivo: ${a.cancelReason ?? '—'} · parcelas em aberto canceladas; dívidas de volta em aberto${byWhom('agreement.cancel', () => true, a.id)}`
			});
		}
		if (a.settledAt) {
			events.push({ at: a.settledAt.toISOString(), kind: 'agreement', code: a.code, title: `Acordo ${a.code} quitado`, detail: `${creditor.displayName} · todas as parcelas pagas` });
		}
		if (a.status === 'broken') {
			events.push({ at: (a.brokenAt ?? a.updatedAt).toISOString(), kind: 'agreement', code: a.code, title: `Acordo ${a.code} quebrado`, detail: 'Parcela sem pagamento além da tolerância' });
		}
	}
	const instById = new Map(g.instRows.map((i) => [i.id, i]));
	for (const old of g.instRows) {
		if (!old.supersededBy) continue;
		const next = instById.get(old.supersededBy);
		const code = codeOf.get(old.agreementId);
		events.push({
			at: old.updatedAt.toISOString(),
			kind: 'installment',
			code,
			title: `Vencimento da parcela ${old.seq} do acordo ${code} alterado`,
			detail: `de ${formatDateBR(old.dueDate)} para ${next ? formatDateBR(next.dueDate) : '—'} · Pix e boleto anteriores cancelados, novos emitidos${byWhom('installment.reschedule', (d) => (d.before as { id?: string } | undefined)?.id === old.id, old.agreementId)}`
		});
	}
	for (const p of g.paymentRows) {
		const code = codeOf.get(p.agreementId);
		const manual = p.payment.source === 'manual';
		events.push({
			// A manual payment is a calendar date told by a person: it enters the timeline when recorded.
			at: (manual ? p.payment.createdAt : p.payment.paidAt).toISOString(),
			kind: 'payment',
			code,
			title: `Pagamento da parcela ${p.seq} do acordo ${code}`,
			detail: [
				formatBRL(p.payment.amountCents),
				KIND_OF_PAYMENT[p.payment.method] ?? p.payment.method,
				manual ? `pago em ${formatDateBR(todayInSaoPaulo(p.payment.paidAt))}` : null,
				manual ? `ref. ${p.payment.externalId?.replace(/^[0-9a-f-]{36}:/, '')}` : null,
				p.recordedBy ? `por ${p.recordedBy}` : null
			]
				.filter(Boolean)
				.join(' · ')
		});
	}
	for (const m of g.messages) events.push(messageEvent(m, g.steps));
	for (const r of g.replies) {
		events.push({ at: new Date(r.at).toISOString(), kind: 'reply', title: `Resposta por ${CHANNEL_IN_TEXT[r.channel]}`, detail: redactCodes(r.text) });
	}
	for (const o of g.optOuts) {
		events.push({
			at: new Date(o.at).toISOString(),
			kind: 'opt_out',
			title: `Pediu para não receber mensagens por ${CHANNEL_IN_TEXT[o.channel]}`,
			detail: `${OPT_OUT_SOURCE_LABELS[o.source] ?? o.source} · códigos de acesso e comprovantes continuam`
		});
	}
	for (const l of g.logins) {
		events.push({
			at: new Date(l.at).toISOString(),
			kind: 'login',
			title: 'Entrou no portal',
			detail: [l.creditor ? `Portal ${l.creditor}` : null, l.ip ? `IP ${l.ip}` : null].filter(Boolean).join(' · ') || null
		});
	}
	// Newest first; at the same instant, the later step of a story first (paid after created).
	const order: Record<TimelineKind, number> = { login: 0, message: 1, reply: 2, opt_out: 3, debt: 4, agreement: 5, installment: 6, payment: 7 };
	return events.sort((x, y) => (x.at === y.at ? order[y.kind] - order[x.kind] : x.at < y.at ? 1 : -1));
}

export type DebtorPage = Awaited<ReturnType<typeof open>>;

/**
 * The contacts as this person may see them: in full, or masked when another creditor's portfolio
 * set them (a debt placed by one creditor never opens what another creditor placed).
 */
export function contactsFor(debtor: Debtor): { phone: string | null; email: string | null; contactsVisible: boolean } {
	if (debtor.contactsVisible) return { phone: debtor.phone, email: debtor.email, contactsVisible: true };
	return { phone: debtor.phone && maskPhone(debtor.phone), email: debtor.email && maskEmail(debtor.email), contactsVisible: false };
}

/**
 * The debtor page: identity (document unmasked: staff opened it on purpose, and every opening is
 * logged as 'debtor.view'), contacts, debts, agreements and one timeline. Null when out of reach.
 */
export async function open(db: DbOrTx, who: Who, id: string, ctx: { ip?: string | null; withLgpd?: boolean; today?: string } = {}) {
	const debtor = await debtorInReach(db, who, id);
	if (!debtor) return null;
	await audit.record(db, { agencyId: who.agencyId, actorType: 'staff', actorId: who.id, action: 'debtor.view', entity: 'debtor', entityId: debtor.id, ip: ctx.ip ?? null });
	const g = await gather(db, who, debtor);
	const live = g.instRows.filter((i) => !i.supersededBy);
	return {
		/** Whether it may be anonymised now (only computed for people with the lgpd permission). */
		lgpd: ctx.withLgpd ? await anonymizeCheck(db, debtor, ctx.today) : null,
		debtor: {
			id: debtor.id,
			name: debtor.name,
			document: debtor.anonymizedAt ? debtor.document : formatDocument(debtor.document),
			...contactsFor(debtor),
			state: debtor.state,
			anonymizedAt: debtor.anonymizedAt?.toISOString() ?? null,
			createdAt: debtor.createdAt.toISOString()
		},
		debts: g.debtRows.map(({ debt, creditor }) => ({
			id: debt.id,
			externalId: debt.externalId,
			description: debt.description,
			creditor: creditor.displayName,
			dueDate: debt.dueDate,
			principalCents: debt.principalCents,
			status: debt.status,
			statusLabel: DEBT_STATUS[debt.status] ?? debt.status
		})),
		agreements: g.agreementRows.map(({ agreement: a, creditor }) => ({
			code: a.code,
			creditor: creditor.displayName,
			status: a.status,
			kind: a.kind,
			totalCents: a.totalCents,
			createdAt: a.createdAt.toISOString(),
			installments: live
				.filter((i) => i.agreementId === a.id)
				.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amountCents: i.amountCents, status: i.status }))
		})),
		timeline: timeline(g)
	};
}
