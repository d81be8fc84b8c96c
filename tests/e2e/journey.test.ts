import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { messages, waitForCode } from '../support/messages';
import { pdfText, scanCodes } from '../support/tools';
import { parseBrCode } from '../../src/lib/server/payments/pix/brcode';
import { validateBarcode } from '../../src/lib/server/payments/boleto/barcode';
import { parseAmountToCents } from '../../src/lib/format/money';

const base = inject('baseUrl');
const log = inject('serverLog');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

describe('the debtor journey on a phone', () => {
	it('goes from CPF and code to an agreement with a Pix code and a boleto a bank would accept', async () => {
		const context = await phone(browser);
		const page = await context.newPage();

		await page.goto(`${base}/c/aurora`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Lojas Aurora');
		await expect(page.getByText('CNPJ 11.222.333/0001-81').count()).resolves.toBeGreaterThan(0);
		await expectAccessible(page);
		await shot(page, '01-identificacao');

		// An invalid CPF is caught before anything is sent.
		await page.getByLabel('CPF ou CNPJ').fill('12345678900');
		await page.getByRole('button', { name: 'Receber código' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('CPF inválido');
		await shot(page, '01b-cpf-invalido');

		const seen = messages(log).length;
		await page.getByLabel('CPF ou CNPJ').fill('52998224725');
		await expect.poll(() => page.getByLabel('CPF ou CNPJ').inputValue()).toBe('529.982.247-25');
		await page.getByRole('button', { name: 'Receber código' }).click();
		await page.waitForURL(/\/codigo$/);
		await expect(page.getByText('(11) *****-4321').count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, '02-codigo');

		const code = await waitForCode(log, '+5511987654321', seen);
		await page.getByLabel('Código de 6 dígitos').fill(code);
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/dividas$/);
		await expect(page.getByRole('heading', { name: 'Lojas Aurora' }).count()).resolves.toBe(1);
		await expect(page.getByRole('heading', { name: 'Escola Horizonte' }).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, '03-dividas');

		await page.getByRole('button', { name: 'Ver ofertas de Lojas Aurora' }).click();
		await page.waitForURL(/\/ofertas\?/);
		await expectAccessible(page);
		await shot(page, '04-ofertas');

		// The browser computes the plans from the engine's inputs; for every plan, what it shows (total,
		// discount, interest, CET, each payment and date) is what the server computes on the review page.
		const plan = page.getByRole('region', { name: 'Parcelado' });
		const counts = await page.getByLabel('Número de parcelas').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
		expect(counts.length).toBeGreaterThan(5);
		const offersUrl = new URL(page.url());
		const review = await context.newPage();
		for (const n of counts) {
			await page.getByLabel('Número de parcelas').selectOption(n);
			await plan.getByRole('button', { name: `Quero parcelar em ${n}×` }).waitFor();
			const shown = { summary: await plan.locator('dl').textContent(), rows: await plan.locator('details table tbody tr').allTextContents() };
			const q = new URLSearchParams(offersUrl.search);
			q.set('vencimento', await page.getByLabel('Data do primeiro pagamento').inputValue());
			q.set('tipo', 'installments');
			q.set('parcelas', n);
			await review.goto(`${base}/c/aurora/acordos/novo?${q}`);
			const charged = { summary: await review.locator('dl').first().textContent(), rows: await review.locator('details table tbody tr').allTextContents() };
			expect(shown).toEqual(charged);
			expect(shown.rows).toHaveLength(Number(n));
		}
		await review.close();

		// Without JavaScript, on the same session: the debts page is the same page (it ships no JS),
		// the offers page shows the server-rendered cash offer and first plan, and choosing a count
		// goes to the review page, which the server computes.
		const noJs = await phone(browser, { javaScriptEnabled: false });
		await noJs.addCookies(await context.cookies());
		const plain = await noJs.newPage();
		await plain.goto(`${base}/c/aurora/dividas`);
		await expect(plain.getByRole('checkbox').count()).resolves.toBeGreaterThan(1);
		await shot(plain, '03b-dividas-sem-js');
		await plain.getByRole('button', { name: 'Ver ofertas de Lojas Aurora' }).click();
		await plain.waitForURL(/\/ofertas\?/);
		await expect(plain.getByRole('region', { name: 'À vista' }).textContent()).resolves.toBe(await page.getByRole('region', { name: 'À vista' }).textContent());
		await expect(plain.getByLabel('Número de parcelas').locator('option').allTextContents()).resolves.toEqual(
			await page.getByLabel('Número de parcelas').locator('option').allTextContents()
		);
		await shot(plain, '04b-ofertas-sem-js');
		await plain.getByLabel('Número de parcelas').selectOption('3');
		await plain.getByRole('button', { name: /^Quero parcelar em/ }).click();
		await plain.waitForURL(/\/acordos\/novo\?.*parcelas=3/);
		await expect(plain.getByRole('heading', { name: 'Parcelamento em 3×' }).count()).resolves.toBe(1);
		await noJs.close();

		await page.getByLabel('Número de parcelas').selectOption('3');
		// The page expands the chosen plan from its compact form: entry, then two monthly payments.
		await page.getByText('Ver as 3 parcelas').click();
		const offeredRows = await page.locator('details table tbody tr').allTextContents();
		expect(offeredRows).toHaveLength(3);
		expect(offeredRows[0]).toMatch(/^Entrada\d{2}\/\d{2}\/\d{4}R\$/);
		await page.getByRole('button', { name: 'Quero parcelar em 3×' }).click();
		await page.waitForURL(/\/acordos\/novo\?/);
		await expectAccessible(page);
		await shot(page, '05-termos');

		// The schedule shown before accepting is the one charged afterwards.
		const shownRows = await page.locator('details table tbody tr').allTextContents();
		expect(shownRows).toEqual(offeredRows);
		await page.getByLabel('Li e concordo com os termos deste acordo').check();
		await page.getByRole('button', { name: 'Aceitar acordo' }).click();
		await page.waitForURL(/\/acordos\/AC-[A-Z0-9]{4}-[A-Z0-9]{4}\?novo=1$/);
		await expect(page.getByRole('status').first().textContent()).resolves.toContain('Acordo feito');
		await expectAccessible(page);
		await shot(page, '06-acordo');

		const pix = await page.getByLabel('Pix copia e cola').inputValue();
		const parsed = parseBrCode(pix);
		expect(parsed.crcValid).toBe(true);
		const entryText = (await page.locator('section.pay .row strong').first().textContent())!;
		expect(parsed.amountCents).toBe(parseAmountToCents(entryText));
		expect(parsed.amountCents).toBe(parseAmountToCents(shownRows[0].split('\t').at(-1)!.replace(/.*R\$/, 'R$')));

		// The QR on screen decodes to the same copia-e-cola.
		const qr = await page.getByRole('img', { name: /QR Code Pix/ }).screenshot();
		expect(scanCodes(qr, 'png')).toContain(`QR-Code:${pix}`);

		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Baixar boleto (PDF)' }).click()]);
		const pdf = await import('node:fs').then((fs) => download.path().then((p) => fs.readFileSync(p)));
		expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
		const linha = await page.locator('.linha').textContent();
		expect(pdfText(pdf)).toContain(linha!.trim());
		const codes = scanCodes(pdf, 'pdf');
		const barcode = codes.find((c) => c.startsWith('I2/5:'))?.slice(5);
		expect(barcode && validateBarcode(barcode)).toBe(true);
		expect(codes).toContain(`QR-Code:${pix}`);

		const [termo] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Baixar termo de acordo (PDF)' }).click()]);
		const termoText = pdfText(await import('node:fs').then((fs) => termo.path().then((p) => fs.readFileSync(p))));
		expect(termoText).toContain('11.222.333/0001-81');
		expect(termoText).toMatch(/AC-[A-Z0-9]{4}-[A-Z0-9]{4}/);

		// Each installment has its own payment page, with the same Pix the schedule promised.
		await page.getByRole('link', { name: '2ª parcela' }).click();
		await page.waitForURL(/\/parcelas\/2$/);
		const pix2 = parseBrCode(await page.getByLabel('Pix copia e cola').inputValue());
		expect(pix2.crcValid).toBe(true);
		expect(pix2.amountCents).toBe(parseAmountToCents(shownRows[1].split('\t').at(-1)!.replace(/.*R\$/, 'R$')));
		expect(pix2.txid).not.toBe(parsed.txid);
		await expectAccessible(page);
		await shot(page, '06b-parcela-2');

		// The debts left the open list and show as "em acordo"; the other creditor's debt is still open.
		await page.getByRole('link', { name: 'Dívidas', exact: true }).click();
		await page.waitForURL(/\/dividas$/);
		await expect(page.getByRole('heading', { name: 'Em acordo' }).count()).resolves.toBe(1);
		await expect(page.getByRole('button', { name: 'Ver ofertas de Lojas Aurora' }).count()).resolves.toBe(0);
		await expect(page.getByRole('button', { name: 'Ver ofertas de Escola Horizonte' }).count()).resolves.toBe(1);
		await shot(page, '07-dividas-em-acordo');

		await page.getByRole('link', { name: 'Meus acordos', exact: true }).click();
		await page.waitForURL(/\/acordos$/);
		await expect(page.getByRole('heading', { name: /Acordo AC-/ }).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, '08-meus-acordos');

		await page.goto(`${base}/c/aurora/acordos/AC-XXXX-XXXX`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Página não encontrada');
		await expectAccessible(page);
		await page.goto(`${base}/c/aurora/acordos`);

		await page.getByRole('button', { name: 'Sair' }).click();
		await page.waitForURL(/\/c\/aurora$/);
		await page.goto(`${base}/c/aurora/dividas`);
		await page.waitForURL(/\/c\/aurora\?expirou=1$/);
		await context.close();
	});
});
