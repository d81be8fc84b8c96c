// Front-end weight: what a first visit to the login page and to the debts page downloads.
// Scripts (`<script src>`, `<link rel=modulepreload>`, the `import("…")` of SvelteKit's inline
// start script, and every static import those modules make) and style sheets, each gzipped
// at level 9 (what adapter-node's precompressed .gz files are); brotli shown alongside.
//
//   npm run bench:frontend         env: BENCH_DATABASE_URL
import path from 'node:path';
import zlib from 'node:zlib';
import { runMigrations } from '../src/lib/server/db/migrate';
import { addDebtorsWithSessions } from './fixtures';
import { fetchOnce } from './load';
import { appEnv, ensureBuild, fmt, log, machine, machineLine, scratchDatabase, startServer, table, writeJson, type Server } from './lib';

const GOAL_JS_GZIP = 60 * 1024;
const MAX_FILES = 200;

type Asset = { url: string; kind: 'js' | 'css'; via: string; raw: number; gzip: number; brotli: number };
type PageResult = {
	page: string;
	path: string;
	status: number;
	serviceWorker: string | null;
	html: { raw: number; gzip: number; brotli: number; inlineScriptBytes: number; inlineStyleBytes: number };
	assets: Asset[];
	/** Modules the browser only discovers by parsing another module (not preloaded by the HTML). */
	notPreloaded: string[];
	js: { files: number; raw: number; gzip: number; brotli: number };
	css: { files: number; raw: number; gzip: number; brotli: number };
};

const gzip = (b: Buffer) => zlib.gzipSync(b, { level: 9 }).length;
const brotli = (b: Buffer) =>
	zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;

function attr(tag: string, name: string): string | null {
	const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
	return m ? (m[1] ?? m[2] ?? m[3]) : null;
}

/** Script and style URLs a first load of this page fetches, with how each was found. */
function discover(
	html: string,
	linkHeader: string | undefined
): { js: Map<string, string>; css: Map<string, string>; serviceWorker: string | null; inlineScriptBytes: number; inlineStyleBytes: number } {
	const js = new Map<string, string>();
	const css = new Map<string, string>();
	let inlineScriptBytes = 0;
	let inlineStyleBytes = 0;
	let serviceWorker: string | null = null;
	// SvelteKit announces its module preloads in a `Link` response header rather than in <head>.
	for (const part of (linkHeader ?? '').split(/,\s*(?=<)/)) {
		const m = /^<([^>]+)>(.*)$/.exec(part.trim());
		if (!m) continue;
		const rel = /;\s*rel="?([^";]+)"?/i.exec(m[2])?.[1].toLowerCase() ?? '';
		const as = /;\s*as="?([^";]+)"?/i.exec(m[2])?.[1].toLowerCase() ?? '';
		if (rel === 'modulepreload' || (rel === 'preload' && as === 'script')) js.set(m[1], `Link header ${rel}`);
		else if (rel === 'preload' && as === 'style') css.set(m[1], 'Link header preload');
		else if (rel === 'stylesheet') css.set(m[1], 'Link header stylesheet');
	}
	for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
		const tag = m[0];
		const rel = (attr(tag, 'rel') ?? '').toLowerCase().split(/\s+/);
		const href = attr(tag, 'href');
		if (!href) continue;
		if (rel.includes('modulepreload')) js.set(href, 'modulepreload');
		else if (rel.includes('stylesheet')) css.set(href, 'stylesheet');
		else if (rel.includes('preload') && attr(tag, 'as') === 'script') js.set(href, 'preload');
		else if (rel.includes('preload') && attr(tag, 'as') === 'style') css.set(href, 'preload');
	}
	for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
		const src = attr(`<script ${m[1]}>`, 'src');
		if (src) {
			js.set(src, 'script');
			continue;
		}
		inlineScriptBytes += Buffer.byteLength(m[2]);
		for (const i of m[2].matchAll(/import\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) if (!js.has(i[1])) js.set(i[1], 'inline import()');
		serviceWorker ??= /script_url\s*=\s*["']([^"']+)["']/.exec(m[2])?.[1] ?? null;
	}
	for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) inlineStyleBytes += Buffer.byteLength(m[1]);
	return { js, css, serviceWorker, inlineScriptBytes, inlineStyleBytes };
}

