import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import { and, eq, isNull } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { auditLog, pspAccounts } from '../../src/lib/server/db/schema';
import * as psp from '../../src/lib/server/payments/psp';
import * as factory from '../support/factory';
import { startApp, type App } from '../support/app-server';
import { signIn, staffCookie } from '../support/staff';
import { startFakePsp, type FakePsp } from '../support/fakes/psp';
import { launch, phone } from '../support/browser';
import { expectAccessible, shot } from '../support/axe';

/**
 * The PSP accounts page over HTTP against the built app, with a fake PSP on loopback (mutual TLS,
 * OAuth2): an account entered through the page's form is sealed, shown without its secrets, and
 * "Testar conexão" gets a real token from the PSP with the uploaded certificate.
 */

const CLIENT = { id: 'cliente-da-assessoria', secret: 'segredo-do-cliente-123' };
let app: App;
let fake: FakePsp;
let A: Awaited<ReturnType<typeof factory.world>>;
const cookies = new Map<'admin' | 'manager', string>();
const PAGE = '/admin/pagamentos/psp';

// Stored as entered, less surrounding whitespace.
const pem = (file: string) => fs.readFileSync(file, 'utf8').trim();
const get = (who: 'admin' | 'manager') => fetch(app.base + PAGE, { redirect: 'manual', headers: { accept: 'text/html', cookie: cookies.get(who)! } });
/** Posts the form as the browser does (multipart, the certificate as an uploaded file). */
function post(action: string, fields: Record<string, string | Blob>, who: 'admin' | 'manager' = 'admin') {
	const body = new FormData();
	for (const [k, v] of Object.entries(fields)) body.append(k, v);
	return fetch(`${app.base}${PAGE}?/${action}`, { method: 'POST', redirect: 'manual', headers: { origin: app.base, accept: 'text/html', cookie: cookies.get(who)! }, body });
}
const agencyRow = async () => (await db().select().from(pspAccounts).where(and(eq(pspAccounts.agencyId, A.agency.id), isNull(pspAccounts.creditorId))))[0];
const form = () => ({
	para: 'assessoria',
	apiUrl: fake.apiUrl,
	oauthUrl: fake.oauthUrl,
	clientId: CLIENT.id,
	clientSecret: CLIENT.secret,
	certArquivo: new File([pem(fake.certs.clientCert)], 'cliente.crt'),
	key: pem(fake.certs.clientKey),
	caArquivo: new File([pem(fake.certs.caCert)], 'ca.pem'),
	fine: '2',
	interest: '1'
});

