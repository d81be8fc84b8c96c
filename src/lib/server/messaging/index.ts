import { groupBy } from '../../util/group';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { outbox, type MessageKind } from '../db/schema';
import { accountsFor, type Account } from './accounts';
import { decide, type Decision } from './rules';
import { isOptOut, type Callback, type Channel, type SendResult, type WireMessage } from './wire';
import { compose, type Composed } from './compose';

export type { Channel } from './wire';

/**
 * The one durable path every outgoing message takes (README: "Messages"). A writer records the
 * message in `outbox` inside its own transaction; the job runner sends it:
 *
 *   queued → sending → sent → delivered / read
 *                    ↘ failed (reason; `dead` once given up) · unknown · fallen_back (next channel)
 *   queued → skipped (the contact rules held it back, with the reason)
 *
 * A claim marks messages `sending` in a committed transaction before any provider is called, and
 * their outcome is recorded after: a crash in between leaves them `sending`, which the sweep turns
 * into `unknown` — shown to staff, never re-sent blindly. So nothing is lost (queued rows wait for
 * the next run) and nothing is doubled.
 */

export type OutgoingMessage = {
	agencyId: string;
	/** The creditor the message speaks for (its staff see it); null for the agency's own. */
	creditorId: string | null;
	debtorId?: string | null;
	/** Codes, notices and receipts go at once; campaign and régua messages pass the contact rules. */
	kind?: MessageKind;
	purpose?: 'offer' | 'reminder' | null;
	channel: Channel;
	to: string;
	/** The text; campaign and régua messages may leave it empty, to be composed when sent. */
	text: string;
	subject?: string | null;
	html?: string | null;
	template?: { name: string; language: string; params: string[] } | null;
	fallback?: Channel[];
	groupId?: string | null;
	campaignId?: string | null;
	reguaStep?: string | null;
	reguaSubjectId?: string | null;
	nextAttemptAt?: Date;
};

/** Records the message in the outbox inside the caller's transaction; it is sent after commit. */
export async function enqueue(tx: DbOrTx, msg: OutgoingMessage): Promise<string> {
	const [row] = await tx.insert(outbox).values(msg).returning({ id: outbox.id });
	return row.id;
}

const COLLECTION: readonly MessageKind[] = ['campaign', 'regua'];
/** Attempts before a message that keeps meeting 429/5xx becomes a dead letter. */
export const MAX_ATTEMPTS = 8;
/** A message `sending` for this long belongs to a sender that died: it becomes `unknown`. */
export const STUCK_AFTER_MS = 5 * 60_000;

export type DeliverOptions = {
	now?: () => Date;
	/** Only these messages (a one-time code sent right after its request). */
	only?: string[];
	batch?: number;
	/** Requests in flight at once. */
	concurrency?: number;
	/** Stop claiming after this long (the job re-queues itself when more is due). */
	budgetMs?: number;
	timeoutMs?: number;
	/** Base of the callback URLs given to providers that take them per message (Twilio). */
	baseUrl?: string;
	/** Claim-and-send loops run at once (default PIPELINES). */
	pipelines?: number;
};

const PIPELINES = 2;

export type DeliveryReport = { sent: number; held: number; skipped: number; failed: number; retried: number; unknown: number; fellBack: number };

type Claimed = {
	id: string;
	agency_id: string;
	creditor_id: string | null;
	debtor_id: string | null;
	kind: MessageKind;
	purpose: 'offer' | 'reminder' | null;
	channel: Channel;
	to: string;
	text: string;
	subject: string | null;
	html: string | null;
	template: { name: string; language: string; params: string[] } | null;
	fallback: Channel[];
	group_id: string | null;
	campaign_id: string | null;
	regua_step: string | null;
	regua_subject_id: string | null;
	attempts: number;
};

type Outcome = {
	id: string;
	status: 'queued' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped' | 'fallen_back';
	reason?: string | null;
	next_attempt_at?: string | null;
	provider?: string | null;
	account_id?: string | null;
	provider_id?: string | null;
	dead?: boolean;
	attempts?: number;
	contacted?: boolean;
	text?: string | null;
	subject?: string | null;
	html?: string | null;
	template?: Claimed['template'];
};

// Where a sender's time goes (ACERTO_TRACE_DELIVERY=1): milliseconds per phase, printed per run.
const TRACE = process.env.ACERTO_TRACE_DELIVERY === '1';
const trace: Record<string, number> = {};
function lap(key: string, since: number): number {
	const t = performance.now();
	if (TRACE) trace[key] = (trace[key] ?? 0) + (t - since);
	return t;
}

