import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import Ajv2020Module from 'ajv/dist/2020';
import addFormatsModule from 'ajv-formats';
import { closeDb, db } from '../../src/lib/server/db/client';
import { startApp, type App } from '../support/app-server';
import { apiKeys, auditLog, debtors, debts, installments, payments, agreements as agreementsTable } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as portalDebts from '../../src/lib/server/debts';
import * as keys from '../../src/lib/server/api/keys';
import { validateRow, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, mapHeader } from '../../src/lib/server/import/rows';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatDocument, generateCpf } from '../../src/lib/format/document';
import { DEFAULT_POLICY } from '../../src/lib/schemas/policy';
import * as factory from '../support/factory';
import { runAcerto } from '../support/cli';

/**
 * The API v1 as an ERP meets it: the built app (`acerto serve`) in its own process, spoken to with
 * fetch and bearer keys. Every answer, problems included, is checked against the OpenAPI document
 * the server itself serves, for the operation and status it came from.
 */

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule;

let app: App;
let base = '';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let doc: Json;
let ajv: InstanceType<typeof Ajv2020>;

const today = todayInSaoPaulo();

async function startServer() {
	app = await startApp(inject('databaseUrl'), {});
	base = app.base;
}

type Reply = { status: number; body: Json; text: string; headers: Headers };

/**
 * One call of the API, checked against the served document: the status must be documented for
 * this operation, the content type must match (problem+json for errors) and the body must
 * validate against the schema the document gives for it.
 */
async function call(
	method: 'GET' | 'POST',
	template: string,
	opts: { key?: string; path?: string; query?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}
): Promise<Reply> {
	const p = opts.path ?? template;
	const headers: Record<string, string> = { accept: 'application/json', ...(opts.key && { authorization: `Bearer ${opts.key}` }) };
	let body: string | undefined = opts.raw;
	if (opts.body !== undefined) {
		body = JSON.stringify(opts.body);
		headers['content-type'] = 'application/json';
	}
	const res = await fetch(base + p + (opts.query ?? ''), { method, headers: { ...headers, ...opts.headers }, body });
	const text = await res.text();
	const parsed = text ? JSON.parse(text) : null;
	const contentType = res.status >= 400 ? 'application/problem+json' : 'application/json';
	expect(res.headers.get('content-type'), `${method} ${p}: content-type`).toBe(contentType);
	const op = doc.paths[template]?.[method.toLowerCase()];
	let ref: string;
	if (op) {
		const documented = op.responses[String(res.status)];
		expect(documented, `${method} ${template} → ${res.status} não está no documento OpenAPI: ${text.slice(0, 300)}`).toBeDefined();
		ref = documented.content[contentType].schema.$ref;
	} else {
		ref = '#/components/schemas/Problem';
	}
	const validate = ajv.getSchema(`openapi.json${ref}`)!;
	const valid = validate(parsed);
	expect(valid ? [] : validate.errors, `${method} ${p} → ${res.status} fora do esquema ${ref}`).toEqual([]);
	return { status: res.status, body: parsed, text, headers: res.headers };
}

const get = (template: string, key: string | undefined, opts: { path?: string; query?: string } = {}) => call('GET', template, { key, ...opts });
const post = (template: string, key: string | undefined, body?: unknown, opts: { path?: string; query?: string; headers?: Record<string, string>; raw?: string } = {}) =>
	call('POST', template, { key, body, ...opts });

const BATCH = '/api/v1/debts:batch';
const SETTLE = '/api/v1/debts/{debt_id}/settle';
const WRITE_OFF = '/api/v1/debts/{debt_id}/write-off';
const DEBTOR = '/api/v1/debtors/{document}';

/** A valid batch item; `over` changes any field. */
function item(debtId: string, document: string, over: Record<string, unknown> = {}) {
	return {
		debt_id: debtId,
		debtor_document: document,
		debtor_name: 'Maria da Silva',
		debtor_phone: '(11) 98765-4321',
		debtor_email: 'maria@example.com',
		debtor_state: 'SP',
		description: 'Geladeira - carnê',
		due_date: addDays(today, -40),
		principal_cents: 123_456,
		...over
	};
}

async function newKey(creditorId: string, scope: keys.ApiScope, name = `chave ${scope}`) {
	return (await db().transaction((tx) => keys.create(tx, { creditorId, name, scope }, { type: 'cli' }))).key;
}

async function cashAgreement(debtor: { id: string; agencyId: string }, debtIds: string[]) {
	const r = await db().transaction((tx) =>
		agreements.accept(tx, { debtor, debtIds, kind: 'cash', count: 1, firstDueDate: addDays(today, 2), today })
	);
	if (!r.ok) throw new Error(r.message);
	return r.agreement;
}

async function pay(agreementId: string, ref: string) {
	const [inst] = await db().select().from(installments).where(eq(installments.agreementId, agreementId));
	await db().update(installments).set({ status: 'paid', paidAt: new Date(), paidCents: inst.amountCents, updatedAt: new Date() }).where(eq(installments.id, inst.id));
	const [p] = await db()
		.insert(payments)
		.values({ installmentId: inst.id, amountCents: inst.amountCents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId: ref })
		.returning();
	return p;
}

async function auditCount(action: string, actorId: string) {
	const [r] = await db().select({ n: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.actorId, actorId)));
	return r.n;
}