beforeAll(async () => {
	A = await factory.world();
	fake = await startFakePsp({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
	app = await startApp(inject('databaseUrl'), { JOBS: 'off' });
	cookies.set('admin', await staffCookie(app.base, A.agency.id, 'agency_admin'));
	cookies.set('manager', await staffCookie(app.base, A.agency.id, 'creditor_manager', A.creditor.id));
}, 180_000);

afterAll(async () => {
	if (process.env.SHOW_APP_LOG) console.log(app?.log());
	await app?.stop();
	await fake?.close();
	await closeDb();
});

describe('PSP accounts page', () => {
	it('only agency admins reach it', async () => {
		expect((await get('admin')).status).toBe(200);
		expect((await get('manager')).status).toBe(403);
		expect((await post('salvar', form(), 'manager')).status).toBe(403);
		expect(await agencyRow()).toBeUndefined();
	});

	it('a bad certificate is refused with a pt-BR message and nothing is stored', async () => {
		const res = await post('salvar', { ...form(), certArquivo: new File(['não é um certificado'], 'x.crt'), apiUrl: 'pix.exemplo' });
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(html).toContain('Certificado do cliente (PEM): não é um certificado PEM válido.');
		expect(html).toContain('Endereço da API Pix: informe um endereço completo');
		expect(html).not.toContain(CLIENT.secret);
		expect(await agencyRow()).toBeUndefined();
	});

	it('creates the agency account sealed, shows it without secrets, and tests the connection through mTLS', async () => {
		const res = await post('salvar', form());
		expect(res.status).toBe(200);
		expect(await res.text()).toContain(`Conta salva — assessoria: 127.0.0.1:${new URL(fake.apiUrl).port} · cliente ${CLIENT.id}`);

		const row = await agencyRow();
		expect(row.sealed).not.toContain(CLIENT.secret);
		const opened = (await psp.accounts.accountById(db(), row.id))!;
		expect(opened.credentials).toMatchObject({ apiUrl: fake.apiUrl, clientId: CLIENT.id, clientSecret: CLIENT.secret, cert: pem(fake.certs.clientCert), key: pem(fake.certs.clientKey), ca: pem(fake.certs.caCert), fineBp: 200, interestMonthlyBp: 100 });
		// A webhook secret was generated, long enough to be the URL's secret.
		expect(opened.credentials.webhookSecret.length).toBeGreaterThanOrEqual(32);
		// The creditor without its own account now charges through the agency's.
		expect((await psp.accounts.accountFor(db(), A.creditor))?.id).toBe(row.id);

		const [audited] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'psp_account.save'), eq(auditLog.entityId, row.id)));
		expect(audited.actorType).toBe('staff');
		const trail = JSON.stringify(audited.data);
		for (const secret of [CLIENT.secret, opened.credentials.webhookSecret, 'PRIVATE KEY']) expect(trail).not.toContain(secret);

		const page = await (await get('admin')).text();
		expect(page).toContain(fake.oauthUrl);
		expect(page).toContain('CN=acerto-teste');
		expect(page).toContain('2,00% / 1,00%');
		expect(page).toMatch(new RegExp(`${A.creditor.displayName}</strong> — chave Pix ${A.creditor.pixKey} · conta da assessoria`));
		for (const secret of [CLIENT.secret, opened.credentials.webhookSecret, 'BEGIN']) expect(page).not.toContain(secret);

		const tokens = fake.tokensIssued;
		const tested = await post('testar', { para: 'assessoria' });
		expect(tested.status).toBe(200);
		expect(await tested.text()).toContain('Conexão funcionando: o PSP (127.0.0.1');
		expect(fake.tokensIssued).toBe(tokens + 1);
		expect(fake.seen.at(-1)).toMatchObject({ method: 'POST', path: '/oauth/token', status: 200 });
		expect(fake.violations).toEqual([]);
	});

	it('a replacement with blank secrets keeps them; a wrong client secret fails the test in pt-BR', async () => {
		const before = (await psp.accounts.accountById(db(), (await agencyRow()).id))!.credentials;
		const { clientSecret: _s, key: _k, certArquivo: _c, ...rest } = form();
		expect((await post('salvar', { ...rest, clientId: 'outro-cliente', fine: '', interest: '' })).status).toBe(200);
		const after = (await psp.accounts.accountById(db(), (await agencyRow()).id))!.credentials;
		expect(after).toMatchObject({ clientId: 'outro-cliente', clientSecret: before.clientSecret, cert: before.cert, key: before.key, webhookSecret: before.webhookSecret, fineBp: 0, interestMonthlyBp: 0 });

		const tested = await post('testar', { para: 'assessoria' });
		expect(tested.status).toBe(422);
		expect(await tested.text()).toContain('Não foi possível conectar ao PSP: OAuth do PSP: PSP respondeu 401');
		fake.violations.length = 0; // the fake noted the unknown client: that was the point
	});

	it('Pix Automático is switched on only with the receiving account', async () => {
		const { clientSecret: _s, key: _k, certArquivo: _c, ...rest } = form();
		const refused = await post('salvar', { ...rest, pixAutomatico: 'on', automaticoConta: '' });
		expect(refused.status).toBe(400);
		expect(await refused.text()).toContain('Conta recebedora do Pix Automático (agência/conta): preencha para usar o Pix Automático.');
		const bad = await post('salvar', { ...rest, pixAutomatico: 'on', automaticoConta: '12345/1' });
		expect(await bad.text()).toContain('use agência/conta, como 0001/123456-7');
		expect((await psp.accounts.accountById(db(), (await agencyRow()).id))!.credentials.pixAutomatico).toBe(false);

		expect((await post('salvar', { ...rest, pixAutomatico: 'on', automaticoConta: '0001/123456-7', automaticoTipoConta: 'pagamento' })).status).toBe(200);
		const row = await agencyRow();
		expect((await psp.accounts.accountById(db(), row.id))!.credentials).toMatchObject({ pixAutomatico: true, automaticoConta: '0001/123456-7', automaticoTipoConta: 'PAGAMENTO' });
		expect(await (await get('admin')).text()).toContain('sim, conta 0001/123456-7 (pagamento)');
		const audits = await db().select().from(auditLog).where(and(eq(auditLog.action, 'psp_account.save'), eq(auditLog.entityId, row.id)));
		expect(audits.some((a) => (a.data as { pixAutomatico?: boolean }).pixAutomatico === true)).toBe(true);
	});

	it('removes the account, audited', async () => {
		const id = (await agencyRow()).id;
		const res = await post('remover', { para: 'assessoria' });
		expect(res.status).toBe(200);
		expect(await agencyRow()).toBeUndefined();
		const [audited] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'psp_account.remove'), eq(auditLog.entityId, id)));
		expect(audited).toBeDefined();
		expect((await post('remover', { para: 'assessoria' })).status).toBe(404);
		expect((await post('testar', { para: 'assessoria' })).status).toBe(422);
	});

	it('on a phone: an admin enters the account by pasting and uploading, then tests it', async () => {
		const browser = await launch();
		try {
			const context = await phone(browser);
			const page = await context.newPage();
			await signIn(page, app.base, A.agency.id, 'agency_admin');
			await page.getByRole('link', { name: 'PSP Pix' }).click();
			await page.waitForURL(`${app.base}${PAGE}`);
			await page.getByLabel('Conta de').selectOption({ label: A.creditor.displayName });
			await page.getByLabel('Endereço da API Pix').fill(fake.apiUrl);
			await page.getByLabel('Endereço do token OAuth').fill(fake.oauthUrl);
			await page.getByLabel('Client ID').fill(CLIENT.id);
			await page.getByLabel('Client secret').fill(CLIENT.secret);
			await page.locator('#f-cert-arquivo').setInputFiles(fake.certs.clientCert);
			await page.getByLabel('Chave privada do certificado (PEM)').fill(pem(fake.certs.clientKey));
			await page.locator('#f-ca-arquivo').setInputFiles(fake.certs.caCert);
			await page.getByLabel('O PSP oferece Pix Automático').check();
			await page.getByLabel('Conta recebedora do Pix Automático (agência/conta)').fill('0001/123456-7');
			await page.getByRole('button', { name: 'Salvar conta' }).click();
			await expect.poll(() => page.getByText(`Conta salva — ${A.creditor.displayName}`).count()).toBe(1);
			await page.getByRole('button', { name: 'Testar conexão' }).click();
			await expect.poll(() => page.getByText(/Conexão funcionando/).count()).toBe(1);
			await expectAccessible(page);
			await shot(page, 'admin-psp');
			expect((await psp.accounts.accountFor(db(), A.creditor))?.credentials).toMatchObject({ clientSecret: CLIENT.secret, pixAutomatico: true, automaticoConta: '0001/123456-7', automaticoTipoConta: 'CORRENTE' });
			await context.close();
		} finally {
			await browser.close();
		}
	}, 120_000);
});
