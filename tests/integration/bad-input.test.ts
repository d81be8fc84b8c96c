import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import http from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { auditLog, debts, debtorSessions, otpChallenges, staffSessions } from '../../src/lib/server/db/schema';
import * as staffAuth from '../../src/lib/server/staff';
import * as keys from '../../src/lib/server/api/keys';
import { adminReturnPath } from '../../src/lib/server/http/input';
import { startApp, type App } from '../support/app-server';
import * as factory from '../support/factory';

/**
 * Issue 7 §5, the security review's named cases: each bad input gets a 4xx with a pt-BR message
 * and changes nothing. (Before the fix, each of these answered 500.)
 */

const LIMIT = 64 * 1024;
const PASSWORD = 'entrada ruim senha longa 3';
let app: App;
let w: Awaited<ReturnType<typeof factory.world>>;
let staffEmail = '';
let key = '';

const count = async (table: typeof debtorSessions | typeof otpChallenges | typeof staffSessions | typeof auditLog) =>
	(await db().select({ n: sql<number>`count(*)::int` }).from(table))[0].n;

function form(p: string, body: string, headers: Record<string, string> = {}) {
	return fetch(app.base + p, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...headers },
		body
	});
}

/** A body sent in chunks, without Content-Length, as a streaming client sends it. */
function chunked(p: string, headers: Record<string, string>, size: number): Promise<{ status: number; text: string }> {
	return new Promise((resolve, reject) => {
		const url = new URL(app.base + p);
		const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers }, (res) => {
			let text = '';
			res.on('data', (c) => (text += c));
			res.on('end', () => resolve({ status: res.statusCode!, text }));
		});
		req.on('error', reject);
		const piece = Buffer.alloc(8192, ' ');
		for (let sent = 0; sent < size; sent += piece.length) req.write(piece);
		req.end();
	});
}

beforeAll(async () => {
	w = await factory.world();
	staffEmail = `entrada${Date.now()}@ruim.example`;
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: w.agency.id, email: staffEmail, role: 'agency_admin' }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: 'Pessoa', password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	key = (await keys.create(db(), { creditorId: w.creditor.id, name: 'erp', scope: 'read_write' }, { type: 'cli' })).key;
	app = await startApp(inject('databaseUrl'), { BODY_SIZE_LIMIT: String(LIMIT) });
}, 180_000);

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

describe('NUL bytes', () => {
	it('in a slug: 400, no query with it reaches the database', async () => {
		const res = await fetch(`${app.base}/c/${w.creditor.slug}%00/codigo`, { redirect: 'manual', headers: { accept: 'text/html' } });
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('caracteres de controle');
		const post = await form(`/c/${w.creditor.slug}%00`, `documento=${w.debtor.document}`);
		expect(post.status).toBe(400);
	});

	it('in a CPF: 400 with a message, no code asked for and none sent', async () => {
		const before = await count(otpChallenges);
		const res = await form(`/c/${w.creditor.slug}`, `documento=${w.debtor.document}%00`);
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('caracteres inválidos');
		expect(await count(otpChallenges)).toBe(before);
		expect(res.headers.getSetCookie().join()).not.toContain('acerto_otp=');
	});

	it('in an e-mail at the staff sign-in: 400, no session, nothing audited', async () => {
		const [sessions, audits] = [await count(staffSessions), await count(auditLog)];
		const res = await form('/admin/entrar', `email=${encodeURIComponent(staffEmail)}%00&senha=${encodeURIComponent(PASSWORD)}`);
		expect(res.status).toBe(400);
		expect(res.headers.getSetCookie().join()).not.toContain(`${staffAuth.STAFF_COOKIE}=`);
		expect(await count(staffSessions)).toBe(sessions);
		expect(await count(auditLog)).toBe(audits);
	});

	it('in a JSON field of the API: 400 problem, nothing written', async () => {
		const res = await fetch(`${app.base}/api/v1/debts/${encodeURIComponent(w.debt.externalId)}/settle`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ reason: 'pago\u0000' })
		});
		expect(res.status).toBe(400);
		expect(res.headers.get('content-type')).toBe('application/problem+json');
		expect((await db().select().from(debts).where(eq(debts.id, w.debt.id)))[0].status).toBe('open');
	});
});

describe('a malformed one-time-code cookie', () => {
	for (const cookie of ['acerto_otp=%00', 'acerto_otp=nao-e-um-uuid', 'acerto_otp=%ZZ%E0%A4%A', `acerto_otp=${'9'.repeat(5000)}`]) {
		it(`${cookie.slice(0, 30)} is treated as no cookie: back to the document page, no session`, async () => {
			const sessions = await count(debtorSessions);
			const page = await fetch(`${app.base}/c/${w.creditor.slug}/codigo`, { redirect: 'manual', headers: { accept: 'text/html', cookie } });
			expect(page.status).toBe(303);
			expect(page.headers.get('location')).toBe(`/c/${w.creditor.slug}`);
			const post = await form(`/c/${w.creditor.slug}/codigo`, 'codigo=123456', { cookie });
			expect(post.status).toBeLessThan(500);
			expect(post.status).toBeGreaterThanOrEqual(300);
			expect(await count(debtorSessions)).toBe(sessions);
		});
	}
});

