import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { launch } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { db } from '../../src/lib/server/db/client';
import { agencies, agreementDebts, agreements as agreementsTable, auditLog, debtors, debts, funnelEvents, installments, payments } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import * as staffAuth from '../../src/lib/server/staff';
import { formatDateBR, todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatBRL } from '../../src/lib/format/money';

const base = inject('baseUrl');
let browser: Browser;
let agreementId: string | null = null;

beforeAll(async () => {
	browser = await launch();
});

// Leave the demo as seeded for the other files (the debtor journey negotiates Maria's debts too).
afterAll(async () => {
	await browser?.close();
	if (!agreementId) return;
	const linked = await db().select({ id: agreementDebts.debtId }).from(agreementDebts).where(eq(agreementDebts.agreementId, agreementId));
	const rows = await db().select({ id: installments.id }).from(installments).where(eq(installments.agreementId, agreementId));
	if (rows.length) await db().delete(payments).where(inArray(payments.installmentId, rows.map((r) => r.id)));
	await db().delete(installments).where(eq(installments.agreementId, agreementId));
	await db().delete(agreementDebts).where(eq(agreementDebts.agreementId, agreementId));
	const [a] = await db().delete(agreementsTable).where(eq(agreementsTable.id, agreementId)).returning();
	await db().delete(funnelEvents).where(and(eq(funnelEvents.debtorId, a.debtorId), eq(funnelEvents.channel, 'staff')));
	if (linked.length) await db().update(debts).set({ status: 'open' }).where(inArray(debts.id, linked.map((l) => l.id)));
});

async function signIn(context: BrowserContext, role: staffAuth.StaffRole): Promise<Page> {
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	const email = `${role}.${Date.now()}@assessoria.example`;
	const r = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: agency.id, email, role }, { type: 'cli' }));
	if (!r.ok) throw new Error(r.message);
	const page = await context.newPage();
	await page.goto(`${base}/admin/convite/${r.token}`);
	await page.getByLabel('Seu nome').fill('Otávio Operador');
	await page.getByLabel('Nova senha').fill('uma frase longa do operador 2026');
	await page.getByLabel('Repita a senha').fill('uma frase longa do operador 2026');
	await page.getByRole('button', { name: 'Criar senha' }).click();
	await page.waitForURL(/\/admin\/entrar/);
	await page.getByLabel('E-mail').fill(email);
	await page.getByLabel('Senha').fill('uma frase longa do operador 2026');
	await page.getByRole('button', { name: 'Entrar' }).click();
	await page.waitForURL(`${base}/admin`);
	return page;
}

/** Maria accepts a 3-installment plan on one of her open debts, as the portal would record it. */
async function mariaAgreement() {
	const [maria] = await db().select().from(debtors).where(eq(debtors.document, '52998224725'));
	const open = await db().select().from(debts).where(and(eq(debts.debtorId, maria.id), eq(debts.status, 'open')));
	const debt = open.find((d) => d.externalId === 'AUR-88120') ?? open[0];
	const today = todayInSaoPaulo();
	const sel = await offers.forSelection(db(), { agencyId: maria.agencyId, debtorId: maria.id, debtIds: [debt.id], today });
	if (!sel.ok) throw new Error(sel.message);
	const plan = sel.set.plans.find((p) => p.count === 3)!;
	const r = await db().transaction((tx) =>
		agreements.accept(tx, {
			debtor: { id: maria.id, agencyId: maria.agencyId },
			debtIds: [debt.id],
			kind: 'installments',
			count: 3,
			firstDueDate: sel.set.firstDueDate,
			expected: { totalCents: plan.totalCents, installments: plan.installments.map((i) => i.amountCents) },
			today,
			channel: 'staff'
		})
	);
	if (!r.ok) throw new Error(r.message);
	agreementId = r.agreement.id;
	return { maria, agreement: r.agreement };
}

/** The same page at phone width, signed in as the same person. */
async function phoneShot(context: BrowserContext, url: string, name: string) {
	const small = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo', storageState: await context.storageState() });
	const p = await small.newPage();
	await p.goto(url);
	await shot(p, name);
	await expectAccessible(p);
	// Nothing wider than the phone: wide tables scroll inside their own region.
	const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow, `rolagem horizontal em ${url}`).toBeLessThanOrEqual(0);
	await small.close();
}

