import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

/**
 * Fixed-window counter in PostgreSQL, so a limit holds across every app process.
 * Returns whether this hit is still within `limit` for the current window.
 */
export async function hit(db: DbOrTx, key: string, limit: number, windowSeconds: number, now = new Date()): Promise<boolean> {
	const windowStart = new Date(Math.floor(now.getTime() / (windowSeconds * 1000)) * windowSeconds * 1000);
	const rows = await db.execute<{ count: number }>(sql`
		insert into rate_limits (key, window_start, count) values (${key}, ${windowStart.toISOString()}, 1)
		on conflict (key, window_start) do update set count = rate_limits.count + 1
		returning count`);
	return Number(rows[0].count) <= limit;
}

/** Old windows are useless; removing them keeps the table small. */
export async function prune(db: DbOrTx, olderThan: Date): Promise<void> {
	await db.execute(sql`delete from rate_limits where window_start < ${olderThan.toISOString()}`);
}
