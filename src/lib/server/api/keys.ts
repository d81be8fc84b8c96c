import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { apiKeys, creditors, staff } from '../db/schema';
import * as audit from '../audit';
import * as access from '../access';
import type { StaffPrincipal } from '../staff/roles';

/**
 * API keys, one creditor each. Like the sessions of the Lucia guide: the key is random, shown
 * once, and only its SHA-256 is stored; a short prefix is kept so people can tell keys apart.
 */

export type ApiScope = 'read' | 'read_write';
export const SCOPES: readonly ApiScope[] = ['read', 'read_write'];
export const SCOPE_LABELS: Record<ApiScope, string> = { read: 'Leitura', read_write: 'Leitura e escrita' };

const KEY_PREFIX = 'ak_live_';
/** `ak_live_` and 6 characters of the random part: enough to recognise a key, useless to guess it. */
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 6;

/** The principal behind a request of the API: a key, its creditor and what it may do. */
export type ApiPrincipal = {
	keyId: string;
	keyName: string;
	keyPrefix: string;
	scope: ApiScope;
	creditorId: string;
	agencyId: string;
	creditorCnpj: string;
};

export type Actor = { type: 'staff' | 'cli'; id?: string | null };

/** `ak_live_` + 40 base32 characters (200 random bits). */
export function generateKey(): string {
	const bytes = new Uint8Array(25);
	crypto.getRandomValues(bytes);
	return KEY_PREFIX + encodeBase32LowerCaseNoPadding(bytes);
}

export function hashKey(key: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(key)));
}

/** Creates a key for a creditor; the only time the key itself exists is in the value returned. */
export async function create(
	tx: DbOrTx,
	input: { creditorId: string; name: string; scope: ApiScope },
	actor: Actor
): Promise<{ key: string; id: string; prefix: string; agencyId: string }> {
	const [creditor] = await tx.select({ agencyId: creditors.agencyId }).from(creditors).where(eq(creditors.id, input.creditorId));
	if (!creditor) throw new Error(`credor inexistente: ${input.creditorId}`);
	const key = generateKey();
	const prefix = key.slice(0, SHOWN_PREFIX_LENGTH);
	const [row] = await tx
		.insert(apiKeys)
		.values({
			creditorId: input.creditorId,
			name: input.name.trim(),
			prefix,
			keyHash: hashKey(key),
			scope: input.scope,
			createdBy: actor.type === 'staff' ? (actor.id ?? null) : null
		})
		.returning({ id: apiKeys.id });
	await audit.record(tx, {
		agencyId: creditor.agencyId,
		actorType: actor.type,
		actorId: actor.id ?? null,
		action: 'api_key.create',
		entity: 'api_key',
		entityId: row.id,
		data: { after: { creditorId: input.creditorId, name: input.name.trim(), prefix, scope: input.scope } }
	});
	return { key, id: row.id, prefix, agencyId: creditor.agencyId };
}

export type KeyListing = {
	id: string;
	name: string;
	prefix: string;
	scope: ApiScope;
	createdAt: Date;
	createdBy: string | null;
	lastUsedAt: Date | null;
	revokedAt: Date | null;
	creditor: { id: string; displayName: string; slug: string };
};

/** The keys of every creditor this person reaches, newest first; revoked ones stay listed. */
export async function listForStaff(db: DbOrTx, who: Pick<StaffPrincipal, 'agencyId' | 'creditorId'>): Promise<KeyListing[]> {
	return db
		.select({
			id: apiKeys.id,
			name: apiKeys.name,
			prefix: apiKeys.prefix,
			scope: apiKeys.scope,
			createdAt: apiKeys.createdAt,
			createdBy: sql<string | null>`coalesce(nullif(${staff.name}, ''), ${staff.email})`,
			lastUsedAt: apiKeys.lastUsedAt,
			revokedAt: apiKeys.revokedAt,
			creditor: { id: creditors.id, displayName: creditors.displayName, slug: creditors.slug }
		})
		.from(apiKeys)
		.innerJoin(creditors, eq(creditors.id, apiKeys.creditorId))
		.leftJoin(staff, eq(staff.id, apiKeys.createdBy))
		.where(access.where.apiKey(who))
		.orderBy(sql`${apiKeys.revokedAt} is not null`, desc(apiKeys.createdAt));
}

