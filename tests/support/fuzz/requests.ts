import fc from 'fast-check';
import http from 'node:http';
import { headerSafe, nasty, NASTY, pct } from './inputs';
import type { Auth } from './world';

/**
 * One fuzz case is a `Spec`: a request described as data (so fast-check can shrink it), turned
 * into bytes on the wire by `send`. Bodies come as forms, multipart, JSON, text or raw bytes under
 * any content type, now and then over the body limit; cookies and headers come broken too.
 */

export type Body =
	| { kind: 'urlencoded' | 'multipart' | 'text'; entries: [string, string][] }
	| { kind: 'json'; value: unknown }
	| { kind: 'bytes'; bytes: number[] };

export type Spec = {
	target: string;
	method: string;
	/** Path, already percent-encoded (or deliberately not). */
	path: string;
	query: [string, string][];
	/** Keep `%` sequences in query values as they are (so `%00`, `%zz`, `%ED%A0%80` reach the server raw). */
	rawPercent: boolean;
	auth: Auth;
	/** Extra cookies, as a raw `name=value` list (broken ones included). */
	cookies: string | null;
	origin: 'same' | 'none' | 'evil';
	accept: string;
	headers: [string, string][];
	body: Body | null;
	contentType: string | null;
	/** Send a body one byte over the server's limit instead of `body`. */
	oversize: boolean;
	chunked: boolean;
};

export const BODY_LIMIT_BYTES = 1024 * 1024;

export const CONTENT_TYPES = [
	'application/x-www-form-urlencoded',
	'application/x-www-form-urlencoded; charset=utf-16',
	'multipart/form-data; boundary=fuzzboundary',
	'multipart/form-data',
	'multipart/form-data; boundary=',
	'application/json',
	'application/json; charset=latin1',
	'application/problem+json',
	'text/plain',
	'text/plain;charset=UTF-8',
	'application/octet-stream',
	'text/csv',
	'application/xml',
	'image/png',
	';;;',
	'application/x-www-form-urlencoded\u0000'
];

const BOUNDARY = 'fuzzboundary';
const CT_OF: Record<Body['kind'], string> = {
	urlencoded: 'application/x-www-form-urlencoded',
	multipart: `multipart/form-data; boundary=${BOUNDARY}`,
	text: 'text/plain',
	json: 'application/json',
	bytes: 'application/octet-stream'
};

function encodeBody(body: Body, rawPercent: boolean): Buffer {
	switch (body.kind) {
		case 'urlencoded':
			return Buffer.from(body.entries.map(([k, v]) => `${pct(k, rawPercent)}=${pct(v, rawPercent)}`).join('&'));
		case 'text':
			return Buffer.from(body.entries.map(([k, v]) => `${k}=${v}`).join('\r\n'));
		case 'multipart': {
			const parts = body.entries.map(([k, v], i) =>
				Buffer.concat([
					Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '_')}"${i % 3 === 2 ? `; filename="${v.slice(0, 20).replace(/["\r\n]/g, '_')}.csv"\r\nContent-Type: text/csv` : ''}\r\n\r\n`),
					Buffer.from(v),
					Buffer.from('\r\n')
				])
			);
			return Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
		}
		case 'json':
			return Buffer.from(JSON.stringify(body.value) ?? '');
		case 'bytes':
			return Buffer.from(body.bytes);
	}
}

export function queryString(spec: Pick<Spec, 'query' | 'rawPercent'>): string {
	if (spec.query.length === 0) return '';
	return '?' + spec.query.map(([k, v]) => (k.startsWith('/') ? `/${pct(k.slice(1), spec.rawPercent)}` : `${pct(k, spec.rawPercent)}=${pct(v, spec.rawPercent)}`)).join('&');
}

export type Outcome = { status: number; setCookies: string[]; text: string; ms: number } | { status: 0; error: string; ms: number; setCookies?: undefined; text?: undefined };

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** Sends a case; `authHeaders` come from the target's doors (cookies or key). */
export function send(base: string, spec: Spec, authHeaders: Record<string, string>): Promise<Outcome> {
	const url = new URL(base);
	const headers: Record<string, string> = { accept: spec.accept, ...Object.fromEntries(spec.headers.map(([k, v]) => [k, headerSafe(v)])) };
	if (spec.origin === 'same') headers.origin = base;
	if (spec.origin === 'evil') headers.origin = 'https://evil.example';
	if (authHeaders.authorization) headers.authorization = authHeaders.authorization;
	const cookie = [authHeaders.cookie, spec.cookies && headerSafe(spec.cookies)].filter(Boolean).join('; ');
	if (cookie) headers.cookie = cookie;
	let payload: Buffer | null = null;
	if (spec.oversize) payload = Buffer.alloc(BODY_LIMIT_BYTES + 1, 'a=');
	else if (spec.body) payload = encodeBody(spec.body, spec.rawPercent);
	const type = spec.contentType ?? (spec.body ? CT_OF[spec.body.kind] : null);
	if (type !== null && (payload || spec.contentType)) headers['content-type'] = headerSafe(type);
	if (payload && !spec.chunked) headers['content-length'] = String(payload.length);
	const options: http.RequestOptions = { host: url.hostname, port: url.port, method: spec.method, path: spec.path + queryString(spec), headers, agent, timeout: spec.oversize ? 5_000 : 20_000 };
	return attempt(options, payload, 0);
}