// The world: one agency, creditors A and B, and Maria (one CPF) owing both.
const cpf = generateCpf(Math.random);
let agency: Awaited<ReturnType<typeof factory.agency>>;
let A: Awaited<ReturnType<typeof factory.creditor>>;
let B: Awaited<ReturnType<typeof factory.creditor>>;
let maria: Awaited<ReturnType<typeof factory.debtor>>;
let onlyB: Awaited<ReturnType<typeof factory.debtor>>;
const dA: Record<string, Awaited<ReturnType<typeof factory.debt>>> = {};
const dB: Record<string, Awaited<ReturnType<typeof factory.debt>>> = {};
let agreementA: Awaited<ReturnType<typeof cashAgreement>>;
let agreementB: Awaited<ReturnType<typeof cashAgreement>>;
let keyA = '';
let readA = '';
let keyB = '';
let revokedA = '';

beforeAll(async () => {
	agency = await factory.agency();
	A = await factory.creditor(agency.id, {}, DEFAULT_POLICY);
	B = await factory.creditor(agency.id, {}, DEFAULT_POLICY);
	maria = await factory.debtor(agency.id, { document: cpf, name: 'Maria Aparecida', phone: '+5511987654321', email: 'maria@example.com' });
	onlyB = await factory.debtor(agency.id, { name: 'Só do B' });
	dA.open = await factory.debt(A.id, maria.id, { externalId: 'A-OPEN' });
	dA.off = await factory.debt(A.id, maria.id, { externalId: 'A-OFF' });
	dA.deal = await factory.debt(A.id, maria.id, { externalId: 'A-DEAL' });
	dB.open = await factory.debt(B.id, maria.id, { externalId: 'B-OPEN' });
	dB.shared = await factory.debt(B.id, maria.id, { externalId: 'A-OPEN-TWIN' });
	dB.deal = await factory.debt(B.id, maria.id, { externalId: 'B-DEAL' });
	dB.other = await factory.debt(B.id, onlyB.id, { externalId: 'B-ONLY' });
	agreementA = await cashAgreement(maria, [dA.deal.id]);
	agreementB = await cashAgreement(maria, [dB.deal.id]);
	await pay(agreementA.id, `E2E-A-${Date.now()}`);
	await pay(agreementB.id, `E2E-B-${Date.now()}`);
	keyA = await newKey(A.id, 'read_write');
	readA = await newKey(A.id, 'read');
	keyB = await newKey(B.id, 'read_write');
	revokedA = await newKey(A.id, 'read_write', 'antiga');
	await db().update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.keyHash, keys.hashKey(revokedA)));

	await startServer();
	const res = await fetch(`${base}/api/v1/openapi.json`);
	expect(res.status).toBe(200);
	doc = await res.json();
	ajv = new Ajv2020({ strict: false, allErrors: true });
	addFormats(ajv);
	ajv.addSchema(doc, 'openapi.json');
}, 180_000);

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