/**
 * Sends what is due, a batch at a time, until nothing is due or the time budget is spent (the
 * `deliver-messages` job). Returns what happened.
 */
export async function deliverDue(db: DbOrTx, opts: DeliverOptions = {}): Promise<DeliveryReport & { nextDueAt: Date | null }> {
	const now = opts.now ?? (() => new Date());
	const started = Date.now();
	const report: DeliveryReport = { sent: 0, held: 0, skipped: 0, failed: 0, retried: 0, unknown: 0, fellBack: 0 };
	// A pipeline: the next batch is claimed while this one is on the wire (claims commit their
	// rows as `sending` first, so two batches never share a message).
	const more = () => !opts.only && Date.now() - started <= (opts.budgetMs ?? 60_000);
	// Each claim starts after the last row the previous one took (in the queue's order): the scan
	// never walks again over the index entries of messages already taken, which stay there until
	// vacuum. At the end of the queue it goes round once more from the start when that pass did
	// anything, for what it passed over (a debtor busy in the same batch) or added behind itself
	// (a fallback message due at once).
	const pipeline = async () => {
		let next: Promise<Claim> | null = claim(db, now(), opts, report, null);
		let progressed = false;
		while (next) {
			const batch: Claim = await next;
			if (batch.taken === 0) {
				if (!progressed) break;
				progressed = false;
				next = more() ? claim(db, now(), opts, report, null) : null;
				continue;
			}
			if (batch.count > 0) progressed = true;
			next = more() ? claim(db, now(), opts, report, batch.after) : null;
			await sendAll(db, batch.toSend, now, opts, report);
		}
	};
	// Two pipelines, so that one claims (PostgreSQL's work) while the other composes and sends (this
	// process's): one alone leaves the machine half idle. SKIP LOCKED keeps their messages and their
	// debtors apart; a debtor one of them holds is passed over by the other and found on its next round.
	await Promise.all(Array.from({ length: opts.only ? 1 : (opts.pipelines ?? PIPELINES) }, pipeline));
	const [due] = await db.execute<{ at: Date | null }>(sql`select min(next_attempt_at) as at from outbox where status = 'queued'`);
	if (TRACE && !opts.only) {
		console.log(JSON.stringify({ type: 'trace', where: 'deliverDue', ms: Date.now() - started, ...report, ...Object.fromEntries(Object.entries(trace).map(([k, v]) => [k, Math.round(v)])) }));
		for (const k of Object.keys(trace)) delete trace[k];
	}
	return { ...report, nextDueAt: due?.at ? new Date(due.at) : null };
}

/** Sends these messages now (a one-time code right after its request). */
export async function deliver(db: DbOrTx, ids: string[]): Promise<void> {
	if (ids.length > 0) await deliverDue(db, { only: ids });
}

type ToSend = { row: Claimed; account: Account; message: WireMessage };

/** Where the previous claim stopped, in the queue's order (next_attempt_at, id). */
type QueueKey = { at: string; id: string };

type Claim = { toSend: ToSend[]; count: number; taken: number; after: QueueKey | null };

/**
 * One transaction: takes due messages (SKIP LOCKED, so processes never share one), locks their
 * debtors (so two senders never both pass a debtor's cap), applies the contact rules, takes each
 * account's share of this second's rate, and marks what will be sent `sending`.
 */
