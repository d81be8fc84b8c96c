// A small closed-loop HTTP load generator: N virtual users, each sending its next request as soon
// as the previous answer has been read, over keep-alive sockets to 127.0.0.1.
import http from 'node:http';
import { percentile } from './lib';

export type VirtualUser = { path: string; cookie?: string };

export type LoadOptions = {
	port: number;
	users: VirtualUser[];
	warmupMs: number;
	durationMs: number;
	/** Hard cap on requests in one run, warm-up included. */
	maxRequests?: number;
	/**
	 * Open loop: requests per second started on a fixed schedule, whatever the answers take (the
	 * users in turn), so a slower server shows as latency, not as fewer requests.
	 */
	rate?: number;
	timeoutMs?: number;
	/** When given, every measured request's latency (ms) is also pushed here (to pool several runs). */
	latencies?: number[];
};

export type LoadResult = {
	users: number;
	durationS: number;
	requests: number;
	errors: number;
	statuses: Record<string, number>;
	rps: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
	bytesPerResponse: number;
};

type Answer = { status: number; bytes: number };

function get(agent: http.Agent, port: number, u: VirtualUser, timeoutMs: number): Promise<Answer> {
	return new Promise((resolve) => {
		const req = http.request(
			{
				host: '127.0.0.1',
				port,
				path: u.path,
				method: 'GET',
				agent,
				headers: { accept: 'text/html', ...(u.cookie ? { cookie: u.cookie } : {}) }
			},
			(res) => {
				let bytes = 0;
				res.on('data', (c: Buffer) => (bytes += c.length));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
				res.on('error', () => resolve({ status: 0, bytes }));
			}
		);
		req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
		req.on('error', () => resolve({ status: 0, bytes: 0 }));
		req.end();
	});
}

/** Runs the users for warm-up + duration; only requests started after the warm-up are counted. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
	if (o.rate) return runOpenLoad(o, o.rate);
	const maxRequests = o.maxRequests ?? 2_000_000;
	const timeoutMs = o.timeoutMs ?? 10_000;
	const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
	const start = performance.now();
	const measureFrom = start + o.warmupMs;
	const end = measureFrom + o.durationMs;
	const latencies: number[] = [];
	const statuses: Record<string, number> = {};
	let started = 0;
	let errors = 0;
	let bytes = 0;
	let lastDone = measureFrom;

	async function user(u: VirtualUser) {
		while (started < maxRequests) {
			const t0 = performance.now();
			if (t0 >= end) break;
			started++;
			const a = await get(agent, o.port, u, timeoutMs);
			const t1 = performance.now();
			if (t0 < measureFrom) continue;
			latencies.push(t1 - t0);
			o.latencies?.push(t1 - t0);
			statuses[a.status] = (statuses[a.status] ?? 0) + 1;
			if (a.status !== 200) errors++;
			bytes += a.bytes;
			if (t1 > lastDone) lastDone = t1;
		}
	}

	await Promise.all(o.users.map(user));
	agent.destroy();
	return result(o.users.length, (lastDone - measureFrom) / 1000, latencies, statuses, errors, bytes);
}

function result(users: number, durationS: number, latencies: number[], statuses: Record<string, number>, errors: number, bytes: number): LoadResult {
	const sorted = Float64Array.from(latencies).sort();
	return {
		users,
		durationS,
		requests: sorted.length,
		errors,
		statuses,
		rps: durationS > 0 ? sorted.length / durationS : 0,
		p50: percentile(sorted, 50),
		p90: percentile(sorted, 90),
		p99: percentile(sorted, 99),
		max: sorted.length ? sorted[sorted.length - 1] : NaN,
		mean: sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : NaN,
		bytesPerResponse: sorted.length ? Math.round(bytes / sorted.length) : 0
	};
}

/** One request, body included: to check a page answers what we think before loading it. */
export async function fetchOnce(port: number, u: VirtualUser): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
	return new Promise((resolve, reject) => {
		const req = http.request(
			{ host: '127.0.0.1', port, path: u.path, method: 'GET', headers: { accept: 'text/html', ...(u.cookie ? { cookie: u.cookie } : {}) } },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
				res.on('error', reject);
			}
		);
		req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
		req.on('error', reject);
		req.end();
	});
}

async function runOpenLoad(o: LoadOptions, rate: number): Promise<LoadResult> {
	const timeoutMs = o.timeoutMs ?? 10_000;
	const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	const start = performance.now();
	const measureFrom = start + o.warmupMs;
	const end = measureFrom + o.durationMs;
	const latencies: number[] = [];
	const statuses: Record<string, number> = {};
	const inFlight = new Set<Promise<void>>();
	let errors = 0;
	let bytes = 0;
	let n = 0;
	while (performance.now() < end) {
		const due = start + (n * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 0) await new Promise((r) => setTimeout(r, wait));
		const u = o.users[n++ % o.users.length];
		const t0 = performance.now();
		const p = get(agent, o.port, u, timeoutMs).then((a) => {
			if (t0 < measureFrom) return;
			latencies.push(performance.now() - t0);
			statuses[a.status] = (statuses[a.status] ?? 0) + 1;
			if (a.status !== 200) errors++;
			bytes += a.bytes;
		});
		inFlight.add(p);
		void p.finally(() => inFlight.delete(p));
	}
	await Promise.all([...inFlight]);
	agent.destroy();
	return result(o.users.length, o.durationMs / 1000, latencies, statuses, errors, bytes);
}
