import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { createLinkToken } from '../auth/links';
import { isShortCode, shortCodeHash } from '../messaging/short-link';

/**
 * Link-preview fetchers (WhatsApp, Telegram, Facebook, Slack, search engines…) open a link before
 * anyone taps it: their visits are not clicks.
 */
const PREVIEW_AGENTS = /whatsapp|facebookexternalhit|facebot|telegrambot|twitterbot|slackbot|discordbot|skypeuripreview|linkedinbot|googlebot|bingbot|applebot|bot\b|crawler|spider|preview/i;

export function isPreviewFetch(userAgent: string): boolean {
	return userAgent === '' || PREVIEW_AGENTS.test(userAgent);
}

export type Followed = { kind: 'unknown' } | { kind: 'expired'; slug: string } | { kind: 'ok'; slug: string; token: string; target: string };

/**
 * Follows a short link: records the click on the link, its message and its campaign's target (in
 * one statement), and gives the signed link that opens the portal for that debtor.
 */
export async function followShortLink(db: DbOrTx, code: string, userAgent: string, now = new Date()): Promise<Followed> {
	if (!isShortCode(code)) return { kind: 'unknown' };
	const hash = shortCodeHash(code);
	const [link] = await db.execute<{ slug: string; creditor_id: string; debtor_id: string; target: string; usable: boolean }>(sql`
		select c.slug, l.creditor_id, l.debtor_id, l.target, (l.revoked_at is null and l.expires_at > ${now.toISOString()}::timestamptz) as usable
		from short_links l join creditors c on c.id = l.creditor_id where l.code_hash = ${hash}`);
	if (!link) return { kind: 'unknown' };
	if (!link.usable) return { kind: 'expired', slug: link.slug };
	if (!isPreviewFetch(userAgent)) {
		await db.execute(sql`
			with l as (
				update short_links set clicks = clicks + 1, first_click_at = coalesce(first_click_at, ${now.toISOString()}::timestamptz)
				where code_hash = ${hash} returning message_id, campaign_id, debtor_id
			), m as (
				update outbox o set clicked_at = coalesce(o.clicked_at, ${now.toISOString()}::timestamptz) from l where o.id = l.message_id returning o.id
			)
			update campaign_targets t set clicked_at = coalesce(t.clicked_at, ${now.toISOString()}::timestamptz)
			from l where t.campaign_id = l.campaign_id and t.debtor_id = l.debtor_id`);
	}
	return { kind: 'ok', slug: link.slug, token: createLinkToken(link.creditor_id, link.debtor_id, 1, now.getTime()), target: link.target };
}

export type NewShortLink = { code_hash: string; agency_id: string; creditor_id: string; debtor_id: string; campaign_id?: string | null; message_id: string; target?: string; expires_at: string };

/** Stores a batch of short links (their hashes) in one statement: the composers' (campaigns, régua). */
export async function saveShortLinks(db: DbOrTx, links: NewShortLink[]): Promise<void> {
	if (links.length === 0) return;
	await db.execute(sql`
		insert into short_links (code_hash, agency_id, creditor_id, debtor_id, campaign_id, message_id, target, expires_at)
		select code_hash, agency_id, creditor_id, debtor_id, campaign_id, message_id, coalesce(target, ''), expires_at
		from jsonb_to_recordset(${JSON.stringify(links)}::jsonb)
			as v(code_hash text, agency_id uuid, creditor_id uuid, debtor_id uuid, campaign_id uuid, message_id uuid, target text, expires_at timestamptz)`);
}
