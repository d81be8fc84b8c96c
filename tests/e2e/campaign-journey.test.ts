import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';
import { signedInStaff } from '../support/staff';
import { startApp, type App } from '../support/app-server';
import { closedPort } from '../support/fakes/loopback';
import { startFakeWhatsApp, type FakeWhatsApp, whatsappEnv } from '../support/fakes/whatsapp';
import { startFakeZenvia, type FakeZenvia } from '../support/fakes/zenvia';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';
import { db } from '../../src/lib/server/db/client';
import { DEFAULT_POLICY, policySchema } from '../../src/lib/schemas/policy';

/**
 * Issue 8 from end to end: staff write a campaign with a special offer in the admin area, preview
 * and start it; the app's own job runner sends it to a fake WhatsApp (the template, with the
 * debtor's short link); the debtor opens the link on a 360×800 phone, receives the one-time code by
 * SMS (a fake Zenvia), sees the campaign's offer and makes an agreement; the campaign's report
 * attributes it. The app runs with its clock on a Monday at 10:00 in São Paulo (libfaketime), so
 * the contact rules let the message go whatever the hour of the test run.
 */

const MONDAY_10H_SP = '2026-12-07 13:00:00';
const WA = { token: 'wa-token-e2e', phoneNumberId: '109876543210555', appSecret: 'segredo-meta-e2e', verifyToken: 'verifica-e2e' };
const ZENVIA = { token: 'zenvia-token-e2e', secret: 'segredo-do-callback-zenvia-e2e' };
const PHONE = '+5511955557001';

let app: App;
let wa: FakeWhatsApp;
let zv: FakeZenvia;
let browser: Browser;
let creditor: { id: string; slug: string; displayName: string };
let agencyId: string;

let own: Awaited<ReturnType<typeof ownDatabase>>;

beforeAll(async () => {
	// A database of its own: the shared browser-test app's job runner would otherwise take this
	// campaign's messages and send them through its own (console) account.
	own = await ownDatabase('e2ecampaign');
	wa = await startFakeWhatsApp(WA);
	zv = await startFakeZenvia({ token: ZENVIA.token });
	// Links in messages must open this very app: it gets a fixed port and knows its public address.
	const port = await closedPort();
	const base = `http://127.0.0.1:${port}`;
	app = await startApp(
		process.env.DATABASE_URL!,
		{
			PORT: String(port),
			PUBLIC_BASE_URL: base,
			...whatsappEnv(wa, WA),
			SMS_DRIVER: 'zenvia',
			ZENVIA_API_URL: zv.url,
			ZENVIA_API_TOKEN: ZENVIA.token,
			ZENVIA_FROM: 'acerto',
			ZENVIA_CALLBACK_SECRET: ZENVIA.secret
		},
		{ faketime: MONDAY_10H_SP }
	);
	wa.autoStatuses(`${app.base}/webhooks/whatsapp`);
	zv.setCallbackUrl(`${app.base}/webhooks/zenvia/env/${ZENVIA.secret}`);

	const agency = await factory.agency();
	agencyId = agency.id;
	const policy = policySchema.parse({ ...DEFAULT_POLICY, campaignLimits: { cashDiscountMaxPercent: 60, installmentDiscountMaxPercent: 20, installmentsMax: 12, minEntryPercent: 5 } });
	creditor = await factory.creditor(agency.id, { displayName: 'Lojas Jacarandá' }, policy);
	const debtor = await factory.debtor(agency.id, { name: 'Helena Duarte Costa', phone: PHONE, email: null, state: 'SP' });
	// Due on 1 Sep 2026, well before the (moved) clock's Monday.
	await factory.debt(creditor.id, debtor.id, { externalId: 'JAC-1001', description: 'Sofá retrátil — carnê', dueDate: '2026-09-01', principalCents: 180_000 });
	browser = await launch();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await app?.stop();
	await Promise.all([wa?.close(), zv?.close()]);
	await own?.drop();
});

