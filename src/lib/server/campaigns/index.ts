import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../db/client';
import { campaigns, creditors, type CampaignStatus } from '../db/schema';
import * as access from '../access';
import * as audit from '../audit';
import { queuedInBulk } from '../messaging/bulk';
import * as tenancy from '../tenancy';
import { todayInSaoPaulo } from '../../format/dates';
import { campaignSchema, CHANNEL_LABELS, CHANNELS, type Campaign, type CampaignChannel } from '../../schemas/campaign';
import type { Policy } from '../../schemas/policy';
import type { Finding } from '../../messaging/template';
import { lintTemplates } from '../../messaging/lint-templates';
import { smsSegments } from '../../messaging/sms';
import { countSegment, segmentQuery, type SegmentCount } from './segment';
import { previewsFor, type Preview } from './compose';
import { envAccount } from '../messaging/accounts';

/**
 * Campaigns (README: "Campaigns"): a creditor's segment of debtors, messages in a channel order
 * with fallback, an optional special offer, a window and a rate. Written as a draft, estimated and
 * previewed, then started: its debtors are fixed and its messages queued in one transaction, and
 * the sending pipeline does the rest under the contact rules.
 */

export type Actor = { type: 'staff'; id: string; agencyId: string; creditorId: string | null; canOverrideLint: boolean } | { type: 'cli' };

export type SaveResult =
	| { ok: true; id: string; findings: Finding[] }
	| { ok: false; status: 400 | 403 | 404 | 409; message: string; errors?: Record<string, string[]>; findings?: Finding[] };

export const STATUS_LABELS: Record<CampaignStatus, string> = {
	draft: 'Rascunho',
	running: 'Em andamento',
	paused: 'Pausada',
	cancelled: 'Cancelada',
	finished: 'Encerrada'
};

function reachOf(actor: Actor, agencyId: string): access.Reach {
	return actor.type === 'cli' ? { agencyId, creditorId: null } : { agencyId: actor.agencyId, creditorId: actor.creditorId };
}

function issuesOf(error: z.ZodError): Record<string, string[]> {
	const out: Record<string, string[]> = {};
	for (const issue of error.issues) (out[issue.path.join('.') || 'campanha'] ??= []).push(issue.message);
	return out;
}

/** The lint of every template of the campaign (CDC art. 42, the creditor named, amounts where others may read). */
export function lintCampaign(c: Campaign): Finding[] {
	return lintTemplates(c.channels, c.templates);
}

/** The special offer within the policy's campaign limits; a message for each condition over them. */
export function offerProblems(c: Campaign, policy: Policy | null): string[] {
	if (!c.offer) return [];
	if (!policy) return ['O credor ainda não publicou uma política: não há oferta para melhorar.'];
	const limits = policy.campaignLimits;
	if (!limits) return ['A política do credor não permite ofertas especiais em campanhas: quem publica a política precisa definir os limites de campanha (campaignLimits).'];
	const o = c.offer;
	const out: string[] = [];
	if (o.cashDiscountMaxPercent !== undefined && o.cashDiscountMaxPercent > limits.cashDiscountMaxPercent)
		out.push(`Desconto à vista acima do limite de campanha da política (${limits.cashDiscountMaxPercent}%).`);
	if (o.installmentDiscountMaxPercent !== undefined && o.installmentDiscountMaxPercent > limits.installmentDiscountMaxPercent)
		out.push(`Desconto no parcelamento acima do limite de campanha da política (${limits.installmentDiscountMaxPercent}%).`);
	if (o.installmentsMax !== undefined && o.installmentsMax > limits.installmentsMax) out.push(`Parcelas acima do limite de campanha da política (${limits.installmentsMax}).`);
	if (o.minEntryPercent !== undefined && o.minEntryPercent < limits.minEntryPercent) out.push(`Entrada abaixo do mínimo de campanha da política (${limits.minEntryPercent}%).`);
	return out;
}

/** Whether the campaign's messages carry an offer (never sent to a debtor in an agreement) or only remind. */
export function purposeOf(c: Pick<Campaign, 'segment'>): 'offer' | 'reminder' {
	return c.segment.agreement === 'active' ? 'reminder' : 'offer';
}

