import { and, eq, gte, sql, type SQL } from 'drizzle-orm';
import { preparedQuery, type Db, type DbOrTx } from './db/client';
import { funnelEvents, type FunnelStep } from './db/schema';

/**
 * The debtor's funnel for the KPIs: one row per step reached. Never used to decide anything, so
 * a step is recorded inside the caller's transaction and disappears with it if that rolls back.
 */

export type FunnelChannel = 'portal' | 'staff' | 'api';
export type FunnelInput = { agencyId: string; creditorId: string | null; debtorId: string; step: FunnelStep; channel?: FunnelChannel };

export const STEPS: readonly FunnelStep[] = ['identified', 'offers_viewed', 'agreement', 'first_payment', 'settled'];

export async function record(tx: DbOrTx, input: FunnelInput): Promise<void> {
	await tx.insert(funnelEvents).values({
		agencyId: input.agencyId,
		creditorId: input.creditorId,
		debtorId: input.debtorId,
		step: input.step,
		channel: input.channel ?? 'portal'
	});
}

const SAO_PAULO_MIDNIGHT = sql.raw(`((now() at time zone 'America/Sao_Paulo')::date::timestamp at time zone 'America/Sao_Paulo')`);

/** Whether the step is recorded today, as a column of a page's own query (saves `recordOncePerDay` its read). */
export function recordedTodaySql(debtorId: SQL, step: FunnelStep, creditorId: SQL): SQL<boolean> {
	return sql<boolean>`exists (select 1 from ${funnelEvents} f where f.debtor_id = ${debtorId} and f.step = ${step} and f.creditor_id is not distinct from ${creditorId} and f.at >= ${SAO_PAULO_MIDNIGHT})`;
}

const recordedToday = preparedQuery((db) =>
	db
		.select({ id: funnelEvents.id })
		.from(funnelEvents)
		.where(
			and(
				eq(funnelEvents.debtorId, sql.placeholder('debtorId')),
				eq(funnelEvents.step, sql.placeholder('step')),
				sql`${funnelEvents.creditorId} is not distinct from ${sql.placeholder('creditorId')}::uuid`,
				gte(funnelEvents.at, SAO_PAULO_MIDNIGHT)
			)
		)
		.limit(1)
		.prepare('funnel_recorded_today')
);

/**
 * Records a step at most once per debtor, creditor and São Paulo calendar day (reloading the offers
 * page is not a new visit). Most calls find the step already there and stop after one read; the
 * others take an advisory lock, so two loads of the same page at once record it once.
 */
export async function recordOncePerDay(db: Db, input: FunnelInput): Promise<boolean> {
	const key = { debtorId: input.debtorId, step: input.step, creditorId: input.creditorId };
	if ((await recordedToday(db).execute(key)).length > 0) return false;
	const channel = input.channel ?? 'portal';
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(815247, hashtext(${input.debtorId} || ${input.creditorId ?? ''} || ${input.step}))`);
		const rows = await tx.execute(sql`
			insert into funnel_events (agency_id, creditor_id, debtor_id, step, channel)
			select ${input.agencyId}::uuid, ${input.creditorId}::uuid, ${input.debtorId}::uuid, ${input.step}, ${channel}
			where not exists (
				select 1 from funnel_events
				where debtor_id = ${input.debtorId}::uuid and step = ${input.step}
					and creditor_id is not distinct from ${input.creditorId}::uuid
					and at >= ${SAO_PAULO_MIDNIGHT})
			returning id`);
		return rows.length > 0;
	});
}
