// Import benchmark: a generated portfolio CSV (1,000,000 rows by default) imported with the CLI
// (`acerto import`, which validates every row and upserts debtors and debts in one transaction),
// against the floor: PostgreSQL's COPY of the same file into a bare all-text table, and beside
// what PostgreSQL alone needs for the same upserts on this schema (from a staging table, in SQL).
//
//   npm run bench:import
//   env: ROWS (1000000), ENCODING (utf-8 | windows-1252), BOM=1 (UTF-8 byte-order mark, as Excel's
//        "CSV UTF-8"), KEEP_CSV=1 (leave the file in bench/.out), BENCH_DATABASE_URL
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import postgres from 'postgres';
import { runMigrations } from '../src/lib/server/db/migrate';
import { generateCsv, seededRandom } from '../src/lib/server/import/generate';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS } from '../src/lib/server/import/rows';
import { generateCnpj } from '../src/lib/format/document';
import { fmt, log, machine, machineBusySeconds, machineLine, outDir, postgresCpuSeconds, root, scratchDatabase, table, waitForQuiet, writeJson } from './lib';

const ROWS = Math.max(1, Math.min(20_000_000, Number(process.env.ROWS ?? 1_000_000)));
const ENCODING = process.env.ENCODING === 'windows-1252' ? 'windows-1252' : 'utf-8';
const BOM = process.env.BOM === '1' && ENCODING === 'utf-8';
const GOAL_RATIO = 0.3;
const STEP_TIMEOUT_MS = 45 * 60_000;

type Timed = {
	code: number | null;
	stdout: string;
	stderr: string;
	wallS: number;
	/** From /usr/bin/time -v. */
	maxRssMb: number;
	userS: number;
	systemS: number;
	/** CPU the PostgreSQL server processes used meanwhile (all of them, other users' included). */
	postgresCpuS: number;
	/** CPU the whole machine used meanwhile. */
	machineCpuS: number;
};

/** Runs a command under `/usr/bin/time -v`, bounded in time. */
function timed(cmd: string, args: string[], env: Record<string, string>): Promise<Timed> {
	return new Promise((resolve, reject) => {
		const pg0 = postgresCpuSeconds();
		const all0 = machineBusySeconds();
		const t0 = performance.now();
		const child = spawn('/usr/bin/time', ['-v', cmd, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-200_000)));
		child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-200_000)));
		const timer = setTimeout(() => child.kill('SIGTERM'), STEP_TIMEOUT_MS);
		child.on('error', reject);
		child.on('exit', (code) => {
			clearTimeout(timer);
			const wallS = (performance.now() - t0) / 1000;
			const num = (re: RegExp) => Number(re.exec(stderr)?.[1] ?? NaN);
			resolve({
				code,
				stdout,
				stderr,
				wallS,
				maxRssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
				userS: num(/User time \(seconds\): ([\d.]+)/),
				systemS: num(/System time \(seconds\): ([\d.]+)/),
				postgresCpuS: postgresCpuSeconds() - pg0,
				machineCpuS: machineBusySeconds() - all0
			});
		});
	});
}

/** `12,3` (pt-BR) → 12.3 */
const ptNumber = (s: string) => Number(s.replace(/\./g, '').replace(',', '.'));

/** `acerto creditor add` on a scratch database: the creditor every generated row belongs to. */
function addCreditor(env: Record<string, string>, creditorCnpj: string, agencyCnpj: string): void {
	const add = spawnSync(
		process.execPath,
		[
			'bin/acerto.js', 'creditor', 'add',
			'--cnpj', creditorCnpj,
			'--name', 'Credor do Benchmark S.A.',
			'--slug', 'bench-import',
			'--address', 'Av. Paulista, 1000, Bela Vista, São Paulo/SP, CEP 01310-100',
			'--agency-cnpj', agencyCnpj,
			'--agency-name', 'Assessoria do Benchmark'
		],
		{ cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 }
	);
	if (add.status !== 0) throw new Error(`creditor add failed (${add.status}):\n${add.stdout}\n${add.stderr}`);
}

type DatabaseAlone = { rows: number; wallS: number; postgresCpuS: number; machineCpuS: number };

/**
 * What PostgreSQL alone needs for the importer's writes on this schema (its indexes, including the
 * back-office trigram ones, and foreign keys): the file COPY'd into an unlogged staging table (not
 * timed), then the importer's two upserts done set-based in SQL (parsing documents, dates and
 * amounts there too) in one transaction, timed. No client work at all: the importer cannot beat it.
 */