/** Static imports of an ES module (`import … from "./x.js"`, `import "./x.js"`, `export … from`); not `import()`. */
function staticImports(code: string): string[] {
	const out: string[] = [];
	for (const m of code.matchAll(/(?:^|[;\n}\s])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g)) out.push(m[1]);
	return out;
}

async function fetchBytes(port: number, pathname: string): Promise<{ status: number; body: Buffer; type: string }> {
	const http = await import('node:http');
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'GET' }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type'] ?? '') }));
			res.on('error', reject);
		});
		req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
		req.on('error', reject);
		req.end();
	});
}

async function measurePage(server: Server, page: string, pathname: string, cookie?: string): Promise<PageResult> {
	const r = await fetchOnce(server.port, { path: pathname, cookie });
	if (r.status !== 200) throw new Error(`${pathname}: HTTP ${r.status} (${r.headers.location ?? ''})`);
	const html = Buffer.from(r.body);
	const base = new URL(pathname, 'http://127.0.0.1');
	const link = r.headers.link;
	const found = discover(r.body, Array.isArray(link) ? link.join(', ') : link);
	const assets: Asset[] = [];
	const seen = new Set<string>();
	const preloaded = new Set<string>();
	const queue: { url: string; kind: 'js' | 'css'; via: string }[] = [];
	for (const [href, via] of found.js) {
		const u = new URL(href, base).pathname;
		preloaded.add(u);
		queue.push({ url: u, kind: 'js', via });
	}
	for (const [href, via] of found.css) queue.push({ url: new URL(href, base).pathname, kind: 'css', via });
	const notPreloaded: string[] = [];
	while (queue.length > 0 && assets.length < MAX_FILES) {
		const a = queue.shift()!;
		if (seen.has(a.url)) continue;
		seen.add(a.url);
		const res = await fetchBytes(server.port, a.url);
		if (res.status !== 200) throw new Error(`${a.url} (from ${a.via}): HTTP ${res.status}`);
		assets.push({ url: a.url, kind: a.kind, via: a.via, raw: res.body.length, gzip: gzip(res.body), brotli: brotli(res.body) });
		if (a.kind !== 'js') continue;
		for (const spec of staticImports(res.body.toString('utf8'))) {
			if (!spec.startsWith('.') && !spec.startsWith('/')) continue;
			const u = new URL(spec, new URL(a.url, 'http://127.0.0.1')).pathname;
			if (seen.has(u)) continue;
			if (!preloaded.has(u) && !notPreloaded.includes(u)) notPreloaded.push(u);
			queue.push({ url: u, kind: u.endsWith('.css') ? 'css' : 'js', via: `import in ${path.basename(a.url)}` });
		}
	}
	const sum = (kind: 'js' | 'css') => {
		const list = assets.filter((a) => a.kind === kind);
		return {
			files: list.length,
			raw: list.reduce((s, a) => s + a.raw, 0),
			gzip: list.reduce((s, a) => s + a.gzip, 0),
			brotli: list.reduce((s, a) => s + a.brotli, 0)
		};
	};
	return {
		page,
		path: pathname,
		status: r.status,
		serviceWorker: found.serviceWorker ? new URL(found.serviceWorker, base).pathname : null,
		html: { raw: html.length, gzip: gzip(html), brotli: brotli(html), inlineScriptBytes: found.inlineScriptBytes, inlineStyleBytes: found.inlineStyleBytes },
		assets,
		notPreloaded,
		js: sum('js'),
		css: sum('css')
	};
}

type Precache = { script: string; scriptGzip: number; files: number; js: number; css: number; other: number; missing: string[] };

/**
 * After the load event the page registers the service worker. It caches the static files at
 * install and built files only as pages use them; this measures every file it knows, the most a
 * phone could ever keep.
 */
