import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { and, desc, eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { startApp, type App } from '../support/app-server';
import { agreements, installments, outbox } from '../../src/lib/server/db/schema';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import { formatBRL } from '../../src/lib/format/money';
import * as offers from '../../src/lib/server/offers';
import { createSession, generateSessionToken, sessionIdFromToken } from '../../src/lib/server/auth/session';
import { debtorSessions } from '../../src/lib/server/db/schema';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatDocument, generateCnpj, generateCpf } from '../../src/lib/format/document';
import * as factory from '../support/factory';
import { logoDataUrl } from '../../src/lib/schemas/creditor';
import * as creditors from '../../src/lib/server/tenancy/creditors';

/**
 * The built portal as a person's browser meets it: `acerto serve` in its own process on this
 * run's database, spoken to with fetch. Redirects are not followed and cookies are carried by
 * hand, so every status, Location and Set-Cookie is seen as sent.
 */

const svgUrl = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

/**
 * A PNG's size, after checking that it is one and that its pixels decode to that size: signature,
 * IHDR (8-bit RGBA, as resvg writes), and IDAT inflating to one filter byte plus 4 bytes a pixel per row.
 */
function decodePng(png: Buffer): { width: number; height: number } {
	expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
	const width = png.readUInt32BE(16);
	const height = png.readUInt32BE(20);
	expect([png[24], png[25]]).toEqual([8, 6]);
	const idat: Buffer[] = [];
	for (let i = 8; i < png.length; ) {
		const length = png.readUInt32BE(i);
		if (png.subarray(i + 4, i + 8).toString('latin1') === 'IDAT') idat.push(png.subarray(i + 8, i + 8 + length));
		i += 12 + length;
	}
	expect(zlib.inflateSync(Buffer.concat(idat)).length).toBe(height * (1 + width * 4));
	return { width, height };
}

const MASKED_MOBILE = /\(\d{2}\) \*{5}-\d{4}/g;
let server: ChildProcess;
let app: App;
let base = '';

class Jar {
	private cookies = new Map<string, string>();
	take(res: Response) {
		for (const c of res.headers.getSetCookie()) {
			const [pair, ...attrs] = c.split(';');
			const name = pair.slice(0, pair.indexOf('='));
			const value = pair.slice(pair.indexOf('=') + 1);
			const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attrs.some((a) => /^\s*expires=.*1970/i.test(a));
			if (gone || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}
	get(name: string) {
		return this.cookies.get(name);
	}
	set(name: string, value: string) {
		this.cookies.set(name, value);
		return this;
	}
	header() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}
}

async function get(p: string, jar?: Jar): Promise<Response> {
	const res = await fetch(base + p, { redirect: 'manual', headers: { accept: 'text/html', ...(jar ? { cookie: jar.header() } : {}) } });
	jar?.take(res);
	return res;
}

/** A form post as the browser sends it, Origin included (SvelteKit refuses cross-site form posts). */
async function post(p: string, form: Record<string, string | string[]>, jar: Jar): Promise<Response> {
	const body = new URLSearchParams();
	for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
	const res = await fetch(base + p, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
		body
	});
	jar.take(res);
	return res;
}

/** What a response looks like apart from its values: status, where it goes, which headers and cookie attributes. */
function shape(res: Response) {
	return {
		status: res.status,
		location: res.headers.get('location'),
		headers: [...res.headers.keys()].filter((h) => h !== 'set-cookie').sort(),
		cookies: res.headers
			.getSetCookie()
			.map((c) => c.replace(/^([^=]+)=[^;]*/, '$1=…').replace(/expires=[^;]*/i, 'Expires=…'))
			.sort()
	};
}

async function lastCodeTo(agencyId: string, to: string): Promise<string> {
	const [m] = await db()
		.select()
		.from(outbox)
		.where(and(eq(outbox.agencyId, agencyId), eq(outbox.to, to)))
		.orderBy(desc(outbox.createdAt))
		.limit(1);
	const code = m?.text.match(/\b(\d{6})\b/)?.[1];
	if (!code) throw new Error(`nenhum código para ${to}`);
	return code;
}

