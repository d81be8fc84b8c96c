import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { isValidDdd, maskEmail, maskPhone, MOBILE_E164_PATTERN } from '../../format/contact';

/**
 * What the portal shows for a document it does not know: a masked destination drawn the way the
 * agency's real ones are, so that neither its kind (phone or e-mail) nor its look tells a document
 * on file from one that is not. The draw is keyed by an HMAC of the document (the caller's
 * `seedHex`), so a document always shows the same decoy, and nobody without the app's secret can
 * recompute it.
 */

export type Mix = {
	/** Share of real destinations that are e-mails (debtors with no mobile but an e-mail). */
	emailShare: number;
	/** Area codes of real mobile destinations, each as often as it occurs. */
	ddds: number[];
	/** Masks of real e-mail destinations (`m***a@g***.com`), each as often as it occurs. */
	emails: string[];
};

const FALLBACK: Mix = {
	emailShare: 0,
	ddds: Array.from({ length: 89 }, (_, i) => 11 + i).filter(isValidDdd),
	emails: ['m***a@g***.com', 'j***o@h***.com', 'a***a@g***.com', 'c***s@o***.com', 'r***o@y***.com.br', 'l***a@u***.com.br']
};

/** Debtors looked at per agency: enough for the proportions, bounded whatever the agency's size. */
const SAMPLE = 20_000;
const TTL_MS = 10 * 60_000;
const cache = new Map<string, { at: number; mix: Promise<Mix> }>();

/** The agency's mix of destinations, from a sample of its debtors, cached for ten minutes. */
export function mixOf(db: DbOrTx, agencyId: string): Promise<Mix> {
	const hit = cache.get(agencyId);
	if (hit && Date.now() - hit.at < TTL_MS) return hit.mix;
	const mix = measure(db, agencyId).catch((e) => {
		cache.delete(agencyId);
		throw e;
	});
	if (cache.size > 1000) cache.clear();
	cache.set(agencyId, { at: Date.now(), mix });
	return mix;
}

async function measure(db: DbOrTx, agencyId: string): Promise<Mix> {
	// What requestCode's contactOf picks: a mobile first, else the e-mail.
	const rows = await db.execute<{ ddd: string | null; email: string | null }>(sql`
		select case when phone ~ ${MOBILE_E164_PATTERN} then substr(phone, 4, 2) end as ddd,
			case when phone ~ ${MOBILE_E164_PATTERN} then null else email end as email
		from (select phone, email from debtors where agency_id = ${agencyId}::uuid and anonymized_at is null limit ${SAMPLE}) s
		where phone ~ ${MOBILE_E164_PATTERN} or email is not null`);
	const ddds = rows.filter((r) => r.ddd && isValidDdd(r.ddd)).map((r) => Number(r.ddd));
	const emails = rows.filter((r) => r.email).map((r) => maskEmail(r.email!));
	if (ddds.length + emails.length === 0) return FALLBACK;
	return {
		emailShare: emails.length / (ddds.length + emails.length),
		ddds: ddds.length ? ddds : FALLBACK.ddds,
		emails: emails.length ? emails : FALLBACK.emails
	};
}

/** The decoy for one document: `seedHex` is an HMAC of it (at least 24 hex digits). */
export function destination(mix: Mix, seedHex: string): string {
	const n = (from: number, len = 4) => parseInt(seedHex.slice(from, from + len), 16);
	if (n(0) / 0x10000 < mix.emailShare) return mix.emails[n(4, 8) % mix.emails.length];
	const ddd = mix.ddds[n(4) % mix.ddds.length];
	const last4 = String(n(8) % 10_000).padStart(4, '0');
	return maskPhone(`+55${ddd}9${String(n(12) % 10_000).padStart(4, '0')}${last4}`);
}

/** For tests that change an agency's debtors and need the mix measured again. */
export function forget(): void {
	cache.clear();
}
