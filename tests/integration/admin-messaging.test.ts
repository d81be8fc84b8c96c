import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agencies, auditLog, creditors, messagingAccounts, outbox } from '../../src/lib/server/db/schema';
import * as regua from '../../src/lib/server/regua';
import * as queue from '../../src/lib/server/messaging/queue';
import { openCredentials } from '../../src/lib/server/messaging/accounts';
import { DEFAULT_REGUA, type Regua } from '../../src/lib/schemas/regua';
import type { StaffRole } from '../../src/lib/server/db/schema';
import * as factory from '../support/factory';
import { startApp, type App } from '../support/app-server';
import { staffCookie } from '../support/staff';

/**
 * The admin area of messaging over HTTP against the built app, signed in as each person would be:
 * the régua editor, the message queue with its retry, the provider accounts and the contact caps.
 */

let app: App;
let A: Awaited<ReturnType<typeof factory.world>>;
let B: Awaited<ReturnType<typeof factory.creditor>>;
let other: Awaited<ReturnType<typeof factory.world>>;
const cookies = new Map<'admin' | 'manager' | 'viewer', string>();

type Who = 'admin' | 'manager' | 'viewer';
const get = (who: Who, path: string) => fetch(app.base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: cookies.get(who)! } });
const post = (who: Who, path: string, form: Record<string, string>) =>
	fetch(app.base + path, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, accept: 'text/html', cookie: cookies.get(who)!, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(form)
	});

const staffId = async (role: StaffRole) => (await db().execute<{ id: string }>(sql`select id from staff where agency_id = ${A.agency.id}::uuid and role = ${role}`))[0].id;
const auditOf = (action: string, entityId: string) =>
	db().select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)));

beforeAll(async () => {
	A = await factory.world();
	B = await factory.creditor(A.agency.id);
	other = await factory.world();
	app = await startApp(inject('databaseUrl'), { JOBS: 'off' });
	cookies.set('admin', await staffCookie(app.base, A.agency.id, 'agency_admin'));
	cookies.set('manager', await staffCookie(app.base, A.agency.id, 'creditor_manager', A.creditor.id));
	cookies.set('viewer', await staffCookie(app.base, A.agency.id, 'viewer'));
}, 180_000);

afterAll(async () => {
	if (process.env.SHOW_APP_LOG) console.log(app?.log());
	await app?.stop();
	await closeDb();
});

/** The default régua with its first step moved. */
const withOffset = (offsetDays: number): Regua => ({ steps: DEFAULT_REGUA.steps.map((s, i) => (i === 0 ? { ...s, offsetDays } : s)) });

