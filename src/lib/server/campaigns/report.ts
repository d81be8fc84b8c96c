import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import * as access from '../access';
import * as regua from '../regua';
import { envAccount } from '../messaging/accounts';
import { decimalBR, within, type Period } from '../kpis';
import { csvLine } from '../../format/csv';
import { formatDateBR } from '../../format/dates';
import { GSM7_CHARACTERS, smsSegments } from '../../messaging/sms';
import { CHANNELS, type CampaignChannel } from '../../schemas/campaign';
import { costPerReal, METRICS, ROW_LABELS, type ChannelFigures, type Figures, type RowKey } from '../../messaging/report';
import { stepLabel } from '../../schemas/regua';

export * from '../../messaging/report';

/**
 * What a campaign, or a step of a creditor's régua, did: its messages per channel, what the
 * debtors it reached did afterwards, what it cost. Two statements per report (messages and cost;
 * attribution), grouped by channel — and by step for the régua.
 *
 * Messages are counted by the channel that carried them. Sent: the provider took it (status
 * sent/delivered/read, or a send time); a message that fell back to another channel is not sent —
 * the next message of its group is. Delivered and read only among the sent; clicks on any.
 *
 * Attribution (the page's help says the same in Portuguese): a debtor is reached by the campaign
 * or step when a message of it was sent to them, and belongs to the channel of the last message of
 * it sent to them. What they did counts for it when it happened at or after their first message of
 * the campaign and no later than 7 days after the campaign's end; for a régua step, within 30 days
 * after one of its messages to them. Counted: identified and offers viewed (distinct debtors,
 * funnel events of the creditor), agreements of the creditor made by them (any status; an
 * agreement made under the campaign's special offer counts for the campaign whenever it was made,
 * under "no message sent" when none was), their total, and every payment received on them.
 *
 * Cost: each sent message at its account's price (the agency's own account, or the environment's
 * default), an SMS once per segment of its text; in thousandths of a cent, rounded to cents at the
 * end. Cost per real recovered: cost ÷ amount paid.
 */

/** Days after a campaign's end during which what its debtors do still counts for it. */
export const CAMPAIGN_TAIL_DAYS = 7;
/** Days after a régua message during which what its debtor does counts for its step. */
export const STEP_WINDOW_DAYS = 30;

export type CampaignReport = {
	campaign: { id: string; name: string; status: string; creditorId: string; creditor: string; startsAt: string; endsAt: string };
	/** The end of the attribution window (the campaign's end + 7 days), ISO. */
	attributionUntil: string;
	rows: ChannelFigures[];
};

export type StepReport = { key: string; label: string; inRegua: boolean; rows: ChannelFigures[]; hasMessages: boolean };
export type ReguaReport = { creditor: { id: string; name: string; slug: string }; period: Period; steps: StepReport[] };

const SENT = sql`(o.status in ('sent', 'delivered', 'read') or (o.sent_at is not null and o.status <> 'fallen_back'))`;

function zero(): Figures {
	return {
		sent: 0,
		delivered: 0,
		read: 0,
		clicked: 0,
		failed: 0,
		skipped: 0,
		fellBack: 0,
		unknown: 0,
		pending: 0,
		reached: 0,
		identified: 0,
		offersViewed: 0,
		agreements: 0,
		agreedCents: 0,
		paidCents: 0,
		costMillicents: 0,
		costCents: 0,
		costPerReal: null
	};
}

type Source = {
	agencyId: string;
	creditorId: string;
	/** The report's messages (outbox alias `o`). */
	messages: SQL;
	/** A message's group: '' for a campaign, its step for the régua. */
	key: SQL;
	/** Whether instant `t` counts for reached debtor `r` (r.key, r.debtor_id, r.first_at; `m`: the sent messages). */
	window: (t: SQL) => SQL;
	/** Agreements made under this campaign's offer count whenever they were made. */
	campaignId?: string;
};

/** The message counts, each a column of the statement below. */
const MESSAGE_COUNTS = ['sent', 'delivered', 'read', 'clicked', 'failed', 'skipped', 'fellBack', 'unknown', 'pending'] as const satisfies readonly (keyof Figures)[];

type StatsRow = Pick<Figures, (typeof MESSAGE_COUNTS)[number]> & {
	key: string;
	channel: CampaignChannel;
	is_sent: boolean;
	unit: number | null;
	encoding: 'GSM-7' | 'UCS-2' | null;
	units: number | null;
	text: string | null;
};

