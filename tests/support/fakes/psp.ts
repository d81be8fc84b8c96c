import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readBody } from './loopback';
import { sharedPath } from '../shared';

/**
 * A Pix PSP on loopback speaking the Central Bank's Pix API v2 (`specs/bcb-pix-api-2.9.0.yaml`),
 * over HTTPS with mutual TLS: certificates for a CA, the server and our client are made with
 * `openssl` at start. Every request is checked against the yaml with ajv (path and method, path and
 * query parameters, body schema, the Bearer token its own OAuth endpoint issued with the operation's
 * scopes, the client certificate), and so is every answer it gives and every webhook it sends;
 * anything off is kept in `violations` (a test expects none). It keeps charges, can "pay" them, and
 * calls the registered webhook (`{webhookUrl}/pix`), as the spec's `listaPix` callback says.
 */

const SPEC_PATH = sharedPath('specs', 'bcb-pix-api-2.9.0.yaml');

type Json = Record<string, unknown>;
type Spec = { paths: Record<string, Record<string, Json>>; components: Record<string, Record<string, Json>> };

/**
 * Where the yaml contradicts itself or its own examples, the fake follows what PSPs do; each
 * correction is named so that nothing else is loosened.
 */
function applyErrata(spec: Spec): void {
	const s = spec.components.schemas as Record<string, Json & { properties?: Record<string, Json>; required?: string[] }>;
	// 1. CPF patterns are written `/^\d{11}$/` (slashes included), which no string matches.
	//    So is codMun's `/^\d{7}$/`: every pattern written between slashes loses them.
	const fixCpf = (node: unknown): void => {
		if (!node || typeof node !== 'object') return;
		for (const [k, v] of Object.entries(node)) {
			if (k === 'pattern' && typeof v === 'string' && /^\/\^.*\$\/$/.test(v)) (node as Json)[k] = v.slice(1, -1);
			else fixCpf(v);
		}
	};
	fixCpf(spec);
	// 2. PixConsultados requires `cobs` (copied from CobsConsultadas); its list is `pix`.
	s.PixConsultados.required = ['parametros'];
	// 3. DadosRecebedor requires the address at the top of the charge; its own example has it under `recebedor`.
	delete s.DadosRecebedor.required;
	// 4. `loc.location` is `format: uri`, but every example (and the BR Code manual) has no scheme.
	delete s.PayloadLocation.properties!.location.format;
	// 5. A Pix's txid is `allOf: [TxId (26–35), 1–35]`: the second meant to widen the first, since a
	//    Pix paid from a static code carries its txid of up to 25; an allOf can only narrow.
	s.Pix.properties!.txid = { type: 'string', pattern: '^[a-zA-Z0-9]{1,35}$' };
	// Pix Automático (rec, cobr):
	// 6. RecBase requires `idRec` and `retentativa` of every recurrence, the request to create one
	//    included (whose idRec the PSP gives); no example has `retentativa` (the field is `politicaRetentativa`).
	s.RecBase.required = ['calendario', 'vinculo'];
	// 7. RecNotification's required list is written `["idRec","status",atualizacao"]`: a stray quote.
	s.RecNotification.required = ['idRec', 'status', 'atualizacao'];
	// 8. DadosPagadorRec asks at its top level what its examples (and the schema's own properties) put under `pagador`.
	delete s.DadosPagadorRec.required;
	delete (s.DadosPagadorRec as Json).oneOf;
	// 9. A Pix Automático's `valor` is a string and, by anyOf, one of five objects: nothing is both.
	delete (s.PixAutomatico.properties!.valor as Json).anyOf;
	// 10. As 4, for the recurrence's location and the immediate charge's own `location`.
	delete s.PayloadLocationRecGerada.properties!.location.format;
	for (const part of (s.CobGerada.allOf as Json[]) ?? []) delete ((part.properties as Record<string, Json> | undefined)?.location ?? {}).format;
	// 11. `encerramento` is oneOf {rejeicao} / {cancelamento} with neither required, so every
	//     cancellation also matches the rejection branch and fails "exactly one": each branch requires its own.
	for (const enc of [s.RecEncerramento.properties!.encerramento, s.CobRAtualizacao.properties!.encerramento]) {
		for (const branch of enc.oneOf as (Json & { properties: Json })[]) branch.required = Object.keys(branch.properties);
	}
}

/** Every `#/…` reference made absolute to the document, so an inline schema compiles on its own. */
function absoluteRefs(node: unknown): void {
	if (!node || typeof node !== 'object') return;
	for (const [k, v] of Object.entries(node)) {
		if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) (node as Json)[k] = `pix${v}`;
		else absoluteRefs(v);
	}
}

