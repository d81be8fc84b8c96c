import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { launch } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { db } from '../../src/lib/server/db/client';
import { agencies, apiKeys, auditLog, creditors } from '../../src/lib/server/db/schema';
import * as staffAuth from '../../src/lib/server/staff';
import { hashKey } from '../../src/lib/server/api/keys';

const base = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

const PASSWORD = 'uma senha bem longa 42';

/** An invited person of the demo agency sets a password and signs in. */
async function signIn(page: Page, role: 'agency_admin' | 'creditor_manager' | 'viewer', creditorSlug?: string): Promise<string> {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 6)}@assessoria.example`;
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	const creditorId = creditorSlug ? (await db().select().from(creditors).where(eq(creditors.slug, creditorSlug)))[0].id : null;
	const r = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: agency.id, email, role, creditorId }, { type: 'cli' }));
	if (!r.ok) throw new Error(r.message);
	await page.goto(`${base}/admin/convite/${r.token}`);
	await page.getByLabel('Seu nome').fill(role === 'agency_admin' ? 'Bruno Admin' : 'Carla Gestora');
	await page.getByLabel('Nova senha').fill(PASSWORD);
	await page.getByLabel('Repita a senha').fill(PASSWORD);
	await page.getByRole('button', { name: 'Criar senha' }).click();
	await page.waitForURL(/\/admin\/entrar/, { timeout: 60_000 });
	await page.getByLabel('E-mail').fill(email);
	await page.getByLabel('Senha').fill(PASSWORD);
	await page.getByRole('button', { name: 'Entrar' }).click();
	await page.waitForURL(`${base}/admin`, { timeout: 60_000 });
	return email;
}

const api = (key: string, path: string, init: RequestInit = {}) =>
	fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });

describe('API keys in the admin area', () => {
	it('an admin creates a key, sees it once, the ERP uses it, the admin revokes it and the ERP gets 401', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
		const page = await context.newPage();
		await signIn(page, 'agency_admin');

		await page.getByRole('link', { name: 'API', exact: true }).click();
		await page.waitForURL(`${base}/admin/api`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Chaves de API');
		await expectAccessible(page);

		// Nothing chosen: the form says what is missing and creates nothing.
		const before = (await db().select().from(apiKeys)).length;
		await page.getByRole('button', { name: 'Criar chave' }).click();
		await page.getByText('Escolha o credor.').waitFor();
		await expect(page.getByText('Dê um nome à chave').isVisible()).resolves.toBe(true);
		await expect(page.getByText('Escolha a permissão').isVisible()).resolves.toBe(true);
		await expectAccessible(page);
		await shot(page, 'api-01-erros');
		expect((await db().select().from(apiKeys)).length).toBe(before);

		const name = `ERP Aurora ${Date.now()}`;
		await page.getByLabel('Credor').selectOption({ label: 'Lojas Aurora' });
		await page.getByLabel('Nome da chave').fill(name);
		await page.getByLabel('Leitura e escrita').check();
		await page.getByRole('button', { name: 'Criar chave' }).click();
		const field = page.getByLabel(/^Chave de API/);
		await field.waitFor();
		const key = await field.inputValue();
		expect(key).toMatch(/^ak_live_[a-z2-7]{40}$/);
		await expect(page.getByRole('status').first().textContent()).resolves.toContain('ela não será mostrada de novo');
		await expectAccessible(page);
		await shot(page, 'api-02-chave-criada');

		// Only the hash is stored, and the creation is in the audit log.
		const [row] = await db().select().from(apiKeys).where(eq(apiKeys.name, name));
		expect(row.keyHash).toBe(hashKey(key));
		expect(row.scope).toBe('read_write');
		expect(await db().select().from(auditLog).where(and(eq(auditLog.action, 'api_key.create'), eq(auditLog.entityId, row.id)))).toHaveLength(1);

		// The ERP uses it.
		const list = await api(key, '/api/v1/agreements');
		expect(list.status).toBe(200);
		const batch = await api(key, '/api/v1/debts:batch', {
			method: 'POST',
			body: JSON.stringify({
				items: [
					{
						debt_id: `E2E-${Date.now()}`,
						debtor_document: '529.982.247-25',
						debtor_name: 'Maria Aparecida da Silva',
						debtor_phone: '(11) 98765-4321',
						debtor_state: 'SP',
						description: 'Sofá 3 lugares - carnê',
						due_date: '2025-05-10',
						principal_cents: 89_900
					}
				]
			})
		});
		expect(batch.status).toBe(200);
		expect(await batch.json()).toMatchObject({ inserted: 1, invalid: 0 });

		// Seen once: a fresh visit lists the key by its prefix, never the key itself.
		await page.goto(`${base}/admin/api`);
		expect(await page.content()).not.toContain(key);
		const rowEl = page.getByRole('row', { name: new RegExp(name) });
		await expect(rowEl.getByText(`${key.slice(0, 14)}…`).isVisible()).resolves.toBe(true);
		await expect(rowEl.getByText('nunca').count()).resolves.toBe(0);
		await expect(rowEl.getByText('Ativa').isVisible()).resolves.toBe(true);
		await shot(page, 'api-03-lista');

		await rowEl.getByRole('link', { name: `Revogar a chave ${name}` }).click();
		await page.waitForURL(/\/revogar$/);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`Revogar a chave “${name}”?`);
		await expectAccessible(page);
		await shot(page, 'api-04-confirmar-revogacao');
		await page.getByRole('button', { name: 'Revogar chave' }).click();
		await page.waitForURL(/\/admin\/api\?revogada=/);
		await expect(page.getByRole('status').textContent()).resolves.toContain(`${key.slice(0, 14)}… revogada`);
		await expect(page.getByRole('row', { name: new RegExp(name) }).getByText('Revogada').isVisible()).resolves.toBe(true);
		await expectAccessible(page);
		await shot(page, 'api-05-revogada');

		const after = await api(key, '/api/v1/agreements');
		expect(after.status).toBe(401);
		expect(after.headers.get('content-type')).toBe('application/problem+json');
		expect((await after.json()).detail).toBe('Chave de API inválida ou revogada.');
		expect(await db().select().from(auditLog).where(and(eq(auditLog.action, 'api_key.revoke'), eq(auditLog.entityId, row.id)))).toHaveLength(1);

		// On a phone the list is a stack of small cards.
		await page.setViewportSize({ width: 360, height: 800 });
		await page.goto(`${base}/admin/api`);
		await expectAccessible(page);
		await shot(page, 'api-06-lista-celular');
		await context.close();
	});

	it('a creditor manager sees and creates keys of their creditor only; a viewer cannot open the page', async () => {
		const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
		const page = await context.newPage();
		await signIn(page, 'creditor_manager', 'horizonte');
		await page.goto(`${base}/admin/api`);
		const options = await page.getByLabel('Credor').locator('option').allTextContents();
		expect(options).toEqual(['Escola Horizonte']);
		const rows = await page.locator('table.keys tbody tr').allTextContents();
		expect(rows.some((r) => r.includes('Lojas Aurora'))).toBe(false);
		await shot(page, 'api-07-gestor-celular');

		// A tampered form naming another creditor creates nothing.
		const [aurora] = await db().select().from(creditors).where(eq(creditors.slug, 'aurora'));
		const before = (await db().select().from(apiKeys).where(eq(apiKeys.creditorId, aurora.id))).length;
		await page.locator('#creditorId').evaluate((el, id) => ((el as HTMLSelectElement).options[0].value = id), aurora.id);
		await page.getByLabel('Nome da chave').fill('Intrusa');
		await page.getByLabel('Leitura', { exact: true }).check();
		await page.getByRole('button', { name: 'Criar chave' }).click();
		await page.getByText('Credor não encontrado.').waitFor();
		expect((await db().select().from(apiKeys).where(eq(apiKeys.creditorId, aurora.id))).length).toBe(before);
		await context.close();

		const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR' });
		const viewer = await viewerContext.newPage();
		await signIn(viewer, 'viewer');
		await expect(viewer.getByRole('link', { name: 'API', exact: true }).count()).resolves.toBe(0);
		expect((await viewer.goto(`${base}/admin/api`))?.status()).toBe(403);
		await viewerContext.close();
	});

	it('the API reference page is readable and accessible on a phone and a desktop', async () => {
		for (const viewport of [
			{ width: 1280, height: 900 },
			{ width: 360, height: 800 }
		]) {
			const context = await browser.newContext({ viewport, locale: 'pt-BR' });
			const page = await context.newPage();
			const errors: string[] = [];
			page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
			await page.goto(`${base}/api/v1/docs`);
			await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Acerto — API de integração');
			await expect(page.getByRole('heading', { name: /POST \/api\/v1\/debts:batch/ }).isVisible()).resolves.toBe(true);
			await expectAccessible(page);
			// No horizontal scroll of the whole page: wide code and tables scroll inside their own boxes.
			const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
			expect(overflow).toBeLessThanOrEqual(0);
			expect(errors).toEqual([]);
			await shot(page, `api-08-referencia-${viewport.width}`);
			await context.close();
		}
	});
});
