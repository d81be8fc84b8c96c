import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { TEST_APP_SECRET } from './constants';

declare module 'vitest' {
	export interface ProvidedContext {
		baseUrl: string;
		serverLog: string;
	}
}

/**
 * Starts the built portal (`acerto serve`) on the run's database, as a user would run it.
 * Its stdout (where the console messaging driver prints one JSON line per message) goes to a
 * file that tests read to get the one-time codes.
 */
export default async function setup(project: TestProject) {
	const { databaseUrl } = project.getProvidedContext();
	const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-e2e-')), 'server.log');
	const out = fs.openSync(log, 'a');
	const child: ChildProcess = spawn(process.execPath, ['bin/acerto.js', 'serve', '--no-build'], {
		env: {
			...process.env,
			DATABASE_URL: databaseUrl,
			PORT: '0',
			HOST: '127.0.0.1',
			NODE_ENV: 'test',
			APP_SECRET: process.env.APP_SECRET ?? TEST_APP_SECRET,
			OTP_SENDS_PER_IP_PER_HOUR: '1000'
		},
		stdio: ['ignore', out, out]
	});
	const baseUrl = await new Promise<string>((resolve, reject) => {
		const started = Date.now();
		const timer = setInterval(() => {
			const text = fs.readFileSync(log, 'utf8');
			const m = text.match(/\{"type":"listening","port":(\d+)/);
			if (m) {
				clearInterval(timer);
				resolve(`http://127.0.0.1:${m[1]}`);
			} else if (child.exitCode !== null || Date.now() - started > 60_000) {
				clearInterval(timer);
				reject(new Error(`o servidor não subiu:\n${text}`));
			}
		}, 100);
	});
	project.provide('baseUrl', baseUrl);
	project.provide('serverLog', log);
	return async () => {
		child.kill('SIGTERM');
		await new Promise((r) => child.once('exit', r));
	};
}
