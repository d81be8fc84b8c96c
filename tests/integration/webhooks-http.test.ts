import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import Ajv2020Module from 'ajv/dist/2020';
import addFormatsModule from 'ajv-formats';
import { db } from '../../src/lib/server/db/client';
import * as keys from '../../src/lib/server/api/keys';
import * as webhooks from '../../src/lib/server/webhooks';
import { startApp, type App } from '../support/app-server';
import { staffCookie } from '../support/staff';
import * as factory from '../support/factory';

/**
 * Webhooks through the built app: the API v1 (answers checked against the served OpenAPI
 * document), the app's own job runner delivering to a loopback receiver, and the admin pages'
 * tenant isolation.
 */

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule;

let app: App;
let base = '';
let receiver: http.Server;
let hook = '';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let doc: Json;
let ajv: InstanceType<typeof Ajv2020>;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

let agency: Awaited<ReturnType<typeof factory.agency>>;
let credA: Awaited<ReturnType<typeof factory.creditor>>;
let credB: Awaited<ReturnType<typeof factory.creditor>>;
let keyA = '';
let keyB = '';
let readA = '';

async function call(method: 'GET' | 'POST' | 'DELETE', template: string, key: string, path = template, body?: unknown) {
	const res = await fetch(base + path, {
		method,
		headers: { accept: 'application/json', authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	const parsed = text ? JSON.parse(text) : null;
	const op = doc.paths[template][method.toLowerCase()];
	const documented = op.responses[String(res.status)];
	expect(documented, `${method} ${template} → ${res.status} não documentado: ${text.slice(0, 300)}`).toBeDefined();
	const ct = res.status >= 400 ? 'application/problem+json' : 'application/json';
	const validate = ajv.getSchema(`openapi.json${documented.content[ct].schema.$ref}`)!;
	expect(validate(parsed) ? [] : validate.errors, `${method} ${path}`).toEqual([]);
	return { status: res.status, body: parsed };
}

const newKey = async (creditorId: string, scope: keys.ApiScope) => (await db().transaction((tx) => keys.create(tx, { creditorId, name: `wh ${scope}`, scope }, { type: 'cli' }))).key;

async function until<T>(what: () => T | undefined, ms = 20_000): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const v = what();
		if (v !== undefined) return v;
		if (Date.now() > end) throw new Error('tempo esgotado esperando o webhook');
		await new Promise((r) => setTimeout(r, 100));
	}
}

beforeAll(async () => {
	receiver = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			res.end('ok');
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
	hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/acerto`;
	agency = await factory.agency();
	credA = await factory.creditor(agency.id);
	credB = await factory.creditor(agency.id);
	[keyA, keyB, readA] = await Promise.all([newKey(credA.id, 'read_write'), newKey(credB.id, 'read_write'), newKey(credA.id, 'read')]);
	app = await startApp(inject('databaseUrl'), {});
	base = app.base;
	doc = await (await fetch(`${base}/api/v1/openapi.json`)).json();
	ajv = new Ajv2020({ strict: false, allErrors: true });
	addFormats(ajv);
	ajv.addSchema(doc, 'openapi.json');
});

afterAll(async () => {
	await app?.stop();
	await new Promise((r) => receiver?.close(r));
});

describe('webhooks over HTTP', () => {
	let endpointId = '';
	let secret = '';

	it('a key creates an endpoint for its own creditor and sees the secret once; other creditors cannot see or touch it', async () => {
		const created = await call('POST', '/api/v1/webhooks', keyA, undefined, { url: hook, description: 'ERP teste', events: ['agreement.cancelled', 'installment.paid'] });
		expect(created.status).toBe(200);
		expect(created.body).toMatchObject({ url: hook, status: 'active', events: ['agreement.cancelled', 'installment.paid'] });
		expect(created.body.secret).toMatch(/^whsec_/);
		endpointId = created.body.id;
		secret = created.body.secret;

		const listA = await call('GET', '/api/v1/webhooks', keyA);
		expect(listA.body.data.map((e: Json) => e.id)).toContain(endpointId);
		expect(JSON.stringify(listA.body)).not.toContain('whsec_');
		expect((await call('GET', '/api/v1/webhooks', keyB)).body.data).toEqual([]);
		expect((await call('GET', '/api/v1/webhooks/{id}/deliveries', keyB, `/api/v1/webhooks/${endpointId}/deliveries`)).status).toBe(404);
		expect((await call('POST', '/api/v1/webhooks/{id}/disable', keyB, `/api/v1/webhooks/${endpointId}/disable`)).status).toBe(404);
		expect((await call('DELETE', '/api/v1/webhooks/{id}', keyB, `/api/v1/webhooks/${endpointId}`)).status).toBe(404);
		expect((await call('POST', '/api/v1/webhooks', readA, undefined, { url: hook, events: ['installment.paid'] })).status).toBe(403);

		const bad = await call('POST', '/api/v1/webhooks', keyA, undefined, { url: 'http://erp.exemplo.com.br/x', events: [] });
		expect(bad.status).toBe(422);
		const again = await call('POST', '/api/v1/webhooks', keyA, undefined, { url: 'http://erp.exemplo.com.br/x', events: ['installment.paid'] });
		expect(again.status).toBe(422);
		expect(again.body.detail).toContain('https://');
	});

	it("the app's job runner delivers an event, signed; the log and a replay go through the API", async () => {
		await db().transaction((tx) => webhooks.emit(tx, { creditorId: credA.id, type: 'installment.paid', data: { installment: { seq: 1 } } }));
		const got = await until(() => received[0]);
		const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
		const mac = createHmac('sha256', key).update(`${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`).digest('base64');
		expect(got.headers['webhook-signature']).toBe(`v1,${mac}`);
		expect(JSON.parse(got.body)).toMatchObject({ type: 'installment.paid', data: { installment: { seq: 1 } } });

		let deliveries: Json;
		for (let i = 0; i < 50; i++) {
			deliveries = await call('GET', '/api/v1/webhooks/{id}/deliveries', keyA, `/api/v1/webhooks/${endpointId}/deliveries`);
			if (deliveries.body.data[0]?.status === 'delivered') break;
			await new Promise((r) => setTimeout(r, 100));
		}
		const d = deliveries.body.data[0];
		expect(d).toMatchObject({ status: 'delivered', attempts: 1, event_id: got.headers['webhook-id'], type: 'installment.paid' });
		expect(d.tries).toHaveLength(1);
		expect(d.tries[0]).toMatchObject({ status_code: 200, error: null, response_body: 'ok' });

		const replay = await call('POST', '/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay', keyA, `/api/v1/webhooks/${endpointId}/deliveries/${d.id}/replay`);
		expect(replay.status).toBe(200);
		const second = await until(() => received[1]);
		expect(second.headers['webhook-id']).toBe(got.headers['webhook-id']);
		expect(second.body).toBe(got.body);
	});

	it("admin pages: A's manager sees A's endpoint; B's manager gets 404 for it; a viewer may not manage webhooks", async () => {
		const [managerA, managerB, viewer] = await Promise.all([
			staffCookie(base, agency.id, 'creditor_manager', credA.id),
			staffCookie(base, agency.id, 'creditor_manager', credB.id),
			staffCookie(base, agency.id, 'viewer', credA.id)
		]);
		const page = (cookie: string, path: string) => fetch(base + path, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
		const listA = await page(managerA, '/admin/webhooks');
		expect(listA.status).toBe(200);
		expect(await listA.text()).toContain(hook);
		const detailA = await page(managerA, `/admin/webhooks/${endpointId}`);
		expect(detailA.status).toBe(200);
		expect(await detailA.text()).toContain('Reenviar');
		const listB = await page(managerB, '/admin/webhooks');
		expect(await listB.text()).not.toContain(hook);
		expect((await page(managerB, `/admin/webhooks/${endpointId}`)).status).toBe(404);
		expect((await page(viewer, '/admin/webhooks')).status).toBe(403);
	});
});
