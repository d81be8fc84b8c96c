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
export class Trouble {
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
