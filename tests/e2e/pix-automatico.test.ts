import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { asc, eq } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { startApp, type App } from '../support/app-server';
import { closedPort } from '../support/fakes/loopback';
import { pspEnv, startFakePsp, type FakePsp } from '../support/fakes/psp';
import { ADDRESS } from '../support/agreement';
import { signIn } from '../support/staff';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';
import { db } from '../../src/lib/server/db/client';
import { agreements as agreementsTable, installments, pixRecurrences } from '../../src/lib/server/db/schema';
import { todayInSaoPaulo } from '../../src/lib/format/dates';

/**
 * Pix Automático on a 360×800 phone: the debtor opens an agreement whose entry carries the composite
 * QR (with the plain explanation), pays it and authorises the debits in the bank app (the fake PSP),
 * sees the automatic debit active, and cancels it from the portal; the PSP is told.
 */

const CLIENT = { id: 'acerto-e2e-auto', secret: 'acerto-e2e-auto-secret' };
const WEBHOOK_SECRET = 'segredo-do-webhook-pix-auto-e2e';

let own: Awaited<ReturnType<typeof ownDatabase>>;
let psp: FakePsp;
let app: App;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

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

beforeAll(async () => {
	own = await ownDatabase('e2epixauto');
	psp = await startFakePsp({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
	const port = await closedPort();
	app = await startApp(own.url, {
		PORT: String(port),
		PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
		JOBS: 'off',
		OTP_SENDS_PER_IP_PER_HOUR: '1000',
		...pspEnv(psp, CLIENT, WEBHOOK_SECRET),
		PIX_PSP_AUTOMATICO: 'true',
		PIX_PSP_AUTOMATICO_CONTA: '0001/123456-7'
	});
	browser = await launch();
	ctx = await phone(browser);
	page = await ctx.newPage();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await app?.stop();
	await psp?.close();
	await own?.drop();
});

describe('Pix Automático from the debtor’s phone', () => {
	it('the entry shows the composite QR and its explanation; once authorised, the debtor cancels the automatic debit and the PSP is told', async () => {
		const agency = await factory.agency();
		const creditor = await factory.creditor(agency.id, { displayName: 'Ótica Visão Clara' });
		const debtor = await factory.debtor(agency.id, { name: 'Rita Moura Campos', phone: '+5511955550101', ...ADDRESS });
		const debt = await factory.debt(creditor.id, debtor.id, { description: 'Óculos — crediário', principalCents: 180_000 });
		await factory.acceptPlan(debtor, [debt.id], 3, todayInSaoPaulo());
		const [agreement] = await db().select().from(agreementsTable).where(eq(agreementsTable.debtorId, debtor.id));

		await page.goto(`${app.base}/c/${creditor.slug}`);
		await page.getByLabel('CPF ou CNPJ').fill(debtor.document);
		await page.getByRole('button', { name: 'Receber código' }).click();
		await page.waitForURL(/\/codigo$/);
		await expect.poll(() => codesSentTo(debtor.phone!).length, { timeout: 10_000 }).toBeGreaterThan(0);
		await page.getByLabel('Código de 6 dígitos').fill(codesSentTo(debtor.phone!).at(-1)!);
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/dividas$/);

		await page.goto(`${app.base}/c/${creditor.slug}/acordos/${agreement.code}`);
		await expect(page.getByText('Ao pagar a entrada com este QR, você pode autorizar o débito automático das próximas parcelas no app do seu banco. Você pode cancelar quando quiser.').count()).resolves.toBe(1);
		const [rec] = await db().select().from(pixRecurrences).where(eq(pixRecurrences.agreementId, agreement.id));
		expect(rec.copiaECola).toBeTruthy();
		expect(await page.getByLabel('Pix copia e cola').inputValue()).toBe(rec.copiaECola);
		await expect(page.getByRole('heading', { name: 'Débito automático (Pix Automático)' }).count()).resolves.toBe(0);
		await expect(page.getByRole('button', { name: 'Cancelar débito automático' }).count()).resolves.toBe(0);
		await expectAccessible(page);
		await shot(page, 'pix-automatico-01-entrada-qr-composto');

		// The debtor pays the entry in the bank app and authorises the debits; the PSP calls back.
		const [entry] = await db().select().from(installments).where(eq(installments.agreementId, agreement.id)).orderBy(asc(installments.seq));
		const { pix, idRec } = psp.payComposite(entry.pspTxid!);
		expect(await psp.deliver([pix])).toBe(200);
		expect(await psp.deliverAutomatico('rec', [psp.recItem(idRec!)])).toBe(200);

		await page.reload();
		await expect(page.getByRole('heading', { name: 'Débito automático (Pix Automático)' }).count()).resolves.toBe(1);
		await expect(page.getByText('Ativo', { exact: true }).count()).resolves.toBe(1);
		await expect(page.getByText('Com o débito automático ativo, esta parcela é debitada da sua conta no vencimento.', { exact: false }).count()).resolves.toBe(1);
		await expect(page.getByText('Ao pagar a entrada com este QR').count()).resolves.toBe(0);
		await expectAccessible(page);
		await shot(page, 'pix-automatico-02-debito-ativo');

		await page.getByRole('button', { name: 'Cancelar débito automático' }).click();
		await page.getByRole('button', { name: 'Sim, cancelar o débito automático' }).waitFor();
		await expectAccessible(page);
		await shot(page, 'pix-automatico-03-confirmar-cancelamento');
		await page.getByRole('button', { name: 'Sim, cancelar o débito automático' }).click();
		await page.getByText('Débito automático cancelado.', { exact: false }).waitFor();
		expect(psp.recs.get(idRec!)!.status).toBe('CANCELADA');
		await expect(page.getByText('Cancelado', { exact: true }).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'pix-automatico-04-cancelado');

		await page.reload();
		await expect(page.getByRole('button', { name: 'Cancelar débito automático' }).count()).resolves.toBe(0);
		// The next installment is still payable by Pix and boleto from the portal.
		await expect(page.getByLabel('Pix copia e cola').count()).resolves.toBe(1);
		expect(psp.violations).toEqual([]);

		// Staff see it on the agreement's page in the back office.
		const staffCtx = await phone(browser);
		const staffPage = await staffCtx.newPage();
		await signIn(staffPage, app.base, agency.id, 'operator');
		await staffPage.goto(`${app.base}/admin/acordos/${agreement.code}`);
		await expect(staffPage.getByText('cancelado (pelo devedor no portal)').count()).resolves.toBe(1);
		await expectAccessible(staffPage);
		await shot(staffPage, 'pix-automatico-05-admin-acordo');
		await staffCtx.close();
	});
});
