import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { isShortCode, shortCodeHash } from '../messaging/short-link';
import type { Channel } from '../messaging/wire';

/**
 * "É golpe?": someone pastes a message or a link they received, and learns whether this creditor
 * really sent it, when and on which channel — nothing else (not to whom, not any amount).
 */

export type Verdict =
	/** One of this creditor's own short links: sent, when, on which channel. */
	| { kind: 'genuine'; channel: Channel | null; sentAt: Date | null; expired: boolean }
	/** A link of ours, but another creditor's: not this creditor's message. */
	| { kind: 'other_creditor' }
	/** A short link address that we never issued. */
	| { kind: 'unknown_link' }
	/** A link to somewhere else than the portal's official addresses. */
	| { kind: 'foreign_link'; host: string }
	/** No link at all, and it asks for a code: codes are never asked for by a person. */
	| { kind: 'asks_code' }
	| { kind: 'no_link' };

const URL_IN_TEXT = /(?:https?:\/\/)?([a-z0-9.-]+\.[a-z]{2,}|localhost|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(\/[^\s<>"']*)?/gi;

/** Every verdict for the links in a pasted text (at most 5), or one for a text without links. */
export async function verify(db: DbOrTx, creditor: { id: string; host: string | null }, officialHosts: string[], pasted: string): Promise<Verdict[]> {
	const text = pasted.slice(0, 5000);
	const verdicts: Verdict[] = [];
	// Host names without ports: the portal is one name, whatever port a link spells out.
	const hosts = new Set([...officialHosts, ...(creditor.host ? [creditor.host] : [])].map((h) => h.toLowerCase().replace(/:\d+$/, '')));
	for (const m of [...text.matchAll(URL_IN_TEXT)].slice(0, 5)) {
		const host = m[1].toLowerCase();
		const path = m[2] ?? '';
		if (!hosts.has(host)) {
			verdicts.push({ kind: 'foreign_link', host });
			continue;
		}
		const code = /^\/l\/([^/?#\s]+)/.exec(path)?.[1];
		if (!code) continue; // the portal's own page: nothing to check
		verdicts.push(await byCode(db, creditor.id, code));
	}
	if (verdicts.length > 0) return verdicts;
	// A bare code pasted on its own.
	const bare = text.trim();
	if (isShortCode(bare)) return [await byCode(db, creditor.id, bare)];
	if (/\b\d{6}\b/.test(text) && /c[óo]digo|senha|token/i.test(text)) return [{ kind: 'asks_code' }];
	return [{ kind: 'no_link' }];
}

async function byCode(db: DbOrTx, creditorId: string, code: string): Promise<Verdict> {
	if (!isShortCode(code)) return { kind: 'unknown_link' };
	const [row] = await db.execute<{ creditor_id: string; channel: Channel | null; sent_at: Date | null; created_at: Date; usable: boolean }>(sql`
		select l.creditor_id, o.channel, o.sent_at, l.created_at, (l.revoked_at is null and l.expires_at > ${new Date().toISOString()}::timestamptz) as usable
		from short_links l left join outbox o on o.id = l.message_id
		where l.code_hash = ${shortCodeHash(code)}`);
	if (!row) return { kind: 'unknown_link' };
	if (row.creditor_id !== creditorId) return { kind: 'other_creditor' };
	return { kind: 'genuine', channel: row.channel, sentAt: row.sent_at ? new Date(row.sent_at) : new Date(row.created_at), expired: !row.usable };
}
