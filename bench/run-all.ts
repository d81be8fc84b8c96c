// Runs the three benchmarks one after the other (each in its own process, its output shown as it
// comes) and prints a Markdown summary for the README from their bench/.out/*.json figures.
//
//   npm run bench        (the env of each benchmark passes through: ROWS, DURATION_S, …)
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fmt, log, machine, outDir, root, writeJson } from './lib';

const BENCHES = ['journey', 'frontend', 'import'] as const;
type Name = (typeof BENCHES)[number];
const TIMEOUT_MS = 60 * 60_000;

function run(name: Name): Promise<number | null> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['bin/run-ts.js', `bench/${name}.ts`], { cwd: root, stdio: 'inherit' });
		const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve(code);
		});
	});
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function read(name: Name, since: number): Json | null {
	const file = path.join(outDir, `${name}.json`);
	if (!fs.existsSync(file)) return null;
	const data = JSON.parse(fs.readFileSync(file, 'utf8'));
	return Date.parse(data.at) >= since ? data : null;
}

const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');

function markdown(results: Record<Name, Json | null>, codes: Record<Name, number | null>): string {
	const m = machine();
	const pgVersion = results.journey?.database?.version ?? results.import?.database?.version ?? '?';
	const lines = [
		`### Benchmarks`,
		'',
		`Measured ${new Date().toISOString().slice(0, 10)} on ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB RAM, Node ${m.node}, ` +
			`PostgreSQL ${String(pgVersion).split(' ')[0]} on the same machine; load generator, app and database share the ${m.cores} cores. ` +
			'`npm run bench` reproduces them (figures in `bench/.out/*.json`).',
		'',
		'| Benchmark | Measure | Acerto | Baseline | Ratio | Goal | Met |',
		'|---|---|--:|--:|--:|---|---|'
	];
	const j = results.journey;
	if (j) {
		const fl = j.floor;
		if (fl) lines.push(`| Journey: ${fl.page}, ${j.settings.users} connections | req/s (p50 / p99 ms) | ${fmt(fl.rpsMedian)} (${fmt(fl.p50, 1)} / ${fmt(fl.p99, 1)}) | — | — | — | — |`);
		for (const p of j.pages) {
			lines.push(
				`| Journey: ${p.page}, ${j.settings.users} connections, ${j.settings.processes ?? 1} process(es) | req/s (p50 / p99 ms) | ${fmt(p.rpsMedian)} (${fmt(p.p50, 1)} / ${fmt(p.p99, 1)}) | ` +
					`the floor in the same cycles | ${fmt(p.ratio, 2)}, p99 ${fmt(p.p99OverFloor, 2)}× | ` +
					`≥ ${j.goals.ratio[p.key]}, p99 ≤ ${j.goals.p99OverFloor}× | ${yes(p.ratio >= j.goals.ratio[p.key] && p.p99OverFloor <= j.goals.p99OverFloor)} |`
			);
		}
	} else lines.push(`| Journey | — | failed (exit ${codes.journey}) | | | | |`);
	const f = results.frontend;
	if (f) {
		for (const p of f.pages) {
			lines.push(
				`| Front end: ${p.page} | JS / CSS gzip (files) | ${kb(p.js.gzip)} / ${kb(p.css.gzip)} (${p.js.files + p.css.files}) | — | — | ` +
					`JS ≤ ${f.goals.jsGzipBytes / 1024} KB | ${yes(p.js.gzip <= f.goals.jsGzipBytes)} |`
			);
		}
		if (f.serviceWorker) {
			const sw = f.serviceWorker;
			lines.push(`| Front end: service worker precache, after load | gzip (files) | ${kb(sw.scriptGzip + sw.js + sw.css + sw.other)} (${sw.files + 1}) | — | — | — | — |`);
		}
	} else lines.push(`| Front end | — | failed (exit ${codes.frontend}) | | | | |`);
	const i = results.import;
	if (i) {
		lines.push(
			`| Import ${fmt(i.settings.rows)} rows (${i.settings.encoding}) | rows/s (peak RSS) | ${fmt(i.importer.rowsPerS)} (${fmt(i.importer.maxRssMb)} MB) | ` +
				`${fmt(i.copy.rowsPerS)} (COPY into an all-text table) | ${fmt(i.ratio, 2)} | ≥ ${i.goals.ratio} | ${yes(i.ratio >= i.goals.ratio)} |`
		);
		if (i.databaseAlone) {
			lines.push(
				`| Import: PostgreSQL alone, the same upserts in SQL from a staging table | rows/s | ${fmt(i.databaseAlone.rowsPerS)} | ` +
					`${fmt(i.copy.rowsPerS)} (COPY) | ${fmt(i.databaseAlone.rowsPerS / i.copy.rowsPerS, 2)} | — | — |`
			);
		}
	} else lines.push(`| Import | — | failed (exit ${codes.import}) | | | | |`);
	const disturbed: string[] = [];
	const jOther = j ? Math.max(...j.pages.map((p: Json) => p.otherCores)) : 0;
	if (jOther > 0.25) disturbed.push(`up to ${fmt(jOther, 2)} cores during the journey runs`);
	const iOther = i?.otherCores ? Math.max(i.otherCores.importer, i.otherCores.copy) : 0;
	if (iOther > 0.25) disturbed.push(`up to ${fmt(iOther, 2)} cores during the import`);
	if (disturbed.length > 0) {
		lines.push('', `Other processes on the machine used ${disturbed.join(' and ')}: those figures are lower than a quiet machine gives.`);
	}
	return lines.join('\n');
}

async function main() {
	const since = Date.now();
	const codes = {} as Record<Name, number | null>;
	for (const name of BENCHES) {
		log('');
		log(`=== bench/${name}.ts ===`);
		codes[name] = await run(name);
		if (codes[name] !== 0) log(`bench/${name}.ts exited with ${codes[name]}`);
	}
	const results = Object.fromEntries(BENCHES.map((n) => [n, read(n, since)])) as Record<Name, Json | null>;
	const md = markdown(results, codes);
	log('');
	log('=== Summary (Markdown) ===');
	log('');
	log(md);
	fs.writeFileSync(path.join(outDir, 'summary.md'), md + '\n');
	writeJson('summary', { at: new Date().toISOString(), machine: machine(), exitCodes: codes, markdown: md });
	log('');
	log(`Also in ${path.relative(process.cwd(), path.join(outDir, 'summary.md'))}.`);
	process.exit(Object.values(codes).every((c) => c === 0) ? 0 : 1);
}

void main();
