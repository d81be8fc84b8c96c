// Campaign benchmark: a campaign to 100,000 debtors sent by the app's own job runner through fake
// providers on loopback (WhatsApp Cloud API and SMTP, the fakes the tests use), with the contact
// rules evaluated for every message, while 50 debtors browse the portal. Reports messages/s,
// the app's peak memory, and the portal's p99 during the campaign against the same load without one.
//
// The app runs under libfaketime on a Monday at 10:00 in São Paulo, so the contact hours allow
// every message whatever the hour of the run; providers' own rate limits are set out of the way
// (the goal is that the providers' limits, not Acerto, set the pace).
//
//   npm run bench:campaign
//   env: DEBTORS (100000), EMAIL_SHARE (0.1: debtors reachable only by e-mail), USERS (50),
//        PORTAL_RPS (50: the portal's traffic meanwhile, an open loop), BENCH_DATABASE_URL
//   to see where the time goes: ACERTO_TRACE_DELIVERY=1 (the sender's time per phase),
//        BENCH_AUTO_EXPLAIN_MS=100 (PostgreSQL's auto_explain logs the plans of the scratch
//        database's statements slower than that, with their timings, in the server's log),
//        BENCH_APP_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (node flags for the app)
import fs from 'node:fs';
import postgres from 'postgres';
import { runMigrations } from '../src/lib/server/db/migrate';
import { addDebtorsWithSessions } from './fixtures';
import { runLoad, type LoadResult } from './load';
import { appEnv, ensureBuild, fmt, log, machine, machineBusySeconds, machineLine, peakRssMb, postgresCpuSeconds, scratchDatabase, startServer, table, waitForQuiet, writeJson } from './lib';
import { startFakeWhatsApp, whatsappEnv } from '../tests/support/fakes/whatsapp';
import { startFakeSmtp } from '../tests/support/fakes/smtp';
import { faketimeEnv } from '../tests/support/faketime';

const DEBTORS = Math.max(100, Math.min(2_000_000, Number(process.env.DEBTORS ?? 100_000)));
const EMAIL_SHARE = Math.max(0, Math.min(1, Number(process.env.EMAIL_SHARE ?? 0.1)));
const USERS = Math.max(1, Math.min(500, Number(process.env.USERS ?? 50)));
const LOAD_MS = 20_000;
/** The portal's traffic meanwhile: debtors opening their debts page at this many requests per second. */
const PORTAL_RPS = Math.max(1, Number(process.env.PORTAL_RPS ?? 50));
const GOAL_MPS = 1000;
const FAKE_NOW = '2026-12-07 13:00:00'; // UTC: Monday 10:00 in São Paulo
const WA = { token: 'bench-wa-token', phoneNumberId: '100200300400500', appSecret: 'bench-app-secret', verifyToken: 'bench-verify' };

/** CPU seconds a process has used (user + system). */
function processCpuSeconds(pid: number): number {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(f[11]) + Number(f[12])) / 100;
}

/** Where the machine's CPU went: the app, PostgreSQL, this process (fake providers and the portal's load), everything. */
function cpuNow(appPid: number) {
	const own = process.cpuUsage();
	return { app: processCpuSeconds(appPid), postgres: postgresCpuSeconds(), bench: (own.user + own.system) / 1e6, machine: machineBusySeconds() };
}

async function seed(url: string): Promise<{ creditorId: string; agencyId: string }> {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		const [c] = await sql<{ id: string; agency_id: string }[]>`select id, agency_id from creditors where slug = 'aurora'`;
		const emailEvery = EMAIL_SHARE > 0 ? Math.round(1 / EMAIL_SHARE) : 0;
		// One statement each: debtors in SP with a mobile (every n-th with e-mail only), one open debt each.
		await sql`
			insert into debtors (agency_id, document, name, phone, email, state)
			select ${c.agency_id}::uuid, lpad(i::text, 11, '0'), 'Devedor ' || i || ' da Silva',
				case when ${emailEvery} > 0 and i % ${emailEvery || 1} = 0 then null else '+55119' || lpad(i::text, 8, '0') end,
				case when ${emailEvery} > 0 and i % ${emailEvery || 1} = 0 then 'devedor' || i || '@example.com' else null end,
				'SP'
			from generate_series(1, ${DEBTORS}) i`;
		await sql`
			insert into debts (creditor_id, debtor_id, external_id, description, due_date, principal_cents)
			select ${c.id}::uuid, d.id, 'CAMP-' || d.document, 'Carnê de compra', current_date - 120, 10000 + (hashtext(d.document) & 65535)
			from debtors d where d.document ~ '^[0-9]{11}$' and d.name like 'Devedor %'`;
		await sql`analyze`;
		return { creditorId: c.id, agencyId: c.agency_id };
	} finally {
		await sql.end({ timeout: 5 });
	}
}

