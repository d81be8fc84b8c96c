import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, like, or, sql } from 'drizzle-orm';
import { launch } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { db } from '../../src/lib/server/db/client';
import { agencies, creditors, debtors, debts, funnelEvents } from '../../src/lib/server/db/schema';
import * as staffAuth from '../../src/lib/server/staff';
import { generateCsv } from '../../src/lib/server/import/generate';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS } from '../../src/lib/server/import/rows';

const base = inject('baseUrl');
let browser: Browser;
const PASSWORD = 'uma senha bem longa 42';

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

async function agencyAdmin(): Promise<string> {
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	const email = `carla.${Date.now()}@assessoria.example`;
	const r = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: agency.id, email, role: 'agency_admin' }, { type: 'cli' }));
	if (!r.ok) throw new Error(r.message);
	const a = await staffAuth.acceptInvite(db(), { token: r.token, name: 'Carla Mendes', password: PASSWORD, confirm: PASSWORD });
	if (!a.ok) throw new Error(a.message);
	return email;
}

async function signIn(context: BrowserContext, email: string): Promise<Page> {
	const page = await context.newPage();
	await page.goto(`${base}/admin/entrar`);
	await page.getByLabel('E-mail').fill(email);
	await page.getByLabel('Senha').fill(PASSWORD);
	await page.getByRole('button', { name: 'Entrar' }).click();
	await page.waitForURL(`${base}/admin`, { timeout: 10_000 }).catch(async (e) => {
		throw new Error(`${e.message}\n${page.url()}\n${await page.locator('main').textContent()}`);
	});
	return page;
}

const COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
const row = (v: Record<string, string>) => COLUMNS.map((c) => v[c] ?? '').join(';');

function portfolio(cnpj: string, fixed: boolean): string {
	const base = {
		creditor_cnpj: cnpj,
		debtor_phone: '(11) 98765-4321',
		debtor_email: '',
		debtor_state: 'SP',
		description: 'Colchão casal - carnê',
		due_date: '15/03/2025',
		late_fee_percent: '2,00',
		interest_monthly_percent: '1,00'
	};
	return [
		COLUMNS.join(';'),
		row({ ...base, debtor_document: '390.533.447-05', debtor_name: 'Rosa Nogueira', debt_id: 'E2E-UP-1', principal: '850,00' }),
		row({ ...base, debtor_document: '390.533.447-05', debtor_name: 'Rosa Nogueira', debt_id: 'E2E-UP-2', principal: fixed ? '1.000,00' : 'mil reais' }),
		row({ ...base, debtor_document: fixed ? '111.444.777-35' : '111.444.777-00', debtor_name: 'Joel Prado', debt_id: 'E2E-UP-3', principal: '99,90', debtor_state: fixed ? 'RJ' : 'ZZ' })
	].join('\r\n');
}

