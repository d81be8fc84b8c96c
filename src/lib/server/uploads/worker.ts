import { parentPort } from 'node:worker_threads';
import { db, sqlClient } from '../db/client';
import * as jobs from './jobs';

/**
 * The import worker: runs in a worker thread of each app process (./runner.ts starts it), so
 * parsing and validating a million rows never holds up the event loop that answers requests.
 * It polls for jobs every few seconds and is nudged when this process receives one.
 */

const IDLE_POLL_MS = 2000;

let wake: (() => void) | null = null;
parentPort?.on('message', (m) => {
	if (m === 'nudge') wake?.();
});

for (;;) {
	let worked = false;
	try {
		worked = await jobs.processNext(db(), sqlClient(), {
			onStart: (job) => parentPort?.postMessage({ type: 'started', id: job.id, kind: job.kind }),
			onEnd: (job) => parentPort?.postMessage({ type: 'ended', id: job.id })
		});
	} catch (e) {
		console.error(JSON.stringify({ type: 'error', where: 'import-worker', error: String((e as Error)?.stack ?? e) }));
	}
	if (!worked) {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, IDLE_POLL_MS);
			wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});
		wake = null;
	}
}
