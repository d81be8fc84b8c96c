import { isIPv4, isIPv6 } from 'node:net';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

/**
 * Fixed-window counters in PostgreSQL, so a limit holds across every app process. Windows are
 * aligned to the epoch (an hourly window resets on the hour).
 */

export type Hit = { ok: boolean; count: number; resetAt: Date };

/** Counts a hit against `key`; `ok` while the count is within `limit` for the current window. */
export async function count(db: DbOrTx, key: string, limit: number, windowSeconds: number, now = new Date()): Promise<Hit> {
	const size = windowSeconds * 1000;
	const windowStart = new Date(Math.floor(now.getTime() / size) * size);
	const rows = await db.execute<{ count: number }>(sql`
		insert into rate_limits (key, window_start, count) values (${key}, ${windowStart.toISOString()}, 1)
		on conflict (key, window_start) do update set count = rate_limits.count + 1
		returning count`);
	const n = Number(rows[0].count);
	return { ok: n <= limit, count: n, resetAt: new Date(windowStart.getTime() + size) };
}

/** Whether this hit is still within `limit` for the current window. */
export async function hit(db: DbOrTx, key: string, limit: number, windowSeconds: number, now = new Date()): Promise<boolean> {
	return (await count(db, key, limit, windowSeconds, now)).ok;
}

/**
 * Gives back one hit of the current window (a hit that turned out to be no guess: the right
 * password), so a limit meant for failures is not spent by successes.
 */
export async function giveBack(db: DbOrTx, key: string, windowSeconds: number, now = new Date()): Promise<void> {
	const size = windowSeconds * 1000;
	const windowStart = new Date(Math.floor(now.getTime() / size) * size);
	await db.execute(sql`update rate_limits set count = count - 1 where key = ${key} and window_start = ${windowStart.toISOString()} and count > 0`);
}

/** Forgets a key's counts (e.g. failed sign-ins, once the right password is given). */
export async function clear(db: DbOrTx, key: string): Promise<void> {
	await db.execute(sql`delete from rate_limits where key = ${key}`);
}

/**
 * The address a limit is kept for: an IPv4 address as it is (IPv4-mapped IPv6 included), an
 * IPv6 address by its /64 — one subscriber usually holds a whole /64, and counting each of its
 * 2^64 addresses apart would make a per-address limit meaningless.
 */
export function clientKey(ip: string): string {
	const s = ip.trim().toLowerCase().replace(/%.*$/, '');
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
	if (mapped && isIPv4(mapped[1])) return mapped[1];
	if (isIPv4(s) || !isIPv6(s)) return s;
	return expandIPv6(s).slice(0, 4).join(':') + '::/64';
}

/** `2001:db8::1` → the eight 16-bit groups, without leading zeros. */
function expandIPv6(s: string): string[] {
	let text = s;
	// A trailing dotted IPv4 part (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups.
	const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4) {
		const [a, b, c, d] = v4[1].split('.').map(Number);
		text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
	const left = head ? head.split(':') : [];
	const right = tail === null ? [] : tail ? tail.split(':') : [];
	const zeros = tail === null ? [] : Array(8 - left.length - right.length).fill('0');
	return [...left, ...zeros, ...right].map((g) => parseInt(g || '0', 16).toString(16));
}
