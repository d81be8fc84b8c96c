import { createHash } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { preparedQuery, type DbOrTx } from '../db/client';
import { agencies, creditors, policies } from '../db/schema';
import { policySchema, type Policy } from '../../schemas/policy';
import * as logos from '../brand/logo';

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

export type LogoFile = { type: 'image/png'; bytes: Buffer; version: string };

// A logo is stored as a data: URL of up to 200 KB. Inlined in pages it would travel twice with
// every view (in the HTML and in the page data), never cached: pages carry its address instead,
// versioned by a hash of its content so browsers may keep it for good.
// Both maps are keyed by content (the stored text, its hash) and bounded, least recently used out.
const LOGOS_MAX = 50;
const logoVersions = new Map<string, string>();
const logoFiles = new Map<string, Promise<LogoFile | null>>();

function remember<V>(map: Map<string, V>, key: string, value: V): V {
	map.delete(key);
	if (map.size >= LOGOS_MAX) map.delete(map.keys().next().value!);
	map.set(key, value);
	return value;
}

function logoVersion(logo: string): string {
	const known = logoVersions.get(logo);
	// 'png:': the address changed when logos stopped being served as uploaded.
	return remember(logoVersions, logo, known ?? createHash('sha256').update('png:').update(logo).digest('hex').slice(0, 16));
}

/**
 * The logo as the portal serves it: a PNG drawn from what is stored. That is the PNG drawn at
 * upload (drawn again, the same picture), or, in rows from versions that stored the upload
 * itself, an SVG, a JPEG or a PNG with whatever it carried: never served as they are. Drawings
 * are kept by content hash; a logo that cannot be drawn is no logo.
 */
export function logoFile(c: Pick<Creditor, 'logo'>): Promise<LogoFile | null> {
	if (!c.logo) return Promise.resolve(null);
	const version = logoVersion(c.logo);
	const known = logoFiles.get(version);
	const file =
		known ??
		pngOf(c.logo).then(
			(bytes): LogoFile | null => (bytes ? { type: 'image/png', bytes, version } : null),
			(e) => {
				// A surprise is not remembered: the next request tries again.
				logoFiles.delete(version);
				throw e;
			}
		);
	return remember(logoFiles, version, file);
}

async function pngOf(logo: string): Promise<Buffer | null> {
	const bytes = logos.storedBytes(logo);
	if (!bytes) return null;
	const drawn = await logos.renderLogo(bytes);
	return drawn.ok ? drawn.png : null;
}

/** Where a page shows the creditor's logo from, or `null` when it has none. */
export function logoUrl(c: Pick<Creditor, 'logo' | 'slug'>): string | null {
	return c.logo ? `/c/${c.slug}/logo?v=${logoVersion(c.logo)}` : null;
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

export type Portal = Pick<Creditor, 'slug' | 'displayName' | 'legalName'>;

/**
 * The portals the root page may list, or `null` when it must list none. A deployment of one
 * agency is that agency's own site, so its creditors are shown; where several agencies share a
 * deployment, naming one agency's clients to anyone (another's debtors included) is not ours
 * to do, and a person uses the link the creditor sent them.
 */
export async function portalDirectory(db: DbOrTx): Promise<Portal[] | null> {
	const found = await db.select({ id: agencies.id }).from(agencies).limit(2);
	if (found.length !== 1) return null;
	return db
		.select({ slug: creditors.slug, displayName: creditors.displayName, legalName: creditors.legalName })
		.from(creditors)
		.where(eq(creditors.agencyId, found[0].id))
		.orderBy(asc(creditors.displayName))
		.limit(200);
}

export type PolicyVersion = { version: number; policy: Policy };

// A published policy version is never changed (a new version is a new row), so its parsed form
// can be kept by row id for the life of the process without ever going stale.
const parsedPolicies = new Map<string, Policy>();
const PARSED_POLICIES_MAX = 5_000;

const policyBodyById = preparedQuery((db) =>
	db.select({ body: policies.body }).from(policies).where(eq(policies.id, sql.placeholder('id'))).prepare('policy_body_by_id')
);

/** A policy version by its row id, parsed; throws when the id does not exist. */
export async function policyById(db: DbOrTx, id: string): Promise<Policy> {
	const hit = parsedPolicies.get(id);
	if (hit) return hit;
	const [row] = await policyBodyById(db).execute({ id });
	if (!row) throw new Error(`política ${id} não encontrada`);
	const policy = policySchema.parse(row.body);
	if (parsedPolicies.size >= PARSED_POLICIES_MAX) parsedPolicies.clear();
	parsedPolicies.set(id, policy);
	return policy;
}

const newestPolicy = preparedQuery((db) =>
	db
		.select({ id: policies.id, version: policies.version })
		.from(policies)
		.where(eq(policies.creditorId, sql.placeholder('creditorId')))
		.orderBy(desc(policies.version))
		.limit(1)
		.prepare('newest_policy')
);

/** The policy in force for a creditor: its newest version. */
export async function currentPolicy(db: DbOrTx, creditorId: string): Promise<PolicyVersion | null> {
	const [row] = await newestPolicy(db).execute({ creditorId });
	if (!row) return null;
	return { version: row.version, policy: await policyById(db, row.id) };
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