/** A bracket expression of PostgreSQL's regular expressions holding exactly these characters. */
function bracket(chars: string, negate = false): string {
	return `[${negate ? '^' : ''}${[...chars].map((c) => (/[\\\]\[^-]/.test(c) ? `\\${c}` : c)).join('')}]`;
}

/** A character outside GSM-7: the text travels as UCS-2. */
const NOT_GSM7 = bracket(GSM7_CHARACTERS.basic + GSM7_CHARACTERS.extension, true);
/** An escape (GSM-7) or a surrogate pair (UCS-2), which is never split across segments. */
const UNSPLITTABLE = bracket(GSM7_CHARACTERS.extension).slice(0, -1) + `${String.fromCodePoint(0x10000)}-${String.fromCodePoint(0x10ffff)}]`;

/**
 * Messages by channel and state, and the sent ones in cost buckets: their account's price (null:
 * the environment's) and, for SMS, encoding and length. A text with an escape or a surrogate
 * pair, whose length alone does not tell its segments, comes back whole (they are rare).
 */
function statsQuery(src: Source): SQL {
	const sms = sql`o.channel = 'sms' and ${SENT}`;
	// One row per message first (offset 0 keeps the planner from repeating its expressions per group key).
	return sql`
		select key, channel,
			(count(*) filter (where is_sent))::int as sent,
			(count(*) filter (where is_sent and delivered))::int as delivered,
			(count(*) filter (where is_sent and read))::int as read,
			(count(*) filter (where clicked))::int as clicked,
			(count(*) filter (where status = 'failed'))::int as failed,
			(count(*) filter (where status = 'skipped'))::int as skipped,
			(count(*) filter (where status = 'fallen_back'))::int as "fellBack",
			(count(*) filter (where status = 'unknown'))::int as unknown,
			(count(*) filter (where status in ('queued', 'sending')))::int as pending,
			is_sent, unit,
			case when gsm is not null and whole is null then (case when gsm then 'GSM-7' else 'UCS-2' end) end as encoding,
			case when gsm is not null and whole is null then len end as units,
			whole as text
		from (
			select ${src.key} as key, o.channel, o.status, ${SENT} as is_sent,
				o.delivered_at is not null as delivered, o.read_at is not null as read, o.clicked_at is not null as clicked,
				-- The price of the account that carried it; the agency's own when that is not known; null: the environment's.
				case when ${SENT} then (case when o.account_id like 'env:%' then null else coalesce(ma.cost_millicents, aa.cost_millicents) end) end as unit,
				case when ${sms} then o.text !~ ${NOT_GSM7}::text end as gsm,
				case when ${sms} and o.text ~ ${UNSPLITTABLE}::text then o.text end as whole,
				char_length(o.text) as len
			from outbox o
			left join messaging_accounts ma on ma.id::text = o.account_id
			left join messaging_accounts aa on aa.agency_id = o.agency_id and aa.channel = o.channel
			where o.agency_id = ${src.agencyId}::uuid and ${src.messages}
			offset 0
		) m
		group by 1, 2, 12, 13, 14, 15, 16`;
}

type AttributionRow = { key: string; channel: CampaignChannel | 'none'; metric: 'reached' | 'identified' | 'offers_viewed' | 'agreements' | 'paid'; n: number; cents: string };

function attributionQuery(src: Source): SQL {
	const byOffer = src.campaignId
		? sql`union
			select '' as key, coalesce(r.channel, 'none') as channel, a.id, a.total_cents
			from agreements a left join r on r.debtor_id = a.debtor_id
			where a.creditor_id = ${src.creditorId}::uuid and a.terms->>'campaignId' = ${src.campaignId}::text`
		: sql``;
	return sql`
		with m as (
			select ${src.key} as key, o.debtor_id, o.channel, coalesce(o.sent_at, o.created_at) as at
			from outbox o
			where o.agency_id = ${src.agencyId}::uuid and ${src.messages} and o.debtor_id is not null and ${SENT}
		),
		r as (
			select key, debtor_id, min(at) as first_at, (array_agg(channel order by at desc))[1] as channel
			from m group by key, debtor_id
		),
		ev as (
			select r.key, r.channel, f.step, f.debtor_id
			from r join funnel_events f on f.debtor_id = r.debtor_id
			where f.creditor_id = ${src.creditorId}::uuid and f.step in ('identified', 'offers_viewed') and ${src.window(sql`f.at`)}
		),
		ag as (
			select r.key, r.channel, a.id, a.total_cents
			from r join agreements a on a.debtor_id = r.debtor_id
			where a.creditor_id = ${src.creditorId}::uuid and ${src.window(sql`a.created_at`)}
			${byOffer}
		)
		select key, channel, 'reached' as metric, count(*)::int as n, '0' as cents from r group by 1, 2
		union all
		select key, channel, step, count(distinct debtor_id)::int, '0' from ev group by 1, 2, 3
		union all
		select key, channel, 'agreements', count(*)::int, sum(total_cents)::text from ag group by 1, 2
		union all
		select ag.key, ag.channel, 'paid', 0, sum(p.amount_cents)::text
		from ag join installments i on i.agreement_id = ag.id join payments p on p.installment_id = i.id group by 1, 2`;
}

