// API batch upsert benchmark: 100,000 debts sent to the built app through POST /api/v1/debts:batch
// in batches of 10,000 (the API's maximum), one client, one batch at a time, as an ERP would:
// first as inserts, then the same debts again with a new principal (updates), then unchanged.
//
//   node bin/run-ts.js bench/api-upsert.ts
//   env: ROWS (100000), BATCH (10000), DEBTS_PER_DEBTOR (2), BENCH_DATABASE_URL, ACERTO_BUILD_DIR
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { generateCnpj, generateCpf } from '../src/lib/format/document';
import { seededRandom } from '../src/lib/server/import/generate';
import { addDays, todayInSaoPaulo } from '../src/lib/format/dates';
import {
	appEnv,
	ensureBuild,
	fmt,
	log,
	machine,
	machineBusySeconds,
	machineLine,
	percentile,
	postgresCpuSeconds,
	root,
	scratchDatabase,
	startServer,
	table,
	waitForQuiet,
	writeJson,
	type Server
} from './lib';

const ROWS = Math.max(1, Math.min(1_000_000, Number(process.env.ROWS ?? 100_000)));
const BATCH = Math.max(1, Math.min(10_000, Number(process.env.BATCH ?? 10_000)));
const PER_DEBTOR = Math.max(1, Number(process.env.DEBTS_PER_DEBTOR ?? 2));

type Pass = {
	name: string;
	rows: number;
	wallS: number;
	rowsPerS: number;
	batchMs: { p50: number; max: number; all: number[] };
	requestMb: number;
	counts: { inserted: number; updated: number; unchanged: number; invalid: number };
	serverCores: number;
	postgresCores: number;
	clientCores: number;
	machineCores: number;
	/** Busy cores not explained by the app, PostgreSQL and this client: other people's work. */
	otherCores: number;
};

function cpuSeconds(pid: number | undefined): number {
	if (!pid) return NaN;
	try {
		const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return (Number(f[11]) + Number(f[12])) / 100;
	} catch {
		return NaN;
	}
}

function acerto(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['bin/acerto.js', ...args], { cwd: root, env: { ...process.env, ...env } });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

/** ROWS debts for ROWS / PER_DEBTOR debtors, deterministic; `round` changes every principal. */
function items(round: number) {
	const rng = seededRandom(20_250_301);
	const today = todayInSaoPaulo();
	const debtors = Array.from({ length: Math.ceil(ROWS / PER_DEBTOR) }, (_, i) => ({
		document: generateCpf(rng),
		name: `Devedor de Teste ${i}`,
		phone: `+55119${String(80_000_000 + (i % 19_999_999)).padStart(8, '0')}`,
		state: ['SP', 'RJ', 'MG', 'BA', 'RS'][i % 5]
	}));
	return Array.from({ length: ROWS }, (_, i) => {
		const d = debtors[Math.floor(i / PER_DEBTOR)];
		return {
			debt_id: `API-${String(i).padStart(7, '0')}`,
			debtor_document: d.document,
			debtor_name: d.name,
			debtor_phone: d.phone,
			debtor_email: null,
			debtor_state: d.state,
			description: `Compra parcelada ${i}`,
			due_date: addDays(today, -(30 + (i % 700))),
			principal_cents: 10_000 + ((i * 7919) % 990_000) + round,
			late_fee_percent: i % 3 === 0 ? 2 : null,
			interest_monthly_percent: i % 3 === 0 ? 1 : null
		};
	});
}

