// Shared plumbing for the benchmarks: a scratch database, child servers, figures out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { serverAnswers } from '../src/lib/server/db/client';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = path.join(root, 'bench', '.out');

const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const EMBEDDED_PORT = 54339;

export function log(line = ''): void {
	process.stdout.write(line + '\n');
}

/** What the figures were measured on: they mean little without it. */
export function machine() {
	const cpus = os.cpus();
	return {
		cores: cpus.length,
		cpu: cpus[0]?.model.trim() ?? 'unknown',
		memoryGb: Math.round(os.totalmem() / 2 ** 30),
		node: process.version,
		platform: `${os.type()} ${os.release()}`
	};
}

export function machineLine(): string {
	const m = machine();
	return `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB RAM, Node ${m.node}. Load generator, server and PostgreSQL share these ${m.cores} cores.`;
}

export function writeJson(name: string, data: unknown): string {
	fs.mkdirSync(outDir, { recursive: true });
	const file = path.join(outDir, `${name}.json`);
	fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
	return file;
}

/** Builds the app when there is no build at all (a stale build is the caller's business). */
export function ensureBuild(): void {
	if (fs.existsSync(path.join(root, 'build', 'handler.js'))) return;
	log('build/handler.js missing: running vite build…');
	const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
		cwd: root,
		stdio: 'inherit',
		timeout: 600_000
	});
	if (r.status !== 0) throw new Error('vite build failed');
}

export type Scratch = {
	/** URL of the scratch database. */
	url: string;
	name: string;
	/** Where the server came from: BENCH_DATABASE_URL, local 127.0.0.1:5432, or embedded. */
	server: string;
	serverVersion: string;
	drop: () => Promise<void>;
};

function withDatabase(url: string, database: string): string {
	const u = new URL(url);
	u.pathname = '/' + database;
	return u.toString();
}

/**
 * Creates a fresh database on BENCH_DATABASE_URL, else on the PostgreSQL at 127.0.0.1:5432,
 * else on an embedded one started for the run; `drop()` removes it (and stops the embedded server).
 */
export async function scratchDatabase(label: string): Promise<Scratch> {
	let adminUrl: string;
	let server: string;
	let stopEmbedded: (() => Promise<void>) | undefined;
	if (process.env.BENCH_DATABASE_URL) {
		adminUrl = process.env.BENCH_DATABASE_URL;
		server = 'BENCH_DATABASE_URL';
	} else if (await serverAnswers(LOCAL_PG)) {
		adminUrl = LOCAL_PG;
		server = '127.0.0.1:5432';
	} else {
		const { startEmbedded } = await import('../src/lib/server/db/embedded');
		log('No PostgreSQL on 127.0.0.1:5432: starting the embedded one…');
		const handle = await startEmbedded(path.join(outDir, 'embedded'), EMBEDDED_PORT);
		adminUrl = handle.url;
		stopEmbedded = handle.stop;
		server = `embedded 127.0.0.1:${EMBEDDED_PORT}`;
	}
	const name = `bench_${label}_${process.pid}_${Date.now()}`.toLowerCase();
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
	const [{ server_version }] = await admin`show server_version`;
	await admin.unsafe(`create database "${name}"`);
	await admin.end({ timeout: 5 });
	return {
		url: withDatabase(adminUrl, name),
		name,
		server,
		serverVersion: String(server_version),
		drop: async () => {
			const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
			try {
				await sql.unsafe(`drop database if exists "${name}" with (force)`);
			} finally {
				await sql.end({ timeout: 5 });
				if (stopEmbedded) await stopEmbedded();
			}
		}
	};
}

export type Server = { port: number; child: ChildProcess; output: () => string; stop: () => Promise<number | null> };

/**
 * Spawns a server that prints `{"type":"listening","port":N}` on stdout and waits for that line
 * (`command` runs it: node, or e.g. `faketime` to start it at another date and hour).
 * `stop()` sends SIGTERM and waits (SIGKILL after 15 s).
 */
