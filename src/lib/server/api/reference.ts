import { PROBLEM_TYPES } from './problem';

/**
 * The readable reference (`/api/v1/docs`) as data: endpoints, parameters, bodies, responses,
 * schemas flattened into field tables, and a curl example each, all read from the served OpenAPI
 * document, so the page says exactly what the document says.
 */

type Json = Record<string, unknown>;

export type FieldRow = { name: string; type: string; link: string | null; required: boolean; description: string };
export type ParamRow = { name: string; in: string; type: string; required: boolean; description: string };
export type ResponseRow = { status: string; description: string; contentType: string; schema: string | null };
export type EndpointView = {
	id: string;
	method: string;
	path: string;
	summary: string;
	description: string;
	tag: string;
	params: ParamRow[];
	body: { schema: string; required: boolean; example: string } | null;
	responses: ResponseRow[];
	curl: string;
};
export type SchemaView = { id: string; description: string; fields: FieldRow[] };
export type ReferenceView = {
	title: string;
	version: string;
	description: string;
	server: string;
	endpoints: EndpointView[];
	schemas: SchemaView[];
	problems: { slug: string; status: number; title: string; about: string }[];
};

const refId = (ref: unknown) => (typeof ref === 'string' ? ref.split('/').at(-1)! : null);

function typeLabel(s: Json): { type: string; link: string | null } {
	if (s.$ref) {
		const id = refId(s.$ref)!;
		return { type: id, link: id };
	}
	if (s.type === 'array' && s.items) {
		const inner = typeLabel(s.items as Json);
		const size = [
			typeof s.minItems === 'number' ? `mín. ${s.minItems}` : null,
			typeof s.maxItems === 'number' ? `máx. ${s.maxItems.toLocaleString('pt-BR')}` : null
		].filter(Boolean);
		return { type: `lista de ${inner.type}${size.length ? ` (${size.join(', ')})` : ''}`, link: inner.link };
	}
	if (Array.isArray(s.enum)) return { type: (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | '), link: null };
	if (Array.isArray(s.anyOf)) {
		const parts = (s.anyOf as Json[]).map(typeLabel);
		return { type: parts.map((p) => p.type).join(' | '), link: parts.find((p) => p.link)?.link ?? null };
	}
	const names: Record<string, string> = { string: 'texto', integer: 'inteiro', number: 'número', boolean: 'booleano', object: 'objeto', null: 'null', array: 'lista' };
	const types = ([] as unknown[]).concat(s.type ?? 'qualquer').map((t) => names[String(t)] ?? String(t));
	const extra: string[] = [];
	if (s.format) extra.push(String(s.format));
	if (typeof s.minimum === 'number' && s.minimum !== 0 && s.minimum > -Number.MAX_SAFE_INTEGER) extra.push(`≥ ${s.minimum}`);
	if (typeof s.minimum === 'number' && s.minimum === 0) extra.push('≥ 0');
	if (typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER) extra.push(`≤ ${s.maximum}`);
	if (typeof s.maxLength === 'number') extra.push(`até ${s.maxLength} caracteres`);
	return { type: types.join(' | ') + (extra.length ? ` (${extra.join(', ')})` : ''), link: null };
}

function fields(schema: Json, prefix = ''): FieldRow[] {
	const props = (schema.properties ?? {}) as Record<string, Json>;
	const required = new Set((schema.required ?? []) as string[]);
	const rows: FieldRow[] = [];
	for (const [name, p] of Object.entries(props)) {
		const { type, link } = typeLabel(p);
		rows.push({ name: prefix + name, type, link, required: required.has(name), description: String(p.description ?? '') });
		if (p.type === 'object' && p.properties) rows.push(...fields(p, `${prefix}${name}.`));
	}
	return rows;
}

function curl(server: string, method: string, path: string, query: string, body: unknown, write: boolean, fileType?: string): string {
	const lines = [`curl${method === 'get' ? '' : ` -X ${method.toUpperCase()}`} '${server}${path}${query}'`, `  -H 'Authorization: Bearer ak_live_…'`];
	if (fileType) lines.push(`  -H 'Content-Type: ${fileType}'`, `  --data-binary @arquivo`);
	else if (write) {
		lines.push(`  -H 'Content-Type: application/json'`, `  -H 'Idempotency-Key: 6f1c2a4e-3b7d-4c55-9a10-2f3e4d5c6b7a'`);
		if (body !== undefined) lines.push(`  -d '${JSON.stringify(body, null, 2).replace(/'/g, `'\\''`)}'`);
	}
	return lines.join(' \\\n');
}

export function view(doc: Json, examples: Record<string, { path: string; query?: string }>): ReferenceView {
	const info = doc.info as Json;
	const server = ((doc.servers as Json[] | undefined)?.[0]?.url as string) ?? '';
	const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
	const endpoints: EndpointView[] = [];
	for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
		for (const [method, op] of Object.entries(ops)) {
			const params = ((op.parameters ?? []) as Json[]).map((p) => ({
				name: String(p.name),
				in: { path: 'caminho', query: 'consulta', header: 'cabeçalho' }[String(p.in)] ?? String(p.in),
				type: typeLabel(p.schema as Json).type,
				required: Boolean(p.required),
				description: String(p.description ?? '')
			}));
			const rb = op.requestBody as Json | undefined;
			const media = rb ? ((rb.content as Json)['application/json'] as Json) : undefined;
			const responses = Object.entries(op.responses as Record<string, Json>).map(([status, r]) => {
				const [contentType, m] = Object.entries((r.content ?? {}) as Record<string, Json>)[0] ?? ['', {}];
				return { status, description: String(r.description), contentType, schema: refId((m.schema as Json | undefined)?.$ref) };
			});
			const ex = examples[String(op.operationId)] ?? { path };
			endpoints.push({
				id: String(op.operationId),
				method,
				path,
				summary: String(op.summary),
				description: String(op.description),
				tag: ((op.tags as string[]) ?? [''])[0],
				params,
				body: media ? { schema: refId((media.schema as Json).$ref)!, required: Boolean(rb!.required), example: JSON.stringify(media.example, null, 2) } : null,
				responses,
				curl: curl(server, method, ex.path, ex.query ?? '', media?.example, method !== 'get', rb && !media ? Object.keys(rb.content as Json)[0] : undefined)
			});
		}
	}
	return {
		title: String(info.title),
		version: String(info.version),
		description: String(info.description ?? ''),
		server,
		endpoints,
		schemas: Object.entries(schemas).map(([id, s]) => ({ id, description: String(s.description ?? ''), fields: fields(s) })),
		problems: Object.entries(PROBLEM_TYPES)
			.map(([slug, t]) => ({ slug, status: t.status, title: t.title, about: t.about }))
			.sort((a, b) => a.status - b.status)
	};
}
