import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { SendResult } from './wire';

/** What came back from a provider: the status, headers and body, read to the end. */
export type Answer = { status: number; headers: Headers; text: string; json: unknown };

/** Nothing went out (retry) or it may have gone out (unknown): the two ways a call fails before an answer. */
export type NoAnswer = Extract<SendResult, { status: 'retry' } | { status: 'unknown' }>;

export const DEFAULT_TIMEOUT_MS = 10_000;

// Failures that happen before a single byte of the request can have reached the provider.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);

/** Sockets kept open per provider: a campaign sends thousands of requests to one host. */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 128, maxFreeSockets: 128, scheduling: 'lifo' as const };
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

/**
 * POSTs once and reads the whole answer, over node:http(s) with keep-alive sockets (about three
 * times cheaper per request than fetch, which a campaign of 100,000 messages feels). A connection
 * that could not be made is `retry` (nothing was sent); a timeout or a connection lost after the
 * request left is `unknown` (it may have been sent, and sending again could deliver it twice). A
 * kept-alive socket the provider had already closed, failing before any of the request was taken,
 * is `retry` too.
 */
export function post(
	url: string,
	init: { headers: Record<string, string>; body: string },
	timeoutMs = DEFAULT_TIMEOUT_MS,
	pool: { http: http.Agent; https: https.Agent } = agents
): Promise<Answer | NoAnswer> {
	return request('POST', url, init, { timeoutMs, pool });
}

/**
 * One request of any method, read to the end, failing as `post` does. `agent` replaces the pooled
 * keep-alive agents: a client certificate (mTLS, as Pix PSPs require) lives on its own agent.
 */
export function request(
	method: string,
	url: string,
	init: { headers: Record<string, string>; body?: string },
	opts: { timeoutMs?: number; agent?: http.Agent; pool?: { http: http.Agent; https: https.Agent } } = {}
): Promise<Answer | NoAnswer> {
	const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const pool = opts.pool ?? agents;
	return new Promise((resolve) => {
		let target: URL;
		try {
			target = new URL(url);
		} catch {
			resolve({ status: 'retry', reason: `endereço do provedor inválido: ${url}` });
			return;
		}
		const secure = target.protocol === 'https:';
		const body = init.body === undefined ? null : Buffer.from(init.body);
		let settled = false;
		let written = false;
		const done = (r: Answer | NoAnswer) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve(r);
		};
		const req = (secure ? https : http).request(
			target,
			{
				method,
				agent: opts.agent ?? (secure ? pool.https : pool.http),
				headers: body === null ? init.headers : { ...init.headers, 'content-length': String(body.length) }
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('error', (err) => done(failure(err, written, false)));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let json: unknown = undefined;
					try {
						json = text ? JSON.parse(text) : undefined;
					} catch {
						// An HTML error page from a proxy: the status says enough.
					}
					const headers = new Headers();
					for (const [name, value] of Object.entries(res.headers)) {
						if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
					}
					done({ status: res.statusCode ?? 0, headers, text, json });
				});
			}
		);
		const timer = setTimeout(() => {
			done(written ? { status: 'unknown', reason: `sem resposta em ${timeoutMs} ms` } : { status: 'retry', reason: `sem conexão em ${timeoutMs} ms` });
			req.destroy();
		}, timeoutMs);
		req.on('finish', () => (written = true));
		req.on('error', (err) => done(failure(err, written, req.reusedSocket)));
		req.end(body ?? undefined);
	});
}

function failure(err: unknown, written: boolean, reusedSocket: boolean): NoAnswer {
	const code = errorCode(err);
	if (code && NOT_SENT.has(code)) return { status: 'retry', reason: `conexão recusada (${code})` };
	// A kept-alive socket closed by the provider between two requests: it never read this one.
	if (reusedSocket && code === 'ECONNRESET' && !written) return { status: 'retry', reason: 'conexão reaproveitada fechada pelo provedor' };
	if (!written) return { status: 'retry', reason: `conexão falhou antes do envio (${code ?? String(err)})` };
	return { status: 'unknown', reason: `conexão interrompida (${code ?? (err instanceof Error ? err.message : String(err))})` };
}

export function isAnswer(r: Answer | NoAnswer): r is Answer {
	return typeof r.status === 'number';
}

function errorCode(err: unknown): string | undefined {
	for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string') return code;
	}
	return undefined;
}

/** 429 and 5xx: the provider took nothing; come back later (after Retry-After when it says). */
export function retryable(answer: Answer, provider: string, now = Date.now()): NoAnswer | undefined {
	if (answer.status !== 429 && answer.status < 500) return undefined;
	const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), now);
	const reason = answer.status === 429 ? `${provider}: limite de envios atingido (429)` : `${provider}: erro do provedor (${answer.status})`;
	return retryAfterMs === undefined ? { status: 'retry', reason } : { status: 'retry', reason, retryAfterMs };
}

/** RFC 9110 §10.2.3: Retry-After is either delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Compares two secrets without leaking, through timing, how much of them matched (or their lengths). */
export function secretsEqual(given: string, expected: string): boolean {
	if (!expected) return false;
	const a = createHash('sha256').update(given).digest();
	const b = createHash('sha256').update(expected).digest();
	return timingSafeEqual(a, b);
}

/** A date from a provider, or `fallback` when it sent none or one that does not parse. */
export function dateOr(value: unknown, fallback: Date): Date {
	if (typeof value !== 'string') return fallback;
	const at = new Date(value);
	return Number.isNaN(at.getTime()) ? fallback : at;
}