describe('the OpenAPI document and the reference page', () => {
	it('is OpenAPI 3.1 on JSON Schema 2020-12, with bearer security, every endpoint, bodies, responses and the problem schema', () => {
		expect(doc.openapi).toBe('3.1.0');
		expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
		expect(doc.servers[0].url).toBe(base);
		const scheme = Object.values(doc.components.securitySchemes)[0] as Json;
		expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
		expect(doc.security).toHaveLength(1);
		const ops = Object.entries(doc.paths).flatMap(([p, o]) => Object.keys(o as object).map((m) => `${m.toUpperCase()} ${p}`));
		expect(ops.sort()).toEqual(
			[
				'POST /api/v1/debts:batch',
				'POST /api/v1/debts/{debt_id}/settle',
				'POST /api/v1/debts/{debt_id}/write-off',
				'GET /api/v1/agreements',
				'GET /api/v1/installments',
				'GET /api/v1/payments',
				'POST /api/v1/retornos',
				'POST /api/v1/extratos',
				'GET /api/v1/debtors/{document}',
				'GET /api/v1/webhooks',
				'POST /api/v1/webhooks',
				'DELETE /api/v1/webhooks/{id}',
				'POST /api/v1/webhooks/{id}/disable',
				'POST /api/v1/webhooks/{id}/enable',
				'POST /api/v1/webhooks/{id}/rotate-secret',
				'GET /api/v1/webhooks/{id}/deliveries',
				'POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay'
			].sort()
		);
		for (const [p, o] of Object.entries(doc.paths)) {
			for (const [m, op] of Object.entries(o as Record<string, Json>)) {
				expect(op.responses['200'], `${m} ${p}`).toBeDefined();
				expect(op.responses['401'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
				// Action endpoints (disable, rotate-secret, replay…) take no body.
				if (m === 'post' && op.requestBody?.content['application/octet-stream']) {
					// A file sent as it is (a bank return file): idempotent by its bytes, no key needed.
					expect(op.requestBody.content['application/octet-stream'].schema).toMatchObject({ type: 'string' });
				} else if (m === 'post' && op.requestBody) {
					expect(op.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
					expect(op.parameters.map((x: Json) => x.name)).toContain('Idempotency-Key');
					// The example in the document is itself a valid request body.
					const v = ajv.getSchema(`openapi.json${op.requestBody.content['application/json'].schema.$ref}`)!;
					expect(v(op.requestBody.content['application/json'].example) ? [] : v.errors).toEqual([]);
				}
			}
		}
		expect(doc.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'detail', 'instance']);
		for (const id of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`openapi.json#/components/schemas/${id}`), id).toBeTruthy();
	});

	it('the reference page shows every endpoint with its curl example, from the same origin only', async () => {
		const res = await fetch(`${base}/api/v1/docs`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
		const html = await res.text();
		// Paths carry <wbr> after their slashes (line breaks on a phone) and Svelte's comment markers.
		const text = html.replace(/<!--.*?-->/g, '').replace(/<wbr\s*\/?>/g, '');
		for (const p of Object.keys(doc.paths)) expect(text).toContain(`>${p}</code></h3>`);
		expect(html).toContain(`curl -X POST '${base}/api/v1/debts:batch'`);
		expect(html).toContain('Idempotency-Key');
		expect(html).toContain('id="schema-DebtItem"');
		expect(html).toContain('id="erro-validacao"');
		// Nothing from another host: no CDN scripts, styles or fonts.
		const external = [...html.matchAll(/(?:src|href)="(https?:\/\/[^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith(base));
		expect(external).toEqual([]);
		expect(html).not.toMatch(/<script[^>]+src="https?:/);
	});
});

describe('authentication', () => {
	it('no key, an unknown key and a revoked key get 401 problems; a read key cannot write (403)', async () => {
		const none = await get('/api/v1/agreements', undefined);
		expect(none.status).toBe(401);
		expect(none.headers.get('www-authenticate')).toContain('Bearer');
		expect(none.body).toMatchObject({ status: 401, title: 'Não autenticado', instance: '/api/v1/agreements' });
		expect(none.body.type).toBe(`${base}/api/v1/docs#erro-nao-autenticado`);

		const unknown = await get('/api/v1/agreements', 'ak_live_' + 'a'.repeat(40));
		expect(unknown.status).toBe(401);
		const revoked = await get('/api/v1/agreements', revokedA);
		expect(revoked.status).toBe(401);
		expect(revoked.body.detail).toBe(unknown.body.detail);
		const revokedWrite = await post(BATCH, revokedA, { items: [item('REV-1', cpf)] });
		expect(revokedWrite.status).toBe(401);

		const readOnly = await post(BATCH, readA, { items: [item('RO-1', cpf)] });
		expect(readOnly.status).toBe(403);
		expect(readOnly.body.detail).toContain('só de leitura');
		const settle = await post(SETTLE, readA, {}, { path: '/api/v1/debts/A-OPEN/settle' });
		expect(settle.status).toBe(403);
		expect(await db().select().from(debts).where(and(eq(debts.creditorId, A.id), eq(debts.externalId, 'RO-1')))).toHaveLength(0);
		expect((await db().select().from(debts).where(eq(debts.id, dA.open.id)))[0].status).toBe('open');
		expect((await get('/api/v1/agreements', readA)).status).toBe(200);
	});

	it('last_used_at is written on use, and at most once a minute', async () => {
		const key = await newKey(A.id, 'read', 'uso');
		const row = () => db().select().from(apiKeys).where(eq(apiKeys.keyHash, keys.hashKey(key))).then((r) => r[0]);
		expect((await row()).lastUsedAt).toBeNull();
		await get('/api/v1/payments', key);
		const first = (await row()).lastUsedAt;
		expect(first).not.toBeNull();
		await get('/api/v1/payments', key);
		expect((await row()).lastUsedAt).toEqual(first);
	});
});

describe('POST /api/v1/debts:batch', () => {
	it('writes the valid items, lists every invalid one with index, field and a pt-BR message, and counts', async () => {
		const fresh = generateCpf(Math.random);
		const res = await post(BATCH, keyA, {
			items: [
				item('BATCH-1', fresh, { debtor_name: 'João Pereira', debtor_phone: '11 91234-5678' }),
				item('BATCH-2', '111.111.111-11', { debtor_state: 'XX', principal_cents: 0 }),
				item('BATCH-3', fresh, { late_fee_percent: 2.5, due_date: addDays(today, 3) }),
				item('BATCH-4', fresh, { principal_cents: '12,00', extra: true }),
				'não é um objeto',
				item('BATCH-5', formatDocument(fresh), { debtor_name: 'João Pereira', due_date: '15/03/2025', late_fee_percent: 2, interest_monthly_percent: 1.5 })
			]
		});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ received: 6, valid: 2, invalid: 4, inserted: 2, updated: 0, unchanged: 0, debtors: { inserted: 1, updated: 0 } });
		const by = (i: number) => res.body.errors.filter((e: Json) => e.index === i).map((e: Json) => [e.field, e.message]);
		expect(by(1)).toEqual([
			['debtor_document', 'CPF inválido. Confira os números digitados.'],
			['debtor_state', 'UF inválida: "XX". Use a sigla do estado, por exemplo SP.'],
			['principal_cents', 'O valor principal deve ser maior que zero (em centavos).']
		]);
		expect(by(2)).toEqual([
			['due_date', expect.stringMatching(/^Vencimento no futuro \(\d{2}\/\d{2}\/\d{4}\): a carteira deve trazer só dívidas vencidas\.$/)],
			['late_fee_percent', 'Multa de 2,5% acima do limite de 2% para dívidas de consumo (CDC art. 52 §1).']
		]);
		expect(by(3)).toEqual([
			['principal_cents', 'Informe o valor em centavos, um número inteiro (123456 = R$ 1.234,56).'],
			['extra', 'Campo desconhecido.']
		]);
		expect(by(4)).toEqual([[null, 'Deve ser um objeto.']]);

		const stored = await db().select().from(debts).where(and(eq(debts.creditorId, A.id), inArray(debts.externalId, ['BATCH-1', 'BATCH-5'])));
		expect(stored.map((d) => [d.externalId, d.principalCents, d.dueDate, d.lateFeeBp, d.interestMonthlyBp]).sort()).toEqual([
			['BATCH-1', 123_456, addDays(today, -40), null, null],
			['BATCH-5', 123_456, '2025-03-15', 200, 150]
		]);
		const [joao] = await db().select().from(debtors).where(and(eq(debtors.agencyId, agency.id), eq(debtors.document, fresh)));
		// The last item for a debtor wins.
		expect([joao.name, joao.phone, joao.state]).toEqual(['João Pereira', '+5511987654321', 'SP']);
		expect(await db().select().from(debts).where(and(eq(debts.creditorId, A.id), inArray(debts.externalId, ['BATCH-2', 'BATCH-3', 'BATCH-4'])))).toHaveLength(0);
	});

	it('uses the importer’s own rules: the same row gets the same messages from both', async () => {
		const mapped = mapHeader([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
		if (!mapped.ok) throw new Error('cabeçalho');
		const csv = validateRow(
			[A.cnpj, '123', '', '', 'sem-arroba', 'ZZ', 'X'.repeat(101), '', '31/02/2025', '10,00', '3', '150'],
			2,
			mapped.columns,
			{ today }
		);
		const api = await post(BATCH, keyA, {
			items: [
				{ debt_id: 'X'.repeat(101), debtor_document: '123', debtor_name: '', debtor_phone: '', debtor_email: 'sem-arroba', debtor_state: 'ZZ', description: '', due_date: '31/02/2025', principal_cents: 1000, late_fee_percent: 3, interest_monthly_percent: 150 }
			]
		});
		expect(api.status).toBe(422);
		expect(csv.ok).toBe(false);
		if (csv.ok) return;
		const rename = (c: string | null) => (c === 'principal' ? 'principal_cents' : c);
		expect(api.body.errors.map((e: Json) => e.message).sort()).toEqual(csv.errors.map((e) => e.message).sort());
		expect(api.body.errors.map((e: Json) => e.field).sort()).toEqual(csv.errors.map((e) => rename(e.column)).sort());
		expect(api.body.errors.every((e: Json) => e.index === 0)).toBe(true);
	});

	it('sending the same items again changes nothing, and a changed item updates its open debt', async () => {
		const doc1 = generateCpf(Math.random);
		const items = [item('SAME-1', doc1), item('SAME-2', doc1, { principal_cents: 5_000 })];
		expect((await post(BATCH, keyA, { items })).body).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
		expect((await post(BATCH, keyA, { items })).body).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, debtors: { inserted: 0, updated: 0 } });
		const changed = await post(BATCH, keyA, { items: [items[0], { ...items[1], principal_cents: 6_000, description: 'Outra descrição' }] });
		expect(changed.body).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
		const [row] = await db().select().from(debts).where(and(eq(debts.creditorId, A.id), eq(debts.externalId, 'SAME-2')));
		expect([row.principalCents, row.description]).toEqual([6_000, 'Outra descrição']);
		// A debtor only this creditor has: a new name is taken, a missing phone keeps the one on file.
		const renamed = await post(BATCH, keyA, { items: [{ ...items[0], debtor_name: 'Maria S. Souza', debtor_phone: null }] });
		expect(renamed.body).toMatchObject({ unchanged: 1, debtors: { inserted: 0, updated: 1 } });
		const [person] = await db().select().from(debtors).where(and(eq(debtors.agencyId, agency.id), eq(debtors.document, doc1)));
		expect([person.name, person.phone]).toEqual(['Maria S. Souza', '+5511987654321']);
		// A debt in an agreement keeps what the agreement was made on.
		const inDeal = await post(BATCH, keyA, { items: [item('A-DEAL', cpf, { principal_cents: 1 })] });
		expect(inDeal.body).toMatchObject({ valid: 1, inserted: 0, updated: 0, unchanged: 1 });
		expect((await db().select().from(debts).where(eq(debts.id, dA.deal.id)))[0].principalCents).toBe(dA.deal.principalCents);
	});

	it('atomic=true writes nothing when one item is invalid (422), and a call with no valid item is 422 too', async () => {
		const d = generateCpf(Math.random);
		const atomic = await post(BATCH, keyA, { items: [item('ATOM-1', d), item('ATOM-2', d, { debtor_state: '' })] }, { query: '?atomic=true' });
		expect(atomic.status).toBe(422);
		expect(atomic.body.type).toBe(`${base}/api/v1/docs#erro-validacao`);
		expect(atomic.body.detail).toContain('atomic=true');
		expect(atomic.body.errors).toEqual([{ index: 1, field: 'debtor_state', message: 'Informe a UF do devedor (por exemplo SP).' }]);
		expect(await db().select().from(debts).where(and(eq(debts.creditorId, A.id), eq(debts.externalId, 'ATOM-1')))).toHaveLength(0);

		const allBad = await post(BATCH, keyA, { items: [item('BAD-1', d, { description: '' })] });
		expect(allBad.status).toBe(422);
		expect(allBad.body.detail).toMatch(/^1 item inválido de 1: nada foi gravado/);

		const ok = await post(BATCH, keyA, { items: [item('ATOM-1', d)] }, { query: '?atomic=true' });
		expect(ok.status).toBe(200);
		expect((await post(BATCH, keyA, { items: [item('ATOM-3', d)] }, { query: '?atomic=sim' })).status).toBe(400);
	});

	it('a principal above R$ 99.999.999,99 (2^53−1, 10^15, one cent over) is refused per item and nothing is written', async () => {
		const d = generateCpf(Math.random);
		const res = await post(BATCH, keyA, {
			items: [
				item('HUGE-1', d, { principal_cents: Number.MAX_SAFE_INTEGER }),
				item('HUGE-2', d, { principal_cents: 10 ** 15 }),
				item('HUGE-3', d, { principal_cents: 9_999_999_999 + 1 }),
				item('HUGE-4', d, { principal_cents: 9_999_999_999 })
			]
		});
		expect(res.status).toBe(200);
		const message = 'O valor principal passa de R$ 99.999.999,99 (9999999999 centavos), o maior que um boleto comporta.';
		expect(res.body.errors).toEqual([0, 1, 2].map((index) => ({ index, field: 'principal_cents', message })));
		const stored = await db().select().from(debts).where(and(eq(debts.creditorId, A.id), inArray(debts.externalId, ['HUGE-1', 'HUGE-2', 'HUGE-3', 'HUGE-4'])));
		expect(stored.map((x) => [x.externalId, x.principalCents])).toEqual([['HUGE-4', 9_999_999_999]]);
	});

	it('10,001 items are refused as a whole with 413, and a malformed body with 400, 415 or 422', async () => {
		const d = generateCpf(Math.random);
		const many = Array.from({ length: 10_001 }, (_, i) => item(`BIG-${i}`, d));
		const big = await post(BATCH, keyA, { items: many });
		expect(big.status).toBe(413);
		expect(big.body.detail).toBe('O lote tem 10.001 itens; o máximo é 10.000 por chamada. Divida-o em lotes menores.');
		expect(await db().select().from(debts).where(and(eq(debts.creditorId, A.id), eq(debts.externalId, 'BIG-0')))).toHaveLength(0);

		const exactly = await post(BATCH, keyA, { items: many.slice(0, 10_000) });
		expect(exactly.status).toBe(200);
		expect(exactly.body).toMatchObject({ received: 10_000, inserted: 10_000 });

		const notJson = await post(BATCH, keyA, undefined, { raw: '{"items": [', headers: { 'content-type': 'application/json' } });
		expect(notJson.status).toBe(400);
		expect(notJson.body.detail).toBe('O corpo não é um JSON válido.');
		// (Form content types without an Origin never get here: SvelteKit's CSRF guard answers them first.)
		const xml = await post(BATCH, keyA, undefined, { raw: '<items/>', headers: { 'content-type': 'application/xml' } });
		expect(xml.status).toBe(415);
		expect(xml.body.detail).toBe('Corpo em application/xml: envie application/json.');
		const noItems = await post(BATCH, keyA, { itens: [] });
		expect(noItems.status).toBe(422);
		expect(noItems.body.errors).toEqual([
			{ field: 'items', message: 'Campo obrigatório.' },
			{ field: 'itens', message: 'Campo desconhecido.' }
		]);
		expect((await post(BATCH, keyA, { items: [] })).status).toBe(422);
	});
});

describe('Idempotency-Key', () => {
	it('a retry with the same key and body gets the same answer and writes nothing twice', async () => {
		const d = generateCpf(Math.random);
		const body = { items: [item('IDEM-1', d), item('IDEM-2', d)] };
		const headers = { 'idempotency-key': `idem-${Date.now()}` };
		const audits = await auditCount('api.debts_batch', (await keyRow(keyA)).id);
		const first = await post(BATCH, keyA, body, { headers });
		const again = await post(BATCH, keyA, body, { headers });
		expect(first.status).toBe(200);
		expect(first.body).toMatchObject({ inserted: 2 });
		expect(again.status).toBe(200);
		expect(again.text).toBe(first.text);
		expect(first.headers.get('idempotent-replayed')).toBeNull();
		expect(again.headers.get('idempotent-replayed')).toBe('true');
		expect(await auditCount('api.debts_batch', (await keyRow(keyA)).id)).toBe(audits + 1);
		// Without the key the same body runs again (and finds nothing to change).
		expect((await post(BATCH, keyA, body)).body).toMatchObject({ inserted: 0, unchanged: 2 });

		const other = await post(BATCH, keyA, { items: [item('IDEM-3', d)] }, { headers });
		expect(other.status).toBe(422);
		expect(other.body.type).toBe(`${base}/api/v1/docs#erro-chave-de-idempotencia`);
		expect(await db().select().from(debts).where(and(eq(debts.creditorId, A.id), eq(debts.externalId, 'IDEM-3')))).toHaveLength(0);
		const otherPath = await post(SETTLE, keyA, body, { path: '/api/v1/debts/IDEM-1/settle', headers });
		expect(otherPath.status).toBe(422);
		expect((await db().select().from(debts).where(and(eq(debts.creditorId, A.id), eq(debts.externalId, 'IDEM-1'))))[0].status).toBe('open');
	});

	it('problems are replayed too, and the key belongs to one API key only', async () => {
		const headers = { 'idempotency-key': `conflict-${Date.now()}` };
		const first = await post(SETTLE, keyA, {}, { path: '/api/v1/debts/A-DEAL/settle', headers });
		expect(first.status).toBe(409);
		const again = await post(SETTLE, keyA, {}, { path: '/api/v1/debts/A-DEAL/settle', headers });
		expect(again.status).toBe(409);
		expect(again.text).toBe(first.text);
		// The same Idempotency-Key under another creditor's key is another operation.
		const b = await post(SETTLE, keyB, {}, { path: '/api/v1/debts/B-OPEN/settle', headers: { 'idempotency-key': headers['idempotency-key'] } });
		expect(b.status).toBe(200);
		await db().update(debts).set({ status: 'open', closedAt: null, closedReason: null }).where(eq(debts.id, dB.open.id));
	});

	it('ten identical requests at once: one executes, all get its answer', async () => {
		const d = generateCpf(Math.random);
		const body = { items: Array.from({ length: 2_000 }, (_, i) => item(`RACE-${i}`, d)) };
		const headers = { 'idempotency-key': `race-${Date.now()}` };
		const id = (await keyRow(keyA)).id;
		const audits = await auditCount('api.debts_batch', id);
		const replies = await Promise.all(Array.from({ length: 10 }, () => post(BATCH, keyA, body, { headers })));
		expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
		expect(new Set(replies.map((r) => r.text)).size).toBe(1);
		expect(replies[0].body).toMatchObject({ inserted: 2_000 });
		expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
		expect(await auditCount('api.debts_batch', id)).toBe(audits + 1);
	});

	it('an invalid Idempotency-Key is refused', async () => {
		const res = await post(BATCH, keyA, { items: [item('IK-1', cpf)] }, { headers: { 'idempotency-key': 'com espaço' } });
		expect(res.status).toBe(400);
		expect(res.body.errors[0].field).toBe('Idempotency-Key');
	});
});

async function keyRow(key: string) {
	return (await db().select().from(apiKeys).where(eq(apiKeys.keyHash, keys.hashKey(key))))[0];
}

describe('settle and write off', () => {
	it('settling a debt paid elsewhere closes it and it leaves the portal at once', async () => {
		const before = await portalDebts.forDebtor(db(), agency.id, maria.id, today);
		expect(before.map((d) => d.externalId)).toContain('A-OPEN');
		const res = await post(SETTLE, keyA, { reason: 'Pago na loja', closed_at: '2025-03-10T15:00:00Z' }, { path: '/api/v1/debts/A-OPEN/settle' });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ debt_id: 'A-OPEN', status: 'settled', closed_reason: 'Pago na loja', closed_at: '2025-03-10T15:00:00.000Z', debtor_document: cpf });
		const after = await portalDebts.forDebtor(db(), agency.id, maria.id, today);
		expect(after.map((d) => d.externalId)).not.toContain('A-OPEN');
		expect(after.map((d) => d.externalId)).toContain('B-OPEN');
		const [audit] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'debt.settle'), eq(auditLog.entityId, dA.open.id)));
		expect(audit.data).toMatchObject({ via: 'api', before: { status: 'open' }, after: { status: 'settled', closedReason: 'Pago na loja' } });

		// Again: nothing changes. The other way: conflict.
		const again = await post(SETTLE, keyA, undefined, { path: '/api/v1/debts/A-OPEN/settle' });
		expect(again.status).toBe(200);
		expect(again.body.closed_reason).toBe('Pago na loja');
		const off = await post(WRITE_OFF, keyA, {}, { path: '/api/v1/debts/A-OPEN/write-off' });
		expect(off.status).toBe(409);
		expect(off.body.detail).toContain('já foi quitada');
	});

	it('writing off sets written_off with the default reason; a future date or unknown field is 422', async () => {
		const future = await post(WRITE_OFF, keyA, { closed_at: new Date(Date.now() + 86_400_000).toISOString() }, { path: '/api/v1/debts/A-OFF/write-off' });
		expect(future.status).toBe(422);
		expect(future.body.errors).toEqual([{ field: 'closed_at', message: 'A data de pagamento ou baixa não pode estar no futuro.' }]);
		const bad = await post(WRITE_OFF, keyA, { motivo: 'x' }, { path: '/api/v1/debts/A-OFF/write-off' });
		expect(bad.status).toBe(422);
		const res = await post(WRITE_OFF, keyA, {}, { path: '/api/v1/debts/A-OFF/write-off' });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ status: 'written_off', closed_reason: 'Baixada pelo credor.' });
	});

	it('a debt in an active agreement is refused with 409 naming the agreement; an unknown debt is 404', async () => {
		const res = await post(SETTLE, keyA, {}, { path: '/api/v1/debts/A-DEAL/settle' });
		expect(res.status).toBe(409);
		expect(res.body.detail).toContain(agreementA.code);
		expect((await db().select().from(debts).where(eq(debts.id, dA.deal.id)))[0].status).toBe('in_agreement');
		const none = await post(SETTLE, keyA, {}, { path: '/api/v1/debts/NAO-EXISTE/settle' });
		expect(none.status).toBe(404);
		// A debt_id with characters that need encoding.
		await post(BATCH, keyA, { items: [item('CT 12/34-ã', cpf)] });
		const odd = await post(SETTLE, keyA, {}, { path: `/api/v1/debts/${encodeURIComponent('CT 12/34-ã')}/settle` });
		expect(odd.status).toBe(200);
		expect(odd.body.debt_id).toBe('CT 12/34-ã');
	});
});