/** One key, only if its creditor is in this person's reach (otherwise null: 404 for the caller). */
export async function findForStaff(db: DbOrTx, who: Pick<StaffPrincipal, 'agencyId' | 'creditorId'>, id: string) {
	if (!access.isUuid(id)) return null;
	const [row] = await db
		.select({ key: apiKeys, creditor: { id: creditors.id, agencyId: creditors.agencyId, displayName: creditors.displayName } })
		.from(apiKeys)
		.innerJoin(creditors, eq(creditors.id, apiKeys.creditorId))
		.where(and(eq(apiKeys.id, id), access.where.apiKey(who)));
	return row ?? null;
}

/** Revokes a key at once: the next request with it gets 401. Revoking twice changes nothing. */
export async function revoke(
	tx: DbOrTx,
	who: StaffPrincipal,
	id: string
): Promise<{ ok: true; alreadyRevoked: boolean; prefix: string } | { ok: false }> {
	const found = await findForStaff(tx, who, id);
	if (!found) return { ok: false };
	const prefix = found.key.prefix;
	if (found.key.revokedAt) return { ok: true, alreadyRevoked: true, prefix };
	const [after] = await tx
		.update(apiKeys)
		.set({ revokedAt: new Date() })
		.where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
		.returning({ revokedAt: apiKeys.revokedAt });
	if (!after) return { ok: true, alreadyRevoked: true, prefix };
	await audit.record(tx, {
		agencyId: found.creditor.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'api_key.revoke',
		entity: 'api_key',
		entityId: id,
		data: {
			before: { name: found.key.name, prefix: found.key.prefix, scope: found.key.scope, revokedAt: null },
			after: { revokedAt: after.revokedAt }
		}
	});
	return { ok: true, alreadyRevoked: false, prefix };
}

/**
 * The principal for a bearer key, or null for an unknown or revoked one. `last_used_at` is
 * written at most once a minute per key, so a busy integration does not turn every read into a write.
 */
export async function authenticate(db: DbOrTx, key: string): Promise<ApiPrincipal | null> {
	if (!key.startsWith(KEY_PREFIX) || key.length > 200) return null;
	const [row] = await db
		.select({
			id: apiKeys.id,
			name: apiKeys.name,
			prefix: apiKeys.prefix,
			scope: apiKeys.scope,
			revokedAt: apiKeys.revokedAt,
			lastUsedAt: apiKeys.lastUsedAt,
			creditorId: creditors.id,
			agencyId: creditors.agencyId,
			cnpj: creditors.cnpj
		})
		.from(apiKeys)
		.innerJoin(creditors, eq(creditors.id, apiKeys.creditorId))
		.where(eq(apiKeys.keyHash, hashKey(key)))
		.limit(1);
	if (!row || row.revokedAt) return null;
	if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= 60_000) {
		await db
			.update(apiKeys)
			.set({ lastUsedAt: sql`now()` })
			.where(and(eq(apiKeys.id, row.id), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '1 minute')`));
	}
	return {
		keyId: row.id,
		keyName: row.name,
		keyPrefix: row.prefix,
		scope: row.scope,
		creditorId: row.creditorId,
		agencyId: row.agencyId,
		creditorCnpj: row.cnpj
	};
}

/** A creditor by id, only if this person reaches it (for the create form). */
export async function creditorInReach(db: DbOrTx, who: Pick<StaffPrincipal, 'agencyId' | 'creditorId'>, creditorId: string) {
	const rows = await db
		.select({ id: creditors.id, agencyId: creditors.agencyId, displayName: creditors.displayName })
		.from(creditors)
		.where(and(eq(creditors.id, creditorId), access.where.creditor(who)));
	return rows[0] ?? null;
}

/** A person creates a key for a creditor in reach (otherwise "not found", revealing nothing). */
export async function createForStaff(
	tx: DbOrTx,
	who: StaffPrincipal,
	input: { creditorId: string; name: string; scope: ApiScope }
): Promise<{ ok: true; key: string; prefix: string; creditor: string } | { ok: false; message: string }> {
	const creditor = await creditorInReach(tx, who, input.creditorId);
	if (!creditor) return { ok: false, message: 'Credor não encontrado.' };
	const made = await create(tx, input, { type: 'staff', id: who.id });
	return { ok: true, key: made.key, prefix: made.prefix, creditor: creditor.displayName };
}
