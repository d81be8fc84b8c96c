import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { debtorSessions, idempotencyKeys, importChunks, imports, otpChallenges, rateLimits, staff, staffSessions, apiKeys } from '../../src/lib/server/db/schema';
import * as housekeeping from '../../src/lib/server/housekeeping';
import * as jobs from '../../src/lib/server/jobs';
import { startApp, type App } from '../support/app-server';
import * as factory from '../support/factory';

/**
 * Housekeeping removes what is kept only as long as it serves: expired codes and sessions, old
 * rate-limit windows and idempotency keys, and uploaded portfolio files once their import is
 * over or given up. The clock is an input; the job runner runs it on a schedule.
 */

const NOW = new Date('2026-12-07T15:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let w: Awaited<ReturnType<typeof factory.world>>;
let staffId: string;
let apiKeyId: string;

async function upload(status: 'uploaded' | 'validated' | 'done' | 'failed', updatedAt: Date, finishedAt: Date | null, pieces: number[], fileBytes: number) {
	const [row] = await db()
		.insert(imports)
		.values({ agencyId: w.agency.id, creditorId: w.creditor.id, fileName: 'carteira.csv', fileBytes, status, updatedAt, finishedAt, createdAt: updatedAt })
		.returning({ id: imports.id });
	for (const seq of pieces) await db().insert(importChunks).values({ importId: row.id, seq, data: Buffer.from('x'.repeat(10)) });
	return row.id;
}

const pieces = async (id: string) =>
	(await db().select({ seq: importChunks.seq }).from(importChunks).where(eq(importChunks.importId, id))).map((r) => r.seq).sort((a, b) => a - b);

beforeAll(async () => {
	w = await factory.world();
	const [s] = await db().insert(staff).values({ agencyId: w.agency.id, role: 'viewer', email: `hk${Date.now()}@example.com` }).returning();
	staffId = s.id;
	const [k] = await db().insert(apiKeys).values({ creditorId: w.creditor.id, name: 'hk', prefix: 'ak_live_hk', keyHash: `hk${Date.now()}`, scope: 'read' }).returning();
	apiKeyId = k.id;
});

afterAll(() => closeDb());

describe('housekeeping', () => {
	it('removes expired codes, sessions, rate-limit windows and idempotency keys, and keeps the live ones', async () => {
		const challenge = (expiresAt: Date) => ({ agencyId: w.agency.id, creditorId: w.creditor.id, codeHash: 'x', channel: 'sms', destinationMasked: '(11) *****-4321', expiresAt });
		const [oldCode, liveCode, recentCode] = await db()
			.insert(otpChallenges)
			.values([challenge(ago(2 * DAY)), challenge(new Date(NOW.getTime() + 5 * MIN)), challenge(ago(HOUR))])
			.returning({ id: otpChallenges.id });
		await db().insert(debtorSessions).values([
			{ id: `hk-old-${Date.now()}`, debtorId: w.debtor.id, agencyId: w.agency.id, expiresAt: ago(MIN) },
			{ id: `hk-live-${Date.now()}`, debtorId: w.debtor.id, agencyId: w.agency.id, expiresAt: new Date(NOW.getTime() + 10 * MIN) }
		]);
		await db().insert(staffSessions).values([
			{ id: `hk-idle-${Date.now()}`, staffId, expiresAt: ago(MIN), absoluteExpiresAt: new Date(NOW.getTime() + HOUR) },
			{ id: `hk-abs-${Date.now()}`, staffId, expiresAt: new Date(NOW.getTime() + MIN), absoluteExpiresAt: ago(MIN) },
			{ id: `hk-live-${Date.now()}`, staffId, expiresAt: new Date(NOW.getTime() + MIN), absoluteExpiresAt: new Date(NOW.getTime() + HOUR) }
		]);
		await db().insert(rateLimits).values([
			{ key: 'hk:old', windowStart: ago(2 * DAY), count: 3 },
			{ key: 'hk:now', windowStart: ago(10 * MIN), count: 3 }
		]);
		await db().insert(idempotencyKeys).values([
			{ apiKeyId, key: 'old', requestHash: 'h', createdAt: ago(25 * HOUR) },
			{ apiKeyId, key: 'new', requestHash: 'h', createdAt: ago(HOUR) }
		]);

		const swept = await housekeeping.run(db(), { uploadDays: 7 }, NOW);
		expect(swept.otpChallenges).toBeGreaterThanOrEqual(1);

		const codes = new Set((await db().select({ id: otpChallenges.id }).from(otpChallenges)).map((r) => r.id));
		expect(codes.has(oldCode.id)).toBe(false);
		expect(codes.has(liveCode.id)).toBe(true);
		expect(codes.has(recentCode.id)).toBe(true); // expired an hour ago: kept a day
		const dSessions = (await db().select().from(debtorSessions).where(eq(debtorSessions.debtorId, w.debtor.id))).map((r) => r.id);
		expect(dSessions).toHaveLength(1);
		expect(dSessions[0]).toMatch(/^hk-live-/);
		const sSessions = (await db().select().from(staffSessions).where(eq(staffSessions.staffId, staffId))).map((r) => r.id);
		expect(sSessions).toHaveLength(1);
		expect(sSessions[0]).toMatch(/^hk-live-/);
		const windows = (await db().select().from(rateLimits).where(sql`${rateLimits.key} like 'hk:%'`)).map((r) => r.key);
		expect(windows).toEqual(['hk:now']);
		const keys = (await db().select().from(idempotencyKeys).where(eq(idempotencyKeys.apiKeyId, apiKeyId))).map((r) => r.key);
		expect(keys).toEqual(['new']);

		// Running again finds nothing more to do.
		const again = await housekeeping.run(db(), { uploadDays: 7 }, NOW);
		expect(again.debtorSessions + again.staffSessions + again.idempotencyKeys).toBe(0);
	});

	it('deletes uploaded files once their import is over or given up, and rejected rows after the retention', async () => {
		const done = await upload('done', ago(HOUR), ago(HOUR), [0, 1, -1], 20);
		const oldRejected = await upload('done', ago(8 * DAY), ago(8 * DAY), [0, -1, -2], 10);
		const waiting = await upload('validated', ago(DAY), null, [0, -1], 10);
		const forgotten = await upload('validated', ago(8 * DAY), null, [0, -1], 10);
		const stalled = await upload('uploaded', ago(2 * HOUR), null, [0], 50);
		const arriving = await upload('uploaded', ago(10 * MIN), null, [0], 50);

		const swept = await housekeeping.run(db(), { uploadDays: 7 }, NOW);
		expect(swept.uploadsAbandoned).toBeGreaterThanOrEqual(1);
		expect(swept.uploadsExpired).toBeGreaterThanOrEqual(1);

		expect(await pieces(done)).toEqual([-1]); // the file is gone, its rejected rows stay for a week
		expect(await pieces(oldRejected)).toEqual([]);
		expect(await pieces(waiting)).toEqual([-1, 0]); // still waiting for someone to import it
		expect(await pieces(forgotten)).toEqual([]);
		expect(await pieces(stalled)).toEqual([]);
		expect(await pieces(arriving)).toEqual([0]);
		const status = async (id: string) => (await db().select({ s: imports.status, f: imports.failure, p: imports.filePurgedAt }).from(imports).where(eq(imports.id, id)))[0];
		expect(await status(forgotten)).toMatchObject({ s: 'failed', f: expect.stringContaining('7 dias') });
		expect(await status(stalled)).toMatchObject({ s: 'failed', f: expect.stringContaining('interrompido') });
		expect((await status(done)).p).toBeInstanceOf(Date);
		expect(await status(waiting)).toMatchObject({ s: 'validated', p: null });
	});
});

describe('the job runner', () => {
	let app: App;
	afterAll(() => app?.stop());

	it('runs housekeeping on a schedule in every app process, and a queued job once', async () => {
		app = await startApp(inject('databaseUrl'));
		const crontabs = async () => (await db().execute<{ identifier: string }>(sql`select identifier from graphile_worker._private_known_crontabs`)).map((r) => r.identifier);
		// The schedule is registered by the runner moments after it starts.
		for (let i = 0; i < 50 && !(await crontabs()).includes('housekeeping'); i++) await new Promise((r) => setTimeout(r, 100));
		expect(await crontabs()).toContain('housekeeping');
		await db().insert(rateLimits).values({ key: 'hk:queued', windowStart: new Date(Date.now() - 2 * DAY), count: 1 });
		await jobs.enqueue(db(), 'housekeeping');
		const deadline = Date.now() + 20_000;
		let left = 1;
		while (left > 0 && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 200));
			left = (await db().select().from(rateLimits).where(eq(rateLimits.key, 'hk:queued'))).length;
		}
		expect(left).toBe(0);
		const pending = await db().execute(sql`select 1 from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'housekeeping' and j.run_at <= now()`);
		expect(pending).toHaveLength(0);
	});
});
