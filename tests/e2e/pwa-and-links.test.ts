import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { launch, persistentPhone, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { messages, waitForCode } from '../support/messages';
import { db } from '../../src/lib/server/db/client';
import { creditors, debtors } from '../../src/lib/server/db/schema';
import { createLinkToken } from '../../src/lib/server/auth/links';

const base = inject('baseUrl');
const log = inject('serverLog');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

describe('the portal as an installable app of each brand', () => {
	it('is installable in Chromium with the brand name and colour, and caches no personal data', async () => {
		const context = await persistentPhone();
		const page = await context.newPage();
		await page.goto(`${base}/c/horizonte`);
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		const manifest = await (await page.request.get(`${base}/c/horizonte/manifest.webmanifest`)).json();
		expect(manifest.name).toContain('Escola Horizonte');
		expect(manifest.theme_color).toBe('#0f766e');
		expect(manifest.lang).toBe('pt-BR');
		const icon = await page.request.get(`${base}${manifest.icons[1].src}`);
		expect(icon.headers()['content-type']).toBe('image/png');
		expect((await icon.body()).readUInt32BE(16)).toBe(512);

		const cdp = await context.newCDPSession(page);
		await page.reload();
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
		expect(installabilityErrors).toEqual([]);

		const cached: string[] = await page.evaluate(async () => {
			const urls: string[] = [];
			for (const name of await caches.keys()) {
				const cache = await caches.open(name);
				urls.push(...(await cache.keys()).map((r) => new URL(r.url).pathname));
			}
			return urls;
		});
		expect(cached.length).toBeGreaterThan(0);
		expect(cached).toContain('/offline.html');
		expect(cached.every((u) => u.startsWith('/_app/') || !u.startsWith('/c/'))).toBe(true);
		await context.close();
	});
});

describe('a campaign link and a company debtor', () => {
	it('opens the portal for the linked debtor, still asking for the code', async () => {
		const horizonte = (await db().query.creditors.findFirst({ where: eq(creditors.slug, 'horizonte') }))!;
		const technova = (await db().query.debtors.findFirst({
			where: and(eq(debtors.agencyId, horizonte.agencyId), eq(debtors.document, '12ABC34501DE35'))
		}))!;
		const token = createLinkToken(horizonte.id, technova.id, 30);

		const context = await phone(browser);
		const page = await context.newPage();
		await page.goto(`${base}/c/horizonte/l/${token}`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Olá, Tech');
		await expectAccessible(page);
		await shot(page, '10-link-campanha');
		const seen = messages(log).length;
		await page.getByRole('button', { name: 'Enviar código' }).click();
		await page.waitForURL(/\/codigo$/);
		const code = await waitForCode(log, '+5531998765432', seen);
		await page.getByLabel('Código de 6 dígitos').fill(code);
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/dividas$/);
		await expect(page.getByText('Curso corporativo').count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, '11-dividas-cnpj');

		// A tampered link is refused politely and offers the normal way in.
		await context.clearCookies();
		await page.goto(`${base}/c/horizonte/l/${token.slice(0, -2)}xx`);
		await expect(page.getByRole('status').textContent()).resolves.toContain('não é válido');
		await context.close();
	});

	it('logs in a company by its alphanumeric CNPJ, typed in lower case and without punctuation', async () => {
		const context = await phone(browser);
		const page = await context.newPage();
		// A slow phone: the page's script arrives only after the debtor has typed.
		let release = () => {};
		const scriptHeld = new Promise<void>((r) => (release = r));
		await page.route('**/_app/immutable/entry/**', async (route) => {
			await scriptHeld;
			await route.continue();
		});
		await page.goto(`${base}/c/horizonte`, { waitUntil: 'domcontentloaded' });
		await page.getByLabel('CPF ou CNPJ').fill('12abc34501de35');
		expect(await page.getByLabel('CPF ou CNPJ').inputValue()).toBe('12abc34501de35');
		release();
		// Shown formatted as soon as the script starts.
		await expect.poll(() => page.getByLabel('CPF ou CNPJ').inputValue()).toBe('12.ABC.345/01DE-35');
		await page.unrouteAll();
		const seen = messages(log).length;
		await page.getByRole('button', { name: 'Receber código' }).click();
		await page.waitForURL(/\/codigo$/);
		await shot(page, '12-codigo-horizonte');
		const code = await waitForCode(log, '+5531998765432', seen);
		// A wrong code first: the page says how many tries are left.
		await page.getByLabel('Código de 6 dígitos').fill(code === '000000' ? '111111' : '000000');
		await page.getByRole('button', { name: 'Entrar' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('4 tentativas');
		await page.getByLabel('Código de 6 dígitos').fill(code);
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/dividas$/);
		await page.getByRole('button', { name: 'Ver ofertas de Escola Horizonte' }).click();
		await page.waitForURL(/\/ofertas\?/);
		await expectAccessible(page);
		await shot(page, '13-ofertas-horizonte');
		await context.close();
	});
});