/**
 * One try on the wire. A kept-alive socket the server closed after an earlier answer (it closes
 * after a 413 or a 431, say) fails the next request with ECONNRESET before it is read: as Node's
 * documentation advises, such a request is sent again, once, on a new connection.
 */
function attempt(options: http.RequestOptions, payload: Buffer | null, tries: number): Promise<Outcome> {
	const started = performance.now();
	return new Promise((resolve) => {
		const req = http.request(options, (res) => {
			const chunks: Buffer[] = [];
			let size = 0;
			res.on('data', (c: Buffer) => {
				if (size < 4096) chunks.push(c);
				size += c.length;
			});
			res.on('end', () =>
				resolve({
					status: res.statusCode ?? 0,
					setCookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []),
					text: Buffer.concat(chunks).toString('utf8').slice(0, 4096),
					ms: performance.now() - started
				})
			);
			res.on('error', (e) => resolve({ status: 0, error: String(e), ms: performance.now() - started }));
		});
		req.on('timeout', () => req.destroy(new Error(`sem resposta em ${(options.timeout ?? 0) / 1000} s`)));
		req.on('error', (e: NodeJS.ErrnoException) => {
			if (tries < 2 && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) resolve(attempt({ ...options, agent: false }, payload, tries + 1));
			else resolve({ status: 0, error: String(e), ms: performance.now() - started });
		});
		if (payload) req.end(payload);
		else req.end();
	});
}

/** Bytes of the body as sent (a generated form of long emoji can pass the limit without `oversize`). */
export function bodyBytes(spec: Spec): number {
	return spec.oversize ? BODY_LIMIT_BYTES + 1 : spec.body ? encodeBody(spec.body, spec.rawPercent).length : 0;
}

/** Bytes of the request line and headers: past Node's 16 KB it answers 431 and may reset the connection. */
export function headBytes(spec: Spec): number {
	return spec.path.length + queryString(spec).length + Buffer.byteLength(spec.cookies ?? '') + spec.headers.reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
}

