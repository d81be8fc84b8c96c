import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { closeDb, db } from '../../src/lib/server/db/client';
import type { StaffRole } from '../../src/lib/server/db/schema';
import * as factory from '../support/factory';
import { startApp, type App } from '../support/app-server';
import { staffCookie } from '../support/staff';

/**
 * The authorisation matrix: for every role and every admin route, whether that role reaches it;
 * and that a person scoped to creditor A reaches nothing of creditor B. Over HTTP against the
 * built app, signed in as each person would be.
 */

let app: App;
let A: Awaited<ReturnType<typeof factory.world>>;
let B: Awaited<ReturnType<typeof factory.creditor>>;
const cookies = new Map<string, string>();

type Who = 'agency_admin' | 'creditor_manager' | 'operator' | 'viewer';
const person = (role: StaffRole, creditorId: string | null) => staffCookie(app.base, A.agency.id, role, creditorId);

function get(who: Who | null, p: string) {
	return fetch(app.base + p, { redirect: 'manual', headers: { accept: 'text/html', ...(who ? { cookie: cookies.get(who)! } : {}) } });
}

function post(who: Who, p: string, form: Record<string, string>) {
	return fetch(app.base + p, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, accept: 'text/html', cookie: cookies.get(who)!, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(form)
	});
}

beforeAll(async () => {
	A = await factory.world();
	B = await factory.creditor(A.agency.id);
	app = await startApp(inject('databaseUrl'));
	cookies.set('agency_admin', await person('agency_admin', null));
	cookies.set('creditor_manager', await person('creditor_manager', A.creditor.id));
	cookies.set('operator', await person('operator', null));
	cookies.set('viewer', await person('viewer', null));
}, 180_000);

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

const ALL: Who[] = ['agency_admin', 'creditor_manager', 'operator', 'viewer'];

// route → who may open it (everyone else: 403). `:A` is creditor A, the manager's own.
const PAGES: [string, Who[]][] = [
	['/admin', ALL],
	['/admin/conta/seguranca', ALL],
	['/admin/credores', ALL],
	['/admin/credores/novo', ['agency_admin']],
	['/admin/credores/:A', ALL],
	['/admin/credores/:A/politica', ALL],
	['/admin/importacoes', ALL],
	['/admin/indicadores', ALL],
	['/admin/indicadores/exportar', ALL],
	['/admin/devedores', ALL],
	['/admin/acordos', ALL],
	['/admin/api', ['agency_admin', 'creditor_manager']],
	['/admin/auditoria', ['agency_admin']],
	['/admin/regua', ALL],
	['/admin/credores/:A/regua', ALL],
	['/admin/mensagens', ALL],
	['/admin/mensagens/regras', ALL],
	['/admin/mensagens/contas', ['agency_admin']],
	['/admin/pagamentos/psp', ['agency_admin']]
];

describe('who reaches which admin page', () => {
	for (const [route, allowed] of PAGES) {
		for (const who of ALL) {
			const may = allowed.includes(who);
			it(`${who} ${may ? 'opens' : 'is refused'} ${route}`, async () => {
				const res = await get(who, route.replace(':A', A.creditor.id));
				expect(res.status).toBe(may ? 200 : 403);
			});
		}
		it(`nobody signed in is sent to sign in from ${route}`, async () => {
			const res = await get(null, route.replace(':A', A.creditor.id));
			expect(res.status).toBe(303);
			expect(res.headers.get('location')).toMatch(/^\/admin\/entrar/);
		});
	}
});

