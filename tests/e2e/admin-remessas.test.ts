import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import fs from 'node:fs';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { signIn } from '../support/staff';
import * as factory from '../support/factory';
import { ADDRESS, agreementFor } from '../support/agreement';

const base = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

describe('admin: boleto remessas on a phone', () => {
	it('a creditor manager enters the convênio, generates a remessa, downloads it and sees who was left out', async () => {
		const agency = await factory.agency();
		const creditor = await factory.creditor(agency.id, { boletoBankCode: '237', boletoAgency: '1234', boletoAccount: '0056789', boletoWallet: '09' });
		const ok = await agreementFor(agency.id, creditor.id, ADDRESS, 2);
		const blocked = await agreementFor(agency.id, creditor.id, { ...ADDRESS, addressCep: null }, 2);

		const context = await phone(browser);
		const page = await context.newPage();
		await signIn(page, base, agency.id, 'creditor_manager', creditor.id);
		await page.getByRole('link', { name: 'Remessas' }).click();
		await page.waitForURL(`${base}/admin/pagamentos/remessas`);
		await expect.poll(() => page.getByRole('button', { name: 'Gerar remessa' }).count()).toBe(0);

		await page.getByLabel('Convênio (código do beneficiário)').fill('4455667');
		await page.getByLabel('Dígito da agência').fill('5');
		await page.getByRole('button', { name: 'Salvar dados de cobrança' }).click();
		await expect.poll(() => page.getByText('Informe o nome do banco.').count()).toBe(1);
		await page.getByLabel('Nome do banco no arquivo').fill('BRADESCO');
		await page.getByRole('button', { name: 'Salvar dados de cobrança' }).click();
		await expect.poll(() => page.getByText('Dados de cobrança registrada salvos.').count()).toBe(1);

		await page.getByRole('button', { name: 'Gerar remessa' }).click();
		await expect.poll(() => page.getByText(/Remessa 1 gerada: 2 registro\(s\), 0 baixa\(s\),/).count()).toBe(1);
		await expect.poll(() => page.getByRole('heading', { name: 'Fora desta remessa (2)' }).count()).toBe(1);
		// Named under the result, and kept with the file in its list.
		await expect.poll(() => page.getByText(`Acordo ${blocked.agreement.code}, parcela 1`).count()).toBe(2);
		expect(await page.getByText('Devedor sem endereço completo (falta CEP)').count()).toBe(4);
		await expectAccessible(page);
		await shot(page, 'remessas-gerada');

		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Baixar REM_237_/ }).first().click()]);
		const content = fs.readFileSync((await download.path())!, 'latin1');
		const nossos = content.split('\r\n').filter((l) => l[7] === '3' && l[13] === 'P').map((l) => l.slice(37, 57).trim());
		expect(nossos).toEqual(ok.installments.map((i) => i.nossoNumero));
		await context.close();
	});
});