/** The request as one would type it again: method, URL, who, headers and the start of the body. */
export function describe(spec: Spec): string {
	const body = spec.oversize ? `<${BODY_LIMIT_BYTES + 1} bytes>` : spec.body ? encodeBody(spec.body, spec.rawPercent).toString('utf8') : '';
	const short = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}… (${s.length} caracteres)` : s);
	return [
		`${spec.method} ${spec.path}${short(queryString(spec))}`,
		`  como: ${spec.auth}; origin: ${spec.origin}; accept: ${spec.accept}; content-type: ${JSON.stringify(spec.contentType ?? (spec.body ? CT_OF[spec.body.kind] : null))}${spec.chunked ? ' (chunked)' : ''}`,
		spec.cookies ? `  cookies extras: ${JSON.stringify(short(spec.cookies))}` : '',
		spec.headers.length ? `  cabeçalhos: ${JSON.stringify(spec.headers.map(([k, v]) => [k, short(v)]))}` : '',
		body ? `  corpo: ${JSON.stringify(short(body))}` : ''
	]
		.filter(Boolean)
		.join('\n');
}

/** Fast-check prints a shrunk case with this, not as a 300 KB object. */
export function printable(spec: Spec): Spec {
	return Object.assign(spec, { [fc.toStringMethod]: () => describe(spec) });
}

// —— generators ——

const COOKIE_NAMES = ['acerto_session', 'acerto_staff', 'acerto_otp'];

export const brokenCookies: fc.Arbitrary<string | null> = fc.option(
	fc.oneof(
		fc.tuple(fc.constantFrom(...COOKIE_NAMES), nasty(['00000000-0000-0000-0000-000000000000', 'not-a-uuid'], 4097)).map(([n, v]) => `${n}=${pct(v, true)}`),
		fc.tuple(fc.constantFrom(...COOKIE_NAMES), nasty([], 4097)).map(([n, v]) => `${n}=${v}`),
		fc.constantFrom('=', ';;;', 'acerto_otp', 'acerto_otp=', 'acerto_session="', 'a=b; a=c', `acerto_staff=${'x'.repeat(8000)}`, 'acerto_otp=%', 'acerto_otp=%00%00')
	),
	{ freq: 2 }
);

const acceptArb = fc.constantFrom('text/html', 'application/json', '*/*', 'text/html', 'application/problem+json', '');

const extraHeaders: fc.Arbitrary<[string, string][]> = fc.oneof(
	{ arbitrary: fc.constant([] as [string, string][]), weight: 6 },
	{
		arbitrary: fc.array(
			fc.tuple(
				fc.constantFrom('x-sveltekit-action', 'idempotency-key', 'x-forwarded-for', 'x-forwarded-host', 'host-x', 'if-none-match', 'range', 'accept-language', 'x-sveltekit-invalidated'),
				nasty(['true', '11'], 4097)
			),
			{ maxLength: 3 }
		),
		weight: 2
	}
);

/** A form (or what pretends to be one): the page's own field names with bad values, plus strangers. */
export function formBody(fields: string[], values: (field: string) => fc.Arbitrary<string>): fc.Arbitrary<Body | null> {
	const named = fields.length
		? fc.tuple(...fields.map((f) => fc.option(values(f).map((v) => [f, v] as [string, string]), { nil: undefined, freq: 2 })))
		: fc.constant([] as ([string, string] | undefined)[]);
	const entries = fc
		.tuple(named, fc.array(fc.tuple(fc.oneof(fc.constantFrom(...fields, ...NASTY.slice(0, 12)), fc.string({ maxLength: 8 })), nasty()), { maxLength: 3 }))
		.map(([a, b]) => [...a.filter((x): x is [string, string] => x !== undefined), ...b]);
	return fc.oneof(
		{ arbitrary: entries.map((e) => ({ kind: 'urlencoded' as const, entries: e })), weight: 6 },
		{ arbitrary: entries.map((e) => ({ kind: 'multipart' as const, entries: e })), weight: 2 },
		{ arbitrary: entries.map((e) => ({ kind: 'json' as const, value: Object.fromEntries(e) })), weight: 2 },
		{ arbitrary: entries.map((e) => ({ kind: 'text' as const, entries: e })), weight: 1 },
		{ arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })), weight: 1 },
		{ arbitrary: fc.constant(null), weight: 1 }
	);
}

export type Shape = {
	target: string;
	methods: fc.Arbitrary<string>;
	path: fc.Arbitrary<string>;
	query: fc.Arbitrary<[string, string][]>;
	auth: fc.Arbitrary<Auth>;
	body: fc.Arbitrary<Body | null>;
	/** Content type other than the body's own, now and then. */
	wrongType?: number;
};

export function specOf(shape: Shape): fc.Arbitrary<Spec> {
	return fc
		.record({
			method: shape.methods,
			path: shape.path,
			query: shape.query,
			rawPercent: fc.boolean(),
			auth: shape.auth,
			cookies: brokenCookies,
			origin: fc.constantFrom('same', 'same', 'same', 'same', 'same', 'none', 'evil') as fc.Arbitrary<Spec['origin']>,
			accept: acceptArb,
			headers: extraHeaders,
			body: shape.body,
			contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: shape.wrongType ?? 4 }),
			oversize: fc.integer({ min: 0, max: 399 }).map((n) => n === 0),
			chunked: fc.integer({ min: 0, max: 9 }).map((n) => n === 0)
		})
		.map((s) => printable({ target: shape.target, ...s }));
}

/** A path template with each `[param]` filled with a real value or garbage, percent-encoded (raw `%` now and then). */
export function pathOf(template: string, values: (param: string) => fc.Arbitrary<string>): fc.Arbitrary<string> {
	const parts = template.split(/(\[(?:\.\.\.)?\w+\])/).filter((p) => p !== '');
	return fc
		.tuple(
			fc.boolean(),
			...parts.map((p) => {
				const m = /^\[(?:\.\.\.)?(\w+)\]$/.exec(p);
				return m ? values(m[1]).map((v) => ({ param: v })) : fc.constant({ text: p });
			})
		)
		.map(([raw, ...segs]) =>
			segs
				.map((s) => ('text' in s ? s.text : pct(s.param === '' ? 'x' : s.param, raw)))
				.join('')
				.replace(/\/\/+/g, '/')
		);
}
