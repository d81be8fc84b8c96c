import { run as runWorker, Logger, type Runner, type Task, type TaskList } from 'graphile-worker';
import { sql } from 'drizzle-orm';
import { config } from '../config';
import { db, type DbOrTx } from '../db/client';
import * as housekeeping from '../housekeeping';
import * as messaging from '../messaging';
import * as regua from '../regua';
import * as campaigns from '../campaigns';
import * as webhooks from '../webhooks';
import * as lifecycle from '../agreements/lifecycle';
import { todayInSaoPaulo } from '../../format/dates';
import * as psp from '../payments/psp';

/**
 * Scheduled and retried work, in PostgreSQL, on graphile-worker (README: "Jobs"). Every app
 * process runs a small runner; jobs are claimed with SKIP LOCKED, so each runs once however many
 * processes there are, and a cron item fires once per tick across all of them. Jobs are added with
 * plain SQL (`graphile_worker.add_job`) inside the caller's own transaction: a job exists if and
 * only if the change that asked for it committed.
 */

/** Connections of each process's job runner (its own pg pool). */
export const JOB_POOL_MAX = 3;
const CONCURRENCY = 2;

type Handler = (payload: unknown) => Promise<void>;

const handlers: Record<string, Handler> = {
	/** Every 15 minutes: codes, sessions, counters, idempotency keys and finished uploads. */
	housekeeping: async () => {
		const swept = {
			...(await housekeeping.run(db(), { uploadDays: config().UPLOAD_RETENTION_DAYS })),
			unknownMessages: await messaging.sweepStuck(db()),
			campaignsFinished: await campaigns.finishEnded(db())
		};
		if (Object.values(swept).some((n) => n > 0)) console.log(JSON.stringify({ type: 'housekeeping', ...swept }));
	},
	/**
	 * Sends what is due (queued by a write, or waiting for a retry or an allowed hour), for up to a
	 * minute; when more is due soon, it asks to run again then. Also every minute from the crontab.
	 */
	/** Daily: every creditor's régua (each step fires at most once per subject, ever). */
	regua: async () => {
		const r = await regua.run(db());
		if (r.queued > 0) await enqueue(db(), 'deliver-messages', {}, { jobKey: 'deliver-messages' });
		console.log(JSON.stringify({ type: 'regua', ...r }));
	},
	/** Daily: agreements with an installment unpaid past the tolerance break (lifecycle.breakOverdue). */
	'break-agreements': async () => {
		const r = await lifecycle.breakOverdue(db(), todayInSaoPaulo());
		console.log(JSON.stringify({ type: 'break-agreements', broken: r.broken.length }));
	},
	/**
	 * Every 10 minutes: PSP charges of installments no longer payable are withdrawn, then the Pix each
	 * PSP received since the last sweep (overlapping it) are recorded, for webhooks that never came.
	 */
	'pix-sweep': async () => {
		const withdrawn = await psp.withdrawStale(db());
		// Pix Automático: recurrences of ended agreements, and debits no longer due, cancelled at the PSP.
		const cancelled = await psp.automatico.cancelStale(db(), todayInSaoPaulo());
		const r = await psp.sweep(db());
		if (withdrawn > 0 || cancelled.recurrences + cancelled.charges > 0 || r.recorded > 0 || r.review > 0 || r.failed > 0) console.log(JSON.stringify({ type: 'pix-sweep', withdrawn, cancelled, ...r }));
	},
	/** Daily: Pix Automático debits (cobr) for installments due 10 to 2 days ahead, once each. */
	'pix-automatico': async () => {
		const r = await psp.automatico.createDueCharges(db(), todayInSaoPaulo(), config().baseUrl);
		if (r.recurrences > 0) console.log(JSON.stringify({ type: 'pix-automatico', ...r }));
	},
	'deliver-messages': async () => {
		const r = await messaging.deliverDue(db(), { baseUrl: config().baseUrl });
		const wait = r.nextDueAt ? r.nextDueAt.getTime() - Date.now() : Infinity;
		if (wait < 60_000) await enqueue(db(), 'deliver-messages', {}, { jobKey: 'deliver-messages', inMs: wait });
	},
	/** Posts due webhooks to the creditors' ERPs (queued by `webhooks.emit`, retries with backoff); also every minute. */
	'deliver-webhooks': async () => {
		const r = await webhooks.deliverDue(db(), { production: config().NODE_ENV === 'production' });
		if (r.delivered + r.retrying + r.failed > 0) console.log(JSON.stringify({ type: 'webhooks', ...r }));
		const wait = r.nextDueAt ? r.nextDueAt.getTime() - Date.now() : Infinity;
		if (wait < 60_000) await enqueue(db(), 'deliver-webhooks', {}, { jobKey: 'deliver-webhooks', inMs: wait });
	}
};