/** Identifies debtor A as a person would: CPF, then the code that was sent. Returns the code post's response. */
async function login(jar: Jar): Promise<Response> {
	const asked = await post(`/c/${A.creditor.slug}`, { documento: A.debtor.document }, jar);
	expect(asked.status).toBe(303);
	const code = await lastCodeTo(A.agency.id, A.debtor.phone!);
	return post(`/c/${A.creditor.slug}/codigo`, { codigo: code }, jar);
}

async function startServer() {
	app = await startApp(inject('databaseUrl'), { OTP_SENDS_PER_IP_PER_HOUR: '1000' });
	server = app.process;
	base = app.base;
}

const today = todayInSaoPaulo();
let A: Awaited<ReturnType<typeof factory.world>>;
let B: Awaited<ReturnType<typeof factory.world>>;
const session = new Jar();
let agreementCode = '';

beforeAll(async () => {
	const cpf = generateCpf(Math.random);
	const a = await factory.agency();
	const b = await factory.agency();
	const mk = async (agency: typeof a, phone: string) => {
		const creditor = await factory.creditor(agency.id);
		const debtor = await factory.debtor(agency.id, { document: cpf, phone, name: 'Maria da Silva' });
		const debt = await factory.debt(creditor.id, debtor.id, { principalCents: 150_000 });
		return { agency, creditor, debtor, debt };
	};
	A = await mk(a, '+5511987654321');
	B = await mk(b, '+5521912345678');
	await startServer();
}, 180_000);

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