async function databaseAlone(csv: string, copyOptions: string, creditorCnpj: string, agencyCnpj: string): Promise<DatabaseAlone> {
	const db = await scratchDatabase('import-sql');
	try {
		await runMigrations(db.url);
		addCreditor({ DATABASE_URL: db.url, NODE_ENV: 'production', APP_SECRET: 'bench-secret-' + 'x'.repeat(40) }, creditorCnpj, agencyCnpj);
		const sql = postgres(db.url, { max: 1, onnotice: () => {} });
		try {
			const columns = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
			await sql.unsafe(`create unlogged table staging (n bigint generated always as identity, ${columns.map((c) => `"${c}" text`).join(', ')})`);
			const writable = await sql.unsafe(`copy staging (${columns.map((c) => `"${c}"`).join(', ')}) from stdin with (${copyOptions})`).writable();
			await new Promise<void>((resolve, reject) => {
				fs.createReadStream(csv).on('error', reject).pipe(writable).on('finish', () => resolve()).on('error', reject);
			});
			await sql`analyze staging`;
			const [c] = await sql`select id, agency_id from creditors where cnpj = ${creditorCnpj}`;
			await waitForQuiet('database alone');
			log('PostgreSQL alone: the same upserts in SQL from a staging table…');
			const pg0 = postgresCpuSeconds();
			const all0 = machineBusySeconds();
			const t0 = performance.now();
			const doc = `upper(regexp_replace(debtor_document, '[^0-9A-Za-z]', '', 'g'))`;
			const pct = (col: string) => `(replace(nullif(${col}, ''), ',', '.')::numeric * 100)::int4`;
			const rows = await sql.begin(async (tx) => {
				await tx.unsafe(
					`insert into debtors as t (agency_id, document, name, phone, email, state)
					select distinct on (document) $1::uuid, document, name, phone, email, state from (
						select ${doc} as document, debtor_name as name, nullif(regexp_replace(debtor_phone, '\D', '', 'g'), '') as phone,
							nullif(lower(debtor_email), '') as email, upper(debtor_state) as state, n from staging) v
					order by document, n desc
					on conflict (agency_id, document) do update set
						name = excluded.name, phone = coalesce(excluded.phone, t.phone), email = coalesce(excluded.email, t.email),
						state = excluded.state, updated_at = now()
					where (t.name, t.phone, t.email, t.state) is distinct from
						(excluded.name, coalesce(excluded.phone, t.phone), coalesce(excluded.email, t.email), excluded.state)`,
					[c.agency_id]
				);
				const done = await tx.unsafe(
					`insert into debts as t (creditor_id, debtor_id, external_id, description, due_date, principal_cents, late_fee_bp, interest_monthly_bp)
					select distinct on (v.external_id) $2::uuid, d.id, v.external_id, v.description, v.due_date, v.principal_cents, v.late_fee_bp, v.interest_monthly_bp
					from (select debt_id as external_id, description, to_date(due_date, 'DD/MM/YYYY') as due_date,
							(replace(replace(principal, '.', ''), ',', '.')::numeric * 100)::int8 as principal_cents,
							${pct('late_fee_percent')} as late_fee_bp, ${pct('interest_monthly_percent')} as interest_monthly_bp, ${doc} as document, n
						from staging) v
					join debtors d on d.agency_id = $1::uuid and d.document = v.document
					order by v.external_id, v.n desc
					on conflict (creditor_id, external_id) do update set
						debtor_id = excluded.debtor_id, description = excluded.description, due_date = excluded.due_date,
						principal_cents = excluded.principal_cents, late_fee_bp = excluded.late_fee_bp,
						interest_monthly_bp = excluded.interest_monthly_bp, updated_at = now()
					where t.status = 'open'
						and (t.debtor_id, t.description, t.due_date, t.principal_cents, t.late_fee_bp, t.interest_monthly_bp) is distinct from
							(excluded.debtor_id, excluded.description, excluded.due_date, excluded.principal_cents, excluded.late_fee_bp, excluded.interest_monthly_bp)`,
					[c.agency_id, c.id]
				);
				return done.count;
			});
			return { rows, wallS: (performance.now() - t0) / 1000, postgresCpuS: postgresCpuSeconds() - pg0, machineCpuS: machineBusySeconds() - all0 };
		} finally {
			await sql.end({ timeout: 5 });
		}
	} finally {
		await db.drop();
	}
}

