import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { signedInStaff } from '../support/staff';
import * as factory from '../support/factory';
import { db } from '../../src/lib/server/db/client';
import { agencies, campaigns } from '../../src/lib/server/db/schema';
import { DEFAULT_POLICY, policySchema } from '../../src/lib/schemas/policy';
import type { Campaign } from '../../src/lib/schemas/campaign';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { toLocalInput } from '../../src/lib/components/admin/campaign-form';

const base = inject('baseUrl');
let browser: Browser;
let creditor: { id: string; displayName: string };
let cookie = '';

beforeAll(async () => {
	browser = await launch();
	// A creditor of the demo agency of its own, with two debtors nobody else writes to.
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	const policy = policySchema.parse({ ...DEFAULT_POLICY, campaignLimits: { cashDiscountMaxPercent: 50, installmentDiscountMaxPercent: 20, installmentsMax: 12, minEntryPercent: 5 } });
	creditor = await factory.creditor(agency.id, { displayName: `Móveis Ipê ${Date.now().toString(36)}` }, policy);
	for (const [name, state] of [['Carolina Mendes', 'SP'], ['Diego Araújo', 'RJ']]) {
		const phoneNumber = `+55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
		const d = await factory.debtor(agency.id, { name, state, phone: phoneNumber, email: null });
		await factory.debt(creditor.id, d.id, { daysPastDue: 75, principalCents: 120_000 });
	}
	cookie = await signedInStaff(base, { agencyId: agency.id, role: 'agency_admin', name: 'Renata Campanhas' });
});

afterAll(async () => {
	await browser?.close();
});

describe('campaigns in the admin area, on a phone', () => {
	it('an agency admin writes a campaign with the keyboard, watches the SMS counter, sees the estimate with previews and starts it', async () => {
		const context = await phone(browser);
		const [name, value] = cookie.split('=');
		await context.addCookies([{ name, value, url: base }]);
		const page = await context.newPage();

		await page.goto(`${base}/admin/campanhas`);
		await page.getByRole('link', { name: 'Nova campanha' }).click();
		await page.waitForURL(`${base}/admin/campanhas/nova`);
		await expectAccessible(page);

		await page.getByLabel('Credor', { exact: true }).selectOption({ label: creditor.displayName });
		await page.getByLabel('Nome da campanha').fill('Quitação de Natal');
		await page.getByLabel('Atraso mínimo (dias)').fill('30');
		// The policy's limits stand beside the offer's fields.
		const offer = page.getByRole('group', { name: 'Oferta especial (opcional)' });
		await expect(offer.textContent()).resolves.toContain('desconto à vista até 50%');
		await page.getByLabel('Desconto à vista (%)').fill('35');
		await page.getByLabel('Oferta válida até').fill(addDays(todayInSaoPaulo(), 15));
		await page.getByLabel('2º canal (se o 1º não alcançar o devedor)').selectOption({ label: 'E-mail' });

		// The SMS is typed; one "ã" makes it UCS-2, and taking it out makes it GSM-7 again.
		const counter = page.getByRole('status', { name: 'Partes do SMS' });
		await page.getByLabel('Texto do SMS').click();
		await page.keyboard.type('{{credor}}: condicao especial ate {{oferta_ate}}. Veja {{link}} Confira: {{golpe}}');
		await expect(counter.textContent()).resolves.toBe('1 parte · GSM-7');
		await page.keyboard.type(' ã');
		await expect(counter.textContent()).resolves.toBe('3 partes · UCS-2');
		await shot(page, 'campanhas-01-sms-ucs2');
		await page.keyboard.press('Backspace');
		await page.keyboard.press('Backspace');
		await expect(counter.textContent()).resolves.toBe('1 parte · GSM-7');
		// The lint speaks as the text is written.
		await page.getByLabel('Texto do SMS').press('End');
		await page.keyboard.type(' Ultimo aviso');
		await expect(page.getByRole('list', { name: 'Revisão do SMS' }).textContent()).resolves.toContain('"último aviso"');
		for (let i = 0; i < ' Ultimo aviso'.length; i++) await page.keyboard.press('Backspace');

		await page.getByLabel('Assunto do e-mail').fill('{{credor}}: uma condição especial');
		await page.getByLabel('Texto do e-mail', { exact: true }).fill('Olá, {{primeiro_nome}}.\n\n{{credor}} tem uma condição especial: {{link}}\n\nConfira se é verdade: {{golpe}}');
		await page.getByLabel('Início', { exact: true }).fill(toLocalInput(new Date(Date.now() - 5 * 60_000).toISOString()));
		await page.getByLabel('Fim', { exact: true }).fill(toLocalInput(new Date(Date.now() + 7 * 86_400_000).toISOString()));
		await expectAccessible(page);
		await page.getByRole('button', { name: 'Salvar rascunho' }).click();
		await page.waitForURL(/\/admin\/campanhas\/[0-9a-f-]{36}\?feito=salva$/);
		const id = new URL(page.url()).pathname.split('/').pop()!;

		// The estimate: who, how much, and what real debtors would read (masked).
		await page.getByRole('heading', { name: 'Antes de iniciar' }).waitFor();
		await expect(page.getByRole('list', { name: 'Resumo da estimativa' }).textContent()).resolves.toMatch(/Devedores no segmento\s*2/);
		const previews = page.getByRole('list', { name: 'Exemplos para devedores reais' }).getByRole('listitem');
		await expect(previews.count()).resolves.toBe(2);
		const first = await previews.first().textContent();
		expect(first).toContain(creditor.displayName);
		expect(first).toMatch(/\(11\) \*{5}-\d{4}/);
		await expectAccessible(page);
		await shot(page, 'campanhas-02-estimativa');

		await page.getByRole('link', { name: 'Iniciar campanha' }).click();
		const confirm = page.getByRole('region', { name: 'Iniciar a campanha?' });
		await expect(confirm.textContent()).resolves.toMatch(/2 devedores.*2 mensagens/s);
		// While it runs, the page asks for its progress every few seconds.
		const polled = page.waitForResponse((r) => r.url() === `${base}/admin/campanhas/${id}/progresso` && r.status() === 200, { timeout: 15_000 });
		await page.getByRole('button', { name: 'Confirmar e iniciar' }).click();
		await page.waitForURL(`${base}/admin/campanhas/${id}?feito=iniciada`);
		expect(await (await polled).json()).toMatchObject({ status: 'running', progress: { targets: 2 } });
		await expect(page.getByRole('status', { name: 'Andamento da campanha' }).textContent()).resolves.toMatch(/Em andamento: \d de 2 enviadas/);
		await expect(page.getByRole('button', { name: 'Pausar' }).count()).resolves.toBe(1);
		const [row] = await db().select().from(campaigns).where(eq(campaigns.id, id));
		expect(row).toMatchObject({ status: 'running', name: 'Quitação de Natal' });
		expect((row.body as Campaign).templates.sms?.body).toBe('{{credor}}: condicao especial ate {{oferta_ate}}. Veja {{link}} Confira: {{golpe}}');
		await expectAccessible(page);
		await shot(page, 'campanhas-03-andamento');
		await context.close();
	});
});