describe('portfolio upload and KPIs in the admin area', () => {
	it('uploads a file with errors, reads the report, downloads the rejected rows, uploads the fix, commits and watches it finish; then reads the KPIs and exports them', async () => {
		const [aurora] = await db().select().from(creditors).where(eq(creditors.slug, 'aurora'));
		const email = await agencyAdmin();
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo', acceptDownloads: true });
		const page = await signIn(context, email);

		await page.getByRole('link', { name: 'Importações' }).click();
		await page.waitForURL(`${base}/admin/importacoes`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Importações de carteira');
		await expectAccessible(page);
		await shot(page, 'h9-01-importacoes-1280');

		// The file with errors, chosen with the ordinary file input.
		await page.getByLabel('Credor').selectOption({ label: aurora.displayName });
		await page.getByLabel('Arquivo CSV').setInputFiles({ name: 'carteira-com-erros.csv', mimeType: 'text/csv', buffer: Buffer.from(portfolio(aurora.cnpj, false)) });
		await expect(page.getByText('Selecionado: carteira-com-erros.csv').count()).resolves.toBe(1);
		await page.getByRole('button', { name: 'Enviar e validar' }).click();
		await page.waitForURL(/\/admin\/importacoes\/[0-9a-f-]{36}$/);
		const report = page.getByRole('region', { name: 'Relatório de validação' });
		await report.waitFor();
		const count = (name: string) => report.locator('dl div', { has: page.getByText(name, { exact: true }) }).locator('dd').textContent();
		await expect(count('Linhas')).resolves.toBe('3');
		await expect(count('Válidas')).resolves.toBe('1');
		await expect(count('Com erro')).resolves.toBe('2');
		await expect(report.getByRole('listitem').filter({ hasText: 'principal' }).textContent()).resolves.toContain('Valor inválido: "mil reais"');
		await expect(report.getByRole('listitem').filter({ hasText: 'debtor_state' }).count()).resolves.toBe(1);
		await expectAccessible(page);
		await shot(page, 'h9-02-relatorio-com-erros-1280');

		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Baixar linhas rejeitadas (CSV)' }).click()]);
		const rejected = fs.readFileSync(await download.path());
		expect(download.suggestedFilename()).toBe('rejeitadas-carteira-com-erros.csv');
		expect([...rejected.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const lines = rejected.toString('utf8').slice(1).trimEnd().split('\r\n');
		expect(lines[0].endsWith(';motivo')).toBe(true);
		expect(lines).toHaveLength(3);
		expect(lines[1]).toContain('E2E-UP-2');
		expect(lines[1]).toContain('linha 3, coluna principal');
		expect(lines[2]).toContain('linha 4, coluna debtor_document');

		// Importing needs the "only valid rows" box while there are errors; we fix the file instead.
		await page.getByRole('button', { name: 'Importar' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('2 linha(s) com erro');

		// The fixed file, with many more rows so the progress bar has something to show, dropped on the zone.
		await page.goto(`${base}/admin/importacoes`);
		const extra = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-e2e-')), 'extra.csv');
		await generateCsv(extra, { rows: 30_000, creditorCnpj: aurora.cnpj, seed: 3, debtIdPrefix: 'E2E-GEN-' });
		const generated = fs.readFileSync(extra, 'utf8').replace(/^\uFEFF/, '').split('\r\n').slice(1).join('\r\n');
		const fixed = portfolio(aurora.cnpj, true) + '\r\n' + generated;
		await page.getByLabel('Credor').selectOption({ label: aurora.displayName });
		const transfer = await page.evaluateHandle((text) => {
			const dt = new DataTransfer();
			dt.items.add(new File([text], 'carteira-corrigida.csv', { type: 'text/csv' }));
			return dt;
		}, fixed);
		await page.locator('.drop').dispatchEvent('drop', { dataTransfer: transfer });
		await expect(page.getByText('Selecionado: carteira-corrigida.csv').count()).resolves.toBe(1);
		await page.getByRole('button', { name: 'Enviar e validar' }).click();
		await page.waitForURL(/\/admin\/importacoes\/[0-9a-f-]{36}$/);
		await page.getByRole('region', { name: 'Relatório de validação' }).waitFor({ timeout: 60_000 });
		await expect(page.getByText('linhas estão válidas').textContent()).resolves.toContain('30.003');
		await expectAccessible(page);
		await shot(page, 'h9-03-relatorio-valido-1280');

		await page.getByRole('button', { name: 'Importar' }).click();
		const bar = page.getByRole('progressbar', { name: 'Progresso da importação' });
		await bar.waitFor();
		const seen = new Set<number>();
		let shotMid = false;
		for (let i = 0; i < 600; i++) {
			const value = await bar.evaluate((el) => (el as HTMLProgressElement).value).catch(() => -1);
			if (value >= 0) seen.add(value);
			if (value > 0 && value < 100 && !shotMid) {
				shotMid = true;
				await shot(page, 'h9-04-importando-1280');
			}
			if (value === 100 && (await page.getByText('Importação concluída').count()) > 0) break;
			await page.waitForTimeout(100);
		}
		expect(seen.has(100)).toBe(true);
		await expect(page.getByRole('status').textContent()).resolves.toContain('Importação concluída: 30.003 dívidas novas');
		await expectAccessible(page);
		await shot(page, 'h9-05-concluida-1280');
		const [{ n }] = await db()
			.select({ n: sql<number>`count(*)::int` })
			.from(debts)
			.where(and(eq(debts.creditorId, aurora.id), or(like(debts.externalId, 'E2E-UP-%'), like(debts.externalId, 'E2E-GEN-%'))));
		expect(n).toBe(30_003);

		await page.getByRole('link', { name: '← Importações' }).click();
		const history = page.getByRole('row').filter({ hasText: 'carteira-corrigida.csv' });
		await expect(history.textContent()).resolves.toContain('Importado');
		await expect(history.textContent()).resolves.toContain('Carla Mendes');
		await expect(page.getByRole('row').filter({ hasText: 'carteira-com-erros.csv' }).textContent()).resolves.toContain('Aguardando confirmação');
		await expectAccessible(page);
		await shot(page, 'h9-06-historico-1280');

		// KPIs: a month in the past where only these events happened at Horizonte.
		const [horizonte] = await db().select().from(creditors).where(eq(creditors.slug, 'horizonte'));
		const people = await db().select({ id: debtors.id }).from(debtors).where(eq(debtors.agencyId, horizonte.agencyId)).limit(3);
		const at = (day: number) => new Date(`2025-01-${String(day).padStart(2, '0')}T12:00:00-03:00`);
		await db()
			.insert(funnelEvents)
			.values([
				...people.map((d, i) => ({ agencyId: horizonte.agencyId, creditorId: horizonte.id, debtorId: d.id, step: 'identified' as const, at: at(10 + i) })),
				...people.slice(0, 2).map((d, i) => ({ agencyId: horizonte.agencyId, creditorId: horizonte.id, debtorId: d.id, step: 'offers_viewed' as const, at: at(10 + i) })),
				{ agencyId: horizonte.agencyId, creditorId: horizonte.id, debtorId: people[0].id, step: 'agreement' as const, channel: 'portal', at: at(11) }
			]);
		await page.getByRole('link', { name: 'Indicadores' }).click();
		await page.waitForURL(`${base}/admin/indicadores`);
		await page.getByLabel('De', { exact: true }).fill('2025-01-01');
		await page.getByLabel('Até', { exact: true }).fill('2025-01-31');
		await page.getByLabel('Credor', { exact: true }).selectOption({ label: horizonte.displayName });
		await page.getByRole('button', { name: 'Ver' }).click();
		await page.waitForURL(/de=2025-01-01/);
		const chart = page.getByRole('img', { name: /^Funil de 01\/01\/2025 a 31\/01\/2025: Identificaram-se, 3; Viram as ofertas, 2; Fizeram acordo, 1;/ });
		await chart.waitFor();
		await page.waitForFunction(() => {
			const c = document.querySelector('canvas');
			return !!c && c.width > 0 && (c as HTMLCanvasElement & { $chartjs?: unknown }).$chartjs !== undefined;
		});
		const funnelTable = page.getByRole('table', { name: /Funil/ });
		await expect(funnelTable.getByRole('rowheader').allTextContents()).resolves.toEqual([
			'Identificaram-se',
			'Viram as ofertas',
			'Fizeram acordo',
			'Pagaram a 1ª parcela',
			'Quitaram'
		]);
		await expect(funnelTable.locator('tbody td:nth-child(2)').allTextContents()).resolves.toEqual(['3', '2', '1', '0', '0']);
		await expect(page.getByRole('listitem').filter({ hasText: 'Participação digital' }).textContent()).resolves.toContain('100,0 %');
		await expectAccessible(page);
		await shot(page, 'h9-07-indicadores-1280');

		const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exportar CSV' }).click()]);
		const body = fs.readFileSync(await csv.path());
		expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const text = body.toString('utf8');
		expect(text).toContain('indicador;valor\r\n');
		expect(text).toContain(`Credor;${horizonte.displayName}\r\n`);
		expect(text).toContain('Período — início;01/01/2025\r\n');
		expect(text).toContain('Funil — Identificaram-se (devedores);3\r\n');
		expect(text).toContain('Funil — Viram as ofertas (devedores);2\r\n');
		expect(text).toContain('Funil — Fizeram acordo (devedores);1\r\n');
		expect(text).toContain('Participação digital (%);100,00\r\n');
		expect(text).toMatch(/Taxa de recuperação \(%\);(\d+,\d{2})?\r\n/);

		// A bad period is explained and changes nothing.
		await page.getByLabel('De', { exact: true }).fill('2026-10-31');
		await page.getByLabel('Até', { exact: true }).fill('2026-10-01');
		await page.getByRole('button', { name: 'Ver' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('A data inicial vem depois da final.');
		await context.close();

		// The same pages on a phone.
		const small = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo', deviceScaleFactor: 2 });
		const p = await signIn(small, email);
		await p.goto(`${base}/admin/importacoes`);
		await expectAccessible(p);
		await shot(p, 'h9-11-importacoes-360');
		await p.getByRole('link', { name: 'carteira-com-erros.csv' }).click();
		await p.getByRole('region', { name: 'Relatório de validação' }).waitFor();
		await expectAccessible(p);
		await shot(p, 'h9-12-relatorio-360');
		await p.goto(`${base}/admin/indicadores?de=2025-01-01&ate=2025-01-31&credor=${horizonte.id}`);
		await p.getByRole('img', { name: /^Funil de / }).waitFor();
		await p.waitForTimeout(300);
		await expectAccessible(p);
		await shot(p, 'h9-13-indicadores-360');
		const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		expect(overflow).toBeLessThanOrEqual(0);
		await small.close();
	});
});