describe('reading agreements, installments and payments', () => {
	it('pages through every agreement with an opaque cursor, in (updated_at, id) order', async () => {
		// More agreements for A so that pages matter.
		for (let i = 0; i < 4; i++) {
			const d = await factory.debt(A.id, maria.id, { externalId: `PAGE-${i}` });
			await cashAgreement(maria, [d.id]);
		}
		const seen: Json[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const res: Reply = await get('/api/v1/agreements', keyA, { query: `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` });
			expect(res.status).toBe(200);
			expect(res.body.data.length).toBeLessThanOrEqual(2);
			seen.push(...res.body.data);
			cursor = res.body.next_cursor;
			pages++;
		} while (cursor && pages < 20);
		const mine = await db().select().from(agreementsTable).where(eq(agreementsTable.creditorId, A.id));
		expect(seen.map((a) => a.id).sort()).toEqual(mine.map((a) => a.id).sort());
		expect(new Set(seen.map((a) => a.id)).size).toBe(seen.length);
		const order = seen.map((a) => `${a.updated_at}|${a.id}`);
		expect(order).toEqual([...order].sort());
		const first = seen.find((a) => a.id === agreementA.id);
		expect(first).toMatchObject({ code: agreementA.code, debtor_document: cpf, debt_ids: ['A-DEAL'], status: 'active', kind: 'cash', installment_count: 1 });
	});

	it('updated_since returns only what changed since then', async () => {
		const all = (await get('/api/v1/agreements', keyA, { query: '?limit=500' })).body.data as Json[];
		const cut = all[Math.floor(all.length / 2)].updated_at;
		const since = await get('/api/v1/agreements', keyA, { query: `?limit=500&updated_since=${encodeURIComponent(cut)}` });
		expect(since.body.data.length).toBeGreaterThan(0);
		expect(since.body.data.length).toBeLessThan(all.length);
		expect(since.body.data.every((a: Json) => a.updated_at >= cut)).toBe(true);
		const future = await get('/api/v1/agreements', keyA, { query: '?updated_since=2999-01-01T00:00:00Z' });
		expect(future.body).toEqual({ data: [], next_cursor: null });
	});

	it('installments and payments of the creditor, with the same pagination', async () => {
		const inst = await get('/api/v1/installments', keyA, { query: '?limit=1' });
		expect(inst.status).toBe(200);
		expect(inst.body.data).toHaveLength(1);
		expect(inst.body.next_cursor).toEqual(expect.any(String));
		const allInst = (await get('/api/v1/installments', keyA, { query: '?limit=500' })).body.data as Json[];
		const paid = allInst.find((i) => i.agreement_id === agreementA.id);
		expect(paid).toMatchObject({ agreement_code: agreementA.code, seq: 1, status: 'paid', debtor_document: cpf });

		const pays = await get('/api/v1/payments', keyA);
		expect(pays.status).toBe(200);
		expect(pays.body.data).toHaveLength(1);
		expect(pays.body.data[0]).toMatchObject({ agreement_id: agreementA.id, method: 'pix', source: 'webhook', amount_cents: paid.amount_cents });
		expect(pays.body.next_cursor).toBeNull();
	});

	it('bad parameters are 400 problems naming the parameter', async () => {
		const cases: [string, string][] = [
			['?limit=501', 'limit'],
			['?limit=0', 'limit'],
			['?limit=dez', 'limit'],
			['?updated_since=ontem', 'updated_since'],
			['?updated_since=2025-03-01', 'updated_since'],
			['?cursor=abc', 'cursor'],
			['?updatedSince=2025-03-01T00:00:00Z', 'updatedSince']
		];
		for (const [q, field] of cases) {
			const res = await get('/api/v1/payments', keyA, { query: q });
			expect(res.status, q).toBe(400);
			expect(res.body.errors.map((e: Json) => e.field), q).toContain(field);
		}
		// A cursor of another list is not accepted.
		const c = (await get('/api/v1/installments', keyA, { query: '?limit=1' })).body.next_cursor;
		expect((await get('/api/v1/agreements', keyA, { query: `?cursor=${c}` })).status).toBe(400);
	});
});