describe('the régua editor', () => {
	const page = () => `/admin/credores/${A.creditor.id}/regua`;

	it('starts from the default régua for a creditor without one, and saves what the form sends', async () => {
		const first = await (await get('manager', page())).text();
		expect(first).toContain('ainda não tem régua');
		expect(first).toContain('vencida-d5');

		const res = await post('manager', `${page()}?/salvar`, { regua: JSON.stringify(withOffset(7)) });
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('Régua salva: versão 1');
		const saved = await regua.get(db(), A.creditor.id);
		expect(saved?.version).toBe(1);
		expect(saved?.regua.steps[0]).toMatchObject({ key: 'vencida-d5', offsetDays: 7 });

		// Read back: the page shows version 1 and the step on its new day.
		const again = await (await get('manager', page())).text();
		expect(again).toContain('Em vigor: versão 1');
		expect(again).toMatch(/data-testid="marca-vencida-d5"[^>]*>D\+7</);
		const [entry] = await auditOf('regua.set', A.creditor.id);
		expect(entry).toMatchObject({ actorType: 'staff', actorId: await staffId('creditor_manager'), agencyId: A.agency.id });
	});

	it('answers schema errors in pt-BR with their JSON path, and broken JSON with its line, changing nothing', async () => {
		const bad = { steps: [{ ...DEFAULT_REGUA.steps[0], offsetDays: -40, extra: 1 }, { ...DEFAULT_REGUA.steps[3], channels: [] }] };
		const res = await post('manager', `${page()}?/salvar`, { regua: JSON.stringify(bad) });
		expect(res.status).toBe(400);
		// The page as text: no tags, no hydration markers.
		const text = (await res.text()).replace(/<[^>]*>/g, '');
		expect(text).toContain('Corrija a régua nos pontos indicados.');
		expect(text).toContain('steps[0] (passo 1 («vencida-d5»)): Campo desconhecido: extra.');
		expect(text).toContain('steps[1].channels (passo 2 («acordo-boas-vindas»)): Escolha ao menos um canal.');

		const broken = await post('manager', `${page()}?/salvar`, { regua: '{\n  "steps": [\n    {"key": "a",}\n  ]\n}' });
		expect(broken.status).toBe(400);
		expect(await broken.text()).toMatch(/JSON inválido na linha 3, coluna \d+/);
		expect((await regua.get(db(), A.creditor.id))?.version).toBe(1);
	});

	it('refuses threatening words; only an agency admin may save over the lint, with the box ticked, and it is audited', async () => {
		const threat = structuredClone(withOffset(7));
		threat.steps[0].templates.sms = { body: '{{credor}}: pague hoje ou a polícia vai à sua casa. {{link}} {{golpe}}' };
		const body = JSON.stringify(threat);

		const blocked = await post('manager', `${page()}?/salvar`, { regua: body });
		expect(blocked.status).toBe(400);
		expect(await blocked.text()).toContain('O texto das mensagens precisa de ajustes');
		expect((await post('manager', `${page()}?/salvar`, { regua: body, ignorarLint: 'on' })).status).toBe(403);
		// The admin sees the box only after a blocked attempt, and must tick it.
		const adminBlocked = await (await post('admin', `${page()}?/salvar`, { regua: body })).text();
		expect(adminBlocked).toContain('name="ignorarLint"');
		expect((await regua.get(db(), A.creditor.id))?.version).toBe(1);

		const over = await post('admin', `${page()}?/salvar`, { regua: body, ignorarLint: 'on' });
		expect(over.status).toBe(200);
		expect((await regua.get(db(), A.creditor.id))?.version).toBe(2);
		const entries = await auditOf('regua.set', A.creditor.id);
		expect(entries.find((e) => (e.data as { version: number }).version === 2)).toMatchObject({ actorId: await staffId('agency_admin'), data: { lintOverridden: true } });
	});

	it('is read-only for a viewer, and out of reach for another creditor’s manager', async () => {
		const html = await (await get('viewer', page())).text();
		expect(html).toContain('não alterá-la');
		expect(html).not.toContain('Salvar régua');
		expect(html).toMatch(/<textarea[^>]*readonly/);
		expect((await post('viewer', `${page()}?/salvar`, { regua: JSON.stringify(DEFAULT_REGUA) })).status).toBe(403);
		expect((await get('manager', `/admin/credores/${B.id}/regua`)).status).toBe(404);
		expect((await post('manager', `/admin/credores/${B.id}/regua?/salvar`, { regua: JSON.stringify(DEFAULT_REGUA) })).status).toBe(404);
		expect(await regua.get(db(), B.id)).toBeNull();
	});

	it('lists the creditors in reach with their régua', async () => {
		const asAdmin = await (await get('admin', '/admin/regua')).text();
		expect(asAdmin).toContain(A.creditor.displayName);
		expect(asAdmin).toContain(B.displayName);
		const asManager = await (await get('manager', '/admin/regua')).text();
		expect(asManager).toContain(A.creditor.displayName);
		expect(asManager).not.toContain(B.displayName);
	});
});