async function main() {
	log(`Import benchmark: ${fmt(ROWS)} rows, ${ENCODING}${BOM ? ' with BOM' : ''}, separator ";".`);
	log(machineLine());
	if (!fs.existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed for peak memory (apt-get install time)');
	const hasPsql = spawnSync('psql', ['--version']).status === 0;

	const rng = seededRandom(2024);
	const creditorCnpj = generateCnpj(rng);
	const agencyCnpj = generateCnpj(rng);
	fs.mkdirSync(outDir, { recursive: true });
	const csv = path.join(outDir, `import-${ROWS}-${ENCODING}${BOM ? '-bom' : ''}.csv`);
	const g0 = performance.now();
	const generated = await generateCsv(csv, { rows: ROWS, creditorCnpj, separator: ';', seed: 1, encoding: ENCODING, bom: BOM });
	const generateS = (performance.now() - g0) / 1000;
	log(`Generated ${path.relative(process.cwd(), csv)}: ${fmt(generated.rows)} rows, ${fmt(generated.debtors)} debtors, ${fmt(generated.bytes / 2 ** 20, 1)} MB in ${fmt(generateS, 1)} s.`);

	const db = await scratchDatabase('import');
	log(`Scratch database ${db.name} on ${db.server} (PostgreSQL ${db.serverVersion}).`);
	const env = { DATABASE_URL: db.url, NODE_ENV: 'production', APP_SECRET: 'bench-secret-' + 'x'.repeat(40) };
	let importer: Timed | undefined;
	let copy: Timed | undefined;
	let copyVia = '';
	const counts = { debts: 0, debtors: 0, copied: 0 };
	const sizes = { appTablesMb: 0, bareTableMb: 0 };
	let reported: { seconds: number; rate: number } | null = null;
	try {
		await runMigrations(db.url);
		addCreditor(env, creditorCnpj, agencyCnpj);

		await waitForQuiet('import');
		log('Importing with the CLI (acerto import)…');
		importer = await timed(process.execPath, ['bin/acerto.js', 'import', csv, '--creditor', creditorCnpj], env);
		if (importer.code !== 0) throw new Error(`acerto import exited ${importer.code}:\n${importer.stdout}\n${importer.stderr.slice(-4000)}`);
		const tempo = /Tempo: ([\d.,]+) s \(([\d.,]+) linhas\/s\)/.exec(importer.stdout);
		if (tempo) reported = { seconds: ptNumber(tempo[1]), rate: ptNumber(tempo[2]) };

		const sql = postgres(db.url, { max: 1, onnotice: () => {} });
		try {
			const [c] = await sql`select (select count(*) from debts d join creditors c on c.id = d.creditor_id where c.cnpj = ${creditorCnpj})::int as debts,
				(select count(*) from debtors d join creditors c on c.agency_id = d.agency_id where c.cnpj = ${creditorCnpj})::int as debtors`;
			counts.debts = c.debts;
			counts.debtors = c.debtors;
			const columns = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
			await sql.unsafe(`create table bench_copy (${columns.map((c) => `"${c}" text`).join(', ')})`);

			await waitForQuiet('COPY');
			log('Copying the same file into a bare table (COPY)…');
			const pgEncoding = ENCODING === 'windows-1252' ? 'WIN1252' : 'UTF8';
			const options = `format csv, header true, delimiter ';', encoding '${pgEncoding}'`;
			if (hasPsql) {
				copyVia = 'psql \\copy';
				copy = await timed('psql', [db.url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy bench_copy from '${csv.replace(/'/g, "''")}' with (${options})`], {});
				if (copy.code !== 0) throw new Error(`psql \\copy exited ${copy.code}:\n${copy.stderr.slice(-2000)}`);
			} else {
				// No psql: stream the file into COPY … FROM STDIN with postgres.js, timed in this process.
				copyVia = 'postgres.js copy from stdin';
				const pg0 = postgresCpuSeconds();
				const all0 = machineBusySeconds();
				const cpu0 = process.cpuUsage();
				const t0 = performance.now();
				const writable = await sql.unsafe(`copy bench_copy from stdin with (${options})`).writable();
				await new Promise<void>((resolve, reject) => {
					fs.createReadStream(csv).on('error', reject).pipe(writable).on('finish', () => resolve()).on('error', reject);
				});
				const cpu = process.cpuUsage(cpu0);
				copy = {
					code: 0,
					stdout: '',
					stderr: '',
					wallS: (performance.now() - t0) / 1000,
					maxRssMb: process.memoryUsage().rss / 2 ** 20,
					userS: cpu.user / 1e6,
					systemS: cpu.system / 1e6,
					postgresCpuS: postgresCpuSeconds() - pg0,
					machineCpuS: machineBusySeconds() - all0
				};
			}
			const [k] = await sql`select count(*)::int as n from bench_copy`;
			counts.copied = k.n;
			const [s] = await sql`select
				(pg_total_relation_size('debts') + pg_total_relation_size('debtors'))::float8 / 1048576 as app,
				pg_total_relation_size('bench_copy')::float8 / 1048576 as bare`;
			sizes.appTablesMb = s.app;
			sizes.bareTableMb = s.bare;
		} finally {
			await sql.end({ timeout: 5 });
		}
	} finally {
		await db.drop();
	}
	let alone: DatabaseAlone;
	try {
		const pgEncoding = ENCODING === 'windows-1252' ? 'WIN1252' : 'UTF8';
		alone = await databaseAlone(csv, `format csv, header true, delimiter ';', encoding '${pgEncoding}'`, creditorCnpj, agencyCnpj);
	} finally {
		if (process.env.KEEP_CSV !== '1') fs.rmSync(csv, { force: true });
	}

	const imp = importer!;
	const cp = copy!;
	const importRate = ROWS / imp.wallS;
	const copyRate = counts.copied / cp.wallS;
	const aloneRate = alone.rows / alone.wallS;
	log('');
	log(`Results (${fmt(ROWS)} rows, ${fmt(generated.bytes / 2 ** 20, 1)} MB ${ENCODING}${BOM ? ' + BOM' : ''}; wall clock of each whole command):`);
	log(
		table(
			['step', 'rows', 'wall s', 'rows/s', 'peak RSS MB', 'client CPU s', 'postgres CPU s', 'machine CPU s'],
			[
				['acerto import (CLI)', fmt(counts.debts), fmt(imp.wallS, 1), fmt(importRate), fmt(imp.maxRssMb), fmt(imp.userS + imp.systemS, 1), fmt(imp.postgresCpuS, 1), fmt(imp.machineCpuS, 1)],
				[`COPY (${copyVia})`, fmt(counts.copied), fmt(cp.wallS, 1), fmt(copyRate), fmt(cp.maxRssMb), fmt(cp.userS + cp.systemS, 1), fmt(cp.postgresCpuS, 1), fmt(cp.machineCpuS, 1)],
				['PostgreSQL alone: the upserts in SQL', fmt(alone.rows), fmt(alone.wallS, 1), fmt(aloneRate), '', '', fmt(alone.postgresCpuS, 1), fmt(alone.machineCpuS, 1)]
			]
		)
	);
	log('');
	log(
		`Ratio import/COPY: ${fmt(importRate / copyRate, 2)} (goal ≥ ${GOAL_RATIO}: ${importRate / copyRate >= GOAL_RATIO ? 'yes' : 'NO'}).` +
			` Import / PostgreSQL alone doing the same upserts: ${fmt(importRate / aloneRate, 2)} (COPY / PostgreSQL alone: ${fmt(copyRate / aloneRate, 1)}×).` +
			(reported ? ` The importer's own report: ${fmt(reported.seconds, 1)} s, ${fmt(reported.rate)} rows/s (without process start and migration check).` : '')
	);
	log(`Stored: debts + debtors tables ${fmt(sizes.appTablesMb)} MB (${fmt(counts.debts)} debts, ${fmt(counts.debtors)} debtors; generator said ${fmt(generated.debtors)}); bare COPY table ${fmt(sizes.bareTableMb)} MB.`);
	if (counts.debts !== ROWS) log(`WARNING: ${fmt(counts.debts)} debts stored for ${fmt(ROWS)} rows.`);
	// Machine CPU not explained by the client and PostgreSQL: someone else's work, slowing both steps.
	const otherCores = {
		importer: Math.max(0, imp.machineCpuS - imp.userS - imp.systemS - imp.postgresCpuS) / imp.wallS,
		copy: Math.max(0, cp.machineCpuS - cp.userS - cp.systemS - cp.postgresCpuS) / cp.wallS
	};
	const busiest = Math.max(otherCores.importer, otherCores.copy);
	if (busiest > 0.25) log(`WARNING: other processes used ${fmt(otherCores.importer, 2)} cores during the import and ${fmt(otherCores.copy, 2)} during COPY: figures are disturbed; run again on a quiet machine.`);
	log(`postgres CPU counts every PostgreSQL process on the machine; "machine CPU" is everything (2 cores = 2 CPU-s per second).`);
	const file = writeJson('import', {
		benchmark: 'import',
		at: new Date().toISOString(),
		machine: machine(),
		database: { server: db.server, version: db.serverVersion },
		settings: { rows: ROWS, encoding: ENCODING, bom: BOM, bytes: generated.bytes, debtors: generated.debtors, generateS },
		goals: { ratio: GOAL_RATIO },
		importer: { ...imp, stdout: imp.stdout.trim().split('\n'), stderr: undefined, rowsPerS: importRate, reported },
		copy: { ...cp, stdout: cp.stdout.trim(), stderr: undefined, via: copyVia, rowsPerS: copyRate },
		databaseAlone: { ...alone, rowsPerS: aloneRate },
		ratio: importRate / copyRate,
		otherCores,
		counts,
		sizes
	});
	log('');
	log(`Figures written to ${path.relative(process.cwd(), file)}.`);
}

main().then(
	() => process.exit(0),
	(e) => {
		console.error(e);
		process.exit(1);
	}
);
