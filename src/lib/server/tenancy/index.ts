import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors, policies } from '../db/schema';
import { policySchema, type Policy } from '../../schemas/policy';

export type Creditor = typeof creditors.$inferSelect;

/** What any page may show about a creditor (brand and the legal identity CDC art. 42-A requires). */
export type PublicCreditor = Pick<
	Creditor,
	'id' | 'agencyId' | 'slug' | 'displayName' | 'legalName' | 'cnpj' | 'address' | 'primaryColor' | 'logo'
>;

export function toPublic(c: Creditor): PublicCreditor {
	const { id, agencyId, slug, displayName, legalName, cnpj, address, primaryColor, logo } = c;
	return { id, agencyId, slug, displayName, legalName, cnpj, address, primaryColor, logo };
}

// Brand data changes rarely and every portal request needs it: a short per-process cache keeps
// processes stateless (nothing here is per user) while sparing the database one query a request.
const TTL_MS = 10_000;
const cache = new Map<string, { at: number; creditor: Creditor | null }>();

async function cached(key: string, load: () => Promise<Creditor | undefined>): Promise<Creditor | null> {
	const hit = cache.get(key);
	if (hit && Date.now() - hit.at < TTL_MS) return hit.creditor;
	const creditor = (await load()) ?? null;
	cache.set(key, { at: Date.now(), creditor });
	return creditor;
}

export function bySlug(db: DbOrTx, slug: string): Promise<Creditor | null> {
	return cached(`slug:${slug}`, () => db.query.creditors.findFirst({ where: eq(creditors.slug, slug) }));
}

export function byHost(db: DbOrTx, host: string): Promise<Creditor | null> {
	const name = host.toLowerCase().replace(/:\d+$/, '');
	return cached(`host:${name}`, () => db.query.creditors.findFirst({ where: eq(creditors.host, name) }));
}

export function forgetCache(): void {
	cache.clear();
}

export type PolicyVersion = { version: number; policy: Policy };

/** The policy in force for a creditor: its newest version. */
export async function currentPolicy(db: DbOrTx, creditorId: string): Promise<PolicyVersion | null> {
	const row = await db.query.policies.findFirst({
		where: eq(policies.creditorId, creditorId),
		orderBy: desc(policies.version)
	});
	if (!row) return null;
	return { version: row.version, policy: policySchema.parse(row.body) };
}

/** Publishes a new policy version; existing agreements keep the version they were made under. */
export async function publishPolicy(db: DbOrTx, creditorId: string, policy: Policy): Promise<number> {
	const current = await db.query.policies.findFirst({
		where: and(eq(policies.creditorId, creditorId)),
		orderBy: desc(policies.version)
	});
	const version = (current?.version ?? 0) + 1;
	await db.insert(policies).values({ creditorId, version, body: policy });
	return version;
}