describe('the message queue', () => {
	const ids: Record<string, string> = {};
	const row = async (key: string, agencyId: string, creditorId: string, over: Partial<typeof outbox.$inferInsert>) => {
		const [r] = await db()
			.insert(outbox)
			.values({ agencyId, creditorId, channel: 'sms', to: '+5511987654321', text: 'texto', kind: 'regua', ...over })
			.returning({ id: outbox.id });
		ids[key] = r.id;
	};

	beforeAll(async () => {
		await row('deadA', A.agency.id, A.creditor.id, { status: 'failed', dead: true, attempts: 8, reason: 'Zenvia recusou a mensagem (VALIDATION_ERROR)' });
		await row('unknownA', A.agency.id, A.creditor.id, { status: 'unknown', attempts: 1, reason: 'envio_interrompido', channel: 'email', to: 'maria.silva@gmail.com' });
		await row('waitingA', A.agency.id, A.creditor.id, { status: 'queued', reason: 'outside_hours' });
		await row('deadB', A.agency.id, B.id, { status: 'failed', dead: true, attempts: 8, reason: 'canal_nao_configurado' });
		await row('deadOther', other.agency.id, other.creditor.id, { status: 'failed', dead: true, attempts: 8, reason: 'canal_nao_configurado' });
	});

	it('shows the agency’s dead letters to its admin, only its creditor’s to a manager, never another agency’s', async () => {
		const asAdmin = await (await get('admin', '/admin/mensagens')).text();
		expect(asAdmin).toContain(`mensagem-${ids.deadA}`);
		expect(asAdmin).toContain(`mensagem-${ids.deadB}`);
		expect(asAdmin).not.toContain(`mensagem-${ids.deadOther}`);
		expect(asAdmin).not.toContain(`mensagem-${ids.unknownA}`);
		// Masked destination and the reason as it came.
		expect(asAdmin).toContain('(11) *****-4321');
		expect(asAdmin).not.toContain('987654321');
		expect(asAdmin).toContain('Zenvia recusou a mensagem (VALIDATION_ERROR)');
		expect(asAdmin).toContain('Canal sem conta de provedor configurada');

		const asManager = await (await get('manager', '/admin/mensagens')).text();
		expect(asManager).toContain(`mensagem-${ids.deadA}`);
		expect(asManager).not.toContain(`mensagem-${ids.deadB}`);

		const unknown = await (await get('admin', '/admin/mensagens?ver=sem-confirmacao')).text();
		expect(unknown).toContain(`mensagem-${ids.unknownA}`);
		expect(unknown).toContain('m***a@g***.com');
		expect(unknown).toContain('pode já ter chegado ao devedor');
		const waiting = await (await get('viewer', '/admin/mensagens?ver=aguardando')).text();
		expect(waiting).toContain(`mensagem-${ids.waitingA}`);
		expect(waiting).toContain('Fora do horário permitido no estado do devedor');
		expect(waiting).not.toContain('Reenviar');
		expect((await get('admin', '/admin/mensagens?depois=xyz')).status).toBe(400);
	});

	it('retries a dead letter in reach (queued again, audited), and nothing out of reach', async () => {
		expect((await post('manager', '/admin/mensagens?/reenviar', { id: ids.deadB })).status).toBe(404);
		expect((await post('manager', '/admin/mensagens?/reenviar', { id: ids.deadOther })).status).toBe(404);
		expect((await post('viewer', '/admin/mensagens?/reenviar', { id: ids.deadA })).status).toBe(403);
		for (const k of ['deadB', 'deadOther', 'deadA']) expect((await db().select().from(outbox).where(eq(outbox.id, ids[k])))[0]).toMatchObject({ status: 'failed', dead: true });

		const res = await post('manager', '/admin/mensagens?/reenviar', { id: ids.deadA });
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('Mensagem colocada de novo na fila');
		const [again] = await db().select().from(outbox).where(eq(outbox.id, ids.deadA));
		expect(again).toMatchObject({ status: 'queued', dead: false, attempts: 0, reason: null });
		const [entry] = await auditOf('message.retry', ids.deadA);
		expect(entry).toMatchObject({ actorId: await staffId('creditor_manager'), agencyId: A.agency.id, data: { status: 'failed', channel: 'sms' } });
	});

	it('re-sends an unknown message only once the person confirms it may arrive twice', async () => {
		const blind = await post('admin', '/admin/mensagens?/reenviar', { id: ids.unknownA });
		expect(blind.status).toBe(409);
		expect(await blind.text()).toContain('reenviar pode duplicá-la');
		expect((await db().select().from(outbox).where(eq(outbox.id, ids.unknownA)))[0].status).toBe('unknown');

		expect((await post('admin', '/admin/mensagens?/reenviar', { id: ids.unknownA, confirmar: 'sim' })).status).toBe(200);
		expect((await db().select().from(outbox).where(eq(outbox.id, ids.unknownA)))[0].status).toBe('queued');
		const [entry] = await auditOf('message.retry', ids.unknownA);
		expect(entry.data).toMatchObject({ status: 'unknown', duplicateRiskConfirmed: true });
		// A message neither dead nor unknown has nothing to re-send.
		expect((await post('admin', '/admin/mensagens?/reenviar', { id: ids.waitingA })).status).toBe(400);
	});

	it('pages by (created_at, id): every row once, even when many share one instant', async () => {
		const w = await factory.world();
		const at = new Date('2026-11-02T12:00:00.123456Z');
		const values = Array.from({ length: 130 }, (_, i) => ({
			agencyId: w.agency.id, creditorId: w.creditor.id, channel: 'sms' as const, to: '+5511987654321', text: 't', status: 'failed' as const, dead: true,
			// 100 rows at one instant; the rest a microsecond apart (the cursor keeps microseconds).
			createdAt: i < 100 ? at : new Date(at.getTime() - (i - 99))
		}));
		await db().insert(outbox).values(values);
		await db().execute(sql`update outbox set created_at = created_at - (random() * 1000)::int * interval '1 microsecond' where agency_id = ${w.agency.id}::uuid and created_at < ${at.toISOString()}::timestamptz`);
		const seen: string[] = [];
		let cursor: queue.Cursor | null = null;
		for (let i = 0; i < 10; i++) {
			const p = await queue.page(db(), { agencyId: w.agency.id, creditorId: null }, { view: 'falhas', before: cursor }, 50);
			seen.push(...p.rows.map((r) => r.id));
			if (!p.next) break;
			cursor = queue.parseCursor(p.next) as queue.Cursor;
		}
		expect(seen).toHaveLength(130);
		expect(new Set(seen).size).toBe(130);
		expect((await queue.counts(db(), { agencyId: w.agency.id, creditorId: null }, {}, 100)).falhas).toBe(100);
	});
});

