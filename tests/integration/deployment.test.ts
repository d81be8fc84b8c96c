import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeDb } from '../../src/lib/server/db/client';
import { generateCpf, formatDocument } from '../../src/lib/format/document';
import { startApp, type App } from '../support/app-server';
import * as factory from '../support/factory';

/**
 * How the portal behaves as deployed: the secret it signs with, the cookies and headers it sends
 * depending on the public origin's scheme, and what it warns about at start. Each case runs the
 * built app in its own process with the environment under test.
 */

let world: Awaited<ReturnType<typeof factory.world>>;
const started: App[] = [];

async function start(env: Record<string, string | undefined>): Promise<App> {
	const app = await startApp(inject('databaseUrl'), { OTP_SENDS_PER_IP_PER_HOUR: '1000', ...env });
	started.push(app);
	return app;
}

async function stop(app: App) {
	await app.stop();
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-data-'));

/** The masked destination the portal shows for a document (what an attacker reads). */
async function destinationShown(app: App, slug: string, document: string, origin = app.base): Promise<string> {
	const res = await fetch(`${app.base}/c/${slug}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ documento: document })
	});
	expect(res.status).toBe(303);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('acerto_otp='))!.split(';')[0];
	const page = await (await fetch(`${app.base}/c/${slug}/codigo`, { headers: { cookie } })).text();
	return page.match(/<strong>([^<]+)<\/strong>/)![1];
}

beforeAll(async () => {
	world = await factory.world();
});

afterAll(async () => {
	await Promise.all(started.map((a) => a.stop()));
	await closeDb();
});

describe('no public secret', () => {
	it('without APP_SECRET the portal generates one under DATA_DIR (mode 0600), says so, and keeps it across restarts', async () => {
		const dir = tempDir();
		const first = await start({ APP_SECRET: undefined, DATA_DIR: dir });
		const file = path.join(dir, 'app-secret');
		expect(fs.existsSync(file)).toBe(true);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		const secret = fs.readFileSync(file, 'utf8').trim();
		expect(secret.length).toBeGreaterThanOrEqual(60);
		expect(first.log()).toContain(`gerei um segredo aleatório em ${file}`);
		await stop(first);

		const second = await start({ APP_SECRET: undefined, DATA_DIR: dir });
		expect(fs.readFileSync(file, 'utf8').trim()).toBe(secret);
		expect(second.log()).not.toContain('gerei um segredo');
		await stop(second);
	});

	it('two installations without APP_SECRET sign with different keys: nobody can precompute the decoy shown for an unknown document', async () => {
		const one = await start({ APP_SECRET: undefined, DATA_DIR: tempDir() });
		const two = await start({ APP_SECRET: undefined, DATA_DIR: tempDir() });
		const unknown = formatDocument(generateCpf(Math.random));
		const a = await destinationShown(one, world.creditor.slug, unknown);
		const b = await destinationShown(two, world.creditor.slug, unknown);
		// Each installation is stable for a document (no flicker that would give it away)…
		expect(await destinationShown(one, world.creditor.slug, unknown)).toBe(a);
		// …and differs from the other's, since the keys differ.
		expect(a).not.toBe(b);
		expect(fs.readFileSync(path.join(process.cwd(), 'src/lib/server/config.ts'), 'utf8')).not.toMatch(/dev-secret/);
		await Promise.all([stop(one), stop(two)]);
	});

	it('NODE_ENV=production refuses to start without APP_SECRET, saying why', async () => {
		await expect(start({ APP_SECRET: undefined, NODE_ENV: 'production', DATA_DIR: tempDir() })).rejects.toThrow(/APP_SECRET é obrigatório em produção/);
	});
});

describe('cookies and headers follow the public origin', () => {
	it('under an https ORIGIN: Secure cookies and HSTS on pages and static files', async () => {
		const origin = 'https://negocie.example.com.br';
		const app = await start({ ORIGIN: origin, ADDRESS_HEADER: 'x-forwarded-for' });
		const res = await fetch(`${app.base}/c/${world.creditor.slug}`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.9' },
			body: new URLSearchParams({ documento: formatDocument(world.debtor.document) })
		});
		expect(res.status).toBe(303);
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith('acerto_otp='))!;
		expect(cookie.split(';').map((s) => s.trim().toLowerCase())).toContain('secure');
		for (const p of [`/c/${world.creditor.slug}`, '/robots.txt', '/offline.html']) {
			const r = await fetch(app.base + p);
			expect(r.status, p).toBe(200);
			expect(r.headers.get('strict-transport-security'), p).toMatch(/max-age=\d{8}/);
		}
		expect(app.log()).not.toContain('ADDRESS_HEADER não está definido');
		await stop(app);
	});

	it('over plain http: no Secure flag (the cookie would be lost), no HSTS', async () => {
		const app = await start({});
		const res = await fetch(`${app.base}/c/${world.creditor.slug}`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: app.base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ documento: formatDocument(world.debtor.document) })
		});
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith('acerto_otp='))!;
		expect(cookie.split(';').map((s) => s.trim().toLowerCase())).not.toContain('secure');
		expect((await fetch(`${app.base}/robots.txt`)).headers.get('strict-transport-security')).toBeNull();
		await stop(app);
	});

	it('every response, static files included, forbids sniffing, framing and cross-site referrers', async () => {
		const app = await start({});
		for (const p of ['/robots.txt', '/offline.html', `/c/${world.creditor.slug}`, `/c/${world.creditor.slug}/manifest.webmanifest`, '/nao-existe', '/api/v1/openapi.json']) {
			const r = await fetch(app.base + p);
			expect(r.headers.get('x-content-type-options'), p).toBe('nosniff');
			expect(r.headers.get('referrer-policy'), p).toBe('same-origin');
			expect(r.headers.get('x-frame-options'), p).toBe('DENY');
			expect(r.headers.get('content-security-policy'), p).toMatch(/frame-ancestors 'none'/);
		}
		await stop(app);
	});
});

describe('what the portal warns about at start', () => {
	it('an https ORIGIN without a client-address header: every visitor would share the proxy’s address and its limits', async () => {
		const app = await start({ ORIGIN: 'https://negocie.example.com.br', ADDRESS_HEADER: undefined });
		expect(app.log()).toContain('ADDRESS_HEADER não está definido');
		await stop(app);
	});

	it('listening on every interface over plain http', async () => {
		const app = await start({ HOST: '0.0.0.0' });
		expect(app.log()).toMatch(/aceita conexões de outras máquinas \(HOST=0\.0\.0\.0\) por http/);
		await stop(app);
	});
});