/** The SMS segments of a cost bucket: its text when it came whole, else any text of its encoding and length. */
function segmentsOf(row: StatsRow): number {
	if (row.text !== null) return smsSegments(row.text).segments;
	return smsSegments((row.encoding === 'GSM-7' ? 'a' : 'ã').repeat(row.units ?? 0)).segments;
}

/** Figures per group and channel (the whole computation; the callers only choose the rows). */
async function compute(db: DbOrTx, src: Source): Promise<Map<string, ChannelFigures[]>> {
	const [stats, attribution] = await Promise.all([db.execute<StatsRow>(statsQuery(src)), db.execute<AttributionRow>(attributionQuery(src))]);
	const groups = new Map<string, Map<RowKey, Figures>>();
	const cell = (key: string, channel: RowKey) => {
		const g = groups.get(key) ?? groups.set(key, new Map()).get(key)!;
		return g.get(channel) ?? g.set(channel, zero()).get(channel)!;
	};
	const envCost = new Map(CHANNELS.map((ch) => [ch, envAccount(ch)?.costMillicents ?? 0]));
	for (const s of stats) {
		const f = cell(s.key, s.channel);
		for (const k of MESSAGE_COUNTS) f[k] += s[k];
		if (s.is_sent) f.costMillicents += (s.unit ?? envCost.get(s.channel)!) * (s.channel === 'sms' ? segmentsOf(s) : 1) * s.sent;
	}
	for (const a of attribution) {
		const f = cell(a.key, a.channel);
		if (a.metric === 'reached') f.reached += a.n;
		else if (a.metric === 'identified') f.identified += a.n;
		else if (a.metric === 'offers_viewed') f.offersViewed += a.n;
		else if (a.metric === 'agreements') {
			f.agreements += a.n;
			f.agreedCents += Number(a.cents);
		} else f.paidCents += Number(a.cents);
	}
	const out = new Map<string, ChannelFigures[]>();
	for (const [key, g] of groups) out.set(key, rowsOf(g));
	return out;
}

const SUMMED = (Object.keys(zero()) as (keyof Figures)[]).filter((k): k is Exclude<keyof Figures, 'costPerReal' | 'costCents'> => k !== 'costPerReal' && k !== 'costCents');

/** The channels in order, "no message sent" when it has anything, and the total. */
function rowsOf(g: Map<RowKey, Figures>): ChannelFigures[] {
	const keys: RowKey[] = [...CHANNELS, ...(g.has('none') ? (['none'] as const) : [])];
	const total = zero();
	const rows = keys.map((channel) => {
		const f = g.get(channel) ?? zero();
		for (const m of SUMMED) total[m] += f[m];
		return finish(channel, f);
	});
	return [...rows, finish('total', total)];
}

function finish(channel: RowKey, f: Figures): ChannelFigures {
	return { ...f, channel, label: ROW_LABELS[channel], costCents: Math.round(f.costMillicents / 1000), costPerReal: costPerReal(f.costMillicents, f.paidCents) };
}

/** A campaign's report, or null when it is not in this person's reach. */
export async function forCampaign(db: DbOrTx, who: access.Reach, id: string): Promise<CampaignReport | null> {
	if (!access.isUuid(id)) return null;
	const [c] = await db.execute<{ id: string; name: string; status: string; creditor_id: string; creditor: string; starts_at: Date; ends_at: Date; until: Date }>(sql`
		select c.id, c.name, c.status, c.creditor_id, cr.display_name as creditor, c.starts_at, c.ends_at,
			c.ends_at + make_interval(days => ${CAMPAIGN_TAIL_DAYS}::int) as until
		from campaigns c join creditors cr on cr.id = c.creditor_id
		where c.id = ${id}::uuid and c.agency_id = ${who.agencyId}::uuid and ${access.where.creditorId(who, sql`c.creditor_id`)}`);
	if (!c) return null;
	const until = new Date(c.until);
	const groups = await compute(db, {
		agencyId: who.agencyId,
		creditorId: c.creditor_id,
		messages: sql`o.campaign_id = ${id}::uuid`,
		key: sql`''::text`,
		window: (t) => sql`(${t} >= r.first_at and ${t} <= ${until.toISOString()}::timestamptz)`,
		campaignId: id
	});
	return {
		campaign: { id: c.id, name: c.name, status: c.status, creditorId: c.creditor_id, creditor: c.creditor, startsAt: new Date(c.starts_at).toISOString(), endsAt: new Date(c.ends_at).toISOString() },
		attributionUntil: until.toISOString(),
		rows: groups.get('') ?? rowsOf(new Map())
	};
}