describe('a campaign from the admin area to an agreement on the debtor’s phone', () => {
	let campaignId = '';
	let link = '';

	it('staff write the campaign with a special offer, see the previews and start it; WhatsApp receives the template', async () => {
		const cookie = await signedInStaff(app.base, { agencyId, role: 'agency_admin', name: 'Paula Campanhas' });
		const ctx = await phone(browser);
		const [name, value] = cookie.split('=');
		await ctx.addCookies([{ name, value, url: app.base }]);
		const page = await ctx.newPage();
		await page.goto(`${app.base}/admin/campanhas/nova`);
		await page.getByLabel('Credor', { exact: true }).selectOption({ label: creditor.displayName });
		await page.getByLabel('Nome da campanha').fill('Fim de ano Jacarandá');
		await page.getByLabel('Desconto à vista (%)').fill('50');
		await page.getByLabel('Oferta válida até').fill('2026-12-20');
		await page.getByLabel('1º canal').selectOption({ label: 'WhatsApp' });
		await page.getByLabel('2º canal (se o 1º não alcançar o devedor)').selectOption({ label: 'SMS' });
		await page.getByLabel('Nome do modelo aprovado').fill('acerto_fim_de_ano');
		await page.getByLabel('Idioma do modelo').fill('pt_BR');
		await page.getByLabel('Texto aprovado do modelo').fill('Olá, {{1}}. {{2}} tem uma condição especial até {{3}}: {{4}} de desconto à vista. Veja: {{5}} Confira se é verdade: {{6}}');
		await page.getByLabel('Parâmetros, um por linha').fill(['{{primeiro_nome}}', '{{credor}}', '{{oferta_ate}}', '{{desconto}}', '{{link}}', '{{golpe}}'].join('\n'));
		await page.getByLabel('Texto do SMS').fill('{{credor}}: condicao especial ate {{oferta_ate}}. Veja: {{link}} Confira: {{golpe}}');
		await page.getByLabel('Início', { exact: true }).fill('2026-12-07T09:00');
		await page.getByLabel('Fim', { exact: true }).fill('2026-12-18T20:00');
		await page.getByRole('button', { name: 'Salvar rascunho' }).click();
		await page.waitForURL(/\/admin\/campanhas\/[0-9a-f-]{36}\?feito=salva$/);
		campaignId = new URL(page.url()).pathname.split('/').pop()!;

		await page.getByRole('heading', { name: 'Antes de iniciar' }).waitFor();
		const preview = await page.getByRole('list', { name: 'Exemplos para devedores reais' }).getByRole('listitem').first().textContent();
		expect(preview).toContain('Lojas Jacarandá');
		expect(preview).toMatch(/até 50% de desconto à vista/);
		await expectAccessible(page);
		await shot(page, 'campanha-e2e-01-estimativa');
		await page.getByRole('link', { name: 'Iniciar campanha' }).click();
		await page.getByRole('button', { name: 'Confirmar e iniciar' }).click();
		await page.waitForURL(`${app.base}/admin/campanhas/${campaignId}?feito=iniciada`);

		// The app's job runner sends it: the template as Meta documents it, our id echoed back.
		await expect.poll(() => wa.accepted.find((m) => m.to === PHONE.slice(1)), { timeout: 30_000 }).toBeTruthy();
		const sent = wa.accepted.find((m) => m.to === PHONE.slice(1))!;
		const template = sent.body.template as { name: string; components: { parameters: { text: string }[] }[] };
		expect(template.name).toBe('acerto_fim_de_ano');
		const params = template.components[0].parameters.map((p) => p.text);
		expect(params.slice(0, 4)).toEqual(['Helena', 'Lojas Jacarandá', '20/12/2026', 'até 50%']);
		link = params[4];
		expect(link).toMatch(new RegExp(`^${app.base}/l/[A-Za-z0-9]{10}$`));
		// Delivered, per Meta's signed webhook.
		await expect
			.poll(async () => (await db().execute<{ status: string }>(sql`select status from outbox where campaign_id = ${campaignId}::uuid`))[0]?.status, { timeout: 15_000 })
			.toBe('delivered');
		await ctx.close();
	});

	it('the debtor opens the link on a phone, confirms with the code, sees the campaign’s offer and makes an agreement', async () => {
		const ctx = await phone(browser);
		const page = await ctx.newPage();
		await page.goto(link);
		await page.waitForURL(new RegExp(`/c/${creditor.slug}/l/`));
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Olá, Helena');
		await expectAccessible(page);
		await shot(page, 'campanha-e2e-02-link');
		const before = zv.messages.length;
		await page.getByRole('button', { name: 'Enviar código' }).click();
		await page.waitForURL(/\/codigo$/);
		await expect.poll(() => zv.messages.length, { timeout: 15_000 }).toBeGreaterThan(before);
		const sms = zv.messages.at(-1)!;
		expect(sms.to).toBe(PHONE.slice(1));
		const code = /\b(\d{6})\b/.exec(sms.text)![1];
		await page.getByLabel('Código de 6 dígitos').fill(code);
		await page.getByRole('button', { name: 'Entrar' }).click();
		await page.waitForURL(/\/dividas$/);
		await page.getByRole('button', { name: 'Ver ofertas de Lojas Jacarandá' }).click();
		await page.waitForURL(/\/ofertas\?/);
		await expect(page.getByRole('status').filter({ hasText: 'Condição especial' }).textContent()).resolves.toContain('“Fim de ano Jacarandá”, válida até 20/12/2026');
		await expectAccessible(page);
		await shot(page, 'campanha-e2e-03-oferta');
		await page.getByRole('button', { name: 'Quero pagar à vista' }).click();
		await page.waitForURL(/\/acordos\/novo\?/);
		await page.getByLabel('Li e concordo com os termos deste acordo').check();
		await page.getByRole('button', { name: 'Aceitar acordo' }).click();
		await page.waitForURL(/\/acordos\/AC-[A-Z0-9]{4}-[A-Z0-9]{4}\?novo=1$/);
		await expect(page.getByRole('status').first().textContent()).resolves.toContain('Acordo feito');
		await shot(page, 'campanha-e2e-04-acordo');
		const [agreement] = await db().execute<{ total_cents: number; discount_cents: number; updated_total_cents: number; campaign: string }>(sql`
			select a.total_cents, a.discount_cents, a.updated_total_cents, a.terms->>'campaignId' as campaign
			from agreements a join debtors d on d.id = a.debtor_id where d.phone = ${PHONE}`);
		expect(agreement.campaign).toBe(campaignId);
		// 50 % off the updated value (the policy alone gives less), to the cent.
		expect(Number(agreement.discount_cents)).toBe(Math.floor(Number(agreement.updated_total_cents) / 2));
		await ctx.close();
	});

	it('the campaign’s report attributes the agreement to WhatsApp', async () => {
		const cookie = await signedInStaff(app.base, { agencyId, role: 'viewer', name: 'Rui Relatórios' });
		const ctx = await phone(browser);
		const [name, value] = cookie.split('=');
		await ctx.addCookies([{ name, value, url: app.base }]);
		const page = await ctx.newPage();
		await page.goto(`${app.base}/admin/campanhas/${campaignId}/relatorio`);
		const summary = await page.getByRole('list', { name: 'Resumo' }).textContent();
		expect(summary).toMatch(/Mensagens enviadas\s*1/);
		expect(summary).toMatch(/Acordos\s*1/);
		const csv = await (await fetch(`${app.base}/admin/campanhas/${campaignId}/relatorio/exportar`, { headers: { cookie } })).text();
		const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(';'));
		const header = lines[0];
		const whatsapp = lines.find((l) => l[header.findIndex((h) => /canal/i.test(h))] === 'WhatsApp')!;
		expect(whatsapp[header.indexOf('Acordos')]).toBe('1');
		expect(whatsapp[header.indexOf('Clicaram no link')]).toBe('1');
		await expectAccessible(page);
		await shot(page, 'campanha-e2e-05-relatorio');
		await ctx.close();
	});
});