async function pass(name: string, server: Server, key: string, all: ReturnType<typeof items>): Promise<Pass> {
	const pid = server.child.pid;
	const before = { server: cpuSeconds(pid), pg: postgresCpuSeconds(), all: machineBusySeconds(), self: process.cpuUsage() };
	const counts = { inserted: 0, updated: 0, unchanged: 0, invalid: 0 };
	const times: number[] = [];
	let bytes = 0;
	const t0 = performance.now();
	for (let i = 0; i < all.length; i += BATCH) {
		const body = JSON.stringify({ items: all.slice(i, i + BATCH) });
		bytes += Buffer.byteLength(body);
		const s = performance.now();
		const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/debts:batch`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `${name}-${i}` },
			body
		});
		const text = await res.text();
		times.push(performance.now() - s);
		if (res.status !== 200) throw new Error(`${name}: lote ${i / BATCH + 1}: HTTP ${res.status}\n${text.slice(0, 1000)}`);
		const r = JSON.parse(text);
		counts.inserted += r.inserted;
		counts.updated += r.updated;
		counts.unchanged += r.unchanged;
		counts.invalid += r.invalid;
	}
	const wallS = (performance.now() - t0) / 1000;
	const sorted = [...times].sort((a, b) => a - b);
	const self = process.cpuUsage(before.self);
	const serverCores = (cpuSeconds(pid) - before.server) / wallS;
	const postgresCores = (postgresCpuSeconds() - before.pg) / wallS;
	const clientCores = (self.user + self.system) / 1e6 / wallS;
	const machineCores = (machineBusySeconds() - before.all) / wallS;
	return {
		name,
		rows: all.length,
		wallS,
		rowsPerS: all.length / wallS,
		batchMs: { p50: percentile(sorted, 50), max: sorted.at(-1) ?? NaN, all: times.map((t) => Math.round(t)) },
		requestMb: bytes / 2 ** 20,
		counts,
		serverCores,
		postgresCores,
		clientCores,
		machineCores,
		otherCores: Math.max(0, machineCores - serverCores - postgresCores - clientCores)
	};
}

async function main() {
	log(`API upsert benchmark: ${fmt(ROWS)} debts through POST /api/v1/debts:batch, ${fmt(BATCH)} per call, one client.`);
	log(machineLine());
	const buildDir = process.env.ACERTO_BUILD_DIR ?? 'build';
	if (buildDir === 'build') ensureBuild();
	else if (!fs.existsSync(path.join(root, buildDir, 'handler.js'))) throw new Error(`${buildDir}/handler.js não existe: rode vite build com ACERTO_BUILD_DIR=${buildDir}`);

	const db = await scratchDatabase('api_upsert');
	log(`Scratch database ${db.name} on ${db.server} (PostgreSQL ${db.serverVersion}).`);
	let server: Server | undefined;
	try {
		const env = { ...appEnv(db.url), SEED_DEMO: 'never' };
		server = await startServer('app', ['bin/acerto.js', 'serve', '--no-build'], env);
		const slug = `bench-api-${Date.now().toString(36)}`;
		const made = await acerto(
			['creditor', 'add', '--cnpj', generateCnpj(Math.random), '--name', 'Credor do Benchmark Ltda.', '--slug', slug, '--address', 'Av. Paulista, 1000, São Paulo/SP',
				'--agency-cnpj', generateCnpj(Math.random), '--agency-name', 'Assessoria do Benchmark'],
			env
		);
		if (made.code !== 0) throw new Error(`creditor add: ${made.stderr}`);
		const keyed = await acerto(['apikey', 'create', '--creditor', slug, '--name', 'benchmark', '--scope', 'read_write'], env);
		if (keyed.code !== 0) throw new Error(`apikey create: ${keyed.stderr}`);
		const key = keyed.stdout.trim().split('\n').at(-1)!;

		const t = performance.now();
		const first = items(0);
		const second = items(1);
		log(`Generated ${fmt(ROWS)} items twice in ${fmt((performance.now() - t) / 1000, 1)} s.`);

		await waitForQuiet('api-upsert');
		const passes: Pass[] = [];
		passes.push(await pass('insert', server, key, first));
		passes.push(await pass('update', server, key, second));
		passes.push(await pass('unchanged', server, key, second));

		log('');
		log(
			table(
				['pass', 'rows', 'wall s', 'rows/s', 'batch p50 ms', 'batch max ms', 'inserted', 'updated', 'unchanged', 'app cores', 'pg cores', 'other cores'],
				passes.map((p) => [
					p.name,
					fmt(p.rows),
					fmt(p.wallS, 2),
					fmt(p.rowsPerS),
					fmt(p.batchMs.p50),
					fmt(p.batchMs.max),
					fmt(p.counts.inserted),
					fmt(p.counts.updated),
					fmt(p.counts.unchanged),
					fmt(p.serverCores, 2),
					fmt(p.postgresCores, 2),
					fmt(p.otherCores, 2)
				])
			)
		);
		const [ins, upd, same] = passes;
		const ok = ins.counts.inserted === ROWS && upd.counts.updated === ROWS && same.counts.unchanged === ROWS;
		if (!ok) log('WARNING: the counts are not what was sent: see the table.');
		const other = Math.max(...passes.map((p) => p.otherCores));
		if (other > 0.25) log(`WARNING: other processes used up to ${fmt(other, 2)} of the ${machine().cores} cores meanwhile: figures are disturbed; run again on a quiet machine.`);
		log('');
		log(`Insert: ${fmt(ins.rowsPerS)} rows/s. Update: ${fmt(upd.rowsPerS)} rows/s. Unchanged re-send: ${fmt(same.rowsPerS)} rows/s.`);
		log(`Each call carried ${fmt(ins.requestMb / passes[0].batchMs.all.length, 2)} MB of JSON; validation uses the CSV importer's rules, writes its upsert, all in one transaction per call.`);
		const file = writeJson('api-upsert', {
			benchmark: 'api-upsert',
			at: new Date().toISOString(),
			machine: machine(),
			database: { server: db.server, version: db.serverVersion },
			settings: { rows: ROWS, batch: BATCH, debtsPerDebtor: PER_DEBTOR, buildDir },
			passes,
			insertRowsPerS: ins.rowsPerS,
			updateRowsPerS: upd.rowsPerS,
			unchangedRowsPerS: same.rowsPerS,
			countsOk: ok
		});
		log(`Figures written to ${path.relative(process.cwd(), file)}.`);
	} finally {
		if (server) await server.stop();
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
