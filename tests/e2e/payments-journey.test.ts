import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import fs from 'node:fs';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { signIn } from '../support/staff';
import { startApp, type App } from '../support/app-server';
import { closedPort } from '../support/fakes/loopback';
import { pspEnv, startFakePsp, type FakePsp } from '../support/fakes/psp';
import { cnab400Bradesco } from '../support/retorno-files';
import { ADDRESS, agreementFor } from '../support/agreement';
import { pdfText } from '../support/tools';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';
import { db } from '../../src/lib/server/db/client';
import { agreements as agreementsTable, installments, reviewItems } from '../../src/lib/server/db/schema';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import * as apiKeys from '../../src/lib/server/api/keys';
import { centsToAmount } from '../../src/lib/server/payments/pix/brcode';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatBRL } from '../../src/lib/format/money';

/**
 * Issue 9 from end to end, on a 360×800 phone: a debtor makes an installment agreement in the
 * portal and opens the entry's Pix; the app registers the charge at a fake PSP (HTTPS, mutual TLS,
 * OAuth2, checked against the Central Bank's yaml); the PSP pays it and calls our webhook, and the
 * portal shows the entry paid with its comprovante. Staff then import the bank's return file that
 * pays the second installment by boleto, and watch another agreement break once its entry stays
 * unpaid past the tolerance (the daily job's function, called with a later `today`).
 */

const CLIENT = { id: 'acerto-e2e-client', secret: 'acerto-e2e-client-secret' };
const WEBHOOK_SECRET = 'segredo-do-webhook-pix-e2e';
// The creditor's registered-boleto account: the return file below comes from this agency and account.
const BANK = { boletoBankCode: '237', boletoAgency: '0001', boletoAccount: '0000001', boletoWallet: '09' };
// A nosso número no installment has: the return file's second line, left for the pendências.
const STRAY = { nossoNumero: '99999999901', cents: 4_321 };
const today = todayInSaoPaulo();

type Inst = typeof installments.$inferSelect;

let own: Awaited<ReturnType<typeof ownDatabase>>;
let psp: FakePsp;
let app: App;
let browser: Browser;
let agency: Awaited<ReturnType<typeof factory.agency>>;
let creditor: Awaited<ReturnType<typeof factory.creditor>>;
let debtor: Awaited<ReturnType<typeof factory.debtor>>;
let debtorCtx: BrowserContext;
let debtorPage: Page;
let code = '';

const liveInstallments = async (agreementId: string): Promise<Inst[]> =>
	db().select().from(installments).where(and(eq(installments.agreementId, agreementId), isNull(installments.supersededBy))).orderBy(asc(installments.seq));

/** One-time codes the app's console driver printed to its stdout, newest last. */
function codesSentTo(phoneNumber: string): string[] {
	return app
		.log()
		.split('\n')
		.filter((l) => l.startsWith('{"type":"message"'))
		.map((l) => JSON.parse(l) as { to: string; text: string })
		.filter((m) => m.to === phoneNumber)
		.map((m) => /\b(\d{6})\b/.exec(m.text)?.[1])
		.filter((c): c is string => Boolean(c));
}

/** The table row of an installment on the portal's agreement page ("Entrada", "2ª parcela"…). */
const row = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('cell').first().filter({ hasText: name }) });

