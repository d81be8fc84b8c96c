import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import * as campaigns from '../../src/lib/server/campaigns';
import * as messaging from '../../src/lib/server/messaging';
import { startApp, type App } from '../support/app-server';
import { startFakeWhatsApp, type FakeWhatsApp, whatsappEnv } from '../support/fakes/whatsapp';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';
import { groupBy } from '../../src/lib/util/group';

/**
 * Kill -9 mid-campaign and restart: nothing lost, nothing doubled. The built app sends a campaign
 * of 1,500 messages with its own job runner (its clock on a Monday at 10:00 in São Paulo), to a
 * fake WhatsApp that counts what it took; it is killed with SIGKILL while sending, and started
 * again. Every message ends sent or `unknown` (the ones that were on the wire at the kill: shown
 * to staff, never re-sent on their own), and the provider never took one twice.
 */

const DEBTORS = 1500;
const MONDAY_10H_SP = '2026-12-07 13:00:00';
const MONDAY_10H05_SP = '2026-12-07 13:05:00';
const WA = { token: 'wa-token-crash', phoneNumberId: '109876543219999', appSecret: 'segredo-crash', verifyToken: 'verifica-crash' };

let wa: FakeWhatsApp;
let app: App | undefined;
let campaignId: string;
let env: Record<string, string>;

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await f();
		if (v) return v;
		if (Date.now() > end) throw new Error(`esperando ${what}: o tempo acabou`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

let own: Awaited<ReturnType<typeof ownDatabase>>;

beforeAll(async () => {
	own = await ownDatabase('crash');
	wa = await startFakeWhatsApp(WA);
	env = {
		...whatsappEnv(wa, WA),
		// Slow enough to be caught mid-way (about 5 s for the whole campaign).
		WHATSAPP_RATE_PER_SECOND: '300'
	};
	const a = await factory.agency();
	const c = await factory.creditor(a.id);
	await db().execute(sql`
		insert into debtors (agency_id, document, name, phone, state)
		select ${a.id}::uuid, 'CRASH' || lpad(i::text, 6, '0'), 'Devedor ' || i, '+55119' || lpad((70000000 + i)::text, 8, '0'), 'SP'
		from generate_series(1, ${DEBTORS}) i`);
	await db().execute(sql`
		insert into debts (creditor_id, debtor_id, external_id, description, due_date, principal_cents)
		select ${c.id}::uuid, d.id, d.document, 'Carnê', current_date - 60, 10000 from debtors d where d.agency_id = ${a.id}::uuid`);
	const now = new Date();
	const saved = await campaigns.save(db(), { type: 'cli' }, {
		creditorId: c.id,
		body: {
			name: 'Campanha interrompida',
			channels: ['whatsapp'],
			templates: {
				whatsapp: {
					name: 'acerto_teste',
					language: 'pt_BR',
					body: 'Olá, {{1}}. {{2}} tem condições para você: {{3}} Confira: {{4}}',
					params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}']
				}
			},
			startsAt: new Date(now.getTime() - 60_000).toISOString(),
			endsAt: new Date(now.getTime() + 30 * 86_400_000).toISOString()
		}
	});
	if (!saved.ok) throw new Error(JSON.stringify(saved));
	campaignId = saved.id;
}, 120_000);

afterAll(async () => {
	await app?.stop();
	await wa?.close();
	await own?.drop();
});

describe('kill -9 in the middle of a campaign', () => {
	it('loses nothing and sends nothing twice', async () => {
		app = await startApp(process.env.DATABASE_URL!, env, { faketime: MONDAY_10H_SP });
		const started = await campaigns.start(db(), { type: 'cli' }, campaignId, new Date());
		expect(started).toMatchObject({ ok: true, targets: DEBTORS });

		await until('the first 400 messages at the provider', async () => wa.accepted.length >= 400);
		app.process.kill('SIGKILL');
		await new Promise((r) => app!.process.once('exit', r));
		const atKill = wa.accepted.length;
		expect(atKill).toBeLessThan(DEBTORS);

		// Started again a few minutes later (by its clock too).
		app = await startApp(process.env.DATABASE_URL!, env, { faketime: MONDAY_10H05_SP });
		await until('the rest of the campaign', async () => {
			const [r] = await db().execute<{ queued: number }>(sql`select count(*)::int as queued from outbox where campaign_id = ${campaignId}::uuid and status = 'queued'`);
			return r.queued === 0;
		});
		// What was on the wire at the kill: the housekeeping job marks it unknown after 5 minutes
		// (run here with the app's clock an hour later).
		await messaging.sweepStuck(db(), new Date('2026-12-07T14:00:00Z'));

		const rows = await db().execute<{ id: string; debtor_id: string; status: string }>(sql`select id, debtor_id, status from outbox where campaign_id = ${campaignId}::uuid`);
		expect(rows.length).toBe(DEBTORS);
		expect(new Set(rows.map((r) => r.debtor_id)).size).toBe(DEBTORS);
		const byStatus = Object.fromEntries(groupBy(rows, (r) => r.status));
		expect(Object.keys(byStatus).sort()).toEqual(byStatus.unknown ? ['sent', 'unknown'] : ['sent']);

		const taken = wa.accepted.map((m) => m.bizOpaque);
		expect(new Set(taken).size).toBe(taken.length); // never twice
		const takenSet = new Set(taken);
		for (const r of byStatus.sent ?? []) expect(takenSet.has(r.id)).toBe(true);
		// Only what was in flight at the kill is unknown: at most two batches.
		expect((byStatus.unknown ?? []).length).toBeLessThanOrEqual(1000);
		expect(wa.accepted.length).toBeGreaterThan(atKill);
	}, 240_000);
});
