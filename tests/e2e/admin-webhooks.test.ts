import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { signIn } from '../support/staff';
import { db } from '../../src/lib/server/db/client';
import * as webhooks from '../../src/lib/server/webhooks';
import * as factory from '../support/factory';

const base = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

describe('admin: webhooks on a phone', () => {
	it('a creditor manager adds an endpoint, copies the secret, reads the delivery log and asks for a replay', async () => {
		const agency = await factory.agency();
		const creditor = await factory.creditor(agency.id);
		const context = await phone(browser);
		const page = await context.newPage();
		await signIn(page, base, agency.id, 'creditor_manager', creditor.id);
		await page.getByRole('link', { name: 'Webhooks' }).click();
		await page.waitForURL(`${base}/admin/webhooks`);
		await expectAccessible(page);
		await shot(page, 'webhooks-lista');

		// A plain-http address is refused in words, and nothing is created.
		await page.getByLabel('Endereço (URL)').fill('http://erp.exemplo.com.br/ganchos');
		await page.getByRole('button', { name: 'Criar endpoint' }).click();
		await expect.poll(() => page.getByText('Use um endereço https://').count()).toBe(1);
		await shot(page, 'webhooks-erro');

		await page.getByLabel('Endereço (URL)').fill('http://127.0.0.1:9/erp');
		await page.getByLabel('Descrição (opcional)').fill('ERP de homologação');
		await page.getByLabel(/Acordo cancelado/).uncheck();
		await page.getByRole('button', { name: 'Criar endpoint' }).click();
		const secret = page.getByTestId('webhook-secret');
		await expect.poll(async () => (await secret.count()) && (await secret.inputValue())).toMatch(/^whsec_/);
		await expectAccessible(page);
		await shot(page, 'webhooks-criado');

		const [endpoint] = await webhooks.endpoints.list(db(), { agencyId: agency.id, creditorId: creditor.id });
		expect(endpoint.events).not.toContain('agreement.cancelled');
		await db().transaction((tx) => webhooks.emit(tx, { creditorId: creditor.id, type: 'installment.paid', data: { x: 1 } }));

		await page.getByRole('link', { name: 'Ver o endpoint e as entregas' }).click();
		await page.waitForURL(`${base}/admin/webhooks/${endpoint.id}`);
		await expect.poll(async () => {
			await page.reload();
			return page.getByText('tentativa').first().isVisible().catch(() => false);
		}, { timeout: 30_000 }).toBe(true);
		await expectAccessible(page);
		await shot(page, 'webhooks-entregas');
		await page.getByRole('button', { name: /^Reenviar installment.paid/ }).click();
		await expect.poll(() => page.getByText('Entrega reenviada').count()).toBe(1);
		await context.close();
	});
});