describe('provider accounts', () => {
	const zenvia = { canal: 'sms', provedor: 'zenvia', 'cred.from': 'acerto', 'cred.token': 'TOKEN-ZENVIA-SECRETO-123', 'cred.callbackSecret': '', 'cred.apiUrl': '', ritmo: '25', custo: '0,07' };

	it('are for agency admins only', async () => {
		expect((await get('manager', '/admin/mensagens/contas')).status).toBe(403);
		expect((await post('manager', '/admin/mensagens/contas?/salvar', zenvia)).status).toBe(403);
		expect((await get('viewer', '/admin/mensagens/contas')).status).toBe(403);
		expect(await db().select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, A.agency.id))).toHaveLength(0);
	});

	it('stores the credentials sealed, never shows a secret again, and shows the webhook the app answers', async () => {
		const res = await post('admin', '/admin/mensagens/contas?/salvar', zenvia);
		expect(res.status).toBe(200);
		const [acct] = await db().select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, A.agency.id));
		expect(acct).toMatchObject({ channel: 'sms', provider: 'zenvia', label: 'remetente acerto', ratePerSecond: 25, costMillicents: 7000 });
		expect(acct.sealed).not.toContain('TOKEN-ZENVIA-SECRETO-123');
		const creds = openCredentials(acct.sealed);
		expect(creds).toMatchObject({ provider: 'zenvia', token: 'TOKEN-ZENVIA-SECRETO-123', from: 'acerto', apiUrl: 'https://api.zenvia.com' });
		const secret = creds.provider === 'zenvia' ? creds.callbackSecret : '';
		expect(secret.length).toBeGreaterThanOrEqual(16);

		const html = await (await get('admin', '/admin/mensagens/contas')).text();
		expect(html).not.toContain('TOKEN-ZENVIA-SECRETO-123');
		expect(html).toContain('remetente acerto');
		const path = html.match(/\/webhooks\/zenvia\/[0-9a-f-]{36}\/[A-Za-z0-9_-]+/)?.[0];
		expect(path).toBe(`/webhooks/zenvia/${acct.id}/${secret}`);
		const hook = (p: string) => fetch(app.base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		expect((await hook(path!)).status).toBe(200);
		expect((await hook(`/webhooks/zenvia/${acct.id}/${'x'.repeat(32)}`)).status).toBe(404);

		const [entry] = await auditOf('messaging_account.save', acct.id);
		expect(JSON.stringify(entry.data)).not.toContain('TOKEN-ZENVIA-SECRETO-123');
		expect(JSON.stringify(entry.data)).not.toContain(secret);
		expect(entry.data).toMatchObject({ channel: 'sms', provider: 'zenvia', changed: expect.arrayContaining(['token', 'callbackSecret']) });
	});

	it('keeps a stored secret when an edit leaves it blank, and refuses bad input in pt-BR, changing nothing', async () => {
		expect((await post('admin', '/admin/mensagens/contas?/salvar', { ...zenvia, 'cred.token': '', 'cred.from': 'ACERTO2' })).status).toBe(200);
		const [acct] = await db().select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, A.agency.id));
		expect(openCredentials(acct.sealed)).toMatchObject({ token: 'TOKEN-ZENVIA-SECRETO-123', from: 'ACERTO2' });

		const bad = await post('admin', '/admin/mensagens/contas?/salvar', { canal: 'whatsapp', provedor: 'whatsapp', 'cred.phoneNumberId': 'abc', 'cred.token': '', 'cred.appSecret': 's', ritmo: '0', custo: 'dez' });
		expect(bad.status).toBe(400);
		const html = await bad.text();
		expect(html).toContain('Identificador do número: só números');
		expect(html).toContain('Token de acesso permanente: preencha este campo.');
		expect(html).toContain('Envios por segundo: um número inteiro de 1 a 10000.');
		expect(html).toContain('Custo por mensagem: informe um valor em reais');
		expect(await db().select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, A.agency.id))).toHaveLength(1);
	});

	it('removes an account, audited: the channel falls back to the environment’s', async () => {
		const [acct] = await db().select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, A.agency.id));
		expect((await post('admin', '/admin/mensagens/contas?/remover', { canal: 'sms' })).status).toBe(200);
		expect(await db().select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, A.agency.id))).toHaveLength(0);
		expect(await auditOf('messaging_account.remove', acct.id)).toHaveLength(1);
		// The test app runs the console driver: every channel has the environment's account.
		expect(await (await get('admin', '/admin/mensagens/contas')).text()).toContain('Conta padrão do servidor');
	});
});