export async function startServer(label: string, args: string[], env: Record<string, string>, timeoutMs = 90_000, command = process.execPath): Promise<Server> {
	const child = spawn(command, args, {
		cwd: root,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	const keep = (chunk: Buffer) => {
		out += chunk.toString();
		if (out.length > 200_000) out = out.slice(-100_000);
	};
	child.stderr!.on('data', keep);
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	const port = await new Promise<number>((resolve, reject) => {
		let buffer = '';
		const timer = setTimeout(() => reject(new Error(`${label}: no "listening" line after ${timeoutMs} ms\n${out}`)), timeoutMs);
		child.stdout!.on('data', (chunk: Buffer) => {
			keep(chunk);
			buffer += chunk.toString();
			let nl: number;
			while ((nl = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, nl).trim();
				buffer = buffer.slice(nl + 1);
				if (!line.startsWith('{')) continue;
				try {
					const msg = JSON.parse(line);
					if (msg.type === 'listening') {
						clearTimeout(timer);
						resolve(Number(msg.port));
					}
				} catch {
					// not ours
				}
			}
		});
		void exited.then((code) => {
			clearTimeout(timer);
			reject(new Error(`${label} exited (${code}) before listening\n${out}`));
		});
	});
	return {
		port,
		child,
		output: () => out,
		stop: async () => {
			if (child.exitCode !== null) return child.exitCode;
			child.kill('SIGTERM');
			const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
			const code = await exited;
			clearTimeout(kill);
			return code;
		}
	};
}

/** Environment for the app started by `node bin/acerto.js serve --no-build`. */
export function appEnv(databaseUrl: string): Record<string, string> {
	return {
		DATABASE_URL: databaseUrl,
		PORT: '0',
		HOST: '127.0.0.1',
		NODE_ENV: 'production',
		APP_SECRET: 'bench-secret-' + 'x'.repeat(40),
		SEED_DEMO: 'auto'
	};
}

/** Peak resident memory of a process since it started (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
	return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return NaN;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[i];
}

/** A plain-text table with right-aligned numbers. */
export function table(headers: string[], rows: (string | number)[][]): string {
	const cells = [headers, ...rows.map((r) => r.map(String))];
	const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
	const line = (r: string[]) =>
		r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
	return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmt(n: number, digits = 0): string {
	if (!Number.isFinite(n)) return '-';
	return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * CPU seconds used by every PostgreSQL server process on this machine (other users' included):
 * the live ones plus, through the postmaster's cutime/cstime, the backends that have exited.
 */
export function postgresCpuSeconds(): number {
	let total = 0;
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
			const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			if (!comm.startsWith('postgres')) continue;
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			// utime + stime + cutime + cstime, in USER_HZ (100)
			total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
		} catch {
			// gone meanwhile
		}
	}
	return total;
}

/** CPU seconds the whole machine spent busy (not idle or iowait), from /proc/stat. */
export function machineBusySeconds(): number {
	const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
	const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
	void idle;
	void iowait;
	return (user + nice + system + irq + softirq + steal) / 100;
}

/**
 * On a shared machine other people's builds and tests skew the figures: wait (bounded by
 * QUIET_WAIT_S, 60 s by default) until the machine has been nearly idle for 2 s, and say how busy it was.
 */
export async function waitForQuiet(label: string): Promise<number> {
	const maxMs = Math.max(0, Number(process.env.QUIET_WAIT_S ?? 60)) * 1000;
	const started = Date.now();
	let busy = NaN;
	let said = false;
	do {
		const a = machineBusySeconds();
		await new Promise((r) => setTimeout(r, 2000));
		busy = (machineBusySeconds() - a) / 2;
		if (busy < 0.25) break;
		if (!said) log(`${label}: other processes keep ${fmt(busy, 2)} cores busy; waiting up to ${maxMs / 1000} s for a quieter machine…`);
		said = true;
	} while (Date.now() - started < maxMs);
	if (busy >= 0.25) log(`${label}: WARNING: starting anyway with ${fmt(busy, 2)} cores busy elsewhere; figures will be low.`);
	else if (said) log(`${label}: quiet enough after ${fmt((Date.now() - started) / 1000)} s.`);
	return busy;
}
