import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { MOBILE_E164_PATTERN } from '../../format/contact';
import type { Campaign, CampaignChannel, Segment } from '../../schemas/campaign';

/**
 * A campaign's segment as SQL: the creditor's debtors (not anonymised) with open debts — or, for
 * `agreement: 'active'`, in an agreement — filtered as the segment says, each with the first
 * channel of the campaign's order they can be reached on and the channels after it.
 *
 * One statement over `debts` grouped by debtor (the creditor's index), so counting a segment of a
 * million debts is one scan, and starting a campaign inserts its targets and messages from the
 * same statement.
 */
export function segmentQuery(creditorId: string, c: Pick<Campaign, 'segment' | 'channels'>, today: string, now: Date): SQL {
	const s: Segment = c.segment;
	const filters: SQL[] = [];
	const r = (col: SQL, range: { min?: number; max?: number } | undefined) => {
		if (range?.min !== undefined) filters.push(sql`${col} >= ${range.min}`);
		if (range?.max !== undefined) filters.push(sql`${col} <= ${range.max}`);
	};
	r(sql`(${today}::date - b.oldest_due)`, s.daysPastDue);
	r(sql`b.balance`, s.balanceCents);
	if (s.ufs) filters.push(sql`b.state = any(${`{${s.ufs.join(',')}}`}::text[])`);
	const active = sql`exists (select 1 from agreements a where a.debtor_id = b.id and a.creditor_id = ${creditorId}::uuid and a.status = 'active')`;
	const broken = sql`exists (select 1 from agreements a where a.debtor_id = b.id and a.creditor_id = ${creditorId}::uuid and a.status = 'broken')`;
	switch (s.agreement) {
		case 'none':
			filters.push(sql`b.oldest_due is not null and not ${active}`);
			break;
		case 'active':
			filters.push(active);
			break;
		case 'broken':
			filters.push(sql`b.oldest_due is not null and ${broken} and not ${active}`);
			break;
		case 'any':
			filters.push(sql`(b.oldest_due is not null or ${active})`);
			break;
	}
	const contacted = (since: Date | null) =>
		sql`exists (select 1 from outbox o where o.debtor_id = b.id and o.kind in ('campaign', 'regua') and o.contacted_at is not null
			${since ? sql`and o.contacted_at > ${since.toISOString()}::timestamptz` : sql``})`;
	if (s.neverContacted) filters.push(sql`not ${contacted(null)}`);
	if (s.notContactedForDays) filters.push(sql`not ${contacted(new Date(now.getTime() - s.notContactedForDays * 86_400_000))}`);
	const available = s.channelsAvailable ?? c.channels;
	filters.push(sql`${sql.join(available.map(reach), sql` or `)}`);
	const first = sql`case ${sql.join(c.channels.map((ch) => sql`when ${reach(ch)} then ${ch}`), sql` `)} end`;
	const rest = sql`case ${sql.join(
		c.channels.map((ch, i) => sql`when ${reach(ch)} then ${JSON.stringify(c.channels.slice(i + 1))}::jsonb`),
		sql` `
	)} else '[]'::jsonb end`;
	return sql`
		select b.id, b.agency_id, b.state, b.balance, b.oldest_due, ${first} as channel,
			case ${first} when 'email' then b.email else b.phone end as "to", ${rest} as fallback
		from (
			select d.id, d.agency_id, d.state, d.phone, d.email,
				min(x.due_date) filter (where x.status = 'open') as oldest_due,
				coalesce(sum(x.principal_cents) filter (where x.status = 'open'), 0)::bigint as balance
			from debts x join debtors d on d.id = x.debtor_id
			where x.creditor_id = ${creditorId}::uuid and x.status in ('open', 'in_agreement') and d.anonymized_at is null
			group by d.id
		) b
		where (${sql.join(filters, sql`) and (`)}) and ${first} is not null`;
}

/** Whether the debtor row `b` can be reached on a channel: a mobile for SMS and WhatsApp, an e-mail. */
function reach(ch: CampaignChannel): SQL {
	return ch === 'email' ? sql`(b.email is not null)` : sql`(b.phone ~ ${MOBILE_E164_PATTERN})`;
}

export type SegmentCount = {
	debtors: number;
	byChannel: Record<CampaignChannel, number>;
	/** What the contact rules will hold back, as of now: opted out of the first channel, in an agreement (for offers), over today's cap. */
	held: { optedOut: number; inAgreement: number; capReached: number };
};

/** Counts a segment and what the rules will hold back, before a campaign starts. */
export async function countSegment(
	db: DbOrTx,
	creditorId: string,
	c: Pick<Campaign, 'segment' | 'channels'>,
	today: string,
	now: Date,
	purpose: 'offer' | 'reminder'
): Promise<SegmentCount> {
	const dayStart = new Date(`${today}T00:00:00-03:00`);
	const [row] = await db.execute<Record<string, number>>(sql`
		with s as (${segmentQuery(creditorId, c, today, now)})
		select count(*)::int as debtors,
			count(*) filter (where s.channel = 'whatsapp')::int as whatsapp,
			count(*) filter (where s.channel = 'sms')::int as sms,
			count(*) filter (where s.channel = 'email')::int as email,
			count(*) filter (where exists (select 1 from contact_opt_outs x where x.agency_id = s.agency_id and x.channel = s.channel and x.address = s."to"))::int as opted_out,
			${purpose === 'offer'
				? sql`count(*) filter (where exists (select 1 from agreements a where a.debtor_id = s.id and a.creditor_id = ${creditorId}::uuid and a.status = 'active'))::int`
				: sql`0`} as in_agreement,
			count(*) filter (where (
				select count(*) from outbox o where o.debtor_id = s.id and o.kind in ('campaign', 'regua')
					and o.contacted_at >= ${dayStart.toISOString()}::timestamptz and o.status in ('sending', 'sent', 'delivered', 'read', 'unknown')
			) >= (select a.contact_per_day from agencies a where a.id = s.agency_id))::int as cap_reached
		from s`);
	return {
		debtors: row.debtors,
		byChannel: { whatsapp: row.whatsapp, sms: row.sms, email: row.email },
		held: { optedOut: row.opted_out, inAgreement: row.in_agreement, capReached: row.cap_reached }
	};
}