async function claim(db: DbOrTx, now: Date, opts: DeliverOptions, report: DeliveryReport, after: QueueKey | null): Promise<Claim> {
	return db.transaction(async (tx) => {
		let t = performance.now();
		const only = opts.only ? sql`and o.id = any(${`{${opts.only.join(',')}}`}::uuid[])` : sql``;
		const from = after ? sql`and (o.next_attempt_at, o.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
		const rows = await tx.execute<Claimed & { due_key: string }>(sql`
			select o.next_attempt_at::text as due_key, o.id, o.agency_id, o.creditor_id, o.debtor_id, o.kind, o.purpose, o.channel, o."to", o.text, o.subject,
				o.html, o.template, o.fallback, o.group_id, o.campaign_id, o.regua_step, o.regua_subject_id, o.attempts
			from outbox o
			where o.status = 'queued' and o.next_attempt_at <= ${now.toISOString()}::timestamptz ${only} ${from}
				-- A paused campaign's messages wait where they are.
				and (o.campaign_id is null or exists (select 1 from campaigns c where c.id = o.campaign_id and c.status = 'running'))
			order by o.next_attempt_at, o.id
			limit ${opts.batch ?? 500}
			for update skip locked`);
		t = lap('claim.select', t);
		if (rows.length === 0) return { toSend: [] as ToSend[], count: 0, taken: 0, after };
		const last = rows[rows.length - 1];
		const nextAfter: QueueKey = { at: last.due_key, id: last.id };

		const campaignInfo = await campaignsOf(tx, rows);
		const facts = await factsFor(tx, rows, now);
		const accounts = await accountsFor(tx, [...new Set(rows.map((r) => r.agency_id))]);
		t = lap('claim.facts', t);
		const outcomes: Outcome[] = [];
		// Rows that passed the rules; composed (short links and all) only then.
		const passing: Claimed[] = [];
		const candidates: ToSend[] = [];
		const fallbacks: { row: Claimed; reason: string }[] = [];
		const seen = new Set<string>();

		for (const row of rows) {
			const camp = row.campaign_id ? campaignInfo.get(row.campaign_id) : undefined;
			if (camp && camp.endsAt <= now) {
				outcomes.push({ id: row.id, status: 'skipped', reason: 'campanha_encerrada' });
				report.skipped++;
				continue;
			}
			const collection = COLLECTION.includes(row.kind);
			if (collection && !row.debtor_id) {
				// The rules are about a debtor: a collection message to nobody in particular never goes.
				outcomes.push({ id: row.id, status: 'skipped', reason: 'devedor_inexistente' });
				report.skipped++;
				continue;
			}
			// Another sender holds the debtor, or this batch already has a message for them: the next
			// run decides with that one's contact counted.
			if (collection && row.debtor_id && (!facts.lockedDebtors.has(row.debtor_id) || seen.has(row.debtor_id))) continue;
			if (collection && row.debtor_id) seen.add(row.debtor_id);
			if (collection) {
				const d = facts.debtor(row, now);
				const decision: Decision = decide(d);
				if (decision.action === 'wait') {
					outcomes.push({ id: row.id, status: 'queued', reason: decision.reason, next_attempt_at: decision.until.toISOString() });
					report.held++;
					continue;
				}
				if (decision.action === 'skip' && decision.reason === 'opt_out' && row.fallback.length > 0) {
					// Stopped on this channel only: the next channel of the order may still speak.
					fallbacks.push({ row, reason: decision.reason });
					continue;
				}
				if (decision.action === 'skip') {
					outcomes.push({ id: row.id, status: 'skipped', reason: decision.reason });
					report.skipped++;
					continue;
				}
			}
			passing.push(row);
		}

		t = lap('claim.rules', t);
		const composed = await compose(tx, passing.filter((r) => r.text === ''), now);
		t = lap('claim.compose', t);
		for (const row of passing) {
			const content = composed.get(row.id);
			if (content && 'error' in content) {
				outcomes.push({ id: row.id, status: 'failed', reason: content.error, dead: true });
				report.failed++;
				continue;
			}
			const account = accounts(row.agency_id, row.channel);
			if (!account) {
				fallbacks.push({ row, reason: 'canal_nao_configurado' });
				continue;
			}
			const message = wireMessage(row, content, facts);
			if (!message) {
				fallbacks.push({ row, reason: 'whatsapp_sem_modelo' });
				continue;
			}
			candidates.push({ row, account, message });
		}

		// Each campaign's share of this minute, then each account's share of this second: the rest
		// waits for the next window (counters in PostgreSQL, shared by every process).
		const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
		const paced: ToSend[] = [];
		for (const [campaignId, group] of groupBy(candidates, (c) => c.row.campaign_id ?? '')) {
			const limit = campaignId ? (campaignInfo.get(campaignId)?.ratePerMinute ?? Infinity) : Infinity;
			const allowed = limit === Infinity ? group.length : await share(tx, `campaign:${campaignId}`, minute, group.length, limit);
			group.forEach((c, i) => {
				if (i < allowed) paced.push(c);
				else outcomes.push({ id: c.row.id, status: 'queued', reason: 'ritmo_da_campanha', next_attempt_at: new Date(minute.getTime() + 60_000).toISOString() });
			});
		}
		const toSend: ToSend[] = [];
		const second = new Date(Math.floor(now.getTime() / 1000) * 1000);
		for (const [accountId, group] of groupBy(paced, (c) => c.account.id)) {
			const allowed = await share(tx, `send:${accountId}`, second, group.length, group[0].account.ratePerSecond);
			group.forEach((c, i) => {
				if (i < allowed) toSend.push(c);
				else outcomes.push({ id: c.row.id, status: 'queued', reason: 'limite_de_envio', next_attempt_at: new Date(second.getTime() + 1000).toISOString() });
			});
		}

		for (const c of toSend) {
			const content = composed.get(c.row.id);
			outcomes.push({
				id: c.row.id,
				status: 'sending',
				reason: null,
				next_attempt_at: now.toISOString(),
				provider: c.account.provider,
				account_id: c.account.id,
				attempts: c.row.attempts + 1,
				contacted: true,
				...(content && !('error' in content) && { text: content.text, subject: content.subject ?? null, html: content.html ?? null, template: content.template ?? null })
			});
		}
		t = lap('claim.pace', t);
		await applyOutcomes(tx, outcomes, now);
		report.fellBack += await fallBack(tx, fallbacks, now);
		lap('claim.apply', t);
		// Rows left untouched (their debtor busy elsewhere) wait for the next run.
		return { toSend, count: outcomes.length + fallbacks.length, taken: rows.length, after: nextAfter };
	});
}

/** Takes up to `want` from a window's budget of `limit`; returns how many were granted. */
async function share(tx: DbOrTx, key: string, window: Date, want: number, limit: number): Promise<number> {
	const [{ count }] = await tx.execute<{ count: number }>(sql`
		insert into rate_limits (key, window_start, count) values (${key}, ${window.toISOString()}::timestamptz, ${want})
		on conflict (key, window_start) do update set count = rate_limits.count + excluded.count
		returning count`);
	const granted = Math.max(0, Math.min(want, limit - (count - want)));
	if (granted < want) {
		await tx.execute(sql`update rate_limits set count = count - ${want - granted} where key = ${key} and window_start = ${window.toISOString()}::timestamptz`);
	}
	return granted;
}

/** The campaigns of a batch: their end and their pace. */
async function campaignsOf(tx: DbOrTx, rows: Claimed[]): Promise<Map<string, { endsAt: Date; ratePerMinute: number }>> {
	const ids = [...new Set(rows.map((r) => r.campaign_id).filter((c): c is string => !!c))];
	if (ids.length === 0) return new Map();
	const found = await tx.execute<{ id: string; ends_at: Date; rate: number }>(sql`
		select id, ends_at, coalesce((body->>'ratePerMinute')::int, 6000) as rate from campaigns where id = any(${`{${ids.join(',')}}`}::uuid[])`);
	return new Map(found.map((c) => [c.id, { endsAt: new Date(c.ends_at), ratePerMinute: c.rate }]));
}

/** What the rules need about the debtors of a batch: one query each, whatever the batch size. */
async function factsFor(tx: DbOrTx, rows: Claimed[], now: Date) {
	const collection = rows.filter((r) => COLLECTION.includes(r.kind) && r.debtor_id);
	const debtorIds = [...new Set(collection.map((r) => r.debtor_id!))];
	const idList = sql`${`{${debtorIds.join(',')}}`}::uuid[]`;
	// One statement: each debtor locked (SKIP LOCKED: one another sender holds waits for the next
	// run), with their counted contacts of the last 8 days and the creditors they are in an
	// agreement with.
	const debtors = debtorIds.length
		? await tx.execute<{ id: string; state: string | null; per_day: number; per_week: number; contacts: number[]; agreements: string[] }>(sql`
			select d.id, d.state, a.contact_per_day as per_day, a.contact_per_week as per_week,
				array(select extract(epoch from o.contacted_at)::float8 * 1000 from outbox o
					where o.debtor_id = d.id and o.contacted_at > ${new Date(now.getTime() - 8 * 86_400_000).toISOString()}::timestamptz
						and o.kind in ('campaign', 'regua') and o.status in ('sending', 'sent', 'delivered', 'read', 'unknown')) as contacts,
				array(select g.creditor_id::text from agreements g where g.debtor_id = d.id and g.status = 'active') as agreements
			from unnest(${idList}) as k(id) join debtors d on d.id = k.id join agencies a on a.id = d.agency_id
			for update of d skip locked`)
		: [];
	const addresses = [...new Set(rows.map((r) => r.to))];
	const optOuts = await tx.execute<{ agency_id: string; channel: Channel; address: string }>(sql`
		select agency_id, channel, address from contact_opt_outs where address = any(${`{${addresses.map(pgArrayItem).join(',')}}`}::text[])`);
	const waTo = [...new Set(rows.filter((r) => r.channel === 'whatsapp').map((r) => r.to))];
	const windows = waTo.length
		? await tx.execute<{ from: string }>(sql`
			select distinct "from" from inbound_messages
			where channel = 'whatsapp' and "from" = any(${`{${waTo.map(pgArrayItem).join(',')}}`}::text[])
				and at > ${new Date(now.getTime() - 24 * 3_600_000).toISOString()}::timestamptz`)
		: [];

	const creditorIds = [...new Set(rows.map((r) => r.creditor_id).filter((c): c is string => !!c))];
	const creditorRows = creditorIds.length
		? await tx.execute<{ id: string; display_name: string; sms_sender: string | null; email_sender_name: string | null; whatsapp_phone_number_id: string | null }>(sql`
			select id, display_name, sms_sender, email_sender_name, whatsapp_phone_number_id from creditors where id = any(${`{${creditorIds.join(',')}}`}::uuid[])`)
		: [];
	const agencyIds = [...new Set(rows.filter((r) => !r.creditor_id).map((r) => r.agency_id))];
	const agencyRows = agencyIds.length
		? await tx.execute<{ id: string; name: string }>(sql`select id, name from agencies where id = any(${`{${agencyIds.join(',')}}`}::uuid[])`)
		: [];
	const senders = new Map<string, WireMessage['sender']>([
		...creditorRows.map((c): [string, WireMessage['sender']] => [c.id, { name: c.display_name, smsFrom: c.sms_sender, emailFromName: c.email_sender_name, whatsappPhoneNumberId: c.whatsapp_phone_number_id }]),
		...agencyRows.map((a): [string, WireMessage['sender']] => [a.id, { name: a.name }])
	]);
	const info = new Map(debtors.map((d) => [d.id, d]));
	const contacts = new Map(debtors.map((d) => [d.id, d.contacts.map((c) => new Date(Number(c)))]));
	const agreementsOf = new Set(debtors.flatMap((d) => d.agreements.map((c) => `${d.id}:${c}`)));
	const opted = new Set(optOuts.map((o) => `${o.agency_id}:${o.channel}:${o.address}`));
	const open = new Set(windows.map((w) => w.from));
	return {
		lockedDebtors: new Set(info.keys()),
		/** Who speaks: the creditor (its own senders where it has them), or the agency. */
		sender: (row: Claimed): WireMessage['sender'] => senders.get(row.creditor_id ?? row.agency_id) ?? { name: '' },
		debtor(row: Claimed, at: Date) {
			const d = info.get(row.debtor_id!)!;
			const optedOut = (['sms', 'whatsapp', 'email'] as const).filter((ch) => ch === row.channel && opted.has(`${row.agency_id}:${ch}:${row.to}`));
			return {
				now: at,
				uf: d.state,
				channel: row.channel,
				kind: row.purpose ?? 'reminder',
				inAgreement: !!row.creditor_id && agreementsOf.has(`${row.debtor_id}:${row.creditor_id}`),
				optedOut,
				contactsBefore: contacts.get(row.debtor_id!) ?? [],
				caps: { perDay: d.per_day, perWeek: d.per_week }
			};
		},
		/** Whether the debtor wrote to us on WhatsApp in the last 24 hours (free text allowed). */
		whatsappWindowOpen: (to: string) => open.has(to),
		optedOut: (agencyId: string, channel: Channel, to: string) => opted.has(`${agencyId}:${channel}:${to}`)
	};
}

type Facts = Awaited<ReturnType<typeof factsFor>>;

function pgArrayItem(s: string): string {
	return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The message as the driver sees it; null when WhatsApp needs a template this message lacks. */
function wireMessage(row: Claimed, content: Composed | undefined, facts: Facts): WireMessage | null {
	const c = content && !('error' in content) ? content : { text: row.text, subject: row.subject, html: row.html, template: row.template, unsubscribeUrl: undefined };
	const base: WireMessage = { id: row.id, channel: row.channel, to: row.to, text: c.text, sender: facts.sender(row) };
	if (row.channel === 'email') {
		return c.subject || c.html ? { ...base, email: { subject: c.subject ?? base.sender.name, html: c.html ?? '', unsubscribeUrl: c.unsubscribeUrl } } : base;
	}
	if (row.channel === 'whatsapp') {
		// Outside the 24-hour window opened by the debtor, only an approved template may go.
		if (facts.whatsappWindowOpen(row.to)) return base;
		return c.template ? { ...base, template: c.template } : null;
	}
	return base;
}

async function sendAll(db: DbOrTx, toSend: ToSend[], now: () => Date, opts: DeliverOptions, report: DeliveryReport): Promise<void> {
	const results: { item: ToSend; result: SendResult }[] = [];
	let next = 0;
	const worker = async () => {
		while (next < toSend.length) {
			const item = toSend[next++];
			let result: SendResult;
			try {
				result = await item.account.send(item.message, { timeoutMs: opts.timeoutMs, statusCallbackUrl: callbackUrl(opts.baseUrl, item) });
			} catch (e) {
				result = { status: 'unknown', reason: e instanceof Error ? e.message : String(e) };
			}
			results.push({ item, result });
		}
	};
	let t = performance.now();
	await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 64, toSend.length) }, worker));
	t = lap('wire', t);
	await record(db, results, now(), report);
	lap('record', t);
}

function callbackUrl(base: string | undefined, item: ToSend): string | undefined {
	if (!base || item.account.provider !== 'twilio') return undefined;
	// The driver adds our message id (`?m=`) to it; Twilio signs the whole URL.
	return `${base}/webhooks/twilio/${item.account.id.startsWith('env:') ? 'env' : encodeURIComponent(item.account.id)}`;
}

/** Backoff before attempt n+1: 30 s, 1 min, 2 min … capped at an hour. */
export function backoffMs(attempts: number): number {
	return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

async function record(db: DbOrTx, results: { item: ToSend; result: SendResult }[], now: Date, report: DeliveryReport): Promise<void> {
	const outcomes: Outcome[] = [];
	const fallbacks: { row: Claimed; reason: string }[] = [];
	for (const { item, result } of results) {
		const id = item.row.id;
		const attempts = item.row.attempts + 1;
		switch (result.status) {
			case 'accepted':
				outcomes.push({ id, status: 'sent', provider_id: result.providerId });
				report.sent++;
				break;
			case 'retry':
				if (attempts >= MAX_ATTEMPTS) {
					outcomes.push({ id, status: 'failed', reason: result.reason, dead: true });
					report.failed++;
				} else {
					const wait = Math.max(result.retryAfterMs ?? 0, backoffMs(attempts));
					// Nothing went out: the contact does not count.
					outcomes.push({ id, status: 'queued', reason: result.reason, next_attempt_at: new Date(now.getTime() + wait).toISOString(), contacted: false });
					report.retried++;
				}
				break;
			case 'failed':
				if (result.fallback) fallbacks.push({ row: item.row, reason: result.code ? `${result.code}: ${result.reason}` : result.reason });
				else {
					outcomes.push({ id, status: 'failed', reason: result.code ? `${result.code}: ${result.reason}` : result.reason, dead: true });
					report.failed++;
				}
				break;
			case 'unknown':
				outcomes.push({ id, status: 'unknown', reason: result.reason });
				report.unknown++;
				break;
		}
	}
	await db.transaction(async (tx) => {
		await applyOutcomes(tx, outcomes, now);
		report.fellBack += await fallBack(tx, fallbacks, now);
	});
}

/** Writes a batch of outcomes in one statement. */
async function applyOutcomes(tx: DbOrTx, outcomes: Outcome[], now: Date): Promise<void> {
	if (outcomes.length === 0) return;
	await tx.execute(sql`
		update outbox o set
			-- A provider's callback may have come before our own record of the send: never move back.
			status = case when v.status = 'sent' and o.status in ('delivered', 'read', 'failed', 'fallen_back') then o.status else v.status end,
			reason = case when v.status in ('sent', 'sending') then null else coalesce(v.reason, o.reason) end,
			next_attempt_at = coalesce(v.next_attempt_at, o.next_attempt_at),
			provider = coalesce(v.provider, o.provider),
			account_id = coalesce(v.account_id, o.account_id),
			provider_id = coalesce(v.provider_id, o.provider_id),
			attempts = coalesce(v.attempts, o.attempts),
			dead = coalesce(v.dead, o.dead),
			contacted_at = case when v.contacted is true then ${now.toISOString()}::timestamptz when v.contacted is false then null else o.contacted_at end,
			sent_at = case when v.status = 'sent' then coalesce(o.sent_at, ${now.toISOString()}::timestamptz) else o.sent_at end,
			failed_at = case when v.status = 'failed' then coalesce(o.failed_at, ${now.toISOString()}::timestamptz) else o.failed_at end,
			text = coalesce(v.text, o.text),
			subject = coalesce(v.subject, o.subject),
			html = coalesce(v.html, o.html),
			template = coalesce(v.template, o.template)
		from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as v(
			id uuid, status text, reason text, next_attempt_at timestamptz, provider text, account_id text, provider_id text,
			attempts int, dead boolean, contacted boolean, text text, subject text, html text, template jsonb)
		where o.id = v.id`);
}

/**
 * A channel that cannot reach the debtor hands the message to the next channel in its order for
 * which the debtor has a contact: a new message of the same group, composed afresh when sent.
 * Without one, the message fails for good.
 */
async function fallBack(tx: DbOrTx, items: { row: Claimed; reason: string }[], now: Date): Promise<number> {
	let fell = 0;
	const final: Outcome[] = [];
	for (const { row, reason } of items) {
		const [d] = row.debtor_id
			? await tx.execute<{ phone: string | null; email: string | null }>(sql`select phone, email from debtors where id = ${row.debtor_id}::uuid`)
			: [];
		const chain = [...row.fallback];
		let next: { channel: Channel; to: string } | null = null;
		while (chain.length && !next) {
			const ch = chain.shift()!;
			const to = ch === 'email' ? d?.email : d?.phone;
			if (to) next = { channel: ch, to };
		}
		if (!next) {
			// Nowhere else to go: an opt-out is a rule's decision (skipped), anything else a dead letter.
			final.push(reason === 'opt_out' ? { id: row.id, status: 'skipped', reason } : { id: row.id, status: 'failed', reason, dead: true });
			continue;
		}
		await tx.execute(sql`
			insert into outbox (agency_id, creditor_id, debtor_id, kind, purpose, channel, "to", text, fallback, group_id, campaign_id, regua_step, regua_subject_id, next_attempt_at)
			select agency_id, creditor_id, debtor_id, kind, purpose, ${next.channel}, ${next.to},
				case when campaign_id is not null or regua_step is not null then '' else text end,
				${JSON.stringify(chain)}::jsonb, coalesce(group_id, id), campaign_id, regua_step, regua_subject_id, ${now.toISOString()}::timestamptz
			from outbox where id = ${row.id}::uuid`);
		final.push({ id: row.id, status: 'fallen_back', reason, contacted: false });
		fell++;
	}
	await applyOutcomes(tx, final, now);
	return fell;
}

/** Messages a dead sender left `sending` become `unknown` (the housekeeping job). */
export async function sweepStuck(db: DbOrTx, now = new Date()): Promise<number> {
	const rows = await db.execute(sql`
		update outbox set status = 'unknown', reason = 'envio_interrompido'
		where status = 'sending' and next_attempt_at < ${new Date(now.getTime() - STUCK_AFTER_MS).toISOString()}::timestamptz
		returning id`);
	return rows.length;
}

const RANK: Record<string, number> = { sending: 0, unknown: 0, sent: 1, delivered: 2, read: 3 };

/**
 * A provider's callback: delivery statuses (never moving a message backwards, so a late
 * "delivered" after "read" changes nothing, and the same callback twice changes nothing) and the
 * debtor's replies (an opt-out word stops that channel at once for every agency that wrote to the
 * number through this account).
 */
export async function applyCallback(db: DbOrTx, account: Pick<Account, 'id' | 'provider'>, cb: Callback, now = new Date()): Promise<{ statuses: number; optOuts: number; fellBack: number }> {
	let statuses = 0;
	let optOuts = 0;
	let fellBack = 0;
	await db.transaction(async (tx) => {
		for (const ev of cb.statuses) {
			const byOurs = ev.messageId && /^[0-9a-f-]{36}$/i.test(ev.messageId) ? sql`o.id = ${ev.messageId}::uuid` : sql`false`;
			const [row] = await tx.execute<Claimed & { status: string; provider_id: string | null }>(sql`
				select o.* from outbox o
				where (${byOurs} or (o.provider_id = ${ev.providerId} and o.account_id = ${account.id}))
				for update`);
			if (!row) continue;
			const at = ev.at.toISOString();
			if (ev.status === 'failed') {
				if (row.status === 'failed' || row.status === 'fallen_back') continue;
				const reason = ev.code ? `${ev.code}: ${ev.reason ?? ''}`.trim() : (ev.reason ?? 'falha');
				if (ev.fallback && row.fallback.length) fellBack += await fallBack(tx, [{ row, reason }], now);
				else await tx.execute(sql`update outbox set status = 'failed', dead = true, reason = ${reason}, failed_at = ${at}::timestamptz, provider_id = coalesce(provider_id, ${ev.providerId}) where id = ${row.id}::uuid`);
				statuses++;
				continue;
			}
			if (!(row.status in RANK)) continue;
			// Read implies delivered implies sent: each instant is kept from the first callback that told it.
			const rank = RANK[ev.status];
			const forward = rank > RANK[row.status];
			await tx.execute(sql`
				update outbox set
					sent_at = coalesce(sent_at, ${at}::timestamptz),
					delivered_at = case when ${rank}::int >= 2 then coalesce(delivered_at, ${at}::timestamptz) else delivered_at end,
					read_at = case when ${rank}::int >= 3 then coalesce(read_at, ${at}::timestamptz) else read_at end,
					status = ${forward ? ev.status : row.status}, provider_id = coalesce(provider_id, ${ev.providerId})
				where id = ${row.id}::uuid`);
			statuses++;
		}
		for (const ev of cb.inbound) {
			const inserted = await tx.execute(sql`
				insert into inbound_messages (agency_id, channel, "from", text, provider, account_id, provider_id, at)
				values (
					(select agency_id from outbox where "to" = ${ev.from} and channel = ${ev.channel} order by created_at desc limit 1),
					${ev.channel}, ${ev.from}, ${ev.text}, ${account.provider}, ${account.id}, ${ev.providerId ?? null}, ${ev.at.toISOString()}::timestamptz)
				on conflict (provider, provider_id) do nothing
				returning id`);
			if (inserted.length === 0 || !isOptOut(ev.text)) continue;
			const rows = await tx.execute(sql`
				insert into contact_opt_outs (agency_id, channel, address, source, at)
				select distinct agency_id, ${ev.channel}, ${ev.from}, 'reply', ${ev.at.toISOString()}::timestamptz
				from outbox where "to" = ${ev.from} and channel = ${ev.channel} and (account_id = ${account.id} or account_id is null)
				on conflict do nothing
				returning agency_id`);
			optOuts += rows.length;
		}
	});
	return { statuses, optOuts, fellBack };
}

/** Stops (or, with `stop: false`, resumes) collection messages to an address on a channel. */
export async function setOptOut(db: DbOrTx, input: { agencyId: string; channel: Channel; address: string; source: 'reply' | 'unsubscribe' | 'preferences' | 'staff'; stop: boolean }): Promise<void> {
	const address = input.channel === 'email' ? input.address.toLowerCase() : input.address;
	if (input.stop) {
		await db.execute(sql`
			insert into contact_opt_outs (agency_id, channel, address, source) values (${input.agencyId}::uuid, ${input.channel}, ${address}, ${input.source})
			on conflict do nothing`);
	} else {
		await db.execute(sql`delete from contact_opt_outs where agency_id = ${input.agencyId}::uuid and channel = ${input.channel} and address = ${address}`);
	}
}

/**
 * Staff's "send again" for a dead letter or an `unknown` message: queued anew at once (an
 * `unknown` one may reach the debtor twice — the admin area says so before asking).
 */
export async function retry(db: DbOrTx, agencyId: string, id: string): Promise<boolean> {
	const rows = await db.execute(sql`
		update outbox set status = 'queued', dead = false, attempts = 0, reason = null, next_attempt_at = now(), contacted_at = null
		where id = ${id}::uuid and agency_id = ${agencyId}::uuid and (dead or status = 'unknown')
		returning id`);
	return rows.length === 1;
}

/**
 * What an old phone or e-mail is told when a debtor's contact changes: that it changed, naming the
 * creditor, without amounts and without the new contact. `{credor}` stands for the creditor's name
 * (SQL writers fill it with `replace`).
 */
export const CONTACT_CHANGED = {
	sms: '{credor}: o telefone cadastrado para você no portal de negociação foi trocado por outro número. Se você não pediu esta troca, fale com {credor} pelos canais oficiais.',
	email: '{credor}: o e-mail cadastrado para você no portal de negociação foi trocado por outro endereço. Se você não pediu esta troca, fale com {credor} pelos canais oficiais.'
} as const;

export function contactChanged(channel: 'sms' | 'email', creditorName: string): string {
	return CONTACT_CHANGED[channel].replaceAll('{credor}', creditorName);
}
