import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/**
 * What the portal keeps only as long as it serves a purpose, removed on a schedule (the job
 * runner's `housekeeping` task): one-time codes, sessions, rate-limit counters, idempotency keys,
 * and uploaded portfolio files (personal data) once their import is over or given up. Each step is
 * one set-based statement, safe to run from several processes at once and to repeat.
 */

export type Retention = {
	/** Days a validated upload waits for someone to import it, and its rejected rows are kept (from the upload). */
	uploadDays: number;
};

export type Swept = {
	otpChallenges: number;
	debtorSessions: number;
	staffSessions: number;
	rateLimits: number;
	idempotencyKeys: number;
	uploadsAbandoned: number;
	uploadsExpired: number;
	filesPurged: number;
	rejectedRowsPurged: number;
};

/** An upload whose pieces stopped coming this long ago is given up. */
export const ABANDONED_AFTER_MINUTES = 60;
/** Codes expire after 10 minutes; a day later nothing needs them (the login's portal is in the audit log). */
const OTP_KEEP = '1 day';
/** The longest rate-limit window is an hour. */
const RATE_LIMIT_KEEP = '1 day';
/** API clients may retry with the same Idempotency-Key for 24 hours. */
const IDEMPOTENCY_KEEP = '24 hours';

async function count(db: Db, query: ReturnType<typeof sql>): Promise<number> {
	return (await db.execute(query)).count ?? 0;
}

export async function run(db: Db, retention: Retention, now = new Date()): Promise<Swept> {
	const at = now.toISOString();
	const otpChallenges = await count(db, sql`delete from otp_challenges where expires_at < ${at}::timestamptz - ${OTP_KEEP}::interval`);
	const debtorSessions = await count(db, sql`delete from debtor_sessions where expires_at < ${at}::timestamptz`);
	const staffSessions = await count(
		db,
		sql`delete from staff_sessions where expires_at < ${at}::timestamptz or absolute_expires_at < ${at}::timestamptz`
	);
	const rateLimits = await count(db, sql`delete from rate_limits where window_start < ${at}::timestamptz - ${RATE_LIMIT_KEEP}::interval`);
	const idempotencyKeys = await count(db, sql`delete from idempotency_keys where created_at < ${at}::timestamptz - ${IDEMPOTENCY_KEEP}::interval`);

	const uploadsAbandoned = await count(
		db,
		sql`update imports set status = 'failed', failure = 'O envio do arquivo foi interrompido. Envie o arquivo de novo.', finished_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
		where status = 'uploaded' and updated_at < ${at}::timestamptz - make_interval(mins => ${ABANDONED_AFTER_MINUTES})
			and file_bytes > (select coalesce(sum(length(c.data)), 0) from import_chunks c where c.import_id = imports.id and c.seq >= 0)`
	);
	const uploadsExpired = await count(
		db,
		sql`update imports set status = 'failed', failure = ${`Ninguém confirmou a importação em ${retention.uploadDays} dias: o arquivo foi apagado. Envie-o de novo para importar.`},
			finished_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
		where status = 'validated' and updated_at < ${at}::timestamptz - make_interval(days => ${retention.uploadDays})`
	);
	const filesPurged = await purgeFinishedFiles(db, now);
	const rejectedRowsPurged = await count(
		db,
		sql`delete from import_chunks c using imports i
		where c.import_id = i.id and c.seq < 0 and i.created_at < ${at}::timestamptz - make_interval(days => ${retention.uploadDays})`
	);
	return { otpChallenges, debtorSessions, staffSessions, rateLimits, idempotencyKeys, uploadsAbandoned, uploadsExpired, filesPurged, rejectedRowsPurged };
}

/**
 * Deletes the uploaded file of every import that is over (imported or failed): the debts are in
 * their tables now, and the file is personal data nobody needs. The rejected rows (negative pieces)
 * stay until the retention above. Returns the number of files purged.
 */
export async function purgeFinishedFiles(db: Db, now = new Date(), importId?: string): Promise<number> {
	const rows = await db.execute<{ id: string }>(sql`
		with over as (
			update imports set file_purged_at = ${now.toISOString()}::timestamptz
			where status in ('done', 'failed') and file_purged_at is null
				${importId ? sql`and id = ${importId}::uuid` : sql``}
			returning id
		), gone as (
			delete from import_chunks c using over where c.import_id = over.id and c.seq >= 0
		)
		select id from over`);
	return rows.length;
}
