import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { generateHOTP, generateTOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { launch } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { db } from '../../src/lib/server/db/client';
import { agencies } from '../../src/lib/server/db/schema';
import * as staffAuth from '../../src/lib/server/staff';

const base = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
	browser = await launch();
});
afterAll(async () => {
	await browser?.close();
});

async function inviteLink(email: string, role: staffAuth.StaffRole): Promise<string> {
	const [agency] = await db().select().from(agencies).where(eq(agencies.cnpj, '99887766000105'));
	const r = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: agency.id, email, role }, { type: 'cli' }));
	if (!r.ok) throw new Error(r.message);
	return `${base}/admin/convite/${r.token}`;
}

describe('staff access to the admin area', () => {
	it('what a person types before the page’s script has loaded stays typed (a slow phone, a fast hand)', async () => {
		const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: 'pt-BR' });
		const page = await context.newPage();
		// Hold the page's JavaScript until the fields are filled, as a slow connection does.
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		await page.route('**/_app/immutable/**/*.js', async (route) => {
			await held;
			await route.continue();
		});
		const email = `rapida.${Date.now()}@assessoria.example`;
		await page.goto(`${base}/admin/entrar`, { waitUntil: 'domcontentloaded' });
		await page.getByLabel('E-mail').fill(email);
		await page.getByLabel('Senha').fill('uma senha qualquer 1');
		release();
		// The scripts load and the page hydrates (with `value={…}` hydration emptied the e-mail: this test failed so).
		await page.waitForLoadState('networkidle');
		await expect(page.getByLabel('E-mail').inputValue()).resolves.toBe(email);
		await expect(page.getByLabel('Senha').inputValue()).resolves.toBe('uma senha qualquer 1');
		await context.close();
	});

	it('an invited admin sets a password, turns on TOTP, signs in with it and reads the audit log', async () => {
		const email = `ana.${Date.now()}@assessoria.example`;
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
		const page = await context.newPage();

		await page.goto(await inviteLink(email, 'agency_admin'));
		await expectAccessible(page);
		await page.getByLabel('Seu nome').fill('Ana Souza');
		await page.getByLabel('Nova senha').fill('curta');
		await page.getByLabel('Repita a senha').fill('curta');
		await page.getByRole('button', { name: 'Criar senha' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('10 caracteres');
		await page.getByLabel('Nova senha').fill('uma senha bem longa 42');
		await page.getByLabel('Repita a senha').fill('uma senha bem longa 42');
		await page.getByRole('button', { name: 'Criar senha' }).click();
		await page.waitForURL(/\/admin\/entrar/);

		// The same answer for a wrong password and for an e-mail nobody has.
		await page.getByLabel('E-mail').fill(email);
		await page.getByLabel('Senha').fill('senha errada 123');
		await page.getByRole('button', { name: 'Entrar' }).click();
		const wrongPassword = await page.getByRole('alert').textContent();
		await page.getByLabel('E-mail').fill(`ninguem.${Date.now()}@assessoria.example`);
		await page.getByLabel('Senha').fill('senha errada 123');
		await page.getByRole('button', { name: 'Entrar' }).click();
		expect(await page.getByRole('alert').textContent()).toBe(wrongPassword);
		await expectAccessible(page);
		await shot(page, 'admin-01-entrar');

		await page.getByLabel('E-mail').fill(email);
		await page.getByLabel('Senha').fill('uma senha bem longa 42');
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(`${base}/admin`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Olá, Ana Souza');
		await expectAccessible(page);
		await shot(page, 'admin-02-inicio');

		await page.getByRole('link', { name: 'Ana Souza' }).click();
		const secret = (await page.getByTestId('totp-secret').textContent())!;
		const key = decodeBase32IgnorePadding(secret);
		await page.getByLabel('Código de 6 dígitos').fill(generateTOTP(key, 30, 6));
		await page.getByRole('button', { name: 'Ativar' }).click();
		await expect(page.getByRole('status').textContent()).resolves.toContain('ativada');
		await expectAccessible(page);

		await page.getByRole('button', { name: 'Sair' }).click();
		await page.waitForURL(/\/admin\/entrar$/);
		await page.getByLabel('E-mail').fill(email);
		await page.getByLabel('Senha').fill('uma senha bem longa 42');
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/admin\/entrar\/codigo/);
		await page.getByLabel('Código do aplicativo autenticador').fill('000000');
		await page.getByRole('button', { name: 'Verificar' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toContain('Código incorreto');
		// The code that turned TOTP on is spent (a code works once): sign in with the next one.
		await page.getByLabel('Código do aplicativo autenticador').fill(generateHOTP(key, BigInt(Math.floor(Date.now() / 30_000) + 1), 6));
		await page.getByRole('button', { name: 'Verificar' }).click();
		await page.waitForURL(`${base}/admin`);

		await page.getByRole('link', { name: 'Auditoria' }).click();
		await page.getByLabel('Ação', { exact: true }).selectOption('staff.totp_enable');
		await page.getByRole('button', { name: 'Filtrar' }).click();
		await page.waitForURL(/acao=staff.totp_enable/);
		await expect(page.getByRole('cell', { name: email }).count()).resolves.toBeGreaterThan(0);
		await expectAccessible(page);
		await shot(page, 'admin-03-auditoria');
		await context.close();
	});

	it('a viewer signs in but cannot open the audit log, and a used invitation cannot be used again', async () => {
		const email = `vera.${Date.now()}@assessoria.example`;
		const link = await inviteLink(email, 'viewer');
		const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: 'pt-BR' });
		const page = await context.newPage();
		await page.goto(link);
		await page.getByLabel('Seu nome').fill('Vera Lima');
		await page.getByLabel('Nova senha').fill('outra senha longa 77');
		await page.getByLabel('Repita a senha').fill('outra senha longa 77');
		await page.getByRole('button', { name: 'Criar senha' }).click();
		await page.waitForURL(/\/admin\/entrar/);
		await page.goto(link);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Convite inválido');

		await page.goto(`${base}/admin/entrar`);
		await page.getByLabel('E-mail').fill(email);
		await page.getByLabel('Senha').fill('outra senha longa 77');
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(`${base}/admin`);
		await expect(page.getByRole('link', { name: 'Auditoria' }).count()).resolves.toBe(0);
		const res = await page.goto(`${base}/admin/auditoria`);
		expect(res?.status()).toBe(403);
		await shot(page, 'admin-04-sem-permissao');
		await context.close();
	});
});
