import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fc from 'fast-check';
import { closeDb } from '../../src/lib/server/db/client';
import { startApp, type App } from '../support/app-server';
import * as routes from '../support/fuzz/routes';
import { nasty } from '../support/fuzz/inputs';
import { BODY_LIMIT_BYTES, bodyBytes, formBody, headBytes, pathOf, send, specOf, type Spec } from '../support/fuzz/requests';
import { queryFor, valueFor, resolve } from '../support/fuzz/openapi';
import { createWorld, Doors, ROLES, type Auth, type World } from '../support/fuzz/world';

/**
 * Issue 7 §5: bad input gets a 4xx and a clear message, never a 5xx. Every form action, every
 * operation of the served OpenAPI document, every other endpoint and every page load, found by
 * reading `src/routes` and `/api/v1/openapi.json`, is sent malformed, oversized, unicode and
 * boundary input, signed out and signed in (a debtor, staff of each role with TOTP, API keys), to
 * the built app in its own process. No answer may be a 5xx; a failure shows the request shrunk.
 *
 * `npm test` runs about 5,000 cases in all (under a minute here); `npm run fuzz` (FUZZ_RUNS=10000) runs that many per
 * target and prints the figures. FUZZ_SEED replays a run, FUZZ_TARGET narrows it to targets whose
 * name contains the text.
 */

// The portal's code sends are limited per hour; the fuzzer asks for thousands.
for (const k of ['OTP_SENDS_PER_DOCUMENT_PER_HOUR', 'OTP_SENDS_PER_IP_PER_HOUR', 'OTP_SENDS_PER_AGENCY_PER_HOUR', 'OTP_SENDS_PER_HOUR']) process.env[k] = '100000000';

const TOTAL_CASES = Number(process.env.FUZZ_CASES ?? 5000);
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : null;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const ONLY = process.env.FUZZ_TARGET ?? '';
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
/** Stop every target after this many minutes, whatever FUZZ_RUNS says (the figures say how far each got). */
const MINUTES = process.env.FUZZ_MINUTES ? Number(process.env.FUZZ_MINUTES) : null;
/** Longest generated text in a path or query (Node refuses headers past 16 KB with 431; a few cases still do). */
const URL_TEXT = 4097;

type Target = { name: string; kind: 'ação' | 'openapi' | 'endpoint' | 'página'; arb: fc.Arbitrary<Spec> };
type Stat = { cases: number; requests: number; fivexx: number; unanswered: number; statuses: Map<number, number>; ms: number; failure?: string };

let app: App;
let world: World;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let doc: any;
const stats = new Map<string, Stat>();
let started = 0;

// —— a semaphore: at most CONCURRENCY requests in flight over every target ——
let inFlight = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
	if (inFlight >= CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
	inFlight++;
	try {
		return await work();
	} finally {
		inFlight--;
		waiting.shift()?.();
	}
}

function seedOf(name: string): number {
	let h = SEED;
	for (const c of name) h = (Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0) % 2 ** 31;
	return h;
}

function authFor(area: routes.Route['area'], template: string): fc.Arbitrary<Auth> {
	if (area === 'portal') return fc.constantFrom<Auth>('none', 'debtor', 'debtor', 'debtor', template.endsWith('/codigo') ? 'debtor-otp' : 'debtor');
	if (area === 'admin') return fc.constantFrom<Auth>('none', 'staff-pending', ...ROLES.map((r) => `staff:${r}` as Auth), 'staff:agency_admin', 'staff:creditor_manager');
	if (area === 'api') return fc.constantFrom<Auth>('none', 'api:read', 'api:rw', 'api:rw', 'api:revoked');
	return fc.constant<Auth>('none');
}

function paramValues(param: string): fc.Arbitrary<string> {
	const real = world.params[param];
	if (!real) throw new Error(`parâmetro [${param}] sem valores no mundo do fuzzer (tests/support/fuzz/world.ts)`);
	return fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 3 }, { arbitrary: nasty(real, URL_TEXT), weight: 2 });
}

