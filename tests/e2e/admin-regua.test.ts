import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { eq, sql } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { db } from '../../src/lib/server/db/client';
import { agencies, creditors } from '../../src/lib/server/db/schema';
import { signIn } from '../support/staff';
import * as regua from '../../src/lib/server/regua';

const base = inject('baseUrl');
let browser: Browser;
let aurora: { id: string };
let seeded: Awaited<ReturnType<typeof regua.get>>;

beforeAll(async () => {
	browser = await launch();
	[aurora] = await db().select({ id: creditors.id }).from(creditors).where(eq(creditors.slug, 'aurora'));
	seeded = await regua.get(db(), aurora.id);
});

// Leave the demo's régua as seeded for the other files.
afterAll(async () => {
	await browser?.close();
	if (seeded) await db().execute(sql`update reguas set body = ${JSON.stringify(seeded.regua)}::jsonb, version = ${seeded.version} where creditor_id = ${aurora.id}::uuid`);
});

/** An agency admin of the demo agency, signed in. */
async function signedInAdmin(page: Page): Promise<void> {
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	await signIn(page, base, agency.id, 'agency_admin');
}

describe('the régua editor on a phone', () => {
	it('shows the timeline, follows an edited offset, saves it and shows it saved', async () => {
		const context = await phone(browser);
		const page = await context.newPage();
		await signedInAdmin(page);

		await page.goto(`${base}/admin/regua`);
		await page.getByRole('link', { name: 'Lojas Aurora' }).click();
		await page.waitForURL(`${base}/admin/credores/${aurora.id}/regua`);

		// The timeline: one ordered list per event, each step with its day and its channels in order.
		await page.getByRole('heading', { name: 'Linha do tempo' }).waitFor();
		const debtSteps = page.getByRole('list', { name: 'Passos de vencimento da dívida, em ordem' });
		await expect(debtSteps.getByRole('listitem').filter({ hasText: 'vencida-d5' }).first().textContent()).resolves.toContain('D+5');
		const installmentSteps = page.getByRole('list', { name: 'Passos de vencimento da parcela, em ordem' });
		await expect(installmentSteps.locator(':scope > li .day').allTextContents()).resolves.toEqual(['D-2', 'D0', 'D+1']);
		const channels = page.getByRole('list', { name: 'Canais do passo parcela-d-2, na ordem em que são tentados' });
		await expect(channels.locator('summary').allTextContents()).resolves.toEqual([
			expect.stringContaining('1. WhatsApp'),
			expect.stringContaining('2. E-mail'),
			expect.stringMatching(/3\. SMS — \d partes? \(GSM-7, \d+ caracteres\)/)
		]);
		// The rendered text of a template, for the sample debtor and installment.
		await channels.getByText('1. WhatsApp').click();
		await expect(channels.getByText(/Olá, Maria\. A parcela 2 de 12 do seu acordo com Lojas Aurora vence em breve/).isVisible()).resolves.toBe(true);
		await expectAccessible(page);
		await shot(page, 'regua-01-linha-do-tempo');

		// Move D+5 to D+6 in the JSON: the timeline follows before saving.
		const editor = page.getByLabel('Régua (JSON)');
		const text = await editor.inputValue();
		expect(text).toMatch(/"key": "vencida-d5",\n\s+"on": "debt_due",\n\s+"offsetDays": 5,/);
		await editor.fill(text.replace(/("key": "vencida-d5",\n\s+"on": "debt_due",\n\s+"offsetDays": )5,/, '$16,'));
		await expect(page.getByTestId('marca-vencida-d5').textContent()).resolves.toBe('D+6');

		await page.getByRole('button', { name: /^Salvar régua/ }).click();
		await page.getByRole('status').filter({ hasText: 'Régua salva' }).waitFor();
		expect((await regua.get(db(), aurora.id))?.regua.steps.find((s) => s.key === 'vencida-d5')?.offsetDays).toBe(6);

		// After a reload the saved régua is what the timeline shows.
		await page.reload();
		await expect(page.getByTestId('passo-vencida-d5').locator('.day').textContent()).resolves.toBe('D+6');
		await expect(page.getByTestId('marca-vencida-d5').textContent()).resolves.toBe('D+6');
		await expectAccessible(page);
		await shot(page, 'regua-02-salva');
		await context.close();
	});
});
