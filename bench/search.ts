// Back-office search latency on a million debtors: generates a portfolio, imports it with the
// real importer (`acerto import`), then times backoffice search for each kind of query, as agency
// staff and as staff of one creditor. ROWS (default 1,000,000) and SAMPLES (default 60) change it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { runMigrations } from '../src/lib/server/db/migrate';
import { generateCsv } from '../src/lib/server/import/generate';
import { fmt, log, machine, machineLine, outDir, percentile, root, scratchDatabase, table, writeJson } from './lib';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const SAMPLES = Number(process.env.SAMPLES ?? 60);

const scratch = await scratchDatabase('search');
try {
	log(`Search benchmark — ${machineLine()}`);
	await runMigrations(scratch.url);
	process.env.DATABASE_URL = scratch.url;
	const { db, closeDb } = await import('../src/lib/server/db/client');
	const { demoIfEmpty } = await import('../src/lib/server/seed');
	const { search } = await import('../src/lib/server/backoffice/search');
	const { formatDocument } = await import('../src/lib/format/document');
	await demoIfEmpty(db());

	fs.mkdirSync(outDir, { recursive: true });
	const files: [string, number, string, string][] = [
		[path.join(outDir, 'search-aurora.csv'), Math.round(ROWS * 0.85), '11222333000181', 'AUR-'],
		[path.join(outDir, 'search-horizonte.csv'), Math.round(ROWS * 0.15), '33445566000186', 'HZ-']
	];
	for (const [file, rows, cnpj, prefix] of files) {
		log(`Generating ${fmt(rows)} rows for ${cnpj}…`);
		await generateCsv(file, { rows, creditorCnpj: cnpj, seed: rows, debtIdPrefix: prefix });
		log('Importing with acerto import…');
		const r = spawnSync(process.execPath, ['bin/acerto.js', 'import', file], { cwd: root, env: { ...process.env, DATABASE_URL: scratch.url }, stdio: ['ignore', 'inherit', 'inherit'] });
		fs.rmSync(file, { force: true });
		if (r.status !== 0) throw new Error('import failed');
	}
	const real = db();
	await real.execute(sql`analyze`);
	const [{ debtors, debts }] = await real.execute<{ debtors: number; debts: number }>(sql`select (select count(*) from debtors)::int as debtors, (select count(*) from debts)::int as debts`);
	const agency = (await real.execute<{ id: string }>(sql`select id from agencies limit 1`))[0].id;
	const hz = (await real.execute<{ id: string }>(sql`select id from creditors where slug = 'horizonte'`))[0].id;
	const people = await real.execute<{ document: string; phone: string | null; name: string }>(sql`select document, phone, name from debtors tablesample system (1) limit ${SAMPLES}`);
	const contracts = await real.execute<{ external_id: string }>(sql`select external_id from debts tablesample system (1) limit ${SAMPLES}`);
	const kinds: Record<string, string[]> = {
		'CPF/CNPJ (punctuated)': people.map((p) => formatDocument(p.document)),
		phone: people.filter((p) => p.phone).map((p) => `(${p.phone!.slice(3, 5)}) ${p.phone!.slice(5, 10)}-${p.phone!.slice(10)}`),
		'contract id, exact': contracts.map((c) => c.external_id),
		'contract id, last 6': contracts.map((c) => c.external_id.slice(-6)),
		'full name': people.map((p) => p.name),
		'two words, no accents': people.map((p) => p.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().split(' ').slice(1, 3).join(' '))
	};
	const rows: (string | number)[][] = [];
	const results: unknown[] = [];
	for (const scoped of [false, true]) {
		const who = { id: 'bench', agencyId: agency, creditorId: scoped ? hz : null, role: 'viewer' as const, email: 'bench@acerto', name: 'bench' };
		for (const [kind, queries] of Object.entries(kinds)) {
			const times: number[] = [];
			for (const q of queries) {
				const t0 = performance.now();
				await search(real, who, q);
				times.push(performance.now() - t0);
			}
			times.sort((a, b) => a - b);
			const p50 = percentile(times, 50);
			const p99 = percentile(times, 99);
			rows.push([scoped ? 'one creditor' : 'agency', kind, queries.length, fmt(p50, 1), fmt(p99, 1)]);
			results.push({ scope: scoped ? 'creditor' : 'agency', kind, n: queries.length, p50, p99 });
		}
	}
	log(`\n${fmt(debtors)} debtors, ${fmt(debts)} debts (${scratch.server}, PostgreSQL ${scratch.serverVersion})`);
	log(table(['staff', 'query', 'n', 'p50 ms', 'p99 ms'], rows));
	writeJson('search', { benchmark: 'search', at: new Date().toISOString(), machine: machine(), debtors, debts, results });
	await closeDb();
} finally {
	await scratch.drop();
}
