import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { MAX_INSTALLMENTS, type Policy } from '../../schemas/policy';
import type { CampaignOffer } from '../../schemas/campaign';

/**
 * A running campaign's special offer, for one debtor of one creditor: what the portal shows and the
 * accept recomputes with. Only while the campaign runs (started, not paused, cancelled or ended)
 * and the offer is valid (its last day inclusive, in São Paulo), and only within the policy's
 * campaign limits as they are now.
 */

export type ActiveOffer = { campaignId: string; name: string; offer: CampaignOffer };

/** The campaign offer as a subquery returning one JSON value (or null), to fold into a page's own statement. */
export function activeOfferSql(debtorId: SQL | string, creditorId: SQL, today: SQL | string): SQL {
	const d = typeof debtorId === 'string' ? sql`${debtorId}::uuid` : debtorId;
	const t = typeof today === 'string' ? sql`${today}::date` : today;
	return sql`(select jsonb_build_object('campaignId', c.id, 'name', c.name, 'offer', c.body->'offer')
		from campaign_targets ct join campaigns c on c.id = ct.campaign_id
		where ct.debtor_id = ${d} and c.creditor_id = ${creditorId} and c.status = 'running'
			and c.offer_until >= ${t}
		order by c.started_at desc limit 1)`;
}

export async function activeOffer(db: DbOrTx, debtorId: string, creditorId: string, today: string): Promise<ActiveOffer | null> {
	const [row] = await db.execute<{ o: ActiveOffer | null }>(sql`select ${activeOfferSql(debtorId, sql`${creditorId}::uuid`, today)} as o`);
	return row?.o ?? null;
}

/**
 * The policy with the offer applied to every band: discounts and the number of installments can
 * only go up, the entry only down, each clamped to `campaignLimits` (none: no change).
 */
export function withOffer(policy: Policy, offer: CampaignOffer | null | undefined): Policy {
	const limits = policy.campaignLimits;
	if (!offer || !limits) return policy;
	const up = (band: number, o: number | undefined, limit: number) => (o === undefined ? band : Math.max(band, Math.min(o, limit)));
	return {
		...policy,
		bands: policy.bands.map((b) => {
			const max = Math.min(MAX_INSTALLMENTS, up(b.installments.max, offer.installmentsMax, limits.installmentsMax));
			return {
				...b,
				cashDiscountMaxPercent: up(b.cashDiscountMaxPercent, offer.cashDiscountMaxPercent, limits.cashDiscountMaxPercent),
				installmentDiscountMaxPercent: up(b.installmentDiscountMaxPercent, offer.installmentDiscountMaxPercent, limits.installmentDiscountMaxPercent),
				installments: { min: b.installments.min, max },
				minEntryPercent: offer.minEntryPercent === undefined ? b.minEntryPercent : Math.min(b.minEntryPercent, Math.max(offer.minEntryPercent, limits.minEntryPercent))
			};
		})
	};
}
