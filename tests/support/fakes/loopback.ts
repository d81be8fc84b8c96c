import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server on 127.0.0.1 at a free port; `close` also drops connections left hanging. */
export type Loopback = { url: string; port: number; close: () => Promise<void> };

export async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Loopback> {
	const server = http.createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
	res.end(JSON.stringify(body));
}

/** A port nothing listens on: connections to it are refused. */
export async function closedPort(): Promise<number> {
	const probe = await listen(() => {});
	await probe.close();
	return probe.port;
}

/**
 * Scripted trouble for the next requests: `failNext` answers with an error, `hangNext` takes the
 * request and never answers.
 */
class Trouble {
	private fails: { status: number; body?: unknown; headers?: Record<string, string> }[] = [];
	private hangs = 0;

	failNext(n: number, status: number, body?: unknown, headers?: Record<string, string>): void {
		for (let i = 0; i < n; i++) this.fails.push({ status, body, headers });
	}

	hangNext(n: number): void {
		this.hangs += n;
	}

	/** Plays the next scripted trouble on `res`, if any; true when it did (the request is then done with). */
	play(res: http.ServerResponse, defaultBody: (status: number) => unknown): boolean {
		if (this.hangs > 0) {
			this.hangs--;
			return true;
		}
		const fail = this.fails.shift();
		if (!fail) return false;
		sendJson(res, fail.status, fail.body ?? defaultBody(fail.status), fail.headers);
		return true;
	}
}

export type Recorded = { method: string; path: string; headers: http.IncomingHttpHeaders; raw: string };

/**
 * What every fake provider shares: a loopback server that records each request (raw body
 * included), plays scripted trouble before the provider's own checks, and keeps track of the
 * callbacks it posts on its own so a test can wait for them. `errorBody` is the provider's error
 * JSON for a status.
 */
export async function startFake(
	handle: (req: http.IncomingMessage, res: http.ServerResponse, request: Recorded) => Promise<void> | void,
	errorBody: (status: number) => unknown
) {
	const trouble = new Trouble();
	const received: Recorded[] = [];
	const pending = new Set<Promise<unknown>>();
	const server = await listen((req, res) => {
		(async () => {
			const raw = await readBody(req);
			const request = { method: req.method ?? '', path: new URL(req.url ?? '/', 'http://fake').pathname, headers: req.headers, raw };
			received.push(request);
			if (!trouble.play(res, errorBody)) await handle(req, res, request);
		})().catch(() => {
			if (!res.headersSent) sendJson(res, 500, errorBody(500));
		});
	});
	return {
		url: server.url,
		received,
		failNext: trouble.failNext.bind(trouble),
		hangNext: trouble.hangNext.bind(trouble),
		/** Runs `work` (callbacks the provider posts by itself) in the background. */
		later(work: () => Promise<unknown>) {
			const p = work();
			pending.add(p);
			void p.finally(() => pending.delete(p));
		},
		/** Waits for the background callbacks started so far. */
		async settled() {
			while (pending.size > 0) await Promise.all([...pending]);
		},
		close: server.close
	};
}

/** Posts a callback the way a provider does and reports the status our endpoint answered (0: no answer). */
export async function deliver(url: string, body: string, headers: Record<string, string>): Promise<number> {
	try {
		const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
		await res.arrayBuffer();
		return res.status;
	} catch {
		return 0;
	}
}
