import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import type { MessageKind, MessageStatus } from '../db/schema';
import * as access from '../access';
import * as audit from '../audit';
import { maskEmail, maskPhone } from '../../format/contact';
import { reasonLabel } from '../../messaging/reasons';
import { retry as requeue } from './index';
import type { Channel } from './wire';

/**
 * The message queue as staff see it (admin "Mensagens"): what failed for good (dead letters), what
 * went out without an answer (`unknown`: it may have reached the debtor) and what waits for a
 * reason (contact hours, send rate). An agency may hold millions of messages: pages are read by
 * keyset on (created_at, id), newest first; the `outbox_dead` partial index serves the first two.
 */

export const QUEUE_VIEWS = {
	falhas: { label: 'Falhas definitivas', where: sql`outbox.dead` },
	'sem-confirmacao': { label: 'Sem confirmação', where: sql`outbox.status = 'unknown'` },
	aguardando: { label: 'Aguardando', where: sql`outbox.status = 'queued' and outbox.reason is not null` }
} as const satisfies Record<string, { label: string; where: SQL }>;

export type QueueView = keyof typeof QUEUE_VIEWS;

export function isQueueView(v: string | null): v is QueueView {
	return v !== null && Object.hasOwn(QUEUE_VIEWS, v);
}

export const KIND_LABELS: Record<MessageKind, string> = {
	otp: 'Código de acesso',
	notice: 'Aviso',
	receipt: 'Comprovante',
	campaign: 'Campanha',
	regua: 'Régua'
};

/** A position in the list: the last row seen, its instant to the microsecond (a JS Date keeps only milliseconds). */
export type Cursor = { at: string; id: string };

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function parseCursor(s: string | null): Cursor | null | 'invalid' {
	if (s === null || s === '') return null;
	const m = CURSOR.exec(s);
	if (!m || Number.isNaN(Date.parse(m[1]))) return 'invalid';
	return { at: m[1], id: m[2].toLowerCase() };
}

export type QueueRow = {
	id: string;
	channel: Channel;
	/** The phone or e-mail, masked: enough to recognise, not to use. */
	to: string;
	kind: MessageKind;
	reguaStep: string | null;
	creditor: string | null;
	status: MessageStatus;
	reason: string;
	attempts: number;
	createdAt: string;
	nextAttemptAt: string;
	failedAt: string | null;
};

export type QueueFilter = { view: QueueView; before?: Cursor | null; channel?: Channel | null; creditorId?: string | null };

function masked(channel: Channel, to: string): string {
	return channel === 'email' ? maskEmail(to) : maskPhone(to);
}

function filters(r: access.Reach, f: Omit<QueueFilter, 'before'>): SQL {
	const parts = [access.where.message(r), QUEUE_VIEWS[f.view].where];
	if (f.channel) parts.push(sql`outbox.channel = ${f.channel}`);
	if (f.creditorId && access.isUuid(f.creditorId)) parts.push(sql`outbox.creditor_id = ${f.creditorId}::uuid`);
	return sql.join(parts, sql` and `);
}

