// Pix webhook benchmark: N installments with dynamic charges (cobv) at the fake PSP the tests use
// (HTTPS, mutual TLS, OAuth2, every call checked against the Central Bank's yaml), each paid there
// without a callback; then the N webhook calls the PSP would make (the spec's `{"pix": [...]}`, one
// Pix per call) posted to the built app all at once, over keep-alive. Reports accepted calls per
// second, the answers' p50/p99, the payments recorded (checked in the database: N, each once), the
// confirmations the app asked the PSP (`GET /pix/{e2eid}`) and the app's peak memory; then the same
// N calls again (a PSP retrying), which must record nothing new and ask the PSP nothing.
//
//   npm run bench:pix
//   env: N (1000), SETUP_CONCURRENCY (8: agreements and charges created at once), BENCH_DATABASE_URL
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { runMigrations } from '../src/lib/server/db/migrate';
import { appEnv, ensureBuild, fmt, log, machine, machineLine, peakRssMb, percentile, scratchDatabase, startServer, table, waitForQuiet, writeJson } from './lib';
import { closedPort } from '../tests/support/fakes/loopback';
import { startFakePsp, pixSpec, pspEnv, type FakePix, type FakePsp } from '../tests/support/fakes/psp';

const N = Math.max(1, Math.min(100_000, Number(process.env.N ?? 1000)));
const SETUP_CONCURRENCY = Math.max(1, Math.min(64, Number(process.env.SETUP_CONCURRENCY ?? 8)));
const TIMEOUT_MS = 120_000;
const CLIENT = { id: 'bench-psp-client', secret: 'bench-psp-secret' };
const WEBHOOK_SECRET = 'bench-segredo-do-webhook-pix';