async function main() {
	ensureBuild();
	const db = await scratchDatabase('campaign');
	process.env.APP_SECRET = 'bench-secret-' + 'x'.repeat(40);
	log(`Campaign benchmark: ${fmt(DEBTORS)} debtors, ${fmt(EMAIL_SHARE * 100)} % by e-mail only, portal at ${PORTAL_RPS} req/s from ${USERS} debtors · ${machineLine()}`);
	const wa = await startFakeWhatsApp(WA);
	// The fake keeps what it receives without parsing it: its cost is the benchmark's, not the app's.
	const smtp = await startFakeSmtp({ parse: false });
	let app: Awaited<ReturnType<typeof startServer>> | undefined;
	try {
		await runMigrations(db.url);
		if (process.env.BENCH_AUTO_EXPLAIN_MS) {
			const a = postgres(db.url, { max: 1 });
			const name = new URL(db.url).pathname.slice(1);
			await a.unsafe(`alter database "${name}" set session_preload_libraries = 'auto_explain'`);
			await a.unsafe(`alter database "${name}" set auto_explain.log_min_duration = '${process.env.BENCH_AUTO_EXPLAIN_MS}ms'`);
			await a.unsafe(`alter database "${name}" set auto_explain.log_analyze = on`);
			await a.unsafe(`alter database "${name}" set auto_explain.log_buffers = on`);
			await a.end();
		}
		const env = {
			...appEnv(db.url),
			...whatsappEnv(wa, WA),
			WHATSAPP_RATE_PER_SECOND: '10000',
			SMTP_URL: smtp.url,
			MAIL_FROM: 'Cobrança <cobranca@acerto.example>',
			EMAIL_RATE_PER_SECOND: '10000'
		};
		// First start seeds the demo (creditor "aurora"); the campaign's debtors are added to it.
		app = await startServer('app', [...(process.env.BENCH_APP_NODE_FLAGS?.split(' ') ?? []), 'bin/acerto.js', 'serve', '--no-build'], { ...env, ...faketimeEnv(FAKE_NOW) });
		const { creditorId } = await seed(db.url);
		const users = await addDebtorsWithSessions(db.url, 'aurora', USERS, 3);
		const load = () =>
			runLoad({ port: app!.port, users: users.map((u) => ({ path: '/c/aurora/dividas', cookie: u.cookie })), warmupMs: 2_000, durationMs: LOAD_MS, rate: PORTAL_RPS });

		await waitForQuiet('campaign');
		log('Portal alone (debts page)…');
		const alone: LoadResult = await load();

		process.env.DATABASE_URL = db.url;
		const { resetConfig } = await import('../src/lib/server/config');
		resetConfig();
		const { db: appDb, closeDb } = await import('../src/lib/server/db/client');
		const campaigns = await import('../src/lib/server/campaigns');
		const now = new Date();
		const saved = await campaigns.save(appDb(), { type: 'cli' }, {
			creditorId,
			body: {
				name: 'Benchmark',
				segment: { agreement: 'none' },
				channels: ['whatsapp', 'email'],
				templates: {
					whatsapp: {
						name: 'acerto_bench',
						language: 'pt_BR',
						body: 'Olá, {{1}}. {{2}} tem condições para você: {{3}} Confira se é verdade: {{4}}',
						params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}']
					},
					email: { subject: '{{credor}}: condições para você', body: 'Olá, {{primeiro_nome}}.\n\n{{credor}} tem condições para você: {{link}}\n\nConfira se é verdade em {{golpe}}.' }
				},
				startsAt: new Date(now.getTime() - 60_000).toISOString(),
				endsAt: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
				ratePerMinute: 600_000
			}
		});
		if (!saved.ok) throw new Error(`campanha recusada: ${JSON.stringify(saved)}`);
		const t0 = performance.now();
		const started = await campaigns.start(appDb(), { type: 'cli' }, saved.id, now);
		if (!started.ok) throw new Error(started.message);
		const startMs = performance.now() - t0;
		const cpu0 = cpuNow(app.child.pid!);
		const targets = started.targets ?? 0;
		log(`Started: ${fmt(targets)} messages queued in ${fmt(startMs / 1000, 1)} s; sending…`);

		const sql = postgres(db.url, { max: 1, onnotice: () => {} });
		const samples: { t: number; done: number }[] = [];
		let first = NaN;
		let loadDuring: LoadResult | null = null;
		const loadPromise = (async () => {
			// The portal under the same load while the campaign runs.
			await new Promise((r) => setTimeout(r, 1_000));
			loadDuring = await load();
		})();
		for (;;) {
			// Progress from the fake providers (free); the database is asked only once they have
			// everything, until the app has recorded the last message (a count over the whole queue
			// every 250 ms cost PostgreSQL a fifth of a core).
			const atFakes = wa.accepted.length + smtp.messages.length;
			const t = performance.now();
			if (Number.isNaN(first) && atFakes > 0) first = t;
			samples.push({ t, done: atFakes });
			// (Every 5 s as well, in case some message never reaches a provider.)
			if (atFakes >= targets || samples.length % 20 === 0) {
				const [r] = await sql<{ left: number }[]>`
					select count(*)::int as left from outbox where campaign_id = ${saved.id}::uuid and status in ('queued', 'sending')`;
				if (r.left === 0) {
					samples.push({ t: performance.now(), done: atFakes });
					break;
				}
			}
			if (t - t0 > 30 * 60_000) throw new Error('a campanha não terminou em 30 minutos');
			await new Promise((res) => setTimeout(res, 250));
		}
		const last = samples.at(-1)!.t;
		const cpu1 = cpuNow(app.child.pid!);
		await loadPromise;
		const [counts] = await sql<{ sent: number; skipped: number; failed: number; unknown: number }[]>`
			select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'skipped')::int as skipped,
				count(*) filter (where status = 'failed')::int as failed, count(*) filter (where status = 'unknown')::int as unknown
			from outbox where campaign_id = ${saved.id}::uuid`;
		await sql.end({ timeout: 5 });
		await closeDb();
		const seconds = (last - first) / 1000;
		const mps = counts.sent / seconds;
		const rss = peakRssMb(app.child.pid!);
		const during = loadDuring as LoadResult | null;
		// CPU per 1,000 messages while they were sent (the portal's load included).
		const per1000 = (k: keyof ReturnType<typeof cpuNow>) => ((cpu1[k] - cpu0[k]) / Math.max(1, counts.sent)) * 1000;
		const cpu = { app: per1000('app'), postgres: per1000('postgres'), bench: per1000('bench'), machine: per1000('machine') };
		const duplicates = wa.accepted.length - new Set(wa.accepted.map((m) => m.bizOpaque)).size;

		log('');
		log(
			table(
				['Measure', 'Value'],
				[
					['messages', fmt(targets)],
					['sent (WhatsApp / e-mail at the fakes)', `${fmt(wa.accepted.length)} / ${fmt(smtp.messages.length)}`],
					['skipped / failed / unknown', `${fmt(counts.skipped)} / ${fmt(counts.failed)} / ${fmt(counts.unknown)}`],
					['duplicates at the provider', fmt(duplicates)],
					['queueing (start)', `${fmt(startMs / 1000, 1)} s`],
					['sending', `${fmt(seconds, 1)} s`],
					['messages/s (rules evaluated)', fmt(mps)],
					['app peak RSS', `${fmt(rss)} MB`],
					['CPU s per 1,000 messages: app / PostgreSQL / fakes + load / whole machine', `${fmt(cpu.app, 2)} / ${fmt(cpu.postgres, 2)} / ${fmt(cpu.bench, 2)} / ${fmt(cpu.machine, 2)}`],
					['portal alone: req/s, p99', `${fmt(alone.rps)}, ${fmt(alone.p99, 1)} ms`],
					['portal during the campaign: req/s, p99', during ? `${fmt(during.rps)}, ${fmt(during.p99, 1)} ms` : '—']
				]
			)
		);
		if (process.env.ACERTO_TRACE_DELIVERY === '1') {
			// The sender's own account of its time (milliseconds per phase, summed over its runs).
			const sums: Record<string, number> = {};
			for (const line of app.output().split('\n')) {
				if (!line.includes('"trace"')) continue;
				for (const [k, v] of Object.entries(JSON.parse(line) as Record<string, unknown>)) if (typeof v === 'number') sums[k] = (sums[k] ?? 0) + v;
			}
			log(`Sender trace (ms): ${JSON.stringify(sums)}`);
		}
		log(`Goal ≥ ${fmt(GOAL_MPS)} messages/s: ${mps >= GOAL_MPS ? 'met' : 'NOT met'}`);
		writeJson('campaign', {
			at: new Date().toISOString(),
			machine: machine(),
			database: { server: db.server, version: db.serverVersion },
			settings: { debtors: DEBTORS, emailShare: EMAIL_SHARE, users: USERS, portalRps: PORTAL_RPS, loadMs: LOAD_MS },
			results: { targets, ...counts, whatsapp: wa.accepted.length, email: smtp.messages.length, duplicates, startS: startMs / 1000, sendS: seconds, mps, peakRssMb: rss, cpuSecondsPer1000: cpu, portalAlone: alone, portalDuring: during },
			goal: { mps: GOAL_MPS, met: mps >= GOAL_MPS }
		});
	} finally {
		await app?.stop();
		await wa.close();
		await smtp.close();
		const { closeTransports } = await import('../src/lib/server/messaging/email');
		closeTransports();
		await db.drop();
	}
}

main().then(
	() => process.exit(0),
	(e) => {
		console.error(e);
		process.exit(1);
	}
);