const fieldValues = (field: string) => nasty(world.fieldValues[field] ?? []);

function queryOf(names: string[]): fc.Arbitrary<[string, string][]> {
	const keys = names.length ? fc.oneof(fc.constantFrom(...names), nasty([], URL_TEXT)) : nasty([], URL_TEXT);
	return fc.array(fc.tuple(keys, nasty([], URL_TEXT)), { maxLength: 4 }).map((q) => q.map(([k, v]) => [k, v] as [string, string]));
}

function pageTargets(): Target[] {
	const out: Target[] = [];
	for (const page of routes.pages()) {
		const path = pathOf(page.template, paramValues);
		out.push({
			name: `GET ${page.template}`,
			kind: 'página',
			arb: specOf({
				target: page.template,
				methods: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'HEAD', 'OPTIONS'),
				// SvelteKit's data requests too: `…/__data.json?x-sveltekit-invalidated=…`.
				path: fc.tuple(path, fc.integer({ min: 0, max: 3 })).map(([p, n]) => (n === 0 ? `${p.replace(/\/$/, '')}/__data.json` : p)),
				query: fc.tuple(queryOf(page.fields), fc.option(nasty(['01', '1_', '_1', '']), { freq: 3 })).map(([q, inv]) => (inv === null ? q : [...q, ['x-sveltekit-invalidated', inv] as [string, string]])),
				auth: authFor(page.area, page.template),
				body: fc.constant(null),
				wrongType: 8
			})
		});
		for (const action of page.actions) {
			out.push({
				name: `POST ${page.template}${action === 'default' ? '' : `?/${action}`}`,
				kind: 'ação',
				arb: specOf({
					target: page.template,
					methods: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'PUT', 'DELETE'),
					path,
					query: queryOf(page.fields).map((q) => (action === 'default' ? q : [[`/${action}`, ''] as [string, string], ...q])),
					auth: authFor(page.area, page.template),
					body: formBody(page.fields, fieldValues)
				})
			});
		}
	}
	return out;
}

function endpointTargets(): Target[] {
	return routes
		.endpoints()
		.filter((e) => !doc.paths[routes.toOpenApiPath(e.template)])
		.map((e) => {
			const own = e.methods.filter((m) => m !== 'fallback');
			const methods = e.methods.includes('fallback') || own.length === 0 ? ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] : [...own, ...own, ...own, 'POST', 'DELETE'];
			const json = fc.dictionary(fc.oneof(fc.constantFrom(...e.fields, 'x'), nasty()), fc.oneof(nasty(), fc.integer(), fc.double(), fc.constant(null)), { maxKeys: 4 });
			return {
				name: `${own.join('|') || '*'} ${e.template}`,
				kind: 'endpoint' as const,
				arb: specOf({
					target: e.template,
					methods: fc.constantFrom(...methods),
					path: pathOf(e.template, paramValues),
					query: queryOf(e.fields),
					auth: authFor(e.area, e.template),
					body: fc.oneof(json.map((value) => ({ kind: 'json' as const, value })), formBody(e.fields, fieldValues))
				})
			};
		});
}