async function validate(db: DbOrTx, creditorId: string, input: unknown, actor: Actor, overrideLint: boolean) {
	const parsed = campaignSchema.safeParse(input);
	if (!parsed.success) return { ok: false as const, status: 400 as const, message: 'Corrija os campos indicados.', errors: issuesOf(parsed.error) };
	const c = parsed.data;
	const policy = (await tenancy.currentPolicy(db, creditorId))?.policy ?? null;
	const offer = offerProblems(c, policy);
	if (offer.length) return { ok: false as const, status: 400 as const, message: 'A oferta especial passa dos limites da política.', errors: { offer } };
	const findings = lintCampaign(c);
	const blocking = findings.filter((f) => f.severity === 'error');
	if (blocking.length && !(overrideLint && (actor.type === 'cli' || actor.canOverrideLint))) {
		return { ok: false as const, status: 400 as const, message: 'O texto das mensagens precisa de ajustes antes de salvar.', findings };
	}
	return { ok: true as const, campaign: c, findings, overridden: blocking.length > 0 };
}

/** Saves a new campaign as a draft (or the same draft again, given its id). */
export async function save(db: DbOrTx, actor: Actor, input: { creditorId: string; id?: string; body: unknown; overrideLint?: boolean }): Promise<SaveResult> {
	const creditor = await creditorInReach(db, actor, input.creditorId);
	if (!creditor) return { ok: false, status: 404, message: 'Credor não encontrado.' };
	const v = await validate(db, creditor.id, input.body, actor, input.overrideLint ?? false);
	if (!v.ok) return v;
	const c = v.campaign;
	return db.transaction(async (tx) => {
		const values = { name: c.name, body: c, offerUntil: c.offer?.validUntil ?? null, startsAt: new Date(c.startsAt), endsAt: new Date(c.endsAt), updatedAt: new Date() };
		let id = input.id;
		if (id) {
			if (!access.isUuid(id)) return { ok: false as const, status: 404 as const, message: 'Campanha não encontrada.' };
			const rows = await tx
				.update(campaigns)
				.set(values)
				.where(and(eq(campaigns.id, id), eq(campaigns.creditorId, creditor.id), eq(campaigns.status, 'draft')))
				.returning({ id: campaigns.id });
			if (rows.length === 0) return { ok: false as const, status: 409 as const, message: 'Só um rascunho pode ser alterado; esta campanha já começou.' };
		} else {
			[{ id }] = await tx
				.insert(campaigns)
				.values({ ...values, agencyId: creditor.agencyId, creditorId: creditor.id, createdBy: actor.type === 'staff' ? actor.id : null })
				.returning({ id: campaigns.id });
		}
		await audit.record(tx, {
			agencyId: creditor.agencyId,
			actorType: actor.type,
			actorId: actor.type === 'staff' ? actor.id : null,
			action: input.id ? 'campaign.update' : 'campaign.create',
			entity: 'campaign',
			entityId: id!,
			data: { name: c.name, offer: c.offer ?? null, ...(v.overridden && { lintOverridden: v.findings.filter((f) => f.severity === 'error').map((f) => f.code) }) }
		});
		return { ok: true as const, id: id!, findings: v.findings };
	});
}

async function creditorInReach(db: DbOrTx, actor: Actor, creditorId: string) {
	if (!access.isUuid(creditorId)) return null;
	const [row] = await db
		.select({ id: creditors.id, agencyId: creditors.agencyId })
		.from(creditors)
		.where(and(eq(creditors.id, creditorId), actor.type === 'cli' ? sql`true` : access.where.creditor({ agencyId: actor.agencyId, creditorId: actor.creditorId })));
	return row ?? null;
}

export type CampaignRow = typeof campaigns.$inferSelect & { body: Campaign };

/** A campaign in the actor's reach. */
export async function get(db: DbOrTx, actor: Actor, id: string): Promise<CampaignRow | null> {
	if (!access.isUuid(id)) return null;
	const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
	if (!row) return null;
	if (actor.type === 'staff' && !(await access.reaches(db, reachOf(actor, row.agencyId), 'creditor', row.creditorId))) return null;
	return row as CampaignRow;
}

