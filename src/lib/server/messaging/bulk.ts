import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

/** Messages queued at once past which the outbox is analysed. */
const ANALYZE_AFTER = 1_000;

/**
 * After a campaign or the régua queued many messages at once: the queue's size changed by orders of
 * magnitude, and fresh statistics let the planner claim from the queue's index in order instead of
 * sorting the whole queue on every claim (autovacuum analyses it too, but only a minute or more later).
 */
export async function queuedInBulk(db: DbOrTx, count: number): Promise<void> {
	if (count >= ANALYZE_AFTER) await db.execute(sql`analyze outbox`);
}
