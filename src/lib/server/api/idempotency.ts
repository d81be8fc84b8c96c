import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import type { ApiResult } from './problem';

/**
 * `Idempotency-Key` on every POST. The key is claimed by inserting its row in the same
 * transaction that does the work, and the response is stored there before commit. A concurrent
 * duplicate's insert waits on the unique index until the first transaction ends: then it finds
 * the stored response and replays it (so exactly one executes), or, if the first rolled back,
 * it inserts and executes itself. Keys are remembered for 24 hours per API key.
 */

export const KEY_TTL_HOURS = 24;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function validKey(key: string): boolean {
	return KEY_PATTERN.test(key);
}

/** What makes two requests "the same": method, path with query, and the exact body bytes. */
export function requestHash(method: string, url: URL, body: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(`${method} ${url.pathname}${url.search}\n${body}`)));
}

export type Claim = { kind: 'new' } | { kind: 'replay'; result: ApiResult } | { kind: 'mismatch' };

export async function claim(tx: Tx, apiKeyId: string, key: string, hash: string): Promise<Claim> {
	await tx.execute(sql`delete from idempotency_keys
		where api_key_id = ${apiKeyId} and key = ${key} and created_at < now() - make_interval(hours => ${KEY_TTL_HOURS})`);
	const inserted = await tx.execute(sql`insert into idempotency_keys (api_key_id, key, request_hash)
		values (${apiKeyId}, ${key}, ${hash}) on conflict do nothing returning key`);
	if (inserted.length === 1) return { kind: 'new' };
	const [row] = await tx.execute<{ request_hash: string; status: number | null; response: unknown }>(
		sql`select request_hash, status, response from idempotency_keys where api_key_id = ${apiKeyId} and key = ${key}`
	);
	if (!row || row.request_hash !== hash || row.status === null) return { kind: 'mismatch' };
	return { kind: 'replay', result: { status: row.status, body: JSON.parse(row.response as string) } };
}

/** The body is kept as the JSON text sent (a jsonb string): jsonb objects would reorder its keys, and a replay is byte for byte. */
export async function store(tx: Tx, apiKeyId: string, key: string, result: ApiResult): Promise<void> {
	await tx.execute(sql`update idempotency_keys set status = ${result.status}, response = to_jsonb(${JSON.stringify(result.body)}::text)
		where api_key_id = ${apiKeyId} and key = ${key}`);
}