export async function list(db: DbOrTx, r: access.Reach, creditorId?: string) {
	return db
		.select({ id: campaigns.id, name: campaigns.name, status: campaigns.status, creditorId: campaigns.creditorId, creditor: creditors.displayName, startsAt: campaigns.startsAt, endsAt: campaigns.endsAt, createdAt: campaigns.createdAt })
		.from(campaigns)
		.innerJoin(creditors, eq(creditors.id, campaigns.creditorId))
		.where(and(access.where.creditorId(r, campaigns.creditorId), creditorId && access.isUuid(creditorId) ? eq(campaigns.creditorId, creditorId) : sql`true`))
		.orderBy(desc(campaigns.createdAt))
		.limit(200);
}

export type Estimate = {
	count: SegmentCount;
	/** Messages that will go, per channel (the segment less what the rules hold back now). */
	messages: Record<CampaignChannel, number>;
	/** Estimated cost in cents, per channel and in all (first-channel messages; fallbacks cost more). */
	costCents: Record<CampaignChannel, number> & { total: number };
	smsSegments: number | null;
	previews: Preview[];
	findings: Finding[];
	channelsWithoutAccount: CampaignChannel[];
};

/** Before starting: who will get what, what the rules hold back, the cost and a few real previews. */
export async function estimate(db: DbOrTx, row: CampaignRow, now = new Date()): Promise<Estimate> {
	const c = row.body;
	const today = todayInSaoPaulo(now);
	const count = await countSegment(db, row.creditorId, c, today, now, purposeOf(c));
	const heldShare = count.debtors === 0 ? 0 : (count.held.optedOut + count.held.inAgreement + count.held.capReached) / count.debtors;
	const messages = Object.fromEntries(CHANNELS.map((ch) => [ch, Math.max(0, Math.round(count.byChannel[ch] * (1 - heldShare)))])) as Record<CampaignChannel, number>;
	const segments = c.templates.sms ? smsSegments(c.templates.sms.body.replaceAll(/\{\{link\}\}/g, 'https://x.co/l/AAAAAAAAAA')).segments : null;
	const accounts = await accountCosts(db, row.agencyId);
	const cost = (ch: CampaignChannel) => Math.round((messages[ch] * (accounts[ch]?.costMillicents ?? 0) * (ch === 'sms' ? (segments ?? 1) : 1)) / 1000);
	const costCents = { whatsapp: cost('whatsapp'), sms: cost('sms'), email: cost('email'), total: 0 };
	costCents.total = costCents.whatsapp + costCents.sms + costCents.email;
	return {
		count,
		messages,
		costCents,
		smsSegments: segments,
		previews: await previewsFor(db, row, now, 3),
		findings: lintCampaign(c),
		channelsWithoutAccount: c.channels.filter((ch) => !accounts[ch])
	};
}

/**
 * What one message costs on each channel (an SMS: one segment), in thousandths of a cent, from the
 * agency's own provider account or the environment's; null where no account serves the channel.
 * For the template editor, which multiplies by the segments as staff type.
 */
export async function costPerMessageMillicents(db: DbOrTx, agencyId: string): Promise<Record<CampaignChannel, number | null>> {
	const accounts = await accountCosts(db, agencyId);
	return { whatsapp: accounts.whatsapp?.costMillicents ?? null, sms: accounts.sms?.costMillicents ?? null, email: accounts.email?.costMillicents ?? null };
}

async function accountCosts(db: DbOrTx, agencyId: string): Promise<Partial<Record<CampaignChannel, { costMillicents: number }>>> {
	const rows = await db.execute<{ channel: CampaignChannel; cost_millicents: number }>(sql`select channel, cost_millicents from messaging_accounts where agency_id = ${agencyId}::uuid`);
	const out: Partial<Record<CampaignChannel, { costMillicents: number }>> = {};
	for (const ch of CHANNELS) {
		const own = rows.find((r) => r.channel === ch);
		const env = envAccount(ch);
		if (own) out[ch] = { costMillicents: own.cost_millicents };
		else if (env) out[ch] = { costMillicents: env.costMillicents };
	}
	return out;
}

type Transition = { ok: true } | { ok: false; status: 404 | 409; message: string };

/**
 * Starts a draft: fixes its debtors (the segment as it is now) and queues one message each, on the
 * first channel of the order they can be reached on, in one transaction. The pipeline sends them
 * from the campaign's start, at its rate, under the contact rules.
 */