describe('a creditor manager of A reaches nothing of creditor B', () => {
	for (const p of ['/admin/credores/:B', '/admin/credores/:B/politica', '/admin/credores/:B/regua']) {
		it(`GET ${p} → 404`, async () => {
			expect((await get('creditor_manager', p.replace(':B', B.id))).status).toBe(404);
		});
	}
	it('does not see B in the creditor list', async () => {
		const html = await (await get('creditor_manager', '/admin/credores')).text();
		expect(html).toContain(A.creditor.displayName);
		expect(html).not.toContain(B.displayName);
	});
	it('cannot edit B (404) and B stays as it was', async () => {
		const res = await post('creditor_manager', `/admin/credores/${B.id}?/salvar`, { displayName: 'Invadido' });
		expect(res.status).toBe(404);
		const again = await db().query.creditors.findFirst({ where: (t, { eq }) => eq(t.id, B.id) });
		expect(again!.displayName).toBe(B.displayName);
	});
	it('cannot publish a policy for B (404)', async () => {
		const res = await post('creditor_manager', `/admin/credores/${B.id}/politica?/publicar`, { policy: '{}' });
		expect(res.status).toBe(404);
	});
	it('cannot create API keys for B', async () => {
		const res = await post('creditor_manager', '/admin/api?/criar', { creditorId: B.id, name: 'invasora', scope: 'read' });
		const keys = await db().query.apiKeys.findMany({ where: (t, { eq }) => eq(t.creditorId, B.id) });
		expect(res.status).not.toBe(303);
		expect(keys).toHaveLength(0);
	});
});

describe('a creditor manager of A reaches no debtor of B', () => {
	it('finds nobody of B by CPF and gets 404 on their page', async () => {
		const other = await factory.debtor(A.agency.id, { name: 'Devedora Somente de B' });
		await factory.debt(B.id, other.id);
		const asManager = await (await get('creditor_manager', `/admin/devedores?q=${other.document}`)).text();
		expect(asManager).not.toContain('Devedora Somente de B');
		const asAdmin = await (await get('agency_admin', `/admin/devedores?q=${other.document}`)).text();
		expect(asAdmin).toContain('Devedora Somente de B');
		expect((await get('creditor_manager', `/admin/devedores/${other.id}`)).status).toBe(404);
		expect((await get('agency_admin', `/admin/devedores/${other.id}`)).status).toBe(200);
		// Nor correct them, whatever is sent.
		const res = await post('creditor_manager', `/admin/devedores/${other.id}?/contato`, { nome: 'Invasora', telefone: '(11) 99999-0000' });
		expect(res.status).toBe(404);
		expect((await db().query.debtors.findFirst({ where: (t, { eq }) => eq(t.id, other.id) }))!.name).toBe('Devedora Somente de B');
	});
});

describe('writes need their permission, not only a page', () => {
	it('a viewer cannot export a debtor (403) and an operator cannot anonymise (403)', async () => {
		expect((await get('viewer', `/admin/devedores/${A.debtor.id}/exportar`)).status).toBe(403);
		const res = await post('operator', `/admin/devedores/${A.debtor.id}?/anonimizar`, {});
		expect(res.status).toBe(403);
	});

	it('a viewer cannot correct a debtor’s contacts (403); an operator can', async () => {
		expect((await post('viewer', `/admin/devedores/${A.debtor.id}?/contato`, { nome: 'Outro', telefone: '(11) 98888-7777' })).status).toBe(403);
		const res = await post('operator', `/admin/devedores/${A.debtor.id}?/contato`, { nome: A.debtor.name, telefone: '(11) 98888-7777' });
		expect(res.status).toBe(200);
		expect((await db().query.debtors.findFirst({ where: (t, { eq }) => eq(t.id, A.debtor.id) }))!.phone).toBe('+5511988887777');
	});

	it('a viewer cannot publish a policy (403), even for a creditor in reach', async () => {
		const res = await post('viewer', `/admin/credores/${A.creditor.id}/politica?/publicar`, { policy: '{}' });
		expect(res.status).toBe(403);
	});
	it('an operator cannot edit a creditor (403)', async () => {
		const res = await post('operator', `/admin/credores/${A.creditor.id}?/salvar`, { displayName: 'Outro nome' });
		expect(res.status).toBe(403);
	});
	it('an operator cannot create a creditor (403)', async () => {
		const res = await post('operator', '/admin/credores/novo', { cnpj: '11.222.333/0001-81' });
		expect(res.status).toBe(403);
	});
	it('a viewer cannot create API keys (403)', async () => {
		const res = await post('viewer', '/admin/api?/criar', { creditorId: A.creditor.id, name: 'x', scope: 'read' });
		expect(res.status).toBe(403);
	});
});