describe('GET /api/v1/debtors/{document}', () => {
	it('one debtor with debts, agreements, installments and payments of this creditor only', async () => {
		const res = await get(DEBTOR, keyA, { path: `/api/v1/debtors/${encodeURIComponent(formatDocument(cpf))}` });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ document: cpf, name: 'Maria Aparecida', anonymized: false });
		const ids = res.body.debts.map((d: Json) => d.debt_id);
		expect(ids).toEqual(expect.arrayContaining(['A-OPEN', 'A-OFF', 'A-DEAL']));
		expect(ids.some((i: string) => i.startsWith('B-') || i === 'A-OPEN-TWIN')).toBe(false);
		expect(res.body.agreements.map((a: Json) => a.id)).toContain(agreementA.id);
		expect(res.body.agreements.map((a: Json) => a.id)).not.toContain(agreementB.id);
		expect(res.body.installments.every((i: Json) => i.agreement_code !== agreementB.code)).toBe(true);
		expect(res.body.payments).toHaveLength(1);
		expect(res.body.payments[0].agreement_id).toBe(agreementA.id);
	});

	it('a document with nothing at this creditor is 404, like one nobody has', async () => {
		const b = await get(DEBTOR, keyA, { path: `/api/v1/debtors/${onlyB.document}` });
		const nobody = await get(DEBTOR, keyA, { path: `/api/v1/debtors/${generateCpf(Math.random)}` });
		expect(b.status).toBe(404);
		expect(nobody.status).toBe(404);
		expect(b.body.detail).toBe(nobody.body.detail);
		expect((await get(DEBTOR, keyA, { path: '/api/v1/debtors/123' })).status).toBe(404);
	});
});