async function measureServiceWorker(server: Server, script: string): Promise<Precache> {
	const sw = await fetchBytes(server.port, script);
	if (sw.status !== 200) throw new Error(`${script}: HTTP ${sw.status}`);
	const code = sw.body.toString('utf8');
	const list = [...new Set([...code.matchAll(/[`"'](\/[^`"'\s]+\.[a-z0-9]+)[`"']/gi)].map((m) => m[1]))].slice(0, MAX_FILES);
	const out: Precache = { script, scriptGzip: gzip(sw.body), files: 0, js: 0, css: 0, other: 0, missing: [] };
	for (const file of list) {
		const res = await fetchBytes(server.port, file);
		if (res.status !== 200) {
			out.missing.push(`${file} (${res.status})`);
			continue;
		}
		out.files++;
		const g = gzip(res.body);
		if (file.endsWith('.js')) out.js += g;
		else if (file.endsWith('.css')) out.css += g;
		else out.other += g;
	}
	return out;
}

const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;

async function main() {
	log('Front-end benchmark: bytes a first visit downloads (gzip -9; brotli -11 for reference).');
	log(machineLine());
	ensureBuild();
	const db = await scratchDatabase('frontend');
	let app: Server | undefined;
	const pages: PageResult[] = [];
	let precache: Precache | null = null;
	try {
		await runMigrations(db.url);
		app = await startServer('app', ['bin/acerto.js', 'serve', '--no-build'], appEnv(db.url));
		const [user] = await addDebtorsWithSessions(db.url, 'aurora', 1, 3);
		pages.push(await measurePage(app, 'login (/c/aurora)', '/c/aurora'));
		pages.push(await measurePage(app, 'debts (/c/aurora/dividas)', '/c/aurora/dividas', user.cookie));
		const sw = pages.find((p) => p.serviceWorker)?.serviceWorker;
		if (sw) precache = await measureServiceWorker(app, sw);
	} finally {
		await app?.stop();
		await db.drop();
	}

	for (const p of pages) {
		log('');
		log(`${p.page}: HTML ${kb(p.html.raw)} raw, ${kb(p.html.gzip)} gzip (inline scripts ${fmt(p.html.inlineScriptBytes)} B, inline styles ${fmt(p.html.inlineStyleBytes)} B)`);
		log(
			table(
				['file', 'type', 'found by', 'raw B', 'gzip B', 'brotli B'],
				p.assets.map((a) => [a.url.replace('/_app/immutable/', ''), a.kind, a.via, fmt(a.raw), fmt(a.gzip), fmt(a.brotli)])
			)
		);
		if (p.notPreloaded.length > 0) log(`  Not preloaded by the HTML (found only as static imports): ${p.notPreloaded.join(', ')}`);
	}
	log('');
	log(`Summary (goal: JS ≤ ${GOAL_JS_GZIP / 1024} KB gzip):`);
	log(
		table(
			['page', 'JS gzip', 'CSS gzip', 'files (JS+CSS)', 'HTML gzip', 'JS brotli', 'JS raw', `JS≤${GOAL_JS_GZIP / 1024}KB`],
			pages.map((p) => [
				p.page,
				kb(p.js.gzip),
				kb(p.css.gzip),
				`${p.js.files + p.css.files} (${p.js.files}+${p.css.files})`,
				kb(p.html.gzip),
				kb(p.js.brotli),
				kb(p.js.raw),
				p.js.gzip <= GOAL_JS_GZIP ? 'yes' : 'NO'
			])
		)
	);
	if (precache) {
		log('');
		log(
			`After the load event: service worker ${precache.script} (${kb(precache.scriptGzip)} gzip) knows ` +
				`${precache.files} files: JS ${kb(precache.js)}, CSS ${kb(precache.css)}, other ${kb(precache.other)} gzip ` +
				`(total ${kb(precache.scriptGzip + precache.js + precache.css + precache.other)}); it caches static files at install and built files only as pages use them.`
		);
		if (precache.missing.length > 0) log(`  Precache entries the server did not serve (build changed under the server?): ${precache.missing.join(', ')}`);
	}
	const file = writeJson('frontend', {
		benchmark: 'frontend',
		at: new Date().toISOString(),
		machine: machine(),
		goals: { jsGzipBytes: GOAL_JS_GZIP },
		pages,
		serviceWorker: precache
	});
	log('');
	log(`Figures written to ${path.relative(process.cwd(), file)}.`);
}

main().then(
	() => process.exit(0),
	(e) => {
		console.error(e);
		process.exit(1);
	}
);