function openApiTargets(): Target[] {
	const out: Target[] = [];
	for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
		for (const [method, raw] of Object.entries(ops)) {
			// eslint-disable-next-line @typescript-eslint/no-explicit-any
			const op = resolve(doc, raw) as any;
			const params: unknown[] = op.parameters ?? [];
			const template = p.replace(/\{(\w+)\}/g, '[$1]');
			const bodySchema = op.requestBody?.content?.['application/json']?.schema;
			const json = bodySchema ? valueFor(doc, bodySchema, world.fieldValues) : fc.constant(undefined);
			const headerParams = params.map((x) => resolve(doc, x)).filter((x) => x.in === 'header');
			out.push({
				name: `${method.toUpperCase()} ${p}`,
				kind: 'openapi',
				arb: specOf({
					target: p,
					methods: fc.constantFrom(method.toUpperCase(), method.toUpperCase(), method.toUpperCase(), method.toUpperCase(), method.toUpperCase(), method.toUpperCase(), 'PUT', 'DELETE'),
					path: pathOf(template, paramValues),
					query: queryFor(doc, params, world.params),
					auth: authFor('api', p),
					body: fc.oneof(
						{ arbitrary: json.map((value) => (value === undefined ? null : { kind: 'json' as const, value })), weight: 8 },
						{ arbitrary: formBody(['items', 'debt_id'], fieldValues), weight: 1 },
						{ arbitrary: fc.constant(null), weight: 1 }
					),
					wrongType: 6
				}).chain((spec) =>
					// The operation's own headers (Idempotency-Key), now and then.
					fc.option(fc.tuple(fc.constantFrom(...headerParams.map((h) => h.name), 'Idempotency-Key'), nasty(['6f1c2a4e-3b7d-4c55-9a10-2f3e4d5c6b7a'])), { freq: 2 }).map((h) =>
						h ? Object.assign(spec, { headers: [...spec.headers, h as [string, string]] }) : spec
					)
				)
			});
		}
	}
	return out;
}

function stat(name: string): Stat {
	let s = stats.get(name);
	if (!s) stats.set(name, (s = { cases: 0, requests: 0, fivexx: 0, unanswered: 0, statuses: new Map(), ms: 0 }));
	return s;
}

/** Runs one target's property; returns the report of its shrunk failure, if any. */
async function fuzz(target: Target, runs: number): Promise<string | null> {
	const s = stat(target.name);
	const doors = new Doors(world);
	const t0 = performance.now();
	const result = await fc.check(
		fc.asyncProperty(target.arb, async (spec) => {
			const out = await slot(async () => send(app.base, spec, await doors.headers(spec.auth)));
			s.requests++;
			s.statuses.set(out.status, (s.statuses.get(out.status) ?? 0) + 1);
			if ('error' in out) {
				if (app.process.exitCode !== null || app.process.signalCode !== null) throw new Error(`o servidor parou (${app.process.exitCode ?? app.process.signalCode}):\n${app.log().slice(-3000)}`);
				// The server may close the socket on a body over its limit before reading it all.
				// Over the body limit, or a URL past Node's 16 KB header limit (431), the server may close the
				// socket, or stop reading it, before the client has sent everything: no answer is not a 5xx.
				// So may a large body the route never reads (a 405 or 415 answered before it arrived).
				const huge = bodyBytes(spec) > 64 * 1024 || headBytes(spec) > 12_000;
				if (huge && /ECONNRESET|EPIPE|socket hang up|Parse Error|sem resposta/.test(out.error)) {
					s.unanswered++;
					return;
				}
				throw new Error(`sem resposta: ${out.error}`);
			}
			doors.saw(spec.auth, out.setCookies);
			if (out.status >= 500) {
				s.fivexx++;
				throw new Error(`${out.status}: ${out.text.slice(0, 400)}`);
			}
		}),
		{ numRuns: runs, seed: seedOf(target.name), ...(MINUTES && { interruptAfterTimeLimit: MINUTES * 60_000 }) }
	);
	s.cases += result.numRuns;
	s.ms += performance.now() - t0;
	if (!result.failed) return null;
	const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
	s.failure = `${(fc.defaultReportMessage(result) ?? 'falhou').replace(/\nHint: .*$/m, '')}\nResposta: ${why}`;
	return `${target.name} (${target.kind}):\n${s.failure}`;
}

async function fuzzAll(targets: Target[]) {
	const chosen = targets.filter((t) => t.name.includes(ONLY));
	const runs = RUNS ?? Math.max(15, Math.floor(TOTAL_CASES / allTargets().length));
	const failures = (await Promise.all(chosen.map((t) => fuzz(t, runs)))).filter((f): f is string => f !== null);
	expect(failures, failures.join('\n\n')).toEqual([]);
}