describe('tenant isolation: creditor A’s key against creditor B (same debtor CPF at both)', () => {
	it('reads nothing of B through any endpoint', async () => {
		const bAgreements = new Set([agreementB.id]);
		const lists = await Promise.all(['/api/v1/agreements', '/api/v1/installments', '/api/v1/payments'].map((p) => get(p, keyA, { query: '?limit=500' })));
		const [ag, inst, pay] = lists.map((l) => l.body.data as Json[]);
		expect(ag.some((a) => bAgreements.has(a.id))).toBe(false);
		expect(inst.some((i) => bAgreements.has(i.agreement_id))).toBe(false);
		expect(pay.some((p) => bAgreements.has(p.agreement_id))).toBe(false);
		// And B's key sees B's.
		const bs = await get('/api/v1/agreements', keyB, { query: '?limit=500' });
		expect(bs.body.data.map((a: Json) => a.id)).toEqual([agreementB.id]);
		const bDebtor = await get(DEBTOR, keyB, { path: `/api/v1/debtors/${cpf}` });
		expect(bDebtor.body.debts.map((d: Json) => d.debt_id).sort()).toEqual(['A-OPEN-TWIN', 'B-DEAL', 'B-OPEN']);
	});

	it('writes nothing of B: settle, write-off and batch upsert touch only A’s own rows', async () => {
		const snapshot = async () => ({
			debts: await db().select().from(debts).where(eq(debts.creditorId, B.id)).orderBy(debts.externalId),
			maria: (await db().select().from(debtors).where(eq(debtors.id, maria.id)))[0],
			agreement: (await db().select().from(agreementsTable).where(eq(agreementsTable.id, agreementB.id)))[0]
		});
		const before = await snapshot();
		for (const id of ['B-OPEN', 'B-DEAL', 'B-ONLY']) {
			expect((await post(SETTLE, keyA, {}, { path: `/api/v1/debts/${id}/settle` })).status).toBe(404);
			expect((await post(WRITE_OFF, keyA, {}, { path: `/api/v1/debts/${id}/write-off` })).status).toBe(404);
		}
		// B's debt ids and B's debtor sent by A's key: they become A's own debts; B's stay as they were,
		// and Maria (who owes B too) keeps her name and contacts.
		const res = await post(BATCH, keyA, {
			items: [
				item('B-OPEN', cpf, { debtor_name: 'Nome Trocado', debtor_phone: '(21) 99999-0000', principal_cents: 1 }),
				item('B-ONLY', onlyB.document, { debtor_name: 'Outro Nome', principal_cents: 2 })
			]
		});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ inserted: 2, debtors: { inserted: 0, updated: 0 } });
		// Each item whose debtor kept their data says so (a warning: the debt itself was written).
		expect(res.body.warnings).toEqual([
			{ index: 0, field: 'debtor_document', message: expect.stringContaining('também deve a outro credor da assessoria') },
			{ index: 1, field: 'debtor_document', message: expect.stringContaining('nome e contatos ficam como estavam') }
		]);
		expect(await snapshot()).toEqual(before);
		const mine = await db().select().from(debts).where(and(eq(debts.creditorId, A.id), inArray(debts.externalId, ['B-OPEN', 'B-ONLY'])));
		expect(mine.map((d) => d.principalCents).sort()).toEqual([1, 2]);
	});
});

