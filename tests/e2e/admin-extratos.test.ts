import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { signIn } from '../support/staff';
import * as factory from '../support/factory';
import { ADDRESS, agreementFor } from '../support/agreement';
import { ofxStatement } from '../support/ofx-files';
import { db } from '../../src/lib/server/db/client';
import { installments, payments } from '../../src/lib/server/db/schema';
import * as apiKeys from '../../src/lib/server/api/keys';
import { formatBRL } from '../../src/lib/format/money';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';

const base = inject('baseUrl');
const today = todayInSaoPaulo();
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

describe('admin: bank statements (OFX) on a phone', () => {
	it('staff upload a statement, see what it did, associate the proposed credit in Pendências and see the installment paid', async () => {
		const agency = await factory.agency();
		const creditor = await factory.creditor(agency.id);
		const { agreement, installments: [first, second] } = await agreementFor(agency.id, creditor.id, ADDRESS, 3);
		const file = ofxStatement({
			accountId: `98765-${Date.now() % 10000}`,
			start: addDays(today, -7),
			end: today,
			entries: [
				{ fitId: 'E2E1', postedOn: today, amountCents: second.amountCents, memo: `PIX RECEBIDO MARIA DA SILVA ${second.txid}` },
				{ fitId: 'E2E2', postedOn: today, amountCents: first.amountCents, memo: 'PIX RECEBIDO M SILVA' },
				{ fitId: 'E2E3', postedOn: today, amountCents: -2_990, memo: 'TARIFA PACOTE SERVIÇOS' }
			]
		});

		const context = await phone(browser);
		const page = await context.newPage();
		await signIn(page, base, agency.id, 'creditor_manager', creditor.id);
		await page.getByRole('link', { name: 'Extratos' }).click();
		await page.waitForURL(`${base}/admin/pagamentos/extratos`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Extratos bancários');
		// Scoped staff import for their own creditor: no creditor to choose.
		expect(await page.getByLabel('Credor dono da conta').count()).toBe(0);

		// Something that is not a statement is refused, with the reason.
		await page.getByLabel('Extrato em OFX').setInputFiles({ name: 'extrato.csv', mimeType: 'text/csv', buffer: Buffer.from('Data;Valor\r\n05/11/2026;150,00\r\n', 'latin1') });
		await page.getByRole('button', { name: 'Importar extrato' }).click();
		await expect.poll(() => page.getByRole('alert').filter({ hasText: 'não é um extrato OFX' }).count()).toBe(1);

		await page.getByLabel('Extrato em OFX').setInputFiles({ name: 'ITAU_EXTRATO.ofx', mimeType: 'application/x-ofx', buffer: file });
		await expectAccessible(page);
		await shot(page, 'extratos-01-envio');
		await page.getByRole('button', { name: 'Importar extrato' }).click();
		await page.waitForURL(/\/admin\/pagamentos\/extratos\/[0-9a-f-]{36}$/);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('ITAU_EXTRATO.ofx');
		const count = (term: string) => page.locator('dl.counts div').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd').textContent();
		await expect(count('Lançamentos lidos')).resolves.toBe('3');
		await expect(count('Créditos')).resolves.toBe('2');
		await expect(count('Pagamentos lançados')).resolves.toBe(`1 · ${formatBRL(second.amountCents)}`);
		await expect(count('Propostos (mesmo valor)')).resolves.toBe('1');
		await expect(page.getByText(`acordo ${agreement.code}, parcela 2`).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'extratos-02-relatorio');

		// The amount-only credit waits for a person, with the installment proposed.
		await page.getByRole('link', { name: 'Conferir 1 crédito nas pendências' }).click();
		await page.waitForURL(`${base}/admin/pagamentos/pendencias`);
		const item = page.getByRole('region', { name: 'Pendência PIX RECEBIDO M SILVA' });
		await expect(item.textContent()).resolves.toContain('Crédito no extrato com o valor de uma parcela');
		await expectAccessible(page);
		await shot(page, 'extratos-03-pendencias');
		await item.getByRole('radio', { name: new RegExp(`^${agreement.code} · parcela 1 `) }).check();
		await item.getByRole('button', { name: 'Associar à parcela' }).click();
		await expect.poll(() => page.getByRole('status').filter({ hasText: 'Pagamento lançado na parcela.' }).count()).toBe(1);
		expect(await page.getByRole('region', { name: 'Pendência PIX RECEBIDO M SILVA' }).count()).toBe(0);

		// Both installments paid, each once: one by its txid, one by the person.
		await page.goto(`${base}/admin/acordos/${agreement.code}`);
		await expect.poll(() => page.getByRole('link', { name: /^Baixar comprovante/ }).count()).toBe(2);
		await shot(page, 'extratos-04-acordo');
		for (const i of [first, second]) {
			expect((await db().select().from(installments).where(eq(installments.id, i.id)))[0].status).toBe('paid');
			expect(await db().select().from(payments).where(eq(payments.installmentId, i.id))).toHaveLength(1);
		}

		// The same file again, from the list: nothing changes.
		await page.goto(`${base}/admin/pagamentos/extratos`);
		await expect(page.getByText(/2 créditos · 1 lançado · 0 para conferir · 0 já conhecidos/).count()).resolves.toBe(1);
		await shot(page, 'extratos-05-lista');
		await page.getByLabel('Extrato em OFX').setInputFiles({ name: 'ITAU_EXTRATO (1).ofx', mimeType: 'application/x-ofx', buffer: file });
		await page.getByRole('button', { name: 'Importar extrato' }).click();
		await expect.poll(() => page.getByRole('status').filter({ hasText: 'Este extrato já tinha sido importado: nada mudou.' }).count()).toBe(1);
		// The report shows where the person left the proposed credit.
		await expect(page.getByText(`${formatBRL(first.amountCents)} · Associado a uma parcela na pendência`).count()).resolves.toBe(1);
		await expect(page.getByText(`acordo ${agreement.code}, parcela 1`).count()).resolves.toBe(1);
		expect(await page.getByRole('link', { name: /nas pendências$/ }).count()).toBe(0);
		await shot(page, 'extratos-06-repetido');
		await context.close();

		// The creditor's ERP sends the same statement through the API: the same file, nothing changes.
		const key = await apiKeys.create(db(), { creditorId: creditor.id, name: 'ERP', scope: 'read_write' }, { type: 'cli' });
		const res = await fetch(`${base}/api/v1/extratos?nome=extrato.ofx`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(file) });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ duplicate: true, format: 'ofx1', transactions: 3, credits: 2, recorded: 1, proposed: 1, unmatched: 0, already_known: 0 });
		const bad = await fetch(`${base}/api/v1/extratos`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/octet-stream' }, body: 'nada' });
		expect(bad.status).toBe(422);
		expect((await bad.json()).detail).toContain('não é um extrato OFX');
	});

	it('agency staff choose whose account the statement is: only that creditor’s installments are matched', async () => {
		const agency = await factory.agency();
		const mine = await factory.creditor(agency.id, { displayName: 'Lojas Aurora' });
		const other = await factory.creditor(agency.id, { displayName: 'Escola Horizonte' });
		const own = await agreementFor(agency.id, mine.id, ADDRESS, 3);
		const theirs = await agreementFor(agency.id, other.id, ADDRESS, 3);
		const file = ofxStatement({
			accountId: `11111-${Date.now() % 10000}`,
			start: today,
			end: today,
			entries: [
				{ fitId: 'AG1', postedOn: today, amountCents: own.installments[0].amountCents, memo: `PIX ${own.installments[0].txid}` },
				{ fitId: 'AG2', postedOn: today, amountCents: theirs.installments[0].amountCents, memo: `PIX ${theirs.installments[0].txid}` }
			]
		});
		const context = await phone(browser);
		const page = await context.newPage();
		await signIn(page, base, agency.id, 'operator');
		await page.goto(`${base}/admin/pagamentos/extratos`);
		await page.getByLabel('Extrato em OFX').setInputFiles({ name: 'conta-aurora.ofx', mimeType: 'application/x-ofx', buffer: file });
		await page.getByLabel('Credor dono da conta').selectOption({ label: 'Lojas Aurora' });
		await expectAccessible(page);
		await shot(page, 'extratos-07-assessoria');
		await page.getByRole('button', { name: 'Importar extrato' }).click();
		await page.waitForURL(/\/admin\/pagamentos\/extratos\/[0-9a-f-]{36}$/);
		const count = (term: string) => page.locator('dl.counts div').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd').textContent();
		await expect(count('Pagamentos lançados')).resolves.toBe(`1 · ${formatBRL(own.installments[0].amountCents)}`);
		await expect(count('Sem correspondência')).resolves.toBe('1');
		expect((await db().select().from(installments).where(eq(installments.id, theirs.installments[0].id)))[0].status).toBe('pending');
		await page.getByRole('link', { name: '← Extratos bancários' }).click();
		await expect.poll(() => page.getByText(/· Lojas Aurora ·/).count()).toBe(1);
		await context.close();
	});
});
