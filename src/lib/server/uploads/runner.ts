import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { db } from '../db/client';
import * as jobs from './jobs';

/**
 * Starts this process's import worker thread (./worker.ts) and restarts it if it dies. A job the
 * thread was running when it crashed is marked failed (restarting it could crash again); a job cut
 * short by a process restart is resumed by whichever process claims it next.
 */

const ENTRY = path.join('src', 'lib', 'server', 'uploads', 'worker-entry.js');
const RESTART_MS = 2000;
/** Connections of the import thread's own pool (per app process). */
export const IMPORT_POOL_MAX = 5;

type State = { worker: Worker | null; current: string | null; stopped: boolean };
const state: State = ((globalThis as Record<symbol, State>)[Symbol.for('acerto.importWorker')] ??= { worker: null, current: null, stopped: false });

/** The worker's entry file: the bundle lives in build/, the sources beside it in src/. */
function entryPath(): string {
	let dir = path.dirname(fileURLToPath(import.meta.url));
	for (;;) {
		const candidate = path.join(dir, ENTRY);
		if (fs.existsSync(candidate)) return candidate;
		const up = path.dirname(dir);
		if (up === dir) break;
		dir = up;
	}
	const fromCwd = path.resolve(ENTRY);
	if (fs.existsSync(fromCwd)) return fromCwd;
	throw new Error(`worker de importação não encontrado (${ENTRY})`);
}

export function start(): void {
	if (state.worker || state.stopped) return;
	const worker = new Worker(entryPath(), {
		name: 'acerto-import',
		// The importer holds a transaction, the progress writer, the chunk reader and the claim lock.
		env: { ...process.env, DATABASE_POOL_MAX: String(IMPORT_POOL_MAX) }
	});
	state.worker = worker;
	worker.unref();
	worker.on('message', (m: { type: string; id: string }) => {
		if (m.type === 'started') state.current = m.id;
		else if (m.type === 'ended') state.current = null;
	});
	worker.on('error', (e) => console.error(JSON.stringify({ type: 'error', where: 'import-worker', error: String(e?.stack ?? e) })));
	worker.on('exit', () => {
		state.worker = null;
		const crashed = state.current;
		state.current = null;
		if (crashed && !state.stopped) {
			jobs.fail(db(), crashed, 'O processamento parou por um erro inesperado (arquivo grande demais para a memória?). Tente de novo.').catch(() => {});
		}
		if (!state.stopped) setTimeout(start, RESTART_MS).unref();
	});
}

/** Tells this process's worker that a job is waiting (other processes find it by polling). */
export function nudge(): void {
	state.worker?.postMessage('nudge');
}

export async function stop(): Promise<void> {
	state.stopped = true;
	await state.worker?.terminate();
}