let cachedTargets: Target[] | null = null;
const allTargets = () => (cachedTargets ??= [...pageTargets(), ...endpointTargets(), ...openApiTargets()]);

beforeAll(async () => {
	world = await createWorld();
	app = await startApp(inject('databaseUrl'), { BODY_SIZE_LIMIT: String(BODY_LIMIT_BYTES), ...(process.env.FUZZ_NODE_OPTIONS && { NODE_OPTIONS: process.env.FUZZ_NODE_OPTIONS }) });
	doc = await (await fetch(`${app.base}/api/v1/openapi.json`)).json();
	started = performance.now();
	console.log(`fuzz: semente ${SEED} (repita com FUZZ_SEED=${SEED}); ${allTargets().length} alvos; ${RUNS ?? `~${TOTAL_CASES} casos no total`}${RUNS ? ' casos por alvo' : ''}`);
}, 180_000);

afterAll(async () => {
	const seconds = (performance.now() - started) / 1000;
	const rows = [...stats].sort(([a], [b]) => a.localeCompare(b));
	const cases = rows.reduce((n, [, s]) => n + s.cases, 0);
	const requests = rows.reduce((n, [, s]) => n + s.requests, 0);
	const fivexx = rows.reduce((n, [, s]) => n + s.fivexx, 0);
	const lines = rows.map(([name, s]) => {
		const top = [...s.statuses].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([st, n]) => `${st}:${n}`).join(' ');
		return `${String(s.cases).padStart(7)} casos  ${String(s.fivexx).padStart(4)} 5xx  ${name}  [${top}]`;
	});
	const errors = [...new Set((app?.log() ?? '').split('\n').filter((l) => l.includes('"type":"error"')).map((l) => l.replace(/"errorId":"\w+",?/, '').slice(0, 400)))];
	console.log(
		[
			`fuzz: semente ${SEED}`,
			...lines,
			`total: ${cases} casos, ${requests} requisições em ${seconds.toFixed(1)} s (${(requests / seconds).toFixed(0)} req/s), ${fivexx} respostas 5xx, ${rows.length} alvos`,
			...(errors.length ? ['erros registrados pelo servidor:', ...errors.slice(0, 30)] : [])
		].join('\n')
	);
	await app?.stop();
	await closeDb();
});

describe.concurrent('bad input gets a 4xx, never a 5xx', () => {
	it('every route file is one the fuzzer knows how to reach', () => {
		const known = Object.keys(world.params);
		const all = [...routes.pages(), ...routes.endpoints()];
		const unknown = all.flatMap((r) => r.params.filter((p) => !known.includes(p)).map((p) => `${r.file}: [${p}]`));
		expect(unknown, 'parâmetros sem valores no mundo do fuzzer').toEqual([]);
		// Every action file was read: a file with actions the parser missed threw above.
		const actions = routes.pages().flatMap((p) => p.actions.map((a) => `${p.template} ${a}`));
		expect(actions.length).toBeGreaterThan(20);
		// Every API route that answers something is an operation of the served document (the rest are the document, its page and the 404).
		const undocumented = routes
			.endpoints()
			.filter((e) => e.area === 'api' && !doc.paths[routes.toOpenApiPath(e.template)] && !['/api/v1/openapi.json', '/api/v1/[...rest]'].includes(e.template));
		expect(undocumented.map((e) => e.file)).toEqual([]);
		expect(allTargets().filter((t) => t.kind === 'openapi').length).toBeGreaterThanOrEqual(7);
	});

	it('form actions', () => fuzzAll(allTargets().filter((t) => t.kind === 'ação')));
	it('operations of the served OpenAPI document', () => fuzzAll(allTargets().filter((t) => t.kind === 'openapi')));
	it('other endpoints', () => fuzzAll(allTargets().filter((t) => t.kind === 'endpoint')));
	it('page loads and their data requests', () => fuzzAll(allTargets().filter((t) => t.kind === 'página')));
});
