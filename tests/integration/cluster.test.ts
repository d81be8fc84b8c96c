import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { closeDb } from '../../src/lib/server/db/client';
import { startApp, type App } from '../support/app-server';
import * as factory from '../support/factory';

/**
 * WEB_CONCURRENCY=2: `acerto serve` runs two worker processes on one port. The app keeps no
 * state of its own, so any worker answers any request; a worker that dies is replaced; SIGTERM
 * stops them all.
 */

/** Node processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
	return fs
		.readdirSync('/proc')
		.filter((d) => /^\d+$/.test(d))
		.filter((d) => {
			try {
				const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
				const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
				return ppid === pid && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('acerto.js');
			} catch {
				return false;
			}
		})
		.map(Number);
}

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
	const started = Date.now();
	for (;;) {
		const v = probe();
		if (v !== undefined) return v;
		if (Date.now() - started > timeoutMs) throw new Error('tempo esgotado');
		await new Promise((r) => setTimeout(r, 100));
	}
}

let app: App;
let slug = '';

beforeAll(async () => {
	const w = await factory.world();
	slug = w.creditor.slug;
	app = await startApp(inject('databaseUrl'), { WEB_CONCURRENCY: '2' });
});

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

describe('several app processes on one port', () => {
	it('serves the portal from two workers, replaces one that dies and stops them all on SIGTERM', async () => {
		const pid = app.process.pid!;
		const workers = await until(() => {
			const c = childrenOf(pid);
			return c.length === 2 ? c : undefined;
		});

		// New connections each time, so both workers take some.
		for (let i = 0; i < 10; i++) {
			const res = await fetch(`${app.base}/c/${slug}`, { headers: { connection: 'close' } });
			expect(res.status).toBe(200);
			expect(await res.text()).toContain('CPF ou CNPJ');
		}

		process.kill(workers[0], 'SIGKILL');
		const replaced = await until(() => {
			const c = childrenOf(pid);
			return c.length === 2 && !c.includes(workers[0]) ? c : undefined;
		});
		expect(replaced).toContain(workers[1]);
		for (let i = 0; i < 4; i++) expect((await fetch(`${app.base}/c/${slug}`, { headers: { connection: 'close' } })).status).toBe(200);
		expect(app.log()).toContain('iniciando outro');

		const exited = new Promise<number | null>((r) => app.process.once('exit', (code) => r(code)));
		const t0 = Date.now();
		app.process.kill('SIGTERM');
		expect(await exited).toBe(0);
		expect(Date.now() - t0).toBeLessThan(10_000);
		expect(childrenOf(pid)).toEqual([]);
		for (const w of replaced) expect(fs.existsSync(`/proc/${w}`)).toBe(false);
	});
});

describe('connections', () => {
	it('refuses to start, saying what to change, when the processes would need more connections than PostgreSQL accepts', async () => {
		const started = startApp(inject('databaseUrl'), { WEB_CONCURRENCY: '8', DATABASE_POOL_MAX: '50' });
		await expect(started).rejects.toThrow(/o servidor saiu com 1:[\s\S]*Conexões demais para o PostgreSQL: 8 processo\(s\) × \(50 de DATABASE_POOL_MAX \+ 5 da importação \+ 3 das tarefas agendadas\) = 464/);
		await expect(started).rejects.toThrow(/Reduza WEB_CONCURRENCY ou DATABASE_POOL_MAX, ou aumente max_connections\./);
	});
});

describe('npm start', () => {
	it('passes a SIGTERM sent to npm (docker stop, a supervisor) on to the server, which shuts down', async () => {
		const npm = spawn('npm', ['start'], {
			env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', SEED_DEMO: 'never' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let log = '';
		npm.stdout!.on('data', (d) => (log += d));
		npm.stderr!.on('data', (d) => (log += d));
		await until(() => (/"type":"listening"/.test(log) ? true : undefined), 60_000);
		// Every process under npm that runs the server (a shell in between, if any, and node).
		const tree: number[] = [];
		for (let level = childrenOf(npm.pid!); level.length > 0; level = level.flatMap(childrenOf)) tree.push(...level);
		expect(tree.length).toBeGreaterThan(0);
		npm.kill('SIGTERM');
		await until(() => (tree.some((pid) => fs.existsSync(`/proc/${pid}`)) ? undefined : true), 10_000);
		expect(log).toContain('Recebido SIGTERM');
	});
});