describe('the portal over HTTP', () => {
	it('an unknown CPF and a known one get the same answer: 303 to the code page, same headers, same kind of destination', async () => {
		const known = new Jar();
		const unknown = new Jar();
		const k = await post(`/c/${A.creditor.slug}`, { documento: formatDocument(A.debtor.document) }, known);
		const u = await post(`/c/${A.creditor.slug}`, { documento: formatDocument(generateCpf(Math.random)) }, unknown);
		expect(k.status).toBe(303);
		expect(k.headers.get('location')).toBe(`/c/${A.creditor.slug}/codigo`);
		expect(shape(u)).toEqual(shape(k));
		expect(known.get('acerto_otp')).toBeTruthy();
		expect(unknown.get('acerto_otp')).toBeTruthy();

		const kp = await get(`/c/${A.creditor.slug}/codigo`, known);
		const up = await get(`/c/${A.creditor.slug}/codigo`, unknown);
		expect(kp.status).toBe(200);
		expect(up.status).toBe(200);
		const kHtml = await kp.text();
		const uHtml = await up.text();
		expect(kHtml).toContain('Enviamos um código de 6 dígitos para <strong>(11) *****-4321</strong>');
		expect(uHtml).toMatch(/Enviamos um código de 6 dígitos para <strong>\(\d{2}\) \*{5}-\d{4}<\/strong>/);
		// Apart from the masked number and the per-response CSP nonce, the two pages are the same bytes.
		const same = (html: string) => html.replace(MASKED_MOBILE, '…').replace(/nonce="[^"]+"/g, 'nonce');
		expect(same(uHtml)).toEqual(same(kHtml));
		// Only the known debtor's code was sent.
		expect((await db().select().from(outbox).where(eq(outbox.agencyId, A.agency.id))).map((m) => m.to)).toEqual([A.debtor.phone]);
	});

	it('no unknown CPF ever shows a destination a known one could not have', async () => {
		for (let i = 0; i < 15; i++) {
			const jar = new Jar();
			const res = await post(`/c/${A.creditor.slug}`, { documento: generateCpf(Math.random) }, jar);
			expect(res.status).toBe(303);
			const html = await (await get(`/c/${A.creditor.slug}/codigo`, jar)).text();
			expect(html).toMatch(/para <strong>\(\d{2}\) \*{5}-\d{4}<\/strong>/);
		}
	});

	it('past the per-document limit the code page points at the code already sent and says when to ask again', async () => {
		const other = await factory.debtor(A.agency.id, { phone: '+5511976543210' });
		// The limit's window is the clock hour: keep the six requests inside one.
		const left = 3_600_000 - (Date.now() % 3_600_000);
		if (left < 20_000) await new Promise((r) => setTimeout(r, left + 1_000));
		for (let i = 0; i < 5; i++) expect((await post(`/c/${A.creditor.slug}`, { documento: other.document }, new Jar())).status).toBe(303);
		const owner = new Jar();
		const res = await post(`/c/${A.creditor.slug}`, { documento: formatDocument(other.document) }, owner);
		expect(res.status).toBe(303);
		const page = await (await get(`/c/${A.creditor.slug}/codigo`, owner)).text();
		expect(page).toContain('não enviamos um novo código agora');
		expect(page).toContain('(11) *****-3210');
		expect(page).toMatch(/Você poderá pedir um novo código a partir das \d{2}:00\./);
		const [{ n }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from outbox where "to" = '+5511976543210'`);
		expect(n).toBe(5);
	});

	it('an invalid CPF gets a 400 page that says so', async () => {
		const res = await post(`/c/${A.creditor.slug}`, { documento: '123.456.789-00' }, new Jar());
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('CPF ou CNPJ inválido');
	});

	it('the right code logs in with an HttpOnly, SameSite=Lax session cookie for the whole site', async () => {
		const res = await login(session);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe(`/c/${A.creditor.slug}/dividas`);
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith('acerto_session='));
		expect(cookie).toBeDefined();
		const attrs = cookie!.split(';').map((s) => s.trim().toLowerCase());
		expect(attrs).toContain('httponly');
		expect(attrs).toContain('samesite=lax');
		expect(attrs).toContain('path=/');
		// Plain http here: `Secure` follows the public origin's scheme (deployment.test.ts has https).
		expect(attrs).not.toContain('secure');
		expect(attrs.some((a) => a.startsWith('expires='))).toBe(true);
		expect(session.get('acerto_session')).toMatch(/^[a-z2-7]{32}$/);
		expect(session.get('acerto_otp')).toBeUndefined();
	});

	it('the debts page without a session sends the visitor to identify, saying the session ended', async () => {
		const res = await get(`/c/${A.creditor.slug}/dividas`, new Jar());
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe(`/c/${A.creditor.slug}?expirou=1`);
	});

	it('a page with the debtor’s data is private and never stored', async () => {
		const res = await get(`/c/${A.creditor.slug}/dividas`, session);
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('private, no-store');
		expect(await res.text()).toContain('Maria');
	});

	it('the debts and offers pages check the session in their own query: expired ones are deleted, live ones slide', async () => {
		const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
		for (const page of [`/c/${A.creditor.slug}/dividas`, `/c/${A.creditor.slug}/ofertas?d=${A.debt.id}`]) {
			// Created 31 minutes ago with 30 minutes idle: expired a minute ago.
			const expired = generateSessionToken();
			await createSession(db(), expired, A.debtor, 30, minutesAgo(31));
			const gone = await get(page, new Jar().set('acerto_session', expired));
			expect(gone.status).toBe(303);
			expect(gone.headers.get('location')).toBe(`/c/${A.creditor.slug}?expirou=1`);
			expect(await db().select().from(debtorSessions).where(eq(debtorSessions.id, sessionIdFromToken(expired)))).toEqual([]);

			// Five minutes left: the visit moves the expiry 30 minutes ahead, and the cookie with it.
			const live = generateSessionToken();
			await createSession(db(), live, A.debtor, 30, minutesAgo(25));
			const jar = new Jar().set('acerto_session', live);
			const res = await get(page, jar);
			expect(res.status).toBe(200);
			expect(res.headers.get('cache-control')).toBe('private, no-store');
			expect(res.headers.getSetCookie().some((c) => c.startsWith(`acerto_session=${live};`))).toBe(true);
			const [row] = await db().select().from(debtorSessions).where(eq(debtorSessions.id, sessionIdFromToken(live)));
			expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
			// The menu names the debtor although the layout ran before the page found the session.
			expect(await res.text()).toContain('Meus acordos');
		}
	});

	it('accepting with a tampered total gets 409 “Os valores desta proposta mudaram” and creates nothing', async () => {
		const sel = await offers.forSelection(db(), { agencyId: A.agency.id, debtorId: A.debtor.id, debtIds: [A.debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		const plan = sel.set.plans.find((p) => p.count === 3)!;
		const choice = { d: A.debt.id, tipo: 'installments', parcelas: '3', vencimento: sel.set.firstDueDate };
		const page = `/c/${A.creditor.slug}/acordos/novo?${new URLSearchParams(choice)}`;
		const form = { ...choice, aceite: 'sim', valores: plan.installments.map((i) => i.amountCents).join(',') };

		const tampered = await post(page, { ...form, total: String(plan.totalCents - 5_000) }, session);
		expect(tampered.status).toBe(409);
		expect(await tampered.text()).toContain('Os valores desta proposta mudaram');
		expect(await db().select().from(agreements).where(eq(agreements.debtorId, A.debtor.id))).toEqual([]);

		// The offer as shown goes through.
		const honest = await post(page, { ...form, total: String(plan.totalCents) }, session);
		expect(honest.status).toBe(303);
		const m = honest.headers.get('location')?.match(new RegExp(`^/c/${A.creditor.slug}/acordos/(AC-[A-Z0-9]{4}-[A-Z0-9]{4})\\?novo=1$`));
		expect(m).not.toBeNull();
		agreementCode = m![1];
		const rows = await db().select().from(agreements).where(eq(agreements.debtorId, A.debtor.id));
		expect(rows.map((r) => [r.code, r.totalCents])).toEqual([[agreementCode, plan.totalCents]]);
	});

	it('a session of agency A opens nothing at agency B, even for the same CPF', async () => {
		expect(agreementCode).not.toBe('');
		const own = await get(`/c/${A.creditor.slug}/acordos/${agreementCode}/termo.pdf`, session);
		expect(own.status).toBe(200);
		expect(own.headers.get('content-type')).toBe('application/pdf');
		expect(Buffer.from(await own.arrayBuffer()).subarray(0, 4).toString()).toBe('%PDF');

		const debtsAtB = await get(`/c/${B.creditor.slug}/dividas`, session);
		expect(debtsAtB.status).toBe(303);
		expect(debtsAtB.headers.get('location')).toBe(`/c/${B.creditor.slug}?expirou=1`);

		const pdfAtB = await get(`/c/${B.creditor.slug}/acordos/${agreementCode}/termo.pdf`, session);
		expect(pdfAtB.status).toBe(303);
		expect(pdfAtB.headers.get('location')).toBe(`/c/${B.creditor.slug}?expirou=1`);
		expect(pdfAtB.headers.get('content-type')).not.toBe('application/pdf');

		// B's portal shows the identification form, not someone's debts; the session still works at A.
		const identify = await get(`/c/${B.creditor.slug}`, session);
		expect(identify.status).toBe(200);
		expect(await identify.text()).toContain('Receber código');
		expect((await get(`/c/${A.creditor.slug}/dividas`, session)).status).toBe(200);
	});

	it('the boleto of a cancelled installment is gone: 410', async () => {
		const url = `/c/${A.creditor.slug}/acordos/${agreementCode}/parcelas/2/boleto.pdf`;
		const before = await get(url, session);
		expect(before.status).toBe(200);
		expect(before.headers.get('content-type')).toBe('application/pdf');
		expect(before.headers.get('cache-control')).toBe('private, no-store');
		await before.arrayBuffer();

		await db().execute(sql`update installments set status = 'cancelled'
			where seq = 2 and agreement_id = (select id from agreements where code = ${agreementCode})`);
		const after = await get(url, session);
		expect(after.status).toBe(410);
		expect(after.headers.get('content-type')).not.toBe('application/pdf');
		// The other installments are untouched.
		expect((await get(`/c/${A.creditor.slug}/acordos/${agreementCode}/parcelas/3/boleto.pdf`, session)).status).toBe(200);
	});

	it('the agreement page shows the amount to pay off today before confirming; a stale amount changes nothing; confirming twice makes one payoff', async () => {
		const url = `/c/${A.creditor.slug}/acordos/${agreementCode}`;
		const [a] = await db().select().from(agreements).where(eq(agreements.code, agreementCode));
		const preview = await lifecycle.previewPayoff(db(), a.id, today);
		if (!preview.ok) throw new Error(preview.message);
		const amount = preview.quote.amountCents;
		expect(preview.quote.rebateCents).toBeGreaterThan(0);
		const page = await (await get(url, session)).text();
		expect(page).toContain('Quitar o acordo hoje');
		expect(page).toContain(`Quitar por ${formatBRL(amount)}`);
		expect(page).toContain(`name="valor" value="${amount}"`);

		const stale = await post(`${url}?/quitar`, { valor: String(amount + 1) }, session);
		expect(stale.status).toBe(409);
		expect(await stale.text()).toContain('O valor para quitar mudou');
		const payoffRows = () => db().select().from(installments).where(and(eq(installments.agreementId, a.id), eq(installments.kind, 'payoff')));
		expect(await payoffRows()).toEqual([]);

		for (let k = 0; k < 2; k++) {
			const done = await post(`${url}?/quitar`, { valor: String(amount) }, session);
			expect(done.status).toBe(303);
			expect(done.headers.get('location')).toBe(`${url}?quitacao`);
		}
		const rows = await payoffRows();
		expect(rows.map((r) => [r.dueDate, r.amountCents, r.status])).toEqual([[today, amount, 'pending']]);
		const after = await (await get(`${url}?quitacao`, session)).text();
		expect(after).toContain('Quitação antecipada');
		expect(after).not.toContain('Quitar por');
	});

	it('logging out ends the session on the server', async () => {
		const token = session.get('acerto_session')!;
		const res = await post(`/c/${A.creditor.slug}/sair`, {}, session);
		expect(res.status).toBe(303);
		expect(session.get('acerto_session')).toBeUndefined();
		// The old cookie, replayed, no longer opens anything.
		const replay = new Jar();
		replay.take(new Response(null, { headers: { 'set-cookie': `acerto_session=${token}; Path=/` } }));
		expect((await get(`/c/${A.creditor.slug}/dividas`, replay)).status).toBe(303);
	});

	it('a creditor on its own host name gets its portal at the root', async () => {
		const agency = await factory.agency();
		const host = `negocie-${Date.now().toString(36)}.example.test`;
		const creditor = await factory.creditor(agency.id, { host });
		// fetch will not send another Host header; node:http does, as a browser on that name would.
		const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
			http.get(base + '/', { headers: { host } }, resolve).on('error', reject)
		);
		res.resume();
		expect(res.statusCode).toBe(307);
		expect(res.headers.location).toBe(`/c/${creditor.slug}`);
		const plain = await fetch(base + '/', { redirect: 'manual' });
		expect(plain.status).toBe(200);
	});

	it('a creditor’s logo is one cacheable file, never inlined in the pages', async () => {
		const png = fs.readFileSync('tests/fixtures/logo-credor.png');
		const creditor = await factory.creditor(A.agency.id, { logo: logoDataUrl(png) });
		const page = await fetch(`${base}/c/${creditor.slug}`);
		const html = await page.text();
		expect(page.status).toBe(200);
		expect(html).not.toContain('base64,');
		const src = html.match(/<img src="(\/c\/[^"]+\/logo\?v=[0-9a-f]{16})"/)?.[1];
		expect(src).toBe(`/c/${creditor.slug}/logo?v=${src?.split('v=')[1]}`);

		const logo = await fetch(base + src!);
		expect(logo.status).toBe(200);
		expect(logo.headers.get('content-type')).toBe('image/png');
		expect(logo.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
		// A PNG drawn from the one stored (written here as sent, as older versions did).
		expect(decodePng(Buffer.from(await logo.arrayBuffer()))).toEqual({ width: 48, height: 48 });
		// An address with an old version is answered, but kept only briefly.
		const stale = await fetch(`${base}/c/${creditor.slug}/logo?v=0000000000000000`);
		expect(stale.headers.get('cache-control')).toBe('public, max-age=300');
		await stale.arrayBuffer();
		// A creditor without a logo has none to serve.
		expect((await fetch(`${base}/c/${A.creditor.slug}/logo`)).status).toBe(404);
	});

	it('an SVG logo uploaded in the admin area is stored and served as a PNG drawn from it, never as SVG', async () => {
		const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="200" height="100" rx="12" fill="#1d4ed8"/><circle cx="50" cy="50" r="30" fill="#fff"/></svg>';
		const slug = `svg-${Date.now().toString(36)}`;
		const created = await db().transaction((tx) =>
			creditors.createCreditor(
				tx,
				{ legalName: 'Loja do Vetor Ltda.', cnpj: generateCnpj(Math.random), address: 'Rua A, 1, Centro, Curitiba/PR', slug, logo: svgUrl(svg) },
				{ agencyId: A.agency.id, actor: { type: 'system' } }
			)
		);
		if (!created.ok) throw new Error(JSON.stringify(created.errors));

		const html = await (await fetch(`${base}/c/${slug}`)).text();
		const src = html.match(/<img src="(\/c\/[^"]+\/logo\?v=[0-9a-f]{16})"/)?.[1];
		expect(src).toBeDefined();
		const logo = await fetch(base + src!);
		expect(logo.headers.get('content-type')).toBe('image/png');
		const served = Buffer.from(await logo.arrayBuffer());
		expect(decodePng(served)).toEqual({ width: 512, height: 256 });
		// What is stored is that very PNG, not the upload.
		expect(created.creditor.logo).toBe(`data:image/png;base64,${served.toString('base64')}`);
	});

	it('a logo stored as sent by an older version (SVG, JPEG, PNG with extras) is served as a PNG drawn from it', async () => {
		const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="80"><rect width="40" height="80" fill="#7c2d12"/></svg>';
		const jpeg = fs.readFileSync('tests/fixtures/logo-credor.jpg');
		// A PNG with an HTML page after its end: a polyglot file.
		const polyglot = Buffer.concat([fs.readFileSync('tests/fixtures/logo-credor.png'), Buffer.from('<html><script>alert(1)</script></html>')]);
		for (const [logo, size] of [
			[svgUrl(svg), { width: 256, height: 512 }],
			// The column once held SVG markup itself.
			[svg, { width: 256, height: 512 }],
			[`data:image/jpeg;base64,${jpeg.toString('base64')}`, { width: 120, height: 80 }],
			[`data:image/png;base64,${polyglot.toString('base64')}`, { width: 48, height: 48 }]
		] as const) {
			const creditor = await factory.creditor(A.agency.id, { logo });
			const res = await fetch(`${base}/c/${creditor.slug}/logo`);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toBe('image/png');
			const body = Buffer.from(await res.arrayBuffer());
			expect(decodePng(body)).toEqual(size);
			expect(body.includes('<script')).toBe(false);
		}
		// One that is not safe to draw is no logo at all.
		const risky = await factory.creditor(A.agency.id, { logo: svgUrl('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9" height="9"/></svg>') });
		const res = await fetch(`${base}/c/${risky.slug}/logo`);
		expect(res.status).toBe(404);
		expect(res.headers.get('content-type')).not.toContain('svg');
	});

	it('SIGTERM stops the server within 5 s with exit code 0', async () => {
		const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
		const started = Date.now();
		server.kill('SIGTERM');
		const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5_000))]);
		expect(code, app.log().slice(-2000)).toBe(0);
		expect(Date.now() - started).toBeLessThan(5_000);
	});
});