/** One page of a view, newest first; `next` is the cursor of the page after it (null on the last). */
export async function page(db: DbOrTx, r: access.Reach, f: QueueFilter, limit = 50): Promise<{ rows: QueueRow[]; next: string | null }> {
	// The plain bound on created_at lets the index range scan start at the cursor; the row comparison breaks ties.
	const after = f.before
		? sql`and outbox.created_at <= ${f.before.at}::timestamptz and (outbox.created_at, outbox.id) < (${f.before.at}::timestamptz, ${f.before.id}::uuid)`
		: sql``;
	const rows = await db.execute<{
		id: string; channel: Channel; to: string; kind: MessageKind; regua_step: string | null; creditor: string | null; status: MessageStatus;
		reason: string | null; attempts: number; cursor_at: string; next_attempt_at: Date; failed_at: Date | null;
	}>(sql`
		select outbox.id, outbox.channel, outbox."to", outbox.kind, outbox.regua_step, c.display_name as creditor, outbox.status, outbox.reason,
			outbox.attempts, to_char(outbox.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
			outbox.next_attempt_at, outbox.failed_at
		from outbox left join creditors c on c.id = outbox.creditor_id
		where ${filters(r, f)} ${after}
		order by outbox.created_at desc, outbox.id desc
		limit ${limit + 1}`);
	const shown = rows.slice(0, limit).map(
		(row): QueueRow => ({
			id: row.id,
			channel: row.channel,
			to: masked(row.channel, row.to),
			kind: row.kind,
			reguaStep: row.regua_step,
			creditor: row.creditor,
			status: row.status,
			reason: reasonLabel(row.reason),
			attempts: row.attempts,
			createdAt: row.cursor_at,
			nextAttemptAt: new Date(row.next_attempt_at).toISOString(),
			failedAt: row.failed_at ? new Date(row.failed_at).toISOString() : null
		})
	);
	const last = shown.at(-1);
	return { rows: shown, next: rows.length > limit && last ? `${last.createdAt}_${last.id}` : null };
}

/** How many messages each view holds, counted up to `cap` (beyond it the page says "cap or more"). */
export async function counts(db: DbOrTx, r: access.Reach, f: Omit<QueueFilter, 'view' | 'before'> = {}, cap = 1000): Promise<Record<QueueView, number>> {
	const views = Object.keys(QUEUE_VIEWS) as QueueView[];
	const found = await Promise.all(
		views.map(async (view) => {
			const [{ n }] = await db.execute<{ n: number }>(sql`select count(*)::int as n from (select 1 from outbox where ${filters(r, { ...f, view })} limit ${cap}) t`);
			return [view, n] as const;
		})
	);
	return Object.fromEntries(found) as Record<QueueView, number>;
}

export type RetryResult = { ok: true } | { ok: false; reason: 'not_found' | 'not_retryable' | 'needs_confirmation'; message: string };

/**
 * Staff's "Reenviar": a dead letter, or an `unknown` message once the person confirmed it may reach
 * the debtor twice, is queued again (messaging.retry), with an audit record, in one transaction.
 * Only a message in reach: another agency's or creditor's is "not found".
 */
export async function retry(
	db: DbOrTx,
	r: access.Reach,
	id: string,
	input: { confirmUnknown: boolean; actor: { id: string }; ip?: string | null }
): Promise<RetryResult> {
	const notFound = { ok: false, reason: 'not_found', message: 'Mensagem não encontrada.' } as const;
	if (!access.isUuid(id)) return notFound;
	return db.transaction(async (tx) => {
		const [row] = await tx.execute<{ status: MessageStatus; dead: boolean; channel: Channel; reason: string | null; attempts: number }>(sql`
			select status, dead, channel, reason, attempts from outbox where outbox.id = ${id}::uuid and ${access.where.message(r)} for update`);
		if (!row) return notFound;
		if (!row.dead && row.status !== 'unknown') return { ok: false, reason: 'not_retryable', message: 'Esta mensagem não está entre as falhas nem entre as sem confirmação: nada a reenviar.' } as const;
		if (row.status === 'unknown' && !input.confirmUnknown) {
			return { ok: false, reason: 'needs_confirmation', message: 'Esta mensagem pode já ter chegado ao devedor; reenviar pode duplicá-la. Confirme para reenviar.' } as const;
		}
		if (!(await requeue(tx, r.agencyId, id))) return notFound;
		await audit.record(tx, {
			agencyId: r.agencyId,
			actorType: 'staff',
			actorId: input.actor.id,
			action: 'message.retry',
			entity: 'message',
			entityId: id,
			ip: input.ip ?? null,
			data: { status: row.status, channel: row.channel, reason: row.reason, attempts: row.attempts, ...(row.status === 'unknown' && { duplicateRiskConfirmed: true }) }
		});
		return { ok: true } as const;
	});
}
