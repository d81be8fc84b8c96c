import http from 'node:http';
import https from 'node:https';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { unseal } from '../auth/secrets';
import { post, isAnswer } from '../messaging/wire-http';
import { headers } from './signature';
import { publicOnlyLookup } from './url';

export const SECRET_PURPOSE = 'webhook-endpoint';
export const TIMEOUT_MS = 10_000;
/** What is kept of an answer's body, per attempt. */
export const RESPONSE_BODY_MAX = 1000;

const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 6 * 60 * 60 * 1000;

/** Exponential backoff: 30 s after the first failure, doubling, at most 6 h between attempts. */
export function retryDelayMs(attempts: number): number {
	return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export function openSecret(sealed: string): string {
	return new TextDecoder().decode(unseal(SECRET_PURPOSE, sealed));
}

// Kept-alive sockets per ERP host. In production every connection's name is resolved through the
// SSRF guard, so a public name that later answers with a private address is refused.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, maxFreeSockets: 16, scheduling: 'lifo' as const };
const pools = {
	open: { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) },
	guarded: { http: new http.Agent({ ...AGENT_OPTIONS, lookup: publicOnlyLookup }), https: new https.Agent({ ...AGENT_OPTIONS, lookup: publicOnlyLookup }) }
};

export type DeliverOptions = {
	/** The clock: when the attempt happens (signature timestamp, due rows, backoff). */
	now?: () => Date;
	production?: boolean;
	timeoutMs?: number;
	/** Stop claiming new deliveries after this many ms (the job runs again). */
	budgetMs?: number;
	/** Deliveries sent side by side (never two for one row: each is claimed with SKIP LOCKED). */
	parallel?: number;
};

export type DeliverReport = { delivered: number; retrying: number; failed: number; nextDueAt: Date | null };

type Claimed = { id: string; event_id: string; body: string; attempts: number; give_up_at: Date | string; url: string; secret_sealed: string };

/**
 * Sends what is due. Each delivery is claimed in its own transaction with FOR UPDATE SKIP LOCKED
 * and the lock is held through the HTTP call, so no two runners (or processes) ever post one
 * delivery at once. Each attempt is recorded; a 2xx delivers; anything else is retried with
 * backoff until `give_up_at`, then the delivery is failed.
 */
export async function deliverDue(db: Db, opts: DeliverOptions = {}): Promise<DeliverReport> {
	const now = opts.now ?? (() => new Date());
	const started = Date.now();
	const budget = opts.budgetMs ?? 50_000;
	const report: DeliverReport = { delivered: 0, retrying: 0, failed: 0, nextDueAt: null };
	const worker = async () => {
		while (Date.now() - started < budget) {
			const outcome = await deliverOne(db, now(), opts);
			if (outcome === 'none') return;
			report[outcome]++;
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 4) }, worker));
	const [next] = await db.execute<{ at: string | null }>(sql`
		select min(d.next_attempt_at) as at from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
		where d.status = 'pending' and e.disabled_at is null`);
	report.nextDueAt = next?.at ? new Date(next.at) : null;
	return report;
}

async function deliverOne(db: Db, at: Date, opts: DeliverOptions): Promise<'delivered' | 'retrying' | 'failed' | 'none'> {
	return db.transaction(async (tx) => {
		const [row] = await tx.execute<Claimed>(sql`
			select d.id, d.event_id, d.body, d.attempts, d.give_up_at, e.url, e.secret_sealed
			from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
			where d.status = 'pending' and d.next_attempt_at <= ${at.toISOString()}::timestamptz and e.disabled_at is null
			order by d.next_attempt_at
			limit 1
			for update of d skip locked`);
		if (!row) return 'none';
		const t0 = performance.now();
		const pool = opts.production ? pools.guarded : pools.open;
		const answer = await post(row.url, { headers: headers(openSecret(row.secret_sealed), row.event_id, row.body, at), body: row.body }, opts.timeoutMs ?? TIMEOUT_MS, pool);
		const latencyMs = Math.round(performance.now() - t0);
		const ok = isAnswer(answer) && answer.status >= 200 && answer.status < 300;
		const statusCode = isAnswer(answer) ? answer.status : null;
		const error = ok ? null : isAnswer(answer) ? `HTTP ${answer.status}` : answer.reason;
		const responseBody = isAnswer(answer) ? answer.text.slice(0, RESPONSE_BODY_MAX) : null;
		await tx.execute(sql`insert into webhook_attempts (delivery_id, at, status_code, latency_ms, error, response_body)
			values (${row.id}::uuid, ${at.toISOString()}::timestamptz, ${statusCode}, ${latencyMs}, ${error}, ${responseBody})`);
		const attempts = row.attempts + 1;
		if (ok) {
			await tx.execute(sql`update webhook_deliveries set status = 'delivered', attempts = ${attempts}, delivered_at = ${at.toISOString()}::timestamptz,
				last_status_code = ${statusCode}, last_error = null, updated_at = now() where id = ${row.id}::uuid`);
			return 'delivered';
		}
		const next = new Date(at.getTime() + retryDelayMs(attempts));
		const giveUp = new Date(row.give_up_at);
		const status = next.getTime() > giveUp.getTime() ? 'failed' : 'pending';
		await tx.execute(sql`update webhook_deliveries set status = ${status}, attempts = ${attempts}, next_attempt_at = ${next.toISOString()}::timestamptz,
			last_status_code = ${statusCode}, last_error = ${error}, updated_at = now() where id = ${row.id}::uuid`);
		return status === 'failed' ? 'failed' : 'retrying';
	});
}