describe('contact caps', () => {
	const capsOf = async () => (await db().select().from(agencies).where(eq(agencies.id, A.agency.id)))[0];

	it('are set by an agency admin within the law, audited', async () => {
		expect((await post('admin', '/admin/mensagens/regras?/limites', { porDia: '2', porSemana: '5' })).status).toBe(200);
		expect(await capsOf()).toMatchObject({ contactPerDay: 2, contactPerWeek: 5 });
		const [entry] = await auditOf('agency.contact_caps', A.agency.id);
		expect(entry.data).toEqual({ before: { perDay: 1, perWeek: 3 }, after: { perDay: 2, perWeek: 5 } });
	});

	it('refuse what the law does not allow, in pt-BR, changing nothing; and only admins set them', async () => {
		const tooMany = await post('admin', '/admin/mensagens/regras?/limites', { porDia: '5', porSemana: '5' });
		expect(tooMany.status).toBe(400);
		expect(await tooMany.text()).toContain('Mensagens por dia: no máximo 3');
		const inverted = await post('admin', '/admin/mensagens/regras?/limites', { porDia: '3', porSemana: '2' });
		expect(await inverted.text()).toContain('O limite por semana não pode ser menor que o limite por dia.');
		expect((await post('admin', '/admin/mensagens/regras?/limites', { porDia: 'um', porSemana: '' })).status).toBe(400);
		expect((await post('manager', '/admin/mensagens/regras?/limites', { porDia: '1', porSemana: '1' })).status).toBe(403);
		expect(await capsOf()).toMatchObject({ contactPerDay: 2, contactPerWeek: 5 });
		// Everyone reads the rules: the caps and each state's hours.
		const html = await (await get('viewer', '/admin/mensagens/regras')).text();
		expect(html).toContain('2 por dia · 5 por semana');
		expect(html).toContain('SP, Lei 15.426/2014');
		expect(html).toContain('UTC−5');
	});
});

describe('the creditor’s own WhatsApp number', () => {
	it('is edited with the creditor, digits only', async () => {
		const [c] = await db().select().from(creditors).where(eq(creditors.id, A.creditor.id));
		const form = {
			legalName: c.legalName, cnpj: c.cnpj, address: c.address, displayName: c.displayName, primaryColor: c.primaryColor, slug: c.slug,
			pixKey: c.pixKey, pixMerchantName: c.pixMerchantName, pixMerchantCity: c.pixMerchantCity, boletoBankCode: c.boletoBankCode,
			boletoAgency: c.boletoAgency, boletoAccount: c.boletoAccount, boletoWallet: c.boletoWallet, retentionDays: String(c.retentionDays)
		};
		const bad = await post('manager', `/admin/credores/${c.id}?/salvar`, { ...form, whatsappPhoneNumberId: '12 34a' });
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('phone number ID) da Meta, só com números');
		expect((await post('manager', `/admin/credores/${c.id}?/salvar`, { ...form, whatsappPhoneNumberId: '109876543210987' })).status).toBe(200);
		expect((await db().select().from(creditors).where(eq(creditors.id, c.id)))[0].whatsappPhoneNumberId).toBe('109876543210987');
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'creditor.update'), eq(auditLog.entityId, c.id)));
		expect(entry.data).toMatchObject({ after: { whatsappPhoneNumberId: '109876543210987' } });
	});
});