describe('the back office', () => {
	it('an operator finds Maria by CPF, opens her page, changes a due date and reads it on the timeline', async () => {
		const { maria, agreement } = await mariaAgreement();
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
		const page = await signIn(context, 'operator');

		await page.getByRole('link', { name: 'Devedores' }).click();
		await page.waitForURL(/\/admin\/devedores$/);
		await expectAccessible(page);
		await shot(page, 'backoffice-01-busca-1280');
		await phoneShot(context, page.url(), 'backoffice-01-busca-360');

		await page.getByLabel('Buscar por CPF/CNPJ, nome, telefone ou contrato').fill('529.982.247-25');
		await page.getByRole('button', { name: 'Buscar' }).click();
		await page.waitForURL(/\?q=529\.982\.247-25$/);
		await expect(page.getByRole('heading', { name: '1 devedor encontrado' }).count()).resolves.toBe(1);
		// Lists show the CPF masked; only the debtor page, opened on purpose, shows it whole.
		await expect(page.getByText('***.982.247-**').count()).resolves.toBe(1);
		await expect(page.getByText('529.982.247-25', { exact: true }).count()).resolves.toBe(0);
		await expect(page.getByText('Escola Horizonte, Lojas Aurora').count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'backoffice-02-resultado-1280');
		await phoneShot(context, page.url(), 'backoffice-02-resultado-360');

		const views = async () => (await db().select().from(auditLog).where(and(eq(auditLog.action, 'debtor.view'), eq(auditLog.entityId, maria.id)))).length;
		const viewsBefore = await views();
		await page.getByRole('link', { name: 'Maria Aparecida da Silva' }).click();
		await page.waitForURL(`${base}/admin/devedores/${maria.id}`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Maria Aparecida da Silva');
		await expect(page.getByText('529.982.247-25', { exact: true }).count()).resolves.toBe(1);
		await expect(page.getByRole('link', { name: `Acordo ${agreement.code}` }).count()).resolves.toBe(1);
		// An operator has no LGPD permission: no export here, and the endpoint refuses.
		await expect(page.getByRole('link', { name: 'Exportar dados (JSON)' }).count()).resolves.toBe(0);
		expect((await page.request.get(`${base}/admin/devedores/${maria.id}/exportar`)).status()).toBe(403);
		expect(await views()).toBe(viewsBefore + 1);
		await expectAccessible(page);
		await shot(page, 'backoffice-03-devedora-1280');
		await phoneShot(context, page.url(), 'backoffice-03-devedora-360');

		await page.getByRole('link', { name: `Acordo ${agreement.code}` }).click();
		await page.waitForURL(`${base}/admin/acordos/${agreement.code}`);
		await expectAccessible(page);
		await shot(page, 'backoffice-04-acordo-1280');
		await phoneShot(context, page.url(), 'backoffice-04-acordo-360');

		const [, second] = await db().select().from(installments).where(eq(installments.agreementId, agreement.id)).orderBy(installments.seq);
		await page.locator('details', { has: page.getByLabel('Novo vencimento da parcela 2') }).locator('summary').click();
		const field = page.getByLabel('Novo vencimento da parcela 2');
		const min = (await field.getAttribute('min'))!;
		const max = (await field.getAttribute('max'))!;
		const target = [max, min].find((d) => d !== second.dueDate)!;
		await field.fill(target);
		await shot(page, 'backoffice-05-mudar-vencimento-1280');
		await page.getByRole('button', { name: 'Mudar vencimento da parcela 2' }).click();
		const done = `Vencimento da parcela 2 alterado de ${formatDateBR(second.dueDate)} para ${formatDateBR(target)}.`;
		await expect(page.getByRole('status').textContent()).resolves.toContain(done);
		await expect(page.getByText(/Parcela 2: de .* para .*Pix e boleto anteriores cancelados/).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'backoffice-06-vencimento-alterado-1280');

		// The database: the old slip is cancelled and superseded; the new one has its own codes.
		const all = await db().select().from(installments).where(and(eq(installments.agreementId, agreement.id), eq(installments.seq, 2)));
		expect(all.map((i) => i.status).sort()).toEqual(['cancelled', 'pending']);
		const fresh = all.find((i) => i.status === 'pending')!;
		expect(fresh.dueDate).toBe(target);
		expect(fresh.txid).not.toBe(second.txid);
		expect(fresh.nossoNumero).not.toBe(second.nossoNumero);
		const [{ n }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from audit_log where action = 'installment.reschedule' and entity_id = ${agreement.id}`);
		expect(n).toBe(1);

		// A manual payment: an amount that is not money is refused with the reason; the right one is recorded.
		const [first] = await db().select().from(installments).where(and(eq(installments.agreementId, agreement.id), eq(installments.seq, 1)));
		const payForm = page.locator('details', { has: page.getByLabel('Valor pago da parcela 1') });
		await payForm.locator('summary').click();
		await page.getByLabel('Valor pago da parcela 1').fill('mil reais');
		await page.getByLabel('Data do pagamento da parcela 1').fill(todayInSaoPaulo());
		await page.getByLabel('Referência do pagamento da parcela 1').fill('TED 4471');
		await page.getByLabel('Comprovante da parcela 1').fill('Comprovante de TED enviado pela devedora por e-mail');
		await page.getByRole('button', { name: 'Registrar pagamento da parcela 1' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toBe('Valor inválido. Use o formato 1.234,56.');
		await expect(page.getByLabel('Referência do pagamento da parcela 1').inputValue()).resolves.toBe('TED 4471');
		await expectAccessible(page);
		await shot(page, 'backoffice-06b-pagamento-recusado-1280');
		await page.getByLabel('Valor pago da parcela 1').fill(formatBRL(first.amountCents));
		await page.getByRole('button', { name: 'Registrar pagamento da parcela 1' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain('Pagamento da parcela 1 registrado.');
		expect((await db().select().from(payments).where(eq(payments.installmentId, first.id))).map((p) => p.externalId)).toEqual([`${first.id}:TED 4471`]);

		await page.getByRole('link', { name: '← Maria Aparecida da Silva' }).click();
		await page.waitForURL(`${base}/admin/devedores/${maria.id}`);
		const timeline = page.getByRole('list').filter({ hasText: 'Vencimento da parcela 2' });
		await expect(timeline.getByText(`Vencimento da parcela 2 do acordo ${agreement.code} alterado`).count()).resolves.toBe(1);
		await expect(timeline.getByText(`de ${formatDateBR(second.dueDate)} para ${formatDateBR(target)}`, { exact: false }).count()).resolves.toBe(1);
		await expect(timeline.getByText(`Acordo ${agreement.code} feito`).count()).resolves.toBe(1);
		await expect(timeline.getByText(`Pagamento da parcela 1 do acordo ${agreement.code}`).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'backoffice-07-linha-do-tempo-1280');
		await phoneShot(context, page.url(), 'backoffice-07-linha-do-tempo-360');
		await context.close();
	});

	it('a viewer of the agency reads the agreement but has no action to take, and an unknown code is a 404', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR' });
		const page = await signIn(context, 'viewer');
		const [a] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, agreementId!));
		await page.goto(`${base}/admin/acordos/${a.code}`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`Acordo ${a.code}`);
		await expect(page.getByRole('button', { name: /Mudar vencimento|Cancelar acordo|Registrar pagamento/ }).count()).resolves.toBe(0);
		const res = await page.request.post(`${base}/admin/acordos/${a.code}?/cancelar`, { form: { motivo: 'Tentativa sem permissão' }, headers: { origin: base } });
		expect(res.status()).toBe(403);
		expect((await db().select().from(agreementsTable).where(eq(agreementsTable.id, a.id)))[0].status).toBe('active');
		expect((await page.goto(`${base}/admin/acordos/AC-ZZZZ-ZZZZ`))?.status()).toBe(404);
		expect((await page.goto(`${base}/admin/devedores/00000000-0000-4000-8000-000000000000`))?.status()).toBe(404);
		await context.close();
	});

	it('an agency admin downloads everything held about Maria as JSON, and cannot anonymise her while she owes', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo', acceptDownloads: true });
		const page = await signIn(context, 'agency_admin');
		const [maria] = await db().select().from(debtors).where(eq(debtors.document, '52998224725'));
		await page.goto(`${base}/admin/devedores?q=${encodeURIComponent('maria aparecida')}`);
		await page.getByRole('link', { name: 'Maria Aparecida da Silva' }).click();
		await page.waitForURL(`${base}/admin/devedores/${maria.id}`);
		await expect(page.getByText('Não é possível anonimizar: ainda há dívida em aberto ou acordo ativo com este devedor.').count()).resolves.toBe(1);
		await expect(page.getByRole('button', { name: 'Anonimizar' }).count()).resolves.toBe(0);
		await expectAccessible(page);
		await shot(page, 'backoffice-08-lgpd-1280');
		await phoneShot(context, page.url(), 'backoffice-08-lgpd-360');

		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exportar dados (JSON)' }).click()]);
		expect(download.suggestedFilename()).toBe(`devedor-${maria.id}.json`);
		const fs = await import('node:fs');
		const data = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
		expect(data.debtor).toMatchObject({ document: '52998224725', name: 'Maria Aparecida da Silva', phone: '+5511987654321' });
		// At least the demo's three (the API test may have placed one more for her).
		expect(data.debts.map((d: { externalId: string }) => d.externalId).sort()).toEqual(expect.arrayContaining(['AUR-88120', 'AUR-CART-0325', 'HZ-2026-0412']));
		expect(data.agreements.length).toBeGreaterThanOrEqual(1);
		const [{ n }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from audit_log where action = 'debtor.export' and entity_id = ${maria.id}`);
		expect(n).toBe(1);
		await context.close();
	});
});