function pointer(spec: Spec, ref: string): Json {
	return ref
		.replace(/^pix#\//, '')
		.split('/')
		.reduce<unknown>((n, part) => (n as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec) as Json;
}

const deref = (spec: Spec, n: Json): Json => (typeof n.$ref === 'string' ? deref(spec, pointer(spec, n.$ref)) : n);

type Operation = { template: string; method: string; op: Json; params: Json[]; regex: RegExp; names: string[] };

class SpecChecker {
	readonly spec: Spec;
	private ajv: Ajv;
	private cache = new Map<unknown, ValidateFunction>();
	private ops: Operation[] = [];

	constructor() {
		this.spec = yaml.load(fs.readFileSync(SPEC_PATH, 'utf8')) as Spec;
		applyErrata(this.spec);
		absoluteRefs(this.spec);
		this.ajv = new Ajv({ strict: false, allErrors: true });
		addFormats(this.ajv);
		for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary']) this.ajv.addFormat(f, true);
		this.ajv.addSchema(this.spec as unknown as Json, 'pix');
		for (const [template, item] of Object.entries(this.spec.paths)) {
			// The payload locations live on another host (the QR Code's URL), not the API.
			if (template.includes('UrlAccessToken')) continue;
			const names: string[] = [];
			const regex = new RegExp('^' + template.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)')) + '$');
			for (const [method, op] of Object.entries(item)) {
				if (method === 'parameters') continue;
				const params = [...((item.parameters as unknown as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])].map((p) => deref(this.spec, p));
				this.ops.push({ template, method: method.toUpperCase(), op, params, regex, names });
			}
		}
		// Literal paths before templated ones (`/pix` is not `/{e2eid}`).
		this.ops.sort((a, b) => a.names.length - b.names.length);
	}

	validate(schema: Json, value: unknown): string | null {
		let v = this.cache.get(schema);
		if (!v) {
			v = this.ajv.compile(schema);
			this.cache.set(schema, v);
		}
		return v(value) ? null : this.ajv.errorsText(v.errors, { dataVar: 'body' });
	}

	match(method: string, pathname: string): { op: Operation; params: Record<string, string> } | null {
		for (const op of this.ops) {
			if (op.method !== method) continue;
			const m = op.regex.exec(pathname);
			if (m) return { op, params: Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
		}
		return null;
	}

	/** Problems with a request: parameters, body; null when it is as the spec says. */
	checkRequest(op: Operation, pathParams: Record<string, string>, query: URLSearchParams, contentType: string, body: unknown): string[] {
		const problems: string[] = [];
		const known = new Set<string>();
		for (const p of op.params) {
			const name = p.name as string;
			const schema = p.schema as Json;
			if (p.in === 'path') {
				const e = this.validate(schema, pathParams[name]);
				if (e) problems.push(`parâmetro ${name}: ${e}`);
			} else if (p.in === 'query') {
				known.add(name);
				const raw = query.get(name);
				if (raw === null) {
					if (p.required) problems.push(`parâmetro obrigatório ausente: ${name}`);
					continue;
				}
				const type = deref(this.spec, schema).type;
				const value = type === 'integer' ? Number(raw) : type === 'boolean' ? (raw === 'true' ? true : raw === 'false' ? false : raw) : raw;
				const e = this.validate(schema, value);
				if (e) problems.push(`parâmetro ${name}: ${e}`);
			}
		}
		for (const name of query.keys()) if (!known.has(name)) problems.push(`parâmetro desconhecido: ${name}`);
		const rb = op.op.requestBody ? deref(this.spec, op.op.requestBody as Json) : null;
		if (rb) {
			const content = rb.content as Record<string, Json>;
			if (!contentType.startsWith('application/json')) problems.push(`content-type ${contentType}, esperado application/json`);
			const e = this.validate(content['application/json'].schema as Json, body);
			if (e) problems.push(`corpo: ${e}`);
		} else if (body !== undefined) {
			problems.push('corpo em operação sem requestBody');
		}
		return problems;
	}

	/** Problems with an answer the fake gives: status listed, body as its schema. */
	checkResponse(op: Operation, status: number, body: unknown): string[] {
		const responses = op.op.responses as Record<string, Json>;
		const r = responses[String(status)];
		if (!r) return [`status ${status} não previsto para ${op.method} ${op.template}`];
		const content = deref(this.spec, r).content as Record<string, Json> | undefined;
		if (!content) return body === undefined ? [] : [`corpo em resposta ${status} sem conteúdo previsto`];
		const schema = (content['application/json'] ?? content['application/problem+json']).schema as Json;
		const e = this.validate(schema, body);
		return e ? [`resposta ${status} de ${op.method} ${op.template}: ${e}`] : [];
	}

	requiredScopes(op: Operation): string[] | null {
		const sec = op.op.security as Record<string, string[]>[] | undefined;
		if (!sec || sec.length === 0) return null;
		return sec[0].OAuth2 ?? [];
	}

	webhookBodySchema(): Json {
		return ((this.spec.components.requestBodies.WebhookPixBody.content as Record<string, Json>)['application/json'].schema as Json);
	}
}

let checker: SpecChecker | null = null;
/** The yaml, loaded and compiled once per test file. */
export function pixSpec(): SpecChecker {
	checker ??= new SpecChecker();
	return checker;
}

export type Certificates = { dir: string; caCert: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; strangerCert: string; strangerKey: string };

/** A CA, a server certificate for 127.0.0.1 and two client certificates: ours (signed by the CA) and a stranger's (self-signed). */
export function makeCertificates(): Certificates {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-psp-'));
	const f = (n: string) => path.join(dir, n);
	const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
	const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
	ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=PSP de Teste CA');
	const issue = (name: string, cn: string, ext: string) => {
		ssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
		fs.writeFileSync(f(`${name}.ext`), ext);
		ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`));
	};
	issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
	issue('client', 'acerto-teste', 'extendedKeyUsage=clientAuth\n');
	ssl('req', '-x509', ...ec, '-keyout', f('stranger.key'), '-out', f('stranger.crt'), '-days', '2', '-subj', '/CN=estranho');
	return {
		dir,
		caCert: f('ca.crt'),
		serverCert: f('server.crt'),
		serverKey: f('server.key'),
		clientCert: f('client.crt'),
		clientKey: f('client.key'),
		strangerCert: f('stranger.crt'),
		strangerKey: f('stranger.key')
	};
}

export type FakeCharge = Json & { txid: string; status: string; valor: { original: string }; chave: string; pix: FakePix[] };
export type FakeRec = Json & { idRec: string; status: string; atualizacao: { status: string; data: string }[]; ativacao: { tipoJornada: string; dadosJornada?: { txid: string } }; loc: Json & { location: string } };
export type FakeCobr = Json & { idRec: string; txid: string; status: string; valor: { original: string }; calendario: { criacao: string; dataDeVencimento: string }; atualizacao: { status: string; data: string }[]; tentativas: Json[]; pix: FakePix[] };
export type FakePix = { endToEndId: string; txid?: string; valor: string; horario: string; chave: string };
export type Seen = { method: string; path: string; status: number; at: number };

export type FakePspOptions = {
	clientId: string;
	clientSecret: string;
	tokenSeconds?: number;
	/** The receiving account holder, as `recebedor` and as fields 59/60 of the PSP's own copia-e-cola. */
	recebedor?: { cnpj: string; nome: string; cidade: string };
};

const ISPB = '12345678';
const problem = (status: number, type: string, title: string, detail?: string) => ({
	type: `https://pix.bcb.gov.br/api/v2/error/${type}`,
	title,
	status,
	...(detail && { detail })
});

// The fake's own BR Code, written apart from ours so a test can compare the two.
function crc(s: string): string {
	let c = 0xffff;
	for (const b of Buffer.from(s, 'utf8')) {
		c ^= b << 8;
		for (let i = 0; i < 8; i++) c = (c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1) & 0xffff;
	}
	return c.toString(16).toUpperCase().padStart(4, '0');
}
const f = (id: string, v: string) => `${id}${String(v.length).padStart(2, '0')}${v}`;
function copiaECola(location: string, nome: string, cidade: string, recLocation?: string): string {
	const s =
		f('00', '01') + f('01', '12') + f('26', f('00', 'br.gov.bcb.pix') + f('25', location)) + f('52', '0000') + f('53', '986') + f('58', 'BR') + f('59', nome) + f('60', cidade) + f('62', f('05', '***')) +
		// Pix Automático's composite QR: the recurrence's location in field 80 (BR Code manual, JORNADA_3).
		(recLocation ? f('80', f('00', 'br.gov.bcb.pix') + f('25', recLocation)) : '') +
		'6304';
	return s + crc(s);
}
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

export async function startFakePsp(opts: FakePspOptions) {
	const spec = pixSpec();
	const certs = makeCertificates();
	const recebedor = opts.recebedor ?? { cnpj: '56989000019533', nome: 'Credor Teste', cidade: 'Sao Paulo' };
	const tokens = new Map<string, { until: number; scopes: Set<string> }>();
	const charges = new Map<string, FakeCharge>();
	const cobs = new Map<string, FakeCharge>();
	const locrecs = new Map<number, Json & { id: number; location: string; criacao: string; idRec?: string }>();
	const recs = new Map<string, FakeRec>();
	const cobrs = new Map<string, FakeCobr>();
	const received: FakePix[] = [];
	const webhooks = new Map<string, string>();
	const automatico: { webhookRec: string | null; webhookCobr: string | null } = { webhookRec: null, webhookCobr: null };
	const violations: string[] = [];
	const seen: Seen[] = [];
	const state = { down: false, tokensIssued: 0, nextLoc: 1000, tokenSeconds: opts.tokenSeconds ?? 3600, today: null as string | null };
	// The PSP's calendar day (a test may move it to run the debit window).
	const pspToday = () => state.today ?? isoDate(new Date());
	let host = '';

	const send = (res: http.ServerResponse, status: number, body?: unknown, type = 'application/json') => {
		if (body === undefined) res.writeHead(status).end();
		else res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
	};

	const server = https.createServer(
		{ key: fs.readFileSync(certs.serverKey), cert: fs.readFileSync(certs.serverCert), ca: fs.readFileSync(certs.caCert), requestCert: true, rejectUnauthorized: false },
		async (req, res) => {
			const url = new URL(req.url ?? '/', 'https://psp.local');
			const raw = await readBody(req);
			const record = (status: number) => seen.push({ method: req.method ?? '', path: url.pathname, status, at: Date.now() });
			const socket = req.socket as TLSSocket;
			if (!socket.authorized) {
				violations.push(`${req.method} ${url.pathname}: sem certificado de cliente válido (${socket.authorizationError ?? 'nenhum'})`);
				record(401);
				return send(res, 401, problem(401, 'AcessoNegado', 'Certificado de cliente ausente ou inválido'), 'application/problem+json');
			}
			if (state.down) {
				record(503);
				return send(res, 503, problem(503, 'ServicoIndisponivel', 'Serviço indisponível'), 'application/problem+json');
			}

			if (url.pathname === '/oauth/token') {
				const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
				const form = new URLSearchParams(raw);
				if (req.method !== 'POST' || id !== opts.clientId || secret !== opts.clientSecret || form.get('grant_type') !== 'client_credentials') {
					violations.push(`OAuth: pedido inválido (${req.method}, cliente ${id}, grant ${form.get('grant_type')})`);
					record(401);
					return send(res, 401, { error: 'invalid_client' });
				}
				const token = randomBytes(24).toString('base64url');
				const seconds = state.tokenSeconds;
				tokens.set(token, { until: Date.now() + seconds * 1000, scopes: new Set((form.get('scope') ?? '').split(' ').filter(Boolean)) });
				state.tokensIssued++;
				record(200);
				return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: seconds, scope: form.get('scope') });
			}

			const apiPath = url.pathname.replace(/^\/api\/v2/, '');
			const matched = url.pathname.startsWith('/api/v2/') ? spec.match(req.method ?? '', apiPath) : null;
			if (!matched) {
				violations.push(`${req.method} ${url.pathname}: operação que a especificação não tem`);
				record(404);
				return send(res, 404, problem(404, 'NaoEncontrado', 'Não encontrado'), 'application/problem+json');
			}
			const { op, params } = matched;
			const scopes = spec.requiredScopes(op);
			if (scopes) {
				const t = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
				if (!t || t.until < Date.now() || !scopes.every((sc) => t.scopes.has(sc))) {
					violations.push(`${req.method} ${apiPath}: token ausente, vencido ou sem o escopo ${scopes.join(' ')}`);
					record(401);
					return send(res, 401, problem(401, 'AcessoNegado', 'Token inválido'), 'application/problem+json');
				}
			}
			let body: unknown;
			try {
				body = raw === '' ? undefined : JSON.parse(raw);
			} catch {
				body = raw;
			}
			const problems = spec.checkRequest(op, params, url.searchParams, String(req.headers['content-type'] ?? ''), body);
			const reply = (status: number, answer?: unknown) => {
				violations.push(...spec.checkResponse(op, status, answer));
				record(status);
				send(res, status, answer, status >= 400 ? 'application/problem+json' : 'application/json');
			};
			if (problems.length > 0) {
				violations.push(...problems.map((p) => `${req.method} ${apiPath}: ${p}`));
				return reply(400, problem(400, 'RequisicaoInvalida', 'Requisição inválida', problems.join('; ')));
			}
			return handle(op.method + ' ' + op.template, params, url.searchParams, body as Json, reply);
		}
	);

	function handle(key: string, params: Record<string, string>, query: URLSearchParams, body: Json, reply: (status: number, answer?: unknown) => void): void {
		const notFound = () => reply(404, problem(404, 'NaoEncontrado', 'Não encontrado'));
		switch (key) {
			case 'PUT /cobv/{txid}': {
				const valor = body.valor as { original: string; multa?: { modalidade: number; valorPerc: string } };
				// As a careful PSP: a consumer late fee above 2 % (CDC art. 52 §1) is refused.
				if (valor.multa && valor.multa.modalidade === 2 && Number(valor.multa.valorPerc) > 2) {
					return reply(400, problem(400, 'CobVOperacaoInvalida', 'Multa acima do permitido', 'valor.multa.valorPerc acima de 2.00'));
				}
				if (charges.has(params.txid)) return reply(400, problem(400, 'CobVOperacaoInvalida', 'txid já utilizado', `A cobrança ${params.txid} já existe`));
				const now = new Date().toISOString();
				const id = state.nextLoc++;
				const location = `${host}/qr/c2/cobv/${randomBytes(16).toString('hex')}`;
				const charge: FakeCharge = {
					calendario: { criacao: now, ...(body.calendario as Json) },
					txid: params.txid,
					revisao: 0,
					loc: { id, txid: params.txid, location, tipoCob: 'cobv', criacao: now },
					location,
					status: 'ATIVA',
					devedor: body.devedor,
					recebedor: { cnpj: recebedor.cnpj, nome: recebedor.nome, logradouro: 'Rua Teste, 1', cidade: recebedor.cidade, uf: 'SP', cep: '01001000' },
					valor,
					chave: body.chave as string,
					...(body.solicitacaoPagador !== undefined && { solicitacaoPagador: body.solicitacaoPagador }),
					pixCopiaECola: copiaECola(location, recebedor.nome, recebedor.cidade),
					pix: []
				};
				charges.set(params.txid, charge);
				const { pix: _pix, ...answer } = charge;
				return reply(201, answer);
			}
			case 'PATCH /cobv/{txid}': {
				const c = charges.get(params.txid);
				if (!c) return notFound();
				if (c.status !== 'ATIVA') return reply(400, problem(400, 'CobVOperacaoInvalida', 'Cobrança não está ativa', `status ${c.status}`));
				if (body.status) c.status = body.status as string;
				if (body.valor) c.valor = body.valor as FakeCharge['valor'];
				c.revisao = (c.revisao as number) + 1;
				const { pix: _p, ...answer } = c;
				return reply(200, answer);
			}
			case 'GET /cobv/{txid}': {
				const c = charges.get(params.txid);
				if (!c) return notFound();
				const { pix, ...rest } = c;
				return reply(200, { ...rest, ...(pix.length > 0 && { pix: pix.map(({ chave: _c, ...p }) => p) }) });
			}
			case 'GET /pix/{e2eid}': {
				const p = received.find((x) => x.endToEndId === params.e2eid);
				if (!p) return notFound();
				const { chave: _c, ...rest } = p;
				return reply(200, rest);
			}
			case 'GET /pix': {
				const inicio = Date.parse(query.get('inicio')!);
				const fim = Date.parse(query.get('fim')!);
				const page = Number(query.get('paginacao.paginaAtual') ?? 0);
				const per = Number(query.get('paginacao.itensPorPagina') ?? 100);
				const all = received.filter((p) => Date.parse(p.horario) >= inicio && Date.parse(p.horario) <= fim);
				const pages = Math.max(1, Math.ceil(all.length / per));
				return reply(200, {
					parametros: {
						inicio: new Date(inicio).toISOString(),
						fim: new Date(fim).toISOString(),
						paginacao: { paginaAtual: page, itensPorPagina: per, quantidadeDePaginas: pages, quantidadeTotalDeItens: all.length }
					},
					pix: all.slice(page * per, page * per + per).map(({ chave: _c, ...p }) => p)
				});
			}
			case 'PUT /webhook/{chave}':
				webhooks.set(params.chave, body.webhookUrl as string);
				return reply(200);
			case 'PUT /cob/{txid}': {
				if (cobs.has(params.txid) || charges.has(params.txid)) return reply(400, problem(400, 'CobOperacaoInvalida', 'txid já utilizado', `A cobrança ${params.txid} já existe`));
				const now = new Date().toISOString();
				const location = `${host}/qr/c2/cob/${randomBytes(16).toString('hex')}`;
				const charge: FakeCharge = {
					calendario: { criacao: now, expiracao: (body.calendario as { expiracao?: number } | undefined)?.expiracao ?? 86400 },
					txid: params.txid,
					revisao: 0,
					loc: { id: state.nextLoc++, txid: params.txid, location, tipoCob: 'cob', criacao: now },
					location,
					status: 'ATIVA',
					...(body.devedor !== undefined && { devedor: body.devedor }),
					valor: body.valor as FakeCharge['valor'],
					chave: body.chave as string,
					...(body.solicitacaoPagador !== undefined && { solicitacaoPagador: body.solicitacaoPagador }),
					pixCopiaECola: copiaECola(location, recebedor.nome, recebedor.cidade),
					pix: []
				};
				cobs.set(params.txid, charge);
				const { pix: _pix, ...answer } = charge;
				return reply(201, answer);
			}
			case 'GET /cob/{txid}': {
				const c = cobs.get(params.txid);
				if (!c) return notFound();
				const { pix, ...rest } = c;
				return reply(200, { ...rest, ...(pix.length > 0 && { pix: pix.map(({ chave: _c, ...p }) => p) }) });
			}
			case 'PATCH /cob/{txid}': {
				const c = cobs.get(params.txid);
				if (!c) return notFound();
				if (c.status !== 'ATIVA') return reply(400, problem(400, 'CobOperacaoInvalida', 'Cobrança não está ativa', `status ${c.status}`));
				if (body.status) c.status = body.status as string;
				if (body.valor) c.valor = body.valor as FakeCharge['valor'];
				c.revisao = (c.revisao as number) + 1;
				const { pix: _p, ...answer } = c;
				return reply(200, answer);
			}
			case 'POST /locrec': {
				const id = state.nextLoc++;
				const loc = { id, location: `${host}/qr/v2/rec/${randomBytes(16).toString('hex')}`, tipo: 'rec', criacao: new Date().toISOString() };
				locrecs.set(id, loc);
				return reply(201, loc);
			}
			case 'GET /locrec/{id}': {
				const loc = locrecs.get(Number(params.id));
				return loc ? reply(200, loc) : notFound();
			}
			case 'POST /rec': {
				const loc = typeof body.loc === 'number' ? locrecs.get(body.loc) : undefined;
				if (body.loc !== undefined && (!loc || loc.idRec)) return reply(400, problem(400, 'RecOperacaoInvalida', 'Location inválida', 'loc inexistente ou já vinculada'));
				const txid = (body.ativacao as { dadosJornada?: { txid?: string } } | undefined)?.dadosJornada?.txid;
				// JORNADA_3 ties the recurrence to an immediate charge (cob), never to a cobv.
				if (txid && !cobs.has(txid)) return reply(400, problem(400, 'RecOperacaoInvalida', 'Cobrança imediata não encontrada', `dadosJornada.txid ${txid} não é uma cob`));
				const now = new Date();
				const idRec = `R${body.politicaRetentativa === 'NAO_PERMITE' ? 'N' : 'R'}${ISPB}${now.toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(8).toString('hex').slice(0, 11)}`;
				if (loc) loc.idRec = idRec;
				const rec: FakeRec = {
					idRec,
					vinculo: body.vinculo,
					calendario: body.calendario,
					...(body.valor !== undefined && { valor: body.valor }),
					politicaRetentativa: body.politicaRetentativa,
					recebedor: { cnpj: recebedor.cnpj, nome: recebedor.nome },
					status: 'CRIADA',
					loc: loc ? { ...loc } : { id: 0, location: '', tipo: 'rec', criacao: now.toISOString() },
					ativacao: { tipoJornada: 'AGUARDANDO_DEFINICAO', ...(txid && { dadosJornada: { txid } }) },
					atualizacao: [{ status: 'CRIADA', data: now.toISOString() }]
				};
				if (!loc) delete (rec as Json).loc;
				recs.set(idRec, rec);
				return reply(201, rec);
			}
			case 'GET /rec/{idRec}': {
				const rec = recs.get(params.idRec);
				if (!rec) return notFound();
				const txid = query.get('txid');
				const cob = txid ? cobs.get(txid) : undefined;
				const dadosQR = cob && rec.loc?.location && rec.ativacao.dadosJornada?.txid === txid ? { jornada: 'JORNADA_3', pixCopiaECola: copiaECola(cob.location as string, recebedor.nome, recebedor.cidade, rec.loc.location) } : undefined;
				return reply(200, { ...rec, ...(dadosQR && { dadosQR }) });
			}
			case 'PATCH /rec/{idRec}': {
				const rec = recs.get(params.idRec);
				if (!rec) return notFound();
				if (body.status === 'CANCELADA') {
					if (!['CRIADA', 'APROVADA'].includes(rec.status)) return reply(400, problem(400, 'RecOperacaoInvalida', 'Recorrência não pode ser cancelada', `status ${rec.status}`));
					rec.status = 'CANCELADA';
					rec.atualizacao.push({ status: 'CANCELADA', data: new Date().toISOString() });
					rec.encerramento = { cancelamento: { solicitante: 'USUARIO_RECEBEDOR', codigo: 'SLCR', descricao: 'Cancelamento solicitado pelo usuário recebedor' } };
				}
				const { pagador: _p, ...answer } = rec;
				return reply(200, answer);
			}
			case 'PUT /cobr/{txid}': {
				const rec = recs.get(body.idRec as string);
				if (!rec || rec.status !== 'APROVADA') return reply(400, problem(400, 'CobROperacaoInvalida', 'Recorrência não aprovada', `idRec ${body.idRec}`));
				if (cobrs.has(params.txid)) return reply(400, problem(400, 'CobROperacaoInvalida', 'txid já utilizado', `A cobrança recorrente ${params.txid} já existe`));
				const due = (body.calendario as { dataDeVencimento: string }).dataDeVencimento;
				const ahead = daysBetween(pspToday(), due);
				// Pix Automático: the charge reaches the payer's PSP 10 to 2 days before its due date.
				if (ahead < 2 || ahead > 10) return reply(400, problem(400, 'CobROperacaoInvalida', 'Fora da janela de envio', `vencimento em ${ahead} dias; permitido de 2 a 10`));
				const now = new Date();
				const cobr: FakeCobr = {
					idRec: rec.idRec,
					txid: params.txid,
					...(body.infoAdicional !== undefined && { infoAdicional: body.infoAdicional }),
					calendario: { criacao: pspToday(), dataDeVencimento: due },
					valor: body.valor as FakeCobr['valor'],
					status: 'CRIADA',
					politicaRetentativa: rec.politicaRetentativa,
					ajusteDiaUtil: body.ajusteDiaUtil,
					recebedor: { ...(body.recebedor as Json), cnpj: recebedor.cnpj, nome: recebedor.nome },
					atualizacao: [{ status: 'CRIADA', data: now.toISOString() }],
					tentativas: [],
					pix: []
				};
				cobrs.set(params.txid, cobr);
				const { pix: _x, tentativas: _t, ...answer } = cobr;
				reply(201, answer);
				// The payer's PSP schedules it at once: ATIVA from now on.
				cobr.status = 'ATIVA';
				cobr.atualizacao.push({ status: 'ATIVA', data: new Date().toISOString() });
				return;
			}
			case 'GET /cobr/{txid}': {
				const c = cobrs.get(params.txid);
				if (!c) return notFound();
				const { pix, tentativas, ...rest } = c;
				return reply(200, { ...rest, ...(tentativas.length > 0 && { tentativas }), ...(pix.length > 0 && { pix: pix.map(({ chave: _c, ...p }) => p) }) });
			}
			case 'PATCH /cobr/{txid}': {
				const c = cobrs.get(params.txid);
				if (!c) return notFound();
				// The receiver may cancel a scheduled debit until the day before its due date.
				if (!['CRIADA', 'ATIVA'].includes(c.status) || pspToday() >= c.calendario.dataDeVencimento) {
					return reply(400, problem(400, 'CobROperacaoInvalida', 'Cobrança recorrente não pode ser cancelada', `status ${c.status}`));
				}
				c.status = 'CANCELADA';
				c.atualizacao.push({ status: 'CANCELADA', data: new Date().toISOString() });
				const { pix: _x, tentativas: _t, ...answer } = c;
				return reply(200, answer);
			}
			case 'POST /cobr/{txid}/retentativa/{data}': {
				const c = cobrs.get(params.txid);
				if (!c) return notFound();
				const tries = c.tentativas as { status: string; dataLiquidacao: string }[];
				const last = tries.at(-1);
				const refuse = (why: string) => reply(400, problem(400, 'CobROperacaoInvalida', 'Retentativa não permitida', why));
				// PERMITE_3R_7D: up to 3 more attempts, within 7 days after the due date, after a refused one, none pending.
				if (c.status !== 'ATIVA' || c.politicaRetentativa !== 'PERMITE_3R_7D') return refuse(`status ${c.status}, política ${c.politicaRetentativa}`);
				if (!last || !['REJEITADA', 'EXPIRADA'].includes(last.status) || tries.some((t) => ['SOLICITADA', 'AGENDADA'].includes(t.status))) return refuse('sem tentativa recusada ou com tentativa pendente');
				if (tries.length - 1 >= 3) return refuse('limite de 3 retentativas');
				const ahead = daysBetween(c.calendario.dataDeVencimento, params.data);
				if (params.data <= pspToday() || ahead < 1 || ahead > 7) return refuse(`data ${params.data} fora da janela`);
				const at = new Date().toISOString();
				c.tentativas.push({ dataLiquidacao: params.data, tipo: 'NTAG', endToEndId: newEndToEndId(new Date()), status: 'SOLICITADA', atualizacao: [{ status: 'SOLICITADA', data: at }] });
				const { pix, ...rest } = c;
				return reply(201, { ...rest, ...(pix.length > 0 && { pix: pix.map(({ chave: _c, ...p }) => p) }) });
			}
			case 'PUT /webhookrec':
				automatico.webhookRec = body.webhookUrl as string;
				return reply(200);
			case 'PUT /webhookcobr':
				automatico.webhookCobr = body.webhookUrl as string;
				return reply(200);
			default:
				return reply(400, problem(400, 'RequisicaoInvalida', `${key} não implementado no PSP de teste`));
		}
	}

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const base = `https://127.0.0.1:${port}`;
	host = `127.0.0.1:${port}`;

	function newEndToEndId(at: Date): string {
		const stamp = at.toISOString().replace(/\D/g, '').slice(0, 12); // yyyyMMddHHmm
		const tail = randomBytes(16).toString('hex').slice(0, 11);
		return `E${ISPB}${stamp}${tail}`;
	}

	/** Posts `items` to the webhook registered for their key, as the spec's callback (or bare, as some PSPs do). */
	async function deliver(items: FakePix[], o: { bare?: boolean } = {}): Promise<number> {
		if (state.down) return 0;
		const url = webhooks.get(items[0].chave);
		if (!url) throw new Error(`nenhum webhook para a chave ${items[0].chave}`);
		const list = items.map(({ chave: _c, ...p }) => p);
		const body = o.bare ? list : { pix: list };
		if (!o.bare) {
			const e = spec.validate(spec.webhookBodySchema(), body);
			if (e) violations.push(`webhook enviado: ${e}`);
		}
		const res = await fetch(`${url.replace(/\/$/, '')}/pix`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		await res.arrayBuffer();
		return res.status;
	}

	/** What a recurrence notification says of `idRec` now (kept by a test to send late, out of order). */
	function recItem(idRec: string): Json {
		const r = recs.get(idRec);
		if (!r) throw new Error(`recorrência ${idRec} não existe`);
		return structuredClone({ idRec: r.idRec, status: r.status, atualizacao: r.atualizacao, ativacao: r.ativacao, ...(r.encerramento !== undefined && { encerramento: r.encerramento }) });
	}
	function cobrItem(txid: string): Json {
		const c = cobrs.get(txid);
		if (!c) throw new Error(`cobrança recorrente ${txid} não existe`);
		return structuredClone({ idRec: c.idRec, txid: c.txid, status: c.status, atualizacao: c.atualizacao, ...(c.tentativas.length > 0 && { tentativas: c.tentativas }), ...(c.pix.length > 0 && { pix: c.pix.map(({ chave: _c, ...p }) => p) }) });
	}
	/** Posts `{recs: [...]}` to `{webhookrec}/rec` or `{cobsr: [...]}` to `{webhookcobr}/cobr`, each body checked against the yaml's callback. */
	async function deliverAutomatico(which: 'rec' | 'cobr', items: Json[]): Promise<number> {
		if (state.down) return 0;
		const url = which === 'rec' ? automatico.webhookRec : automatico.webhookCobr;
		if (!url) throw new Error(`nenhum webhook${which} registrado`);
		const body = which === 'rec' ? { recs: items } : { cobsr: items };
		const schema = (spec.spec.components.requestBodies[which === 'rec' ? 'WebhookRecBody' : 'WebhookCobRBody'].content as Record<string, Json>)['application/json'].schema as Json;
		const e = spec.validate(schema, body);
		if (e) violations.push(`webhook ${which} enviado: ${e}`);
		const res = await fetch(`${url.replace(/\/$/, '')}/${which}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		await res.arrayBuffer();
		return res.status;
	}

	return {
		url: base,
		apiUrl: `${base}/api/v2`,
		cobs,
		locrecs,
		recs,
		cobrs,
		automatico,
		recItem,
		cobrItem,
		deliverAutomatico,
		/**
		 * The payer pays the entry's cob with the composite QR and, when `approve`, authorises the
		 * recurrence in their bank app (JORNADA_3): the rec becomes APROVADA.
		 */
		payComposite(txid: string, o: { approve?: boolean; at?: Date } = {}): { pix: FakePix; idRec: string | null } {
			const c = cobs.get(txid);
			if (!c) throw new Error(`cob ${txid} não existe`);
			if (c.status !== 'ATIVA') throw new Error(`cob ${txid} não aceita pagamento (${c.status})`);
			const at = o.at ?? new Date();
			const pix: FakePix = { endToEndId: newEndToEndId(at), txid, valor: c.valor.original, horario: at.toISOString(), chave: c.chave };
			c.status = 'CONCLUIDA';
			c.pix.push(pix);
			received.push(pix);
			const rec = [...recs.values()].find((r) => r.ativacao.dadosJornada?.txid === txid && r.status === 'CRIADA');
			if (rec && (o.approve ?? true)) {
				rec.status = 'APROVADA';
				rec.ativacao = { tipoJornada: 'JORNADA_3', dadosJornada: { txid } };
				rec.pagador = { ispbParticipante: '87654321', cpf: ((c.devedor as { cpf?: string } | undefined)?.cpf ?? '52998224725'), codMun: '3550308' };
				rec.atualizacao.push({ status: 'APROVADA', data: at.toISOString() });
			}
			return { pix, idRec: rec?.idRec ?? null };
		},
		/** The payer cancels the recurrence in their own bank app. */
		payerCancels(idRec: string): void {
			const rec = recs.get(idRec)!;
			rec.status = 'CANCELADA';
			rec.atualizacao.push({ status: 'CANCELADA', data: new Date().toISOString() });
			rec.encerramento = { cancelamento: { solicitante: 'USUARIO_PAGADOR', codigo: 'ACCL', descricao: 'Cancelado pelo pagador' } };
		},
		/**
		 * The payer's PSP tries the debit of recurring charge `txid`: paid (the Pix is also listed in
		 * `GET /pix`), or refused; a refusal the policy lets retry leaves the charge ATIVA, a final one
		 * (or with NAO_PERMITE) makes it REJEITADA.
		 */
		debit(txid: string, o: { fail?: 'retry' | 'final'; at?: Date } = {}): FakePix | null {
			const c = cobrs.get(txid);
			if (!c) throw new Error(`cobrança recorrente ${txid} não existe`);
			if (c.status !== 'ATIVA') throw new Error(`cobrança recorrente ${txid} não está ativa (${c.status})`);
			const at = o.at ?? new Date();
			// A retry asked for (NTAG) is the attempt now made; otherwise the scheduled one (AGND).
			const pending = (c.tentativas as (Json & { status: string; endToEndId: string; atualizacao: Json[] })[]).find((t) => t.status === 'SOLICITADA' || t.status === 'AGENDADA');
			if (pending) c.tentativas.splice(c.tentativas.indexOf(pending), 1);
			const e2e = pending?.endToEndId ?? newEndToEndId(at);
			const tipo = pending ? 'NTAG' : 'AGND';
			const dataLiquidacao = (pending?.dataLiquidacao as string | undefined) ?? isoDate(at);
			if (o.fail) {
				c.tentativas.push({ dataLiquidacao, tipo, endToEndId: e2e, status: 'REJEITADA', atualizacao: [{ status: 'REJEITADA', data: at.toISOString() }], rejeicao: o.fail === 'final' ? { codigo: 'MSUC', descricao: 'Conta encerrada' } : { codigo: 'AM02', descricao: 'Saldo insuficiente' } });
				if (o.fail === 'final' || c.politicaRetentativa === 'NAO_PERMITE') {
					c.status = 'REJEITADA';
					c.atualizacao.push({ status: 'REJEITADA', data: at.toISOString() });
				}
				return null;
			}
			const pix: FakePix = { endToEndId: e2e, txid, valor: c.valor.original, horario: at.toISOString(), chave: '' };
			c.tentativas.push({ dataLiquidacao, tipo, endToEndId: e2e, status: 'PAGA', atualizacao: [{ status: 'PAGA', data: at.toISOString() }] });
			c.pix.push(pix);
			c.status = 'CONCLUIDA';
			c.atualizacao.push({ status: 'CONCLUIDA', data: at.toISOString() });
			received.push(pix);
			return pix;
		},
		oauthUrl: `${base}/oauth/token`,
		certs,
		charges,
		received,
		webhooks,
		violations,
		seen,
		get tokensIssued() {
			return state.tokensIssued;
		},
		/** How long the tokens it issues from now on last (`expires_in`). */
		setTokenSeconds(seconds: number) {
			state.tokenSeconds = seconds;
		},
		/** Forgets every token it issued (a PSP that revoked them early): the next calls get 401. */
		revokeTokens() {
			tokens.clear();
		},
		/** Moves the PSP's calendar day (YYYY-MM-DD), or back to the real one with null. */
		setToday(day: string | null) {
			state.today = day;
		},
		/** Down: every call answers 503 and no webhook goes out (what is paid meanwhile is only in `GET /pix`). */
		setDown(down: boolean) {
			state.down = down;
		},
		/** The payer pays charge `txid` (its original amount unless told otherwise). */
		pay(txid: string, o: { valor?: string; at?: Date } = {}): FakePix {
			const c = charges.get(txid) ?? cobs.get(txid);
			if (!c) throw new Error(`cobrança ${txid} não existe`);
			if (c.status !== 'ATIVA') throw new Error(`cobrança ${txid} não aceita pagamento (${c.status})`);
			const at = o.at ?? new Date();
			const pix: FakePix = { endToEndId: newEndToEndId(at), txid, valor: o.valor ?? c.valor.original, horario: at.toISOString(), chave: c.chave };
			c.status = 'CONCLUIDA';
			c.pix.push(pix);
			received.push(pix);
			return pix;
		},
		/** A Pix to `chave` carrying a txid no charge here has (someone else's code). */
		receive(chave: string, txid: string, valor: string, at: Date = new Date()): FakePix {
			const pix: FakePix = { endToEndId: newEndToEndId(at), txid, valor, horario: at.toISOString(), chave };
			received.push(pix);
			return pix;
		},
		deliver,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
				fs.rmSync(certs.dir, { recursive: true, force: true });
			})
	};
}

export type FakePsp = Awaited<ReturnType<typeof startFakePsp>>;

/** The app's environment for the default PSP account, pointed at a fake PSP (its mTLS certificates). */
export function pspEnv(fake: FakePsp, client: { id: string; secret: string }, webhookSecret: string): Record<string, string> {
	return {
		PIX_PSP_API_URL: fake.apiUrl,
		PIX_PSP_OAUTH_URL: fake.oauthUrl,
		PIX_PSP_CLIENT_ID: client.id,
		PIX_PSP_CLIENT_SECRET: client.secret,
		PIX_PSP_CERT: fake.certs.clientCert,
		PIX_PSP_KEY: fake.certs.clientKey,
		PIX_PSP_CA: fake.certs.caCert,
		PIX_PSP_WEBHOOK_SECRET: webhookSecret
	};
}
