import fs from 'node:fs';
import path from 'node:path';

/**
 * Every route of the app as the fuzzer sees it, read from `src/routes` itself so that a new
 * action, page or endpoint is fuzzed without editing the test: its URL template, its parameters,
 * its form actions (default and named), the methods a `+server.ts` exports, and the form field
 * names its page and the components it imports use.
 */

export type Route = {
	/** `src/routes/admin/credores/[id]/+page.server.ts`, relative to the project. */
	file: string;
	/** `/admin/credores/[id]`: the route id without its (groups). */
	template: string;
	params: string[];
	area: 'portal' | 'admin' | 'api' | 'root';
};

export type PageRoute = Route & { actions: string[]; fields: string[] };
export type EndpointRoute = Route & { methods: string[]; fields: string[] };

const ROOT = path.resolve('src/routes');

function walk(dir: string, out: string[] = []): string[] {
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) walk(p, out);
		else out.push(p);
	}
	return out;
}

function routeOf(file: string): Route {
	const dir = path.relative(ROOT, path.dirname(file)).split(path.sep).filter(Boolean);
	const template = '/' + dir.filter((s) => !/^\(.*\)$/.test(s)).join('/');
	const params = [...template.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((m) => m[1]);
	const area = template.startsWith('/c/') ? 'portal' : template.startsWith('/admin') ? 'admin' : template.startsWith('/api/') ? 'api' : 'root';
	return { file: path.relative(process.cwd(), file), template, params, area };
}

/** The keys of `export const actions = { … }`: one tab in, `name: async (…) =>` or `name(…) {`. */
export function actionNames(source: string): string[] | null {
	const m = /export const actions\b[^=]*=\s*\{([\s\S]*?)\n\}/.exec(source);
	if (!m) return null;
	return [...m[1].matchAll(/^\t(?:async\s+)?(\w+)\s*(?::|\()/gm)].map((x) => x[1]);
}

const FIELD_PATTERNS = [/\bname="([^"{}]+)"/g, /\bname=\{['"`]([^'"`{}$]+)['"`]\}/g, /\.get\(\s*'([^']+)'\s*\)/g, /\.get\(\s*"([^"]+)"\s*\)/g];

function fieldsIn(source: string): string[] {
	return FIELD_PATTERNS.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]));
}

/** Form field names of a page: its `+page.svelte`, the components it imports, and what its actions read. */
function fieldsOf(serverFile: string): string[] {
	const dir = path.dirname(serverFile);
	const sources = [fs.readFileSync(serverFile, 'utf8')];
	const page = path.join(dir, '+page.svelte');
	if (fs.existsSync(page)) {
		const svelte = fs.readFileSync(page, 'utf8');
		sources.push(svelte);
		for (const m of svelte.matchAll(/from '\$lib\/([^']+)'/g)) {
			for (const candidate of [m[1], `${m[1]}.ts`]) {
				const p = path.resolve('src/lib', candidate);
				if (fs.existsSync(p) && fs.statSync(p).isFile()) sources.push(fs.readFileSync(p, 'utf8'));
			}
		}
	}
	return [...new Set(sources.flatMap(fieldsIn))].filter((f) => !/^(id|class|viewport|description|theme-color)$/.test(f));
}

export function pages(): PageRoute[] {
	const files = walk(ROOT);
	const dirs = new Set(files.filter((f) => /\/\+page\.(svelte|server\.ts|ts)$/.test(f)).map((f) => path.dirname(f)));
	return [...dirs].sort().map((dir) => {
		const server = path.join(dir, '+page.server.ts');
		const base = routeOf(path.join(dir, '+page.svelte'));
		if (!fs.existsSync(server)) return { ...base, actions: [], fields: [] };
		const source = fs.readFileSync(server, 'utf8');
		const names = actionNames(source);
		if (names === null && /export\s+(const|let|function)\s+actions\b/.test(source)) throw new Error(`${server}: não sei ler as ações deste arquivo (esperava "export const actions = { … }")`);
		if (names !== null && names.length === 0) throw new Error(`${server}: "export const actions" sem nenhuma ação que eu saiba ler`);
		return { ...routeOf(server), actions: names ?? [], fields: fieldsOf(server) };
	});
}

export function endpoints(): EndpointRoute[] {
	return walk(ROOT)
		.filter((f) => f.endsWith('/+server.ts'))
		.sort()
		.map((file) => {
			const source = fs.readFileSync(file, 'utf8');
			const declared = [...source.matchAll(/export (?:const|(?:async )?function) (GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD|fallback)\b/g)].map((m) => m[1]);
			// A route that re-exports another's handlers (`export { POST } from '../+server'`).
			const reexported = [...source.matchAll(/export \{([^}]*)\} from/g)].flatMap((m) =>
				m[1].split(',').map((x) => x.trim()).filter((x) => /^(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD|fallback)$/.test(x))
			);
			const methods = [...declared, ...reexported];
			if (methods.length === 0) throw new Error(`${file}: nenhum método exportado que eu saiba chamar`);
			const fields = [...new Set([...fieldsIn(source), ...[...source.matchAll(/^\t(\w+): z\./gm)].map((m) => m[1])])];
			return { ...routeOf(file), methods, fields };
		});
}

/** `/api/v1/debts:batch` ↔ `/api/v1/debts:batch`, `/api/v1/debtors/[document]` ↔ `/api/v1/debtors/{document}`. */
export function toOpenApiPath(template: string): string {
	return template.replace(/\[(\w+)\]/g, '{$1}');
}