beforeAll(async () => {
	// A database of its own: the app started here (with the PSP) must be the only one acting on it.
	own = await ownDatabase('e2epayments');
	psp = await startFakePsp({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
	// The PSP calls back at the app's public address, registered with the charge's key.
	const port = await closedPort();
	const base = `http://127.0.0.1:${port}`;
	app = await startApp(own.url, {
		PORT: String(port),
		PUBLIC_BASE_URL: base,
		// No sweep: the payment must arrive by the webhook.
		JOBS: 'off',
		OTP_SENDS_PER_IP_PER_HOUR: '1000',
		...pspEnv(psp, CLIENT, WEBHOOK_SECRET)
	});
	agency = await factory.agency();
	creditor = await factory.creditor(agency.id, { displayName: 'Móveis Ipê', ...BANK });
	debtor = await factory.debtor(agency.id, { name: 'Joana Prado Lima', phone: '+5511944440909', ...ADDRESS });
	await factory.debt(creditor.id, debtor.id, { externalId: 'IPE-2207', description: 'Guarda-roupa — crediário', principalCents: 240_000 });
	browser = await launch();
	debtorCtx = await phone(browser);
	debtorPage = await debtorCtx.newPage();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await app?.stop();
	await psp?.close();
	await own?.drop();
});

describe('payments from the debtor’s phone to the back office', () => {
	it('the debtor makes an agreement, opens the entry’s Pix; the PSP is paid and calls back; the entry shows paid with its comprovante', async () => {
		const page = debtorPage;
		const base = app.base;
		await page.goto(`${base}/c/${creditor.slug}`);
		await page.getByLabel('CPF ou CNPJ').fill(debtor.document);
		await page.getByRole('button', { name: 'Receber código' }).click();
		await page.waitForURL(/\/codigo$/);
		await expect.poll(() => codesSentTo(debtor.phone!).length, { timeout: 10_000 }).toBeGreaterThan(0);
		await page.getByLabel('Código de 6 dígitos').fill(codesSentTo(debtor.phone!).at(-1)!);
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/dividas$/);
		await page.getByRole('button', { name: 'Ver ofertas de Móveis Ipê' }).click();
		await page.waitForURL(/\/ofertas\?/);
		await page.getByLabel('Número de parcelas').selectOption('3');
		await page.getByRole('button', { name: 'Quero parcelar em 3×' }).click();
		await page.waitForURL(/\/acordos\/novo\?/);
		await page.getByLabel('Li e concordo com os termos deste acordo').check();
		await page.getByRole('button', { name: 'Aceitar acordo' }).click();
		await page.waitForURL(/\/acordos\/AC-[A-Z0-9]{4}-[A-Z0-9]{4}\?novo=1$/);
		code = /\/acordos\/(AC-[A-Z0-9-]+)\?/.exec(page.url())![1];

		const [agreement] = await db().select().from(agreementsTable).where(eq(agreementsTable.code, code));
		expect(agreement).toMatchObject({ debtorId: debtor.id, kind: 'installments', installmentCount: 3, status: 'active' });

		// The entry's own page: its Pix is the charge the app registered at the PSP.
		await page.getByRole('link', { name: 'Entrada', exact: true }).click();
		await page.waitForURL(new RegExp(`/acordos/${code}/parcelas/1$`));
		const [entry] = await liveInstallments(agreement.id);
		expect(entry.pspTxid).toMatch(/^[A-Z0-9]{35}$/);
		const charge = psp.charges.get(entry.pspTxid!)!;
		expect(charge).toBeDefined();
		expect(charge.valor.original).toBe(centsToAmount(entry.amountCents));
		expect(charge.devedor).toEqual({ cpf: debtor.document, nome: debtor.name });
		expect(await page.getByLabel('Pix copia e cola').inputValue()).toBe(charge.pixCopiaECola);
		await expect(page.getByText(`o app do seu banco mostra o valor de ${formatBRL(entry.amountCents)}`).count()).resolves.toBe(1);
		await expect(page.getByRole('img', { name: `QR Code Pix de ${formatBRL(entry.amountCents)}` }).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-01-pix-entrada');

		// The debtor pays; the PSP posts to the webhook it was given for the key.
		expect(psp.webhooks.get(entry.pixKey)).toBe(`${base}/webhooks/pix/env/${WEBHOOK_SECRET}`);
		const pix = psp.pay(entry.pspTxid!);
		const paidAt = Date.now();
		expect(await psp.deliver([pix])).toBe(200);

		await page.getByRole('link', { name: `← Acordo ${code}` }).click();
		await page.waitForURL(new RegExp(`/acordos/${code}$`));
		await expect
			.poll(
				async () => {
					await page.reload();
					return row(page, 'Entrada').getByRole('link', { name: /^Baixar comprovante/ }).count();
				},
				{ timeout: 10_000 }
			)
			.toBe(1);
		expect(Date.now() - paidAt).toBeLessThan(10_000);
		await expect(row(page, 'Entrada').textContent()).resolves.toMatch(/Paga/);
		await expect(row(page, '2ª parcela').textContent()).resolves.toMatch(/Em aberto/);
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-02-entrada-paga');

		const [download] = await Promise.all([page.waitForEvent('download'), row(page, 'Entrada').getByRole('link', { name: /^Baixar comprovante/ }).click()]);
		const pdf = fs.readFileSync((await download.path())!);
		expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
		const text = pdfText(pdf).replace(/\s+/g, ' ');
		// The exact amount, as paid, with the PSP's transaction id and the agreement's code.
		expect(text).toContain(`Valor pago ${formatBRL(entry.amountCents)}`.replace(/\s+/g, ' '));
		expect(text).toContain(pix.endToEndId);
		expect(text).toContain(`Código do acordo: ${code}`);
		expect(psp.violations).toEqual([]);

		// Anyone holding the comprovante (a clerk, a court) checks it where it says, without signing in.
		const printed = /Código de verificação: ([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})/.exec(text)?.[1];
		expect(printed).toBeTruthy();
		const where = /em (http\S+\/verificar)/.exec(text)?.[1];
		expect(where).toBe(`${app.base}/c/${creditor.slug}/verificar`);
		const clerkCtx = await phone(browser);
		try {
			const clerk = await clerkCtx.newPage();
			await clerk.goto(where!);
			await clerk.getByLabel('Código do acordo').fill(code.toLowerCase());
			await clerk.getByLabel('Código de verificação').fill(printed!.replaceAll('-', ' '));
			await clerk.getByRole('button', { name: 'Verificar' }).click();
			const verdict = clerk.getByRole('status');
			await expect(verdict.getByRole('heading').textContent()).resolves.toBe('Documento verdadeiro');
			await expect(verdict.textContent()).resolves.toContain(formatBRL(entry.amountCents));
			await expect(verdict.textContent()).resolves.toContain('Comprovante de pagamento');
			await expectAccessible(clerk);
			await shot(clerk, 'pagamentos-e2e-02b-comprovante-verificado');
			// One digit off: not genuine, and nothing about the agreement is told.
			const last = printed!.at(-1) === '0' ? '1' : '0';
			await clerk.getByLabel('Código de verificação').fill(printed!.slice(0, -1) + last);
			await clerk.getByRole('button', { name: 'Verificar' }).click();
			await expect(clerk.getByRole('status').getByRole('heading').textContent()).resolves.toBe('Não confere');
			await expect(clerk.getByRole('status').textContent()).resolves.not.toContain(formatBRL(entry.amountCents));
		} finally {
			await clerkCtx.close();
		}
	});

	it('staff import the bank’s return file paying the second installment by boleto; the debtor sees it paid', async () => {
		const [agreement] = await db().select().from(agreementsTable).where(eq(agreementsTable.code, code));
		const second = (await liveInstallments(agreement.id))[1];
		expect(second.status).toBe('pending');
		const file = cnab400Bradesco({
			agency: BANK.boletoAgency,
			account: BANK.boletoAccount,
			generatedOn: today,
			movements: [
				{ code: '06', nossoNumero: second.nossoNumero, paidCents: second.amountCents, faceValueCents: second.amountCents, occurredOn: today, dueDate: second.dueDate },
				{ code: '06', nossoNumero: STRAY.nossoNumero, paidCents: STRAY.cents, faceValueCents: STRAY.cents, occurredOn: today, dueDate: today }
			]
		});

		const ctx = await phone(browser);
		const page = await ctx.newPage();
		await signIn(page, app.base, agency.id, 'operator');
		await page.getByRole('link', { name: 'Retornos' }).click();
		await page.waitForURL(`${app.base}/admin/pagamentos/retornos`);
		await page.getByLabel('Arquivo de retorno (CNAB 240 ou 400)').setInputFiles({ name: 'CB071201.RET', mimeType: 'application/octet-stream', buffer: Buffer.from(file, 'latin1') });
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-03-retornos-envio');
		await page.getByRole('button', { name: 'Importar' }).click();
		await page.waitForURL(/\/admin\/pagamentos\/retornos\/[0-9a-f-]{36}$/);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('CB071201.RET');
		const count = (term: string) => page.locator('dl.counts div').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd').textContent();
		await expect(count('Pagamentos lançados')).resolves.toBe(`1 · ${formatBRL(second.amountCents)}`);
		await expect(count('Em pendência')).resolves.toBe(`1 · ${formatBRL(STRAY.cents)}`);
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-04-retorno-relatorio');

		// What did not match waits in the pendências, by its nosso número and amount.
		await page.getByRole('link', { name: 'Resolver na fila de pendências' }).click();
		await page.waitForURL(`${app.base}/admin/pagamentos/pendencias`);
		const stray = page.getByRole('region', { name: new RegExp(`Pendência .*${STRAY.nossoNumero.replace(/^0+/, '')}`) });
		await expect(stray.count()).resolves.toBe(1);
		await expect(stray.textContent()).resolves.toContain(formatBRL(STRAY.cents));
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-05-pendencias');
		await ctx.close();

		expect((await liveInstallments(agreement.id))[1]).toMatchObject({ status: 'paid', paidCents: second.amountCents });
		await debtorPage.reload();
		await expect(row(debtorPage, '2ª parcela').textContent()).resolves.toMatch(/Paga/);
		await expect(row(debtorPage, '2ª parcela').getByRole('link', { name: /^Baixar comprovante/ }).count()).resolves.toBe(1);
		await expect(row(debtorPage, '3ª parcela').textContent()).resolves.toMatch(/Em aberto/);
		await expectAccessible(debtorPage);
		await shot(debtorPage, 'pagamentos-e2e-06-parcela-2-paga');

		// The creditor's ERP sends the same file through the API: it is known, and nothing changes.
		const key = await apiKeys.create(db(), { creditorId: creditor.id, name: 'ERP', scope: 'read_write' }, { type: 'cli' });
		const post = (body: string | Buffer) =>
			fetch(`${app.base}/api/v1/retornos?nome=CB071201.RET`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/octet-stream' }, body: typeof body === 'string' ? body : new Uint8Array(body) });
		const again = await post(Buffer.from(file, 'latin1'));
		expect(again.status).toBe(200);
		expect(await again.json()).toMatchObject({ duplicate: true, format: 'cnab400', bank_code: '237', paid: 1, review: 1, instructions_confirmed: 0, paid_cents: second.amountCents, review_cents: STRAY.cents });
		expect((await liveInstallments(agreement.id))[1]).toMatchObject({ status: 'paid', paidCents: second.amountCents });
		const bad = await post('isto não é um retorno');
		expect(bad.status).toBe(422);
		expect((await bad.json()).detail).toMatch(/retorno/i);
	});

	it('staff watch an agreement whose entry stays unpaid break after the tolerance', async () => {
		const late = await agreementFor(agency.id, creditor.id, ADDRESS, 2);
		const ctx = await phone(browser);
		const page = await ctx.newPage();
		await signIn(page, app.base, agency.id, 'viewer');
		await page.goto(`${app.base}/admin/acordos/${late.agreement.code}`);
		const situation = () => page.locator('.row').filter({ has: page.getByText('Situação', { exact: true }) }).locator('.badge').textContent();
		await expect(situation()).resolves.toBe('Ativo');

		// The daily job, on the day after the tolerance (calendar or business days) of the unpaid entry.
		const entryDue = late.installments[0].dueDate;
		expect(await lifecycle.breakOverdue(db(), addDays(entryDue, late.agreement.breakToleranceDays))).toEqual({ broken: [] });
		const later = addDays(entryDue, late.agreement.breakToleranceDays + 9);
		const r = await lifecycle.breakOverdue(db(), later);
		expect(r.broken.map((b) => [b.code, b.status])).toEqual([[late.agreement.code, 'broken']]);
		const statuses = await db().select({ code: agreementsTable.code, status: agreementsTable.status }).from(agreementsTable).where(eq(agreementsTable.creditorId, creditor.id));
		expect(Object.fromEntries(statuses.map((s) => [s.code, s.status]))).toEqual({ [code]: 'active', [late.agreement.code]: 'broken' });

		await page.reload();
		await expect(situation()).resolves.toBe('Quebrado');
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-07-acordo-quebrado');
		await ctx.close();
	});

	it('money for an overdue agreement waiting in Pendências holds the break until staff discard it', async () => {
		const held = await agreementFor(agency.id, creditor.id, ADDRESS, 2);
		const entry = held.installments[0];
		// The bank says the entry's boleto was paid with a cheque not yet cleared: not money in hand, it waits for a person.
		const reference = `7${String(Date.now()).slice(-10)}`;
		await db().insert(reviewItems).values({
			agencyId: agency.id,
			creditorId: creditor.id,
			source: 'return_file',
			sourceRef: `e2e-hold:${reference}`,
			reason: 'unknown_movement',
			message: '50 – Título pago com cheque pendente de compensação: nunca é contado como pago sem a conferência de uma pessoa.',
			amountCents: entry.amountCents,
			paidOn: today,
			reference,
			method: 'boleto',
			externalId: `237:${reference}:${today}:${entry.amountCents}`,
			installmentId: entry.id,
			details: {}
		});
		const later = addDays(entry.dueDate, held.agreement.breakToleranceDays + 9);
		expect((await lifecycle.breakOverdue(db(), later)).broken.map((b) => b.code)).not.toContain(held.agreement.code);

		const ctx = await phone(browser);
		const page = await ctx.newPage();
		await signIn(page, app.base, agency.id, 'operator');
		await page.goto(`${app.base}/admin/acordos/${held.agreement.code}`);
		const note = page.getByRole('note');
		await expect(note.textContent()).resolves.toContain(`${formatBRL(entry.amountCents)} recebidos para parcelas deste acordo aguardam conferência nas pendências`);
		await expectAccessible(page);
		await shot(page, 'pagamentos-e2e-08-quebra-em-espera');

		// A person finds the money was not this debtor's: discarded, the next daily run breaks the agreement.
		await note.getByRole('link', { name: 'pendências' }).click();
		await page.waitForURL(`${app.base}/admin/pagamentos/pendencias`);
		const item = page.getByRole('region', { name: `Pendência ${reference}` });
		await item.getByLabel('Motivo do descarte').fill('Estornado pelo banco');
		await item.getByRole('button', { name: 'Descartar' }).click();
		await expect.poll(() => page.getByRole('region', { name: `Pendência ${reference}` }).count()).toBe(0);
		expect((await lifecycle.breakOverdue(db(), later)).broken.map((b) => b.code)).toContain(held.agreement.code);
		await page.goto(`${app.base}/admin/acordos/${held.agreement.code}`);
		await expect(page.locator('.row').filter({ has: page.getByText('Situação', { exact: true }) }).locator('.badge').textContent()).resolves.toBe('Quebrado');
		expect(await page.getByRole('note').count()).toBe(0);
		await ctx.close();
	});
});
