import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { faketimeEnv } from './faketime';

export type App = { base: string; log: () => string; stop: () => Promise<void>; process: ChildProcess };

/**
 * The built app (`acerto serve --no-build`) in its own process on the given database, as in
 * production; builds first when there is no build (the `pretest` script normally made one).
 */
export async function startApp(databaseUrl: string, env: Record<string, string | undefined> = {}, opts: { faketime?: string } = {}): Promise<App> {
	const root = process.cwd();
	if (!fs.existsSync(path.join(root, process.env.ACERTO_BUILD_DIR ?? 'build', 'handler.js'))) {
		const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
		if (r.status !== 0) throw new Error('vite build falhou');
	}
	let log = '';
	const child = spawn(process.execPath, ['bin/acerto.js', 'serve', '--no-build'], {
		cwd: root,
		env: {
			...process.env,
			DATABASE_URL: databaseUrl,
			PORT: '0',
			HOST: '127.0.0.1',
			NODE_ENV: 'test',
			SEED_DEMO: 'never',
			// The whole process at another date and hour (its clock then runs on).
			...(opts.faketime && faketimeEnv(opts.faketime)),
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stderr!.on('data', (d) => (log += d));
	const base = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`o servidor não subiu:\n${log}`)), 60_000);
		child.stdout!.on('data', (d) => {
			log += d;
			const m = log.match(/\{"type":"listening","port":(\d+)/);
			if (m) {
				clearTimeout(timer);
				resolve(`http://127.0.0.1:${m[1]}`);
			}
		});
		child.once('exit', (code) => reject(new Error(`o servidor saiu com ${code}:\n${log}`)));
	});
	return {
		base,
		log: () => log,
		process: child,
		stop: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
		}
	};
}