describe('dates and cursors out of range', () => {
	it('a year-0000 closed_at: 422 with the accepted years, the debt stays open', async () => {
		const res = await fetch(`${app.base}/api/v1/debts/${encodeURIComponent(w.debt.externalId)}/write-off`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ closed_at: '0000-01-01T00:00:00Z' })
		});
		expect(res.status).toBe(422);
		expect((await res.json()).errors).toEqual([{ field: 'closed_at', message: 'Data fora do intervalo aceito: use um ano entre 1900 e 2100.' }]);
		expect((await db().select().from(debts).where(eq(debts.id, w.debt.id)))[0].status).toBe('open');
	});

	it('a year-0000 updated_since: 400 problem naming the parameter', async () => {
		for (const list of ['agreements', 'installments', 'payments']) {
			const res = await fetch(`${app.base}/api/v1/${list}?updated_since=0000-01-01T00:00:00Z`, { headers: { authorization: `Bearer ${key}` } });
			expect(res.status).toBe(400);
			expect((await res.json()).errors[0].field).toBe('updated_since');
		}
	});

	it('a non-integer cursor of the audit log: 400 with a message', async () => {
		const login = await staffAuth.login(db(), { email: staffEmail, password: PASSWORD, ip: '198.51.100.33' });
		if (!login.ok) throw new Error(login.message);
		const cookie = `${staffAuth.STAFF_COOKIE}=${login.token}`;
		for (const antes of ['1.5', '1e300', '-3', '99999999999999999999']) {
			const res = await fetch(`${app.base}/admin/auditoria?antes=${antes}`, { redirect: 'manual', headers: { accept: 'text/html', cookie } });
			expect(res.status).toBe(400);
			expect(await res.text()).toContain('Página inválida');
		}
		expect((await fetch(`${app.base}/admin/auditoria?antes=12`, { redirect: 'manual', headers: { accept: 'text/html', cookie } })).status).toBe(200);
	});
});

describe('bodies of the wrong kind or size', () => {
	it('a form action sent as text/plain or as multipart without a boundary: 415/400, nothing asked', async () => {
		const before = await count(otpChallenges);
		const text = await form(`/c/${w.creditor.slug}`, `documento=${w.debtor.document}`, { 'content-type': 'text/plain' });
		expect(text.status).toBe(415);
		expect(await text.text()).toContain('application/x-www-form-urlencoded');
		const multipart = await form(`/c/${w.creditor.slug}`, `documento=${w.debtor.document}`, { 'content-type': 'multipart/form-data' });
		expect(multipart.status).toBe(400);
		expect(await count(otpChallenges)).toBe(before);
	});

	it('an API body over the limit, streamed: 413 problem, nothing written', async () => {
		const res = await chunked('/api/v1/debts:batch', { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, LIMIT * 2);
		expect(res.status).toBe(413);
		expect(JSON.parse(res.text).detail).toContain('limite');
	});

	it('a form over the limit, streamed: 413, no code asked for', async () => {
		const before = await count(otpChallenges);
		const res = await chunked(`/c/${w.creditor.slug}`, { origin: app.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, LIMIT * 2);
		expect(res.status).toBe(413);
		expect(await count(otpChallenges)).toBe(before);
	});
});

describe('CR/LF in the admin "voltar"', () => {
	it('the sign-in refuses it with 400 and signs nobody in', async () => {
		const sessions = await count(staffSessions);
		const res = await form(`/admin/entrar?voltar=${encodeURIComponent('/admin\r\nSet-Cookie: x=1')}`, `email=${encodeURIComponent(staffEmail)}&senha=${encodeURIComponent(PASSWORD)}`);
		expect(res.status).toBe(400);
		expect(res.headers.get('set-cookie') ?? '').not.toContain('x=1');
		expect(await count(staffSessions)).toBe(sessions);
	});

	it('anything but a plain /admin path falls back to /admin', async () => {
		const res = await form(`/admin/entrar?voltar=${encodeURIComponent('/admin/ação')}`, `email=${encodeURIComponent(staffEmail)}&senha=${encodeURIComponent(PASSWORD)}`);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/admin');
		for (const bad of ['/admin\r\nx', '/admin\\..\\evil', '//evil.example/admin', '/\\evil.example', '/administracao', 'https://evil.example/admin', '/admin/ç', null]) {
			expect(adminReturnPath(bad)).toBe('/admin');
		}
		expect(adminReturnPath('/admin/devedores?q=Jo%C3%A3o')).toBe('/admin/devedores?q=Jo%C3%A3o');
	});
});