export type TaskName = keyof typeof handlers;

// The runner's clock is UTC: 09:00 UTC is 06:00 in São Paulo (the messages wait for each debtor's allowed hours).
export const CRONTAB = [
	'*/15 * * * * housekeeping ?max=3',
	'* * * * * deliver-messages ?max=1&jobKey=deliver-messages',
	'* * * * * deliver-webhooks ?max=1&jobKey=deliver-webhooks',
	'0 9 * * * regua ?fill=1d&max=1',
	// 03:30 UTC is 00:30 in São Paulo: the day after a tolerance ends.
	'30 3 * * * break-agreements ?fill=1d&max=1',
	'*/10 * * * * pix-sweep ?max=1&jobKey=pix-sweep',
	// 10:00 UTC is 07:00 in São Paulo; a day the PSP was down is caught up the next (the window is 9 days).
	'0 10 * * * pix-automatico ?fill=1d&max=1'
].join('\n');

/**
 * Queues a job inside the caller's transaction (or at once, given the database). `inMs` delays it
 * by the database's own clock, so a delay means the same whatever the app's clock says.
 */
// Keyed jobs to run now already queued by a transaction: a return file's thousand payments in one
// transaction each ask for 'deliver-messages'; the first call queues it, the rest would only
// rewrite the same row (each rewrite a new row version the next one walks past).
const queuedNow = new WeakMap<object, Set<string>>();

export async function enqueue(tx: DbOrTx, task: TaskName, payload: object = {}, opts: { jobKey?: string; runAt?: Date; inMs?: number; maxAttempts?: number } = {}): Promise<void> {
	const once = opts.jobKey !== undefined && opts.runAt === undefined && opts.inMs === undefined && 'rollback' in tx ? `${task}\u0000${opts.jobKey}\u0000${JSON.stringify(payload)}` : null;
	if (once) {
		const seen = queuedNow.get(tx) ?? new Set<string>();
		if (seen.has(once)) return;
		seen.add(once);
		queuedNow.set(tx, seen);
	}
	const runAt = opts.inMs !== undefined ? sql`now() + ${Math.max(0, Math.round(opts.inMs))} * interval '1 millisecond'` : sql`${opts.runAt?.toISOString() ?? null}::timestamptz`;
	await tx.execute(sql`select graphile_worker.add_job(
		identifier => ${task}::text,
		payload => ${JSON.stringify(payload)}::json,
		run_at => ${runAt},
		max_attempts => ${opts.maxAttempts ?? 25}::int,
		job_key => ${opts.jobKey ?? null}::text
	)`);
}

// Errors and warnings as one JSON line each, like the rest of the server's log; the rest is noise.
const logger = new Logger((scope) => (level, message) => {
	if (level !== 'error' && level !== 'warning') return;
	console.error(JSON.stringify({ type: level === 'error' ? 'error' : 'warning', where: 'jobs', task: scope.taskIdentifier, job: scope.jobId, message }));
});

type State = { runner: Runner | null; starting: Promise<void> | null };
const state: State = ((globalThis as Record<symbol, State>)[Symbol.for('acerto.jobs')] ??= { runner: null, starting: null });

/** Starts this process's job runner (once). */
export function start(): Promise<void> {
	state.starting ??= (async () => {
		const taskList: TaskList = Object.fromEntries(Object.entries(handlers).map(([name, h]): [string, Task] => [name, (payload) => h(payload)]));
		state.runner = await runWorker({
			connectionString: config().DATABASE_URL,
			maxPoolSize: JOB_POOL_MAX,
			concurrency: CONCURRENCY,
			noHandleSignals: true,
			pollInterval: 2000,
			taskList,
			crontab: CRONTAB,
			logger
		});
		// Whatever a stopped (or killed) process left queued is picked up now, not at the next tick.
		await enqueue(db(), 'deliver-messages', {}, { jobKey: 'deliver-messages' });
		await enqueue(db(), 'deliver-webhooks', {}, { jobKey: 'deliver-webhooks' });
	})();
	return state.starting;
}

export async function stop(): Promise<void> {
	const starting = state.starting;
	state.starting = null;
	await starting?.catch(() => {});
	const runner = state.runner;
	state.runner = null;
	await runner?.stop();
}