describe('routing', () => {
	it('a wrong method is 405 with Allow, an unknown path is 404, both as problems', async () => {
		const m = await fetch(`${base}/api/v1/debts:batch`, { headers: { authorization: `Bearer ${keyA}` } });
		expect(m.status).toBe(405);
		expect(m.headers.get('allow')).toBe('POST');
		expect(m.headers.get('content-type')).toBe('application/problem+json');
		const n = await get('/api/v1/nada', keyA);
		expect(n.status).toBe(404);
		expect(n.body.instance).toBe('/api/v1/nada');
	});
});

describe('acerto apikey create', () => {
	const acerto = (...args: string[]) => runAcerto(args, { DATABASE_URL: inject('databaseUrl') });

	it('prints the key once; only its hash and prefix are stored; it works at once', async () => {
		const r = await acerto('apikey', 'create', '--creditor', A.slug, '--name', 'ERP pela CLI', '--scope', 'read');
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const [line1, key] = r.stdout.trim().split('\n');
		expect(line1).toBe(`Chave de API "ERP pela CLI" criada para o credor ${A.slug} (leitura). Guarde-a agora: ela não será mostrada de novo.`);
		expect(key).toMatch(/^ak_live_[a-z2-7]{40}$/);
		const [row] = await db().select().from(apiKeys).where(eq(apiKeys.name, 'ERP pela CLI'));
		expect(row).toMatchObject({ creditorId: A.id, scope: 'read', prefix: key.slice(0, 14), keyHash: keys.hashKey(key), createdBy: null });
		const stored = await db().execute(sql`select count(*)::int as n from api_keys where row_to_json(api_keys)::text like ${'%' + key.slice(8) + '%'}`);
		expect(stored[0].n).toBe(0);
		const [audit] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'api_key.create'), eq(auditLog.entityId, row.id)));
		expect(audit.actorType).toBe('cli');
		expect((await get('/api/v1/agreements', key)).status).toBe(200);
		expect((await post(BATCH, key, { items: [item('CLI-1', cpf)] })).status).toBe(403);

		const byCnpj = await acerto('apikey', 'create', '--creditor', formatDocument(B.cnpj), '--name', 'ERP B', '--scope', 'read_write');
		expect(byCnpj.code).toBe(0);
	});

	it('refuses a wrong scope (exit 1) and missing options (exit 2), writing nothing', async () => {
		const before = (await db().select().from(apiKeys)).length;
		const scope = await acerto('apikey', 'create', '--creditor', A.slug, '--name', 'X chave', '--scope', 'admin');
		expect(scope.code).toBe(1);
		expect(scope.stderr).toContain('Permissão inválida: admin');
		const missing = await acerto('apikey', 'create', '--creditor', A.slug);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('Faltam opções obrigatórias: --name, --scope');
		const unknown = await acerto('apikey', 'create', '--creditor', 'nao-existe', '--name', 'X chave', '--scope', 'read');
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toContain('Credor não encontrado');
		expect((await db().select().from(apiKeys)).length).toBe(before);
	});
});