export async function start(db: DbOrTx, actor: Actor, id: string, now = new Date()): Promise<Transition & { targets?: number }> {
	const started = await queue(db, actor, id, now);
	if (started.ok) await queuedInBulk(db, started.targets ?? 0);
	return started;
}

async function queue(db: DbOrTx, actor: Actor, id: string, now: Date): Promise<Transition & { targets?: number }> {
	return db.transaction(async (tx) => {
		const row = await get(tx, actor, id);
		if (!row) return { ok: false as const, status: 404 as const, message: 'Campanha não encontrada.' };
		const [locked] = await tx.execute<{ status: CampaignStatus }>(sql`select status from campaigns where id = ${id}::uuid for update`);
		if (locked.status !== 'draft') return { ok: false as const, status: 409 as const, message: `A campanha não é um rascunho (está ${STATUS_LABELS[locked.status].toLowerCase()}).` };
		if (row.endsAt <= now) return { ok: false as const, status: 409 as const, message: 'O fim da campanha já passou: ajuste as datas antes de iniciar.' };
		const c = row.body;
		// The policy may have changed since the draft was saved: the offer is checked again.
		const policy = (await tenancy.currentPolicy(tx, row.creditorId))?.policy ?? null;
		const offer = offerProblems(c, policy);
		if (offer.length) return { ok: false as const, status: 409 as const, message: offer.join(' ') };
		const today = todayInSaoPaulo(now);
		const startAt = row.startsAt > now ? row.startsAt : now;
		const targets = await tx.execute(sql`
			with s as (${segmentQuery(row.creditorId, c, today, now)}),
			t as (insert into campaign_targets (campaign_id, debtor_id) select ${id}::uuid, s.id from s returning debtor_id)
			insert into outbox (agency_id, creditor_id, debtor_id, kind, purpose, channel, "to", text, fallback, campaign_id, next_attempt_at)
			select s.agency_id, ${row.creditorId}::uuid, s.id, 'campaign', ${purposeOf(c)}, s.channel, s."to", '', s.fallback, ${id}::uuid, ${startAt.toISOString()}::timestamptz
			from s
			returning id`);
		await tx.update(campaigns).set({ status: 'running', startedAt: now, updatedAt: now }).where(eq(campaigns.id, id));
		await audit.record(tx, {
			agencyId: row.agencyId,
			actorType: actor.type,
			actorId: actor.type === 'staff' ? actor.id : null,
			action: 'campaign.start',
			entity: 'campaign',
			entityId: id,
			data: { targets: targets.length }
		});
		// The sender runs now; messages not yet due (a later start) wait for the job's minute tick.
		await tx.execute(sql`select graphile_worker.add_job('deliver-messages', '{}'::json, job_key => 'deliver-messages')`);
		return { ok: true as const, targets: targets.length };
	});
}

const MOVES: Record<'pause' | 'resume' | 'cancel', { from: CampaignStatus[]; to: CampaignStatus }> = {
	pause: { from: ['running'], to: 'paused' },
	resume: { from: ['paused'], to: 'running' },
	cancel: { from: ['draft', 'running', 'paused'], to: 'cancelled' }
};

/** Pause, resume or cancel. A cancelled campaign's messages not yet sent are skipped and its links stop working. */
export async function move(db: DbOrTx, actor: Actor, id: string, action: keyof typeof MOVES, now = new Date()): Promise<Transition> {
	return db.transaction(async (tx) => {
		const row = await get(tx, actor, id);
		if (!row) return { ok: false as const, status: 404 as const, message: 'Campanha não encontrada.' };
		const m = MOVES[action];
		const rows = await tx
			.update(campaigns)
			.set({ status: m.to, updatedAt: now })
			.where(and(eq(campaigns.id, id), sql`${campaigns.status} = any(${`{${m.from.join(',')}}`}::text[])`))
			.returning({ id: campaigns.id });
		if (rows.length === 0) return { ok: false as const, status: 409 as const, message: `Não é possível ${({ pause: 'pausar', resume: 'retomar', cancel: 'cancelar' } as const)[action]} uma campanha ${STATUS_LABELS[row.status].toLowerCase()}.` };
		if (action === 'cancel') {
			await tx.execute(sql`update outbox set status = 'skipped', reason = 'campanha_cancelada' where campaign_id = ${id}::uuid and status = 'queued'`);
			await tx.execute(sql`update short_links set revoked_at = ${now.toISOString()}::timestamptz where campaign_id = ${id}::uuid and revoked_at is null`);
		}
		if (action === 'resume') await tx.execute(sql`select graphile_worker.add_job('deliver-messages', '{}'::json, job_key => 'deliver-messages')`);
		await audit.record(tx, { agencyId: row.agencyId, actorType: actor.type, actorId: actor.type === 'staff' ? actor.id : null, action: `campaign.${action}`, entity: 'campaign', entityId: id });
		return { ok: true as const };
	});
}