/**
 * A creditor's régua, step by step, for messages queued in the period (São Paulo dates): one group
 * per step of the régua as it is now, then the steps no longer in it that still have messages.
 * Null when the creditor is not in this person's reach.
 */
export async function forRegua(db: DbOrTx, who: access.Reach, creditorId: string, period: Period): Promise<ReguaReport | null> {
	if (!(await access.reaches(db, who, 'creditor', creditorId))) return null;
	const [creditor] = await db.execute<{ display_name: string; slug: string }>(sql`select display_name, slug from creditors where id = ${creditorId}::uuid`);
	const [current, groups] = await Promise.all([
		regua.get(db, creditorId),
		compute(db, {
			agencyId: who.agencyId,
			creditorId,
			messages: sql`o.creditor_id = ${creditorId}::uuid and o.regua_step is not null and ${within(sql`o.created_at`, period)}`,
			key: sql`o.regua_step`,
			window: (t) => sql`exists (
				select 1 from m w where w.key = r.key and w.debtor_id = r.debtor_id
					and w.at <= ${t} and ${t} <= w.at + make_interval(days => ${STEP_WINDOW_DAYS}::int))`
		})
	]);
	const defined = current?.regua.steps ?? [];
	const known = new Set(defined.map((s) => s.key));
	const steps: StepReport[] = [
		...defined.map((s) => ({ key: s.key, label: stepLabel(s), inRegua: true, rows: groups.get(s.key) ?? rowsOf(new Map()), hasMessages: groups.has(s.key) })),
		...[...groups.keys()]
			.filter((k) => !known.has(k))
			.sort()
			.map((k) => ({ key: k, label: 'Passo que não está mais na régua', inRegua: false, rows: groups.get(k)!, hasMessages: true }))
	];
	return { creditor: { id: creditorId, name: creditor.display_name, slug: creditor.slug }, period, steps };
}

function csvValue(f: ChannelFigures, m: (typeof METRICS)[number]): string {
	const v = f[m.key];
	if (v === null) return '';
	if (m.unit === 'cents') return decimalBR(v / 100, 2);
	if (m.unit === 'ratio') return decimalBR(v, 4);
	return String(v);
}

const CSV_HEAD = METRICS.map((m) => (m.unit === 'cents' ? `${m.label} (R$)` : m.unit === 'ratio' ? `${m.label} (R$ por real)` : m.label));

/**
 * The report as CSV for Excel (the KPI export's conventions: UTF-8 with BOM, `;`, decimal comma,
 * CRLF): one line per channel. Names typed by staff go through csvLine (never a formula).
 */
export function campaignCsv(r: CampaignReport): string {
	const head = csvLine(['Campanha', 'Credor', 'Canal', ...CSV_HEAD]);
	return '\uFEFF' + head + r.rows.map((f) => csvLine([r.campaign.name, r.campaign.creditor, f.label, ...METRICS.map((m) => csvValue(f, m))])).join('');
}

/** The régua report as CSV: one line per step and channel, the period on every line. */
export function reguaCsv(r: ReguaReport): string {
	const head = csvLine(['Credor', 'Período — início', 'Período — fim', 'Passo', 'Descrição', 'Canal', ...CSV_HEAD]);
	const lines = r.steps.flatMap((s) =>
		s.rows.map((f) => csvLine([r.creditor.name, formatDateBR(r.period.from), formatDateBR(r.period.to), s.key, s.label, f.label, ...METRICS.map((m) => csvValue(f, m))]))
	);
	return '\uFEFF' + head + lines.join('');
}

/** A name as a file name's part: no accents, lower case, hyphens (`Natal sem dívidas` → `natal-sem-dividas`). */
function fileSlug(name: string): string {
	const s = name
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 60)
		.replace(/-+$/, '');
	return s || 'sem-nome';
}

export function campaignCsvName(r: CampaignReport): string {
	return `campanha-${fileSlug(r.campaign.name)}.csv`;
}

export function reguaCsvName(r: ReguaReport): string {
	return `regua-${fileSlug(r.creditor.slug)}-${r.period.from}-a-${r.period.to}.csv`;
}