/** Runs `work` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(limit, items.length) }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await work(items[i], i);
			}
		})
	);
	return out;
}

type Round = { calls: number; statuses: Record<string, number>; accepted: number; wallS: number; perSecond: number; p50: number; p99: number; max: number };

/** Posts every body at once (one keep-alive socket each) and times each answer. */
async function postAll(port: number, path: string, bodies: string[]): Promise<Round> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
	const latencies: number[] = [];
	const statuses: Record<string, number> = {};
	const t0 = performance.now();
	let last = t0;
	await Promise.all(
		bodies.map(
			(body) =>
				new Promise<void>((resolve) => {
					const start = performance.now();
					const done = (status: number) => {
						const end = performance.now();
						last = Math.max(last, end);
						latencies.push(end - start);
						statuses[status] = (statuses[status] ?? 0) + 1;
						resolve();
					};
					const req = http.request(
						{ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
						(res) => {
							res.resume();
							res.on('end', () => done(res.statusCode ?? 0));
							res.on('error', () => done(0));
						}
					);
					req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timeout')));
					req.on('error', () => done(0));
					req.end(body);
				})
		)
	);
	agent.destroy();
	latencies.sort((a, b) => a - b);
	const wallS = (last - t0) / 1000;
	const accepted = statuses['200'] ?? 0;
	return { calls: bodies.length, statuses, accepted, wallS, perSecond: accepted / wallS, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
}

async function main() {
	ensureBuild();
	const scratch = await scratchDatabase('pix');
	log(`Pix webhook benchmark: ${fmt(N)} Pix, one webhook call each, all at once · ${machineLine()}`);
	const fake = await startFakePsp({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
	let app: Awaited<ReturnType<typeof startServer>> | undefined;
	let closeDb: (() => Promise<void>) | undefined;
	try {
		await runMigrations(scratch.url);
		const port = await closedPort();
		const baseUrl = `http://127.0.0.1:${port}`;
		const env = { ...appEnv(scratch.url), ...pspEnv(fake, CLIENT, WEBHOOK_SECRET), SEED_DEMO: 'never', JOBS: 'off', PORT: String(port), PUBLIC_BASE_URL: baseUrl };
		// This process creates the charges as the app does on the first view of an installment, with the same settings.
		Object.assign(process.env, env);
		const { resetConfig } = await import('../src/lib/server/config');
		resetConfig();
		const client = await import('../src/lib/server/db/client');
		closeDb = client.closeDb;
		const db = client.db();
		const { installments, payments, reviewItems } = await import('../src/lib/server/db/schema');
		const psp = await import('../src/lib/server/payments/psp');
		const factory = await import('../tests/support/factory');
		const { todayInSaoPaulo } = await import('../src/lib/format/dates');
		const today = todayInSaoPaulo();

		log(`Setting up ${fmt(N)} agreements with a charge each at the PSP…`);
		const t0 = performance.now();
		const agency = await factory.agency();
		const creditor = await factory.creditor(agency.id);
		const agreementIds = await pool(Array.from({ length: N }), SETUP_CONCURRENCY, async () => {
			const d = await factory.debtor(agency.id);
			const t = await factory.debt(creditor.id, d.id);
			return (await factory.acceptPlan(d, [t.id], 1, today)).id;
		});
		const insts = await db.select().from(installments).where(inArray(installments.agreementId, agreementIds));
		const charged = await pool(insts, SETUP_CONCURRENCY, (i) => psp.ensureCharge(db, i.id, { baseUrl, today }));
		const txids = charged.map((i) => i?.pspTxid).filter((t): t is string => !!t && fake.charges.has(t));
		if (insts.length !== N || txids.length !== N) throw new Error(`esperadas ${N} cobranças, criadas ${txids.length} (parcelas: ${insts.length})`);
		// Paid at the PSP; the PSP calls nobody: the benchmark makes the calls.
		const paid: FakePix[] = txids.map((txid) => fake.pay(txid));
		const bodies = paid.map(({ chave: _c, ...pix }) => JSON.stringify({ pix: [pix] }));
		for (const b of bodies) {
			const e = pixSpec().validate(pixSpec().webhookBodySchema(), JSON.parse(b));
			if (e) throw new Error(`corpo do webhook fora da especificação: ${e}`);
		}
		const setupS = (performance.now() - t0) / 1000;
		log(`Set up in ${fmt(setupS, 1)} s.`);

		app = await startServer('app', [...(process.env.BENCH_APP_NODE_FLAGS?.split(' ') ?? []), 'bin/acerto.js', 'serve', '--no-build'], env);
		if (app.port !== port) throw new Error(`o app escuta em ${app.port}, não em ${port}`);
		const path = `/webhooks/pix/env/${WEBHOOK_SECRET}/pix`;
		const e2eids = paid.map((p) => p.endToEndId);
		const confirmations = () => fake.seen.filter((s) => s.method === 'GET' && /^\/api\/v2\/pix\/[^/]+$/.test(s.path)).length;

		/** What the database holds for these Pix: payments, distinct ones, installments paid more than once, kept for review. */
		const inDatabase = async () => {
			const [p] = await db
				.select({ n: sql<number>`count(*)::int`, distinct: sql<number>`count(distinct ${payments.externalId})::int`, installments: sql<number>`count(distinct ${payments.installmentId})::int` })
				.from(payments)
				.where(and(eq(payments.source, 'webhook'), inArray(payments.externalId, e2eids)));
			const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(reviewItems).where(and(eq(reviewItems.source, 'pix'), inArray(reviewItems.sourceRef, e2eids)));
			return { payments: p.n, distinct: p.distinct, installments: p.installments, review: r.n };
		};

		const rounds: { name: string; round: Round; recorded: number; confirmations: number; tokens: number; peakRssMb: number; db: Awaited<ReturnType<typeof inDatabase>> }[] = [];
		for (const name of ['first delivery', 'replay'] as const) {
			await waitForQuiet(`pix ${name}`);
			const before = { db: await inDatabase(), confirmations: confirmations(), tokens: fake.tokensIssued };
			log(`Posting ${fmt(N)} webhook calls at once (${name})…`);
			const round = await postAll(port, path, bodies);
			const after = await inDatabase();
			rounds.push({
				name,
				round,
				recorded: after.payments - before.db.payments,
				confirmations: confirmations() - before.confirmations,
				tokens: fake.tokensIssued - before.tokens,
				peakRssMb: peakRssMb(app.child.pid!),
				db: after
			});
		}

		const [first, replay] = rounds;
		const checks = {
			firstAllAccepted: first.round.accepted === N,
			recordedN: first.recorded === N && first.db.distinct === N && first.db.installments === N,
			confirmedEachOnce: first.confirmations === N,
			replayAllAccepted: replay.round.accepted === N,
			replayRecordedNone: replay.recorded === 0 && replay.db.payments === N,
			replayAskedNothing: replay.confirmations === 0,
			nothingForReview: replay.db.review === 0,
			pspSawNoViolation: fake.violations.length === 0
		};
		const row = (label: string, f: (r: (typeof rounds)[number]) => string) => [label, ...rounds.map(f)];
		log('');
		log(
			table(
				['Measure', 'First delivery', 'Replay'],
				[
					row('webhook calls (one Pix each)', (r) => fmt(r.round.calls)),
					row('answers by status', (r) => Object.entries(r.round.statuses).map(([s, n]) => `${s}: ${fmt(n)}`).join(', ')),
					row('wall time, first call to last answer', (r) => `${fmt(r.round.wallS, 2)} s`),
					row('accepted calls/s', (r) => fmt(r.round.perSecond)),
					row('answer p50 / p99 / max', (r) => `${fmt(r.round.p50)} / ${fmt(r.round.p99)} / ${fmt(r.round.max)} ms`),
					row('payments recorded (new)', (r) => fmt(r.recorded)),
					row('payments in the database: rows / distinct e2eid / installments', (r) => `${fmt(r.db.payments)} / ${fmt(r.db.distinct)} / ${fmt(r.db.installments)}`),
					row('kept for review', (r) => fmt(r.db.review)),
					row('PSP confirmations (GET /pix/{e2eid})', (r) => fmt(r.confirmations)),
					row('PSP tokens issued', (r) => fmt(r.tokens)),
					row('app peak RSS (since start)', (r) => `${fmt(r.peakRssMb)} MB`)
				]
			)
		);
		log(`Set-up (not timed above): ${fmt(setupS, 1)} s for ${fmt(N)} agreements and charges.`);
		for (const [k, ok] of Object.entries(checks)) if (!ok) log(`CHECK FAILED: ${k}`);
		if (fake.violations.length > 0) log(`PSP violations: ${fake.violations.slice(0, 5).join(' | ')}`);
		const file = writeJson('pix-webhooks', {
			at: new Date().toISOString(),
			machine: machine(),
			database: { server: scratch.server, version: scratch.serverVersion },
			settings: { n: N, setupConcurrency: SETUP_CONCURRENCY },
			setupS,
			results: rounds,
			checks
		});
		log(`Figures written to ${file}`);
		if (Object.values(checks).some((ok) => !ok)) process.exitCode = 1;
	} finally {
		await app?.stop();
		await closeDb?.();
		await fake.close();
		await scratch.drop();
	}
}

main().then(
	() => process.exit(process.exitCode ?? 0),
	(e) => {
		console.error(e);
		process.exit(1);
	}
);
