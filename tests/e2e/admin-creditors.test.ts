import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { db } from '../../src/lib/server/db/client';
import { agencies, creditors, policies } from '../../src/lib/server/db/schema';
import * as staffAuth from '../../src/lib/server/staff';
import type { Policy } from '../../src/lib/schemas/policy';

const base = inject('baseUrl');
const LOGO = path.resolve('tests/fixtures/logo-credor.png');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

/** An agency admin of the demo agency, invited, with a password, signed in (as tests/e2e/admin-access does). */
async function signedInAdmin(page: Page, name: string): Promise<void> {
	const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@assessoria.example`;
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	const r = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: agency.id, email, role: 'agency_admin' }, { type: 'cli' }));
	if (!r.ok) throw new Error(r.message);
	await page.goto(`${base}/admin/convite/${r.token}`);
	await page.getByLabel('Seu nome').fill(name);
	await page.getByLabel('Nova senha').fill('uma senha bem longa 42');
	await page.getByLabel('Repita a senha').fill('uma senha bem longa 42');
	await page.getByRole('button', { name: 'Criar senha' }).click();
	await page.waitForURL(/\/admin\/entrar/);
	await page.getByLabel('E-mail').fill(email);
	await page.getByLabel('Senha').fill('uma senha bem longa 42');
	await page.getByRole('button', { name: 'Entrar' }).click();
	await page.waitForURL(`${base}/admin`);
}

const cents = (brl: string | null) => Number((brl ?? '').replace(/[^\d]/g, ''));
const background = (page: Page, testId: string) => page.getByTestId(testId).evaluate((el) => getComputedStyle(el).backgroundColor);

describe('creditors and their offer policy in the admin area', () => {
	it('an agency admin registers a creditor with its brand, edits and simulates its policy, and publishes version 2', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
		const page = await context.newPage();
		await signedInAdmin(page, 'Ana Credores');
		const slug = `loja-${Date.now().toString(36)}`;

		// The list: every creditor in reach, with its brand colour, portal and policy version.
		await page.getByRole('navigation', { name: 'Administração' }).getByRole('link', { name: 'Credores' }).click();
		await page.waitForURL(`${base}/admin/credores`);
		await expect(page.getByRole('heading', { name: 'Lojas Aurora' }).count()).resolves.toBe(1);
		await expect(page.getByText('/c/aurora').count()).resolves.toBeGreaterThan(0);
		await expectAccessible(page);
		await shot(page, 'credores-01-lista');

		await page.getByRole('link', { name: 'Novo credor' }).click();
		await page.waitForURL(`${base}/admin/credores/novo`);
		await expectAccessible(page);

		await page.getByLabel('Razão social').fill('Móveis Cedro Comércio Ltda.');
		await page.getByLabel('CNPJ', { exact: false }).first().fill('12.ABC.345/01DE-36');
		await page.getByLabel('Endereço completo').fill('Rua XV de Novembro, 700, Centro, Curitiba/PR, CEP 80020-310');
		await page.getByLabel('Nome de exibição').fill('Móveis Cedro');
		await page.getByLabel('Identificador (slug)').fill(slug);
		await page.getByLabel('Remetente de SMS').fill('CEDRO');
		await page.getByLabel('Nome do remetente de e-mail').fill('Móveis Cedro');

		// The preview follows the brand as it is typed, without a round trip.
		const preview = page.getByTestId('brand-preview');
		await expect(preview.textContent()).resolves.toContain('Móveis Cedro Comércio Ltda.');
		expect(await background(page, 'preview-header')).toBe('rgb(29, 78, 216)');
		await page.getByLabel('Cor principal (hexadecimal)').fill('#7c2d12');
		expect(await background(page, 'preview-header')).toBe('rgb(124, 45, 18)');
		expect(await background(page, 'preview-button')).toBe('rgb(124, 45, 18)');
		await page.getByLabel('Cor principal (hexadecimal)').fill('#ff0000');
		await expect(page.getByTestId('contrast-warning').textContent()).resolves.toContain('pouco contraste');
		await page.getByLabel('Cor principal (hexadecimal)').fill('#7c2d12');
		await expect(page.getByTestId('contrast-warning').count()).resolves.toBe(0);
		// An SVG with a script is refused at once, before anything is sent.
		const logoInput = page.getByLabel('Logo (PNG, SVG ou JPEG, até 200 KB)');
		await logoInput.setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
		await expect(page.locator('#logo-erro').textContent()).resolves.toContain('O SVG contém script');
		await expect(page.getByTestId('preview-header').locator('img').count()).resolves.toBe(0);
		await logoInput.setInputFiles(LOGO);
		await expect(page.locator('#logo-erro').count()).resolves.toBe(0);
		await page.waitForFunction(() => document.querySelector('[data-testid="preview-header"] img')?.getAttribute('src')?.startsWith('data:image/png;base64,'));
		await expect(preview.textContent()).resolves.toContain('CNPJ 12.ABC.345/01DE-36');

		// A wrong check digit is refused next to its field, and nothing is created.
		await page.getByRole('button', { name: 'Cadastrar credor' }).click();
		await expect(page.locator('#cnpj-erro').textContent()).resolves.toContain('CNPJ do credor inválido');
		await expect(page.getByRole('alert').filter({ hasText: 'corrija os campos marcados' }).count()).resolves.toBe(1);
		expect(await db().select().from(creditors).where(eq(creditors.slug, slug))).toHaveLength(0);
		await expectAccessible(page);
		await shot(page, 'credores-02-novo-erro');

		await page.getByLabel('CNPJ', { exact: false }).first().fill('12.ABC.345/01DE-35');
		await page.getByRole('button', { name: 'Cadastrar credor' }).click();
		await page.waitForURL(/\/admin\/credores\/[0-9a-f-]{36}\?criado=1$/);
		await expect(page.getByRole('status').filter({ hasText: 'Credor cadastrado' }).count()).resolves.toBe(1);
		const [created] = await db().select().from(creditors).where(eq(creditors.slug, slug));
		expect(created).toMatchObject({ cnpj: '12ABC34501DE35', primaryColor: '#7c2d12', smsSender: 'CEDRO', pixMerchantCity: 'Curitiba' });
		expect(created.logo).toMatch(/^data:image\/png;base64,/);

		// Editing: the preview starts from what is saved, and saving is confirmed.
		expect(await background(page, 'preview-header')).toBe('rgb(124, 45, 18)');
		await expect(page.getByTestId('preview-header').locator('img').count()).resolves.toBe(1);
		await page.getByLabel('Cor principal (hexadecimal)').fill('#0f766e');
		expect(await background(page, 'preview-header')).toBe('rgb(15, 118, 110)');
		await page.getByLabel('Nome de exibição').fill('Cedro Móveis');
		await expect(page.getByTestId('preview-header').textContent()).resolves.toContain('Cedro Móveis');
		await expect(page.getByRole('link', { name: 'Abrir o portal de verdade' }).getAttribute('href')).resolves.toBe(`${base}/c/${slug}`);
		await expectAccessible(page);
		await shot(page, 'credores-03-editar');
		await page.getByRole('button', { name: 'Salvar alterações' }).click();
		await page.getByRole('status').filter({ hasText: 'Alterações salvas.' }).waitFor();
		expect((await db().select().from(creditors).where(eq(creditors.slug, slug)))[0]).toMatchObject({ primaryColor: '#0f766e', displayName: 'Cedro Móveis' });

		// The debtor's portal on a phone shows the logo, loaded from its own cacheable address.
		const phoneContext = await phone(browser);
		const portal = await phoneContext.newPage();
		await portal.goto(`${base}/c/${slug}`);
		const logo = portal.locator('header img');
		await expect(logo.getAttribute('src')).resolves.toMatch(new RegExp(`^/c/${slug}/logo\\?v=[0-9a-f]{16}$`));
		await expect.poll(() => logo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(48);
		await shot(portal, 'credores-03b-portal-360');
		await phoneContext.close();

		// The policy: the simulator shows what the debtor would see for the policy being edited.
		await page.getByRole('link', { name: 'Política de ofertas e simulador' }).click();
		await page.waitForURL(`${base}/admin/credores/${created.id}/politica`);
		const cash = page.getByTestId('sim-cash-total');
		await cash.waitFor();
		const updated = cents(await page.getByTestId('sim-updated').textContent());
		const atFirst = cents(await cash.textContent());
		expect(atFirst).toBe(updated); // version 1 grants no discount
		await expectAccessible(page);
		await shot(page, 'credores-04-politica');

		const band1 = page.getByRole('group', { name: 'Faixa 1', exact: true });
		await band1.getByLabel('Desconto máximo à vista (%)').fill('20');
		await expect.poll(async () => cents(await cash.textContent()), { timeout: 10_000 }).toBe(updated - Math.floor(updated * 0.2));

		// Consumer late fee above 2 %: refused next to the field, with the law; nothing is simulated.
		await page.getByLabel('Multa (%)').fill('2,5');
		await expect(page.locator('#pol-lateFeePercent-erro').textContent()).resolves.toBe('Multa acima de 2% não é permitida para dívidas de consumo (CDC art. 52 §1).');
		await page.getByRole('status').filter({ hasText: 'Corrija os campos marcados' }).waitFor();
		await page.getByRole('button', { name: 'Publicar nova versão (2)' }).click();
		await page.getByRole('alert').filter({ hasText: 'não pode ser publicada' }).waitFor();
		await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('pol-lateFeePercent');
		await shot(page, 'credores-05-politica-erro');
		await page.getByLabel('Multa (%)').fill('2');

		// A second band for older debts, with a bigger discount: the 120-day-old debt falls in it.
		await page.getByRole('button', { name: 'Adicionar faixa' }).click();
		const band2 = page.getByRole('group', { name: 'Faixa 2', exact: true });
		await expect(band1.getByLabel('Atraso até (dias)').inputValue()).resolves.toBe('89');
		await expect(band2.getByLabel('Atraso de (dias)').inputValue()).resolves.toBe('90');
		await band2.getByLabel('Desconto máximo à vista (%)').fill('35');
		await expect.poll(async () => cents(await cash.textContent()), { timeout: 10_000 }).toBe(updated - Math.floor(updated * 0.35));
		await expect(page.getByTestId('simulador').textContent()).resolves.toContain('90+ dias');
		await expect(page.getByTestId('sim-plans').getByRole('row').count()).resolves.toBeGreaterThan(2);
		await expectAccessible(page);
		await shot(page, 'credores-06-politica-simulada');

		await page.getByRole('button', { name: 'Publicar nova versão (2)' }).click();
		await page.waitForURL(`${base}/admin/credores/${created.id}/politica?publicada=2`);
		await expect(page.getByRole('status').filter({ hasText: 'Versão 2 publicada' }).count()).resolves.toBe(1);
		const history = page.getByRole('region', { name: 'Histórico de versões' });
		await expect(history.getByRole('row', { name: /2 em vigor .* Ana Credores/ }).count()).resolves.toBe(1);
		await expect(history.getByRole('row', { name: /^1 .* sistema ou linha de comando/ }).count()).resolves.toBe(1);
		const stored = await db().select().from(policies).where(eq(policies.creditorId, created.id)).orderBy(asc(policies.version));
		expect(stored.map((p) => p.version)).toEqual([1, 2]);
		expect((stored[1].body as Policy).bands.map((b) => [b.minDaysPastDue, b.maxDaysPastDue, b.cashDiscountMaxPercent])).toEqual([
			[0, 89, 20],
			[90, null, 35]
		]);
		// The form now starts from version 2.
		await expect(page.getByRole('button', { name: 'Publicar nova versão (3)' }).count()).resolves.toBe(1);
		await expectAccessible(page);

		// Any old version can be read, not edited.
		await history.getByRole('link', { name: 'Ver versão 1' }).click();
		await page.waitForURL(/versao=1$/);
		await expect(page.getByRole('group', { name: 'Faixa 1', exact: true }).getByLabel('Desconto máximo à vista (%)').inputValue()).resolves.toBe('0');
		await expect(page.getByRole('group', { name: 'Faixa 2', exact: true }).count()).resolves.toBe(0);
		await expect(page.getByRole('button', { name: /Publicar/ }).count()).resolves.toBe(0);
		await expectAccessible(page);
		await shot(page, 'credores-07-versao-1');

		// On a phone: the same pages stay usable at 360 px.
		const mobile = await phone(browser);
		await mobile.addCookies(await context.cookies());
		const small = await mobile.newPage();
		for (const [url, name, ready] of [
			[`${base}/admin/credores`, 'credores-m1-lista', 'Credores'],
			[`${base}/admin/credores/${created.id}`, 'credores-m2-editar', 'Prévia do portal'],
			[`${base}/admin/credores/${created.id}/politica`, 'credores-m3-politica', 'À vista']
		] as const) {
			await small.goto(url);
			await small.getByRole('heading', { name: ready, exact: true }).waitFor();
			expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
			await expectAccessible(small);
			await shot(small, name);
		}
		await mobile.close();

		// The simulator on a real open debt of the creditor, found by the debtor's name.
		const [aurora] = await db().select().from(creditors).where(eq(creditors.slug, 'aurora'));
		await page.goto(`${base}/admin/credores/${aurora.id}/politica`);
		await page.getByLabel('Escolher uma dívida real').check();
		await page.getByRole('status').filter({ hasText: 'Busque e escolha uma dívida' }).waitFor();
		await page.getByLabel('Contrato ou nome do devedor').fill('Maria');
		await page.getByRole('button', { name: 'Buscar' }).click();
		const hit = page.getByRole('button', { name: /Maria/ }).first();
		await hit.click();
		await expect(hit.getAttribute('aria-pressed')).resolves.toBe('true');
		await page.getByTestId('simulador').getByText(/^Dívida .+ — Maria/).waitFor();
		await expect(page.getByTestId('sim-cash-total').textContent()).resolves.toMatch(/^R\$ [\d.]+,\d{2}$/);
		await expectAccessible(page);
		await shot(page, 'credores-08-divida-real');
		await context.close();
	});
});