export type Progress = {
	targets: number;
	queued: number;
	sending: number;
	sent: number;
	delivered: number;
	read: number;
	failed: number;
	unknown: number;
	held: number;
	skipped: number;
	clicked: number;
	byReason: { reason: string; n: number }[];
	byChannel: { channel: CampaignChannel; status: string; n: number }[];
};

/** Live progress: the campaign's messages by state (a message that was read was also delivered and sent). */
export async function progress(db: DbOrTx, id: string): Promise<Progress> {
	const [t] = await db.execute<{ targets: number; clicked: number }>(sql`
		select count(*)::int as targets, count(clicked_at)::int as clicked from campaign_targets where campaign_id = ${id}::uuid`);
	const rows = await db.execute<{ channel: CampaignChannel; status: string; waiting: boolean; n: number }>(sql`
		select channel, status, (status = 'queued' and reason is not null) as waiting, count(*)::int as n
		from outbox where campaign_id = ${id}::uuid group by 1, 2, 3`);
	const reasons = await db.execute<{ reason: string; n: number }>(sql`
		select reason, count(*)::int as n from outbox
		where campaign_id = ${id}::uuid and reason is not null and status in ('skipped', 'queued', 'failed', 'fallen_back')
		group by 1 order by 2 desc`);
	const sum = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).reduce((a, r) => a + r.n, 0);
	return {
		targets: t.targets,
		queued: sum((r) => r.status === 'queued' && !r.waiting),
		held: sum((r) => r.status === 'queued' && r.waiting),
		sending: sum((r) => r.status === 'sending'),
		sent: sum((r) => ['sent', 'delivered', 'read'].includes(r.status)),
		delivered: sum((r) => ['delivered', 'read'].includes(r.status)),
		read: sum((r) => r.status === 'read'),
		failed: sum((r) => r.status === 'failed'),
		unknown: sum((r) => r.status === 'unknown'),
		skipped: sum((r) => r.status === 'skipped'),
		clicked: t.clicked,
		byReason: reasons,
		byChannel: rows.map((r) => ({ channel: r.channel, status: r.status, n: r.n }))
	};
}

export { CHANNEL_LABELS, lintTemplates };

/**
 * Campaigns past their end are finished: their messages not yet sent are skipped and their links
 * stop working (the housekeeping job). Returns how many campaigns ended.
 */
export async function finishEnded(db: DbOrTx, now = new Date()): Promise<number> {
	return db.transaction(async (tx) => {
		const ended = await tx.execute<{ id: string; agency_id: string }>(sql`
			update campaigns set status = 'finished', updated_at = ${now.toISOString()}::timestamptz
			where status in ('running', 'paused') and ends_at <= ${now.toISOString()}::timestamptz
			returning id, agency_id`);
		if (ended.length === 0) return 0;
		const ids = sql`${`{${ended.map((c) => c.id).join(',')}}`}::uuid[]`;
		await tx.execute(sql`update outbox set status = 'skipped', reason = 'campanha_encerrada' where campaign_id = any(${ids}) and status = 'queued'`);
		await tx.execute(sql`update short_links set revoked_at = ${now.toISOString()}::timestamptz where campaign_id = any(${ids}) and revoked_at is null`);
		for (const c of ended) await audit.record(tx, { agencyId: c.agency_id, actorType: 'system', action: 'campaign.finish', entity: 'campaign', entityId: c.id });
		return ended.length;
	});
}
