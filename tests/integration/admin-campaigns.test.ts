import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { auditLog, campaigns as campaignsTable } from '../../src/lib/server/db/schema';
import { policySchema, DEFAULT_POLICY, type Policy } from '../../src/lib/schemas/policy';
import type { Campaign } from '../../src/lib/schemas/campaign';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { emptyValues, toLocalInput, valuesToFormData, type CampaignFormValues } from '../../src/lib/components/admin/campaign-form';
import { startApp, type App } from '../support/app-server';
import { signedInStaff } from '../support/staff';
import * as factory from '../support/factory';

/**
 * The campaigns area of the admin over HTTP against the built app, signed in as each person
 * would be: the editor's form posts, the campaign's transitions and its progress endpoint, and
 * who may reach what.
 */

const policy: Policy = policySchema.parse({
	...DEFAULT_POLICY,
	campaignLimits: { cashDiscountMaxPercent: 50, installmentDiscountMaxPercent: 20, installmentsMax: 12, minEntryPercent: 5 }
});

let app: App;
let agencyId: string;
let A: { id: string; displayName: string };
let B: { id: string; displayName: string };
const cookie = { admin: '', managerA: '', managerB: '', viewer: '' };
type Who = keyof typeof cookie;

function get(who: Who | null, path: string, accept = 'text/html') {
	return fetch(app.base + path, { redirect: 'manual', headers: { accept, ...(who ? { cookie: cookie[who] } : {}) } });
}

function post(who: Who, path: string, body: FormData | Record<string, string> = {}) {
	const form = body instanceof FormData ? new URLSearchParams([...body.entries()].map(([k, v]) => [k, String(v)])) : new URLSearchParams(body);
	return fetch(app.base + path, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, accept: 'text/html', cookie: cookie[who], 'content-type': 'application/x-www-form-urlencoded' },
		body: form
	});
}

const today = todayInSaoPaulo();
const inAnHour = (h: number) => toLocalInput(new Date(Date.now() + h * 3_600_000).toISOString());

/** The editor's form, filled as a person would for creditor `creditorId`. */
function filled(creditorId: string, over: Partial<CampaignFormValues> = {}): CampaignFormValues {
	return Object.assign(emptyValues(creditorId), {
		name: `Quitação de fim de ano ${Math.random().toString(36).slice(2, 7)}`,
		'segment.daysPastDue.min': '30',
		'segment.balanceCents.min': '100,00',
		'segment.ufs': ['SP', 'RJ'],
		'offer.cashDiscountMaxPercent': '40',
		'offer.installmentsMax': '10',
		'offer.validUntil': addDays(today, 20),
		'channels.0': 'sms',
		'channels.1': 'email',
		'templates.sms.body': '{{credor}}: condicao especial ate {{oferta_ate}}. Veja {{link}} Confira: {{golpe}}',
		'templates.email.subject': '{{credor}}: uma condição especial para você',
		'templates.email.body': 'Olá, {{primeiro_nome}}.\n\n{{credor}} tem uma condição especial: {{link}}\n\nConfira se é verdade: {{golpe}}',
		startsAt: inAnHour(-1),
		endsAt: inAnHour(24 * 7),
		ratePerMinute: '120',
		...over
	});
}

const countOf = async (creditorId: string) =>
	(await db().execute<{ n: number }>(sql`select count(*)::int as n from campaigns where creditor_id = ${creditorId}::uuid`))[0].n;

/** Creates a draft through the form; its id. */
async function created(who: Who, values: CampaignFormValues): Promise<string> {
	const res = await post(who, '/admin/campanhas/nova', valuesToFormData(values));
	expect(res.status, await res.clone().text().then((t) => t.match(/role="alert"[\s\S]{0,600}/)?.[0] ?? '')).toBe(303);
	const m = /^\/admin\/campanhas\/([0-9a-f-]{36})\?feito=salva$/.exec(res.headers.get('location') ?? '');
	expect(m).not.toBeNull();
	return m![1];
}

const fieldError = (html: string, name: string) => new RegExp(`id="cf-${name.replace(/\./g, '-')}-erro"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;
const inputTag = (html: string, name: string) => new RegExp(`<(?:input|textarea|select)[^>]*id="cf-${name.replace(/\./g, '-')}"[^>]*>`).exec(html)?.[0] ?? '';

beforeAll(async () => {
	const agency = await factory.agency();
	agencyId = agency.id;
	A = await factory.creditor(agencyId, {}, policy);
	B = await factory.creditor(agencyId);
	const debtor = async (creditorId: string, phone: string, state: string, over: Record<string, unknown> = {}) => {
		const d = await factory.debtor(agencyId, { phone, state, email: `${phone.slice(-4)}@example.com`, ...over });
		await factory.debt(creditorId, d.id, { daysPastDue: 90, principalCents: 80_000 });
		return d;
	};
	await debtor(A.id, '+5511955501001', 'SP', { name: 'Ana Beatriz Campos' });
	await debtor(A.id, '+5521955501002', 'RJ', { name: 'Bruno Tavares' });
	await debtor(A.id, '+5531955501003', 'MG'); // outside the UFs
	await debtor(B.id, '+5511955501004', 'SP');
	app = await startApp(inject('databaseUrl'), { JOBS: 'off' });
	cookie.admin = await signedInStaff(app.base, { agencyId, role: 'agency_admin' });
	cookie.managerA = await signedInStaff(app.base, { agencyId, role: 'creditor_manager', creditorId: A.id });
	cookie.managerB = await signedInStaff(app.base, { agencyId, role: 'creditor_manager', creditorId: B.id });
	cookie.viewer = await signedInStaff(app.base, { agencyId, role: 'viewer' });
}, 180_000);

afterAll(async () => {
	if (process.env.SHOW_APP_LOG) console.log(app?.log());
	await app?.stop();
	await closeDb();
});

describe('writing a campaign in the admin editor', () => {
	it('a creditor manager saves a draft from the form, special offer included, audited', async () => {
		const values = filled(A.id);
		const id = await created('managerA', values);
		const [row] = await db().select().from(campaignsTable).where(eq(campaignsTable.id, id));
		expect(row).toMatchObject({ creditorId: A.id, agencyId, status: 'draft', name: values.name, offerUntil: addDays(today, 20) });
		expect(row.body).toMatchObject({
			segment: { daysPastDue: { min: 30 }, balanceCents: { min: 10_000 }, ufs: ['SP', 'RJ'], agreement: 'none' },
			offer: { cashDiscountMaxPercent: 40, installmentsMax: 10, validUntil: addDays(today, 20) },
			channels: ['sms', 'email'],
			ratePerMinute: 120
		});
		expect(row.startsAt.getTime()).toBe(Date.parse(`${values.startsAt}:00-03:00`));
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'campaign.create')));
		expect(entry).toMatchObject({ actorType: 'staff', agencyId });
		expect(entry.data).toMatchObject({ offer: { cashDiscountMaxPercent: 40 } });
	});

	it('the editor shows the policy’s campaign limits, and says so when a policy has none', async () => {
		const a = await (await get('admin', `/admin/campanhas/nova?credor=${A.id}`)).text();
		expect(a).toContain('desconto à vista até 50%, no parcelamento até 20%, até 12 parcelas');
		const b = await (await get('managerB', '/admin/campanhas/nova')).text();
		expect(b).toContain('não define limites de campanha');
	});

	it('bad input comes back in pt-BR next to its field, and nothing is stored', async () => {
		const before = await countOf(A.id);
		const res = await post('managerA', '/admin/campanhas/nova', valuesToFormData(filled(A.id, { name: '', 'segment.balanceCents.min': 'cem reais', 'offer.installmentsMax': 'doze', endsAt: '' })));
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(fieldError(html, 'name')).toBe('Nome da campanha: informe o texto.');
		expect(fieldError(html, 'segment.balanceCents.min')).toBe('Saldo mínimo: informe um valor em reais, por exemplo 1.500,00.');
		expect(fieldError(html, 'offer.installmentsMax')).toBe('Máximo de parcelas: informe um número inteiro.');
		expect(fieldError(html, 'endsAt')).toBe('Fim: informe a data e a hora.');
		const name = inputTag(html, 'name');
		expect(name).toContain('aria-invalid="true"');
		expect(name).toMatch(/aria-describedby="[^"]*cf-name-erro/);
		// What was typed comes back in the form.
		expect(inputTag(html, 'segment.balanceCents.min')).toContain('value="cem reais"');
		expect(await countOf(A.id)).toBe(before);
	});

	it('an offer beyond the policy’s campaign limits is refused, and so is any offer where the policy sets none', async () => {
		const over = await post('managerA', '/admin/campanhas/nova', valuesToFormData(filled(A.id, { 'offer.cashDiscountMaxPercent': '60' })));
		expect(over.status).toBe(400);
		expect(fieldError(await over.text(), 'offer')).toBe('Desconto à vista acima do limite de campanha da política (50%).');
		const none = await post('managerB', '/admin/campanhas/nova', valuesToFormData(filled(B.id)));
		expect(none.status).toBe(400);
		expect(fieldError(await none.text(), 'offer')).toMatch(/^A política do credor não permite ofertas especiais em campanhas/);
		expect(await countOf(A.id)).toBe(1);
		expect(await countOf(B.id)).toBe(0);
	});

	it('a lint error blocks a creditor manager even when asked to override; an agency admin may override, audited', async () => {
		const threat = filled(A.id, { 'templates.sms.body': '{{credor}}: pague hoje ou a polícia vai até você. {{link}} {{golpe}}', overrideLint: true });
		const before = await countOf(A.id);
		const refused = await post('managerA', '/admin/campanhas/nova', valuesToFormData(threat));
		expect(refused.status).toBe(400);
		const html = await refused.text();
		expect(html).toContain('O texto das mensagens precisa de ajustes antes de salvar.');
		expect(html).toMatch(/Ameaça: (&quot;|")polícia/);
		expect(html).not.toContain('Publicar mesmo assim');
		expect(html).toContain('Só um administrador da assessoria pode publicar mesmo assim.');
		expect(await countOf(A.id)).toBe(before);

		const asked = await post('admin', '/admin/campanhas/nova', valuesToFormData({ ...threat, overrideLint: false }));
		expect(asked.status).toBe(400);
		expect(await asked.text()).toContain('Publicar mesmo assim (fica registrado na auditoria)');
		expect(await countOf(A.id)).toBe(before);

		const id = await created('admin', threat);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'campaign.create')));
		expect(entry.data).toMatchObject({ lintOverridden: ['ameaca'] });
	});

	it('a draft is edited through the same form; a campaign that started is not', async () => {
		const id = await created('managerA', filled(A.id));
		const page = await (await get('managerA', `/admin/campanhas/${id}/editar`)).text();
		expect(inputTag(page, 'offer.cashDiscountMaxPercent')).toContain('value="40"');
		const res = await post('managerA', `/admin/campanhas/${id}/editar`, valuesToFormData(filled(A.id, { name: 'Renomeada', 'offer.cashDiscountMaxPercent': '45,5' })));
		expect(res.status).toBe(303);
		const [row] = await db().select().from(campaignsTable).where(eq(campaignsTable.id, id));
		expect(row.name).toBe('Renomeada');
		expect((row.body as Campaign).offer).toMatchObject({ cashDiscountMaxPercent: 45.5 });
		expect((await db().select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'campaign.update')))).length).toBe(1);
	});
});

describe('who may see and act', () => {
	let id = '';
	beforeAll(async () => {
		id = await created('managerA', filled(A.id, { name: 'Campanha só de A' }));
	});

	it('a viewer sees the list and the campaign, but cannot create or start one', async () => {
		const list = await get('viewer', '/admin/campanhas');
		expect(list.status).toBe(200);
		const html = await list.text();
		expect(html).toContain('Campanha só de A');
		expect(html).not.toContain('Nova campanha');
		expect((await get('viewer', '/admin/campanhas/nova')).status).toBe(403);
		const page = await (await get('viewer', `/admin/campanhas/${id}`)).text();
		expect(page).toContain('Exemplos para devedores reais');
		expect(page).not.toContain('Iniciar campanha');
		expect((await post('viewer', `/admin/campanhas/${id}?/iniciar`)).status).toBe(403);
		expect((await get('viewer', `/admin/campanhas/${id}/editar`)).status).toBe(403);
	});

	it('staff of creditor B neither see nor touch A’s campaign: 404 everywhere, and it stays a draft', async () => {
		expect(await (await get('managerB', '/admin/campanhas')).text()).not.toContain('Campanha só de A');
		expect(await (await get('managerB', `/admin/campanhas?credor=${A.id}`)).text()).not.toContain('Campanha só de A');
		for (const p of ['', '/editar', '/progresso']) expect((await get('managerB', `/admin/campanhas/${id}${p}`)).status, p).toBe(404);
		for (const action of ['iniciar', 'pausar', 'retomar', 'cancelar']) expect((await post('managerB', `/admin/campanhas/${id}?/${action}`)).status, action).toBe(404);
		expect((await post('managerB', `/admin/campanhas/${id}/editar`, valuesToFormData(filled(B.id, { 'offer.cashDiscountMaxPercent': '' })))).status).toBe(404);
		// Nor can they write a campaign for A by naming it in the form.
		const before = await countOf(A.id);
		expect((await post('managerB', '/admin/campanhas/nova', valuesToFormData(filled(A.id)))).status).toBe(404);
		expect(await countOf(A.id)).toBe(before);
		const [row] = await db().select().from(campaignsTable).where(eq(campaignsTable.id, id));
		expect(row.status).toBe('draft');
	});

	it('nobody signed in is sent to sign in, from the pages and from the progress endpoint', async () => {
		for (const p of ['/admin/campanhas', `/admin/campanhas/${id}`, `/admin/campanhas/${id}/progresso`]) {
			const res = await get(null, p);
			expect(res.status).toBe(303);
			expect(res.headers.get('location')).toMatch(/^\/admin\/entrar/);
		}
	});
});

describe('starting, pausing, resuming and cancelling', () => {
	let id = '';
	const status = async () => (await db().select({ s: campaignsTable.status }).from(campaignsTable).where(eq(campaignsTable.id, id)))[0].s;
	const progress = async (who: Who = 'viewer') => {
		const res = await get(who, `/admin/campanhas/${id}/progresso`, 'application/json');
		expect(res.status).toBe(200);
		return res.json();
	};

	beforeAll(async () => {
		id = await created('managerA', filled(A.id, { name: 'Ciclo de vida' }));
	});

	it('before starting, the page estimates the debtors, the cost and shows masked previews; the confirmation names them', async () => {
		const html = await (await get('managerA', `/admin/campanhas/${id}`)).text();
		expect(html).toContain('Exemplos para devedores reais');
		expect(html).toContain('(11) *****-1001');
		expect(html).not.toContain('955501001');
		const confirm = await (await get('managerA', `/admin/campanhas/${id}?confirmar=iniciar`)).text();
		expect(confirm).toMatch(/fixa os <strong>2 devedores<\/strong>/);
		expect(confirm).toContain('Confirmar e iniciar');
	});

	it('start → 303 and the messages are queued; a second start is refused with 409', async () => {
		const res = await post('managerA', `/admin/campanhas/${id}?/iniciar`);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe(`/admin/campanhas/${id}?feito=iniciada`);
		expect(await status()).toBe('running');
		const again = await post('managerA', `/admin/campanhas/${id}?/iniciar`);
		expect(again.status).toBe(409);
		expect(await again.text()).toContain('A campanha não é um rascunho (está em andamento).');
		const edit = await get('managerA', `/admin/campanhas/${id}/editar`);
		expect(edit.status).toBe(303);
		expect(edit.headers.get('location')).toBe(`/admin/campanhas/${id}?aviso=nao-editavel`);
		expect((await post('managerA', `/admin/campanhas/${id}/editar`, valuesToFormData(filled(A.id)))).status).toBe(409);
	});

	it('the progress endpoint reports the campaign’s messages, for anyone who reads', async () => {
		const p = await progress();
		expect(p).toMatchObject({ status: 'running', statusLabel: 'Em andamento', progress: { targets: 2, queued: 2, sent: 0, failed: 0, clicked: 0 } });
		const html = await (await get('viewer', `/admin/campanhas/${id}`)).text();
		expect(html).toMatch(/aria-live="polite"[^>]*>\s*Em andamento: 0 de 2 enviadas/);
		expect(html).toContain(`href="/admin/campanhas/${id}/relatorio"`);
	});

	it('pause → paused, twice → 409; resume → running, twice → 409', async () => {
		expect((await post('managerA', `/admin/campanhas/${id}?/pausar`)).status).toBe(303);
		expect(await status()).toBe('paused');
		const twice = await post('managerA', `/admin/campanhas/${id}?/pausar`);
		expect(twice.status).toBe(409);
		expect(await twice.text()).toContain('Não é possível pausar uma campanha pausada.');
		expect((await progress()).status).toBe('paused');
		expect((await post('managerA', `/admin/campanhas/${id}?/retomar`)).status).toBe(303);
		expect(await status()).toBe('running');
		expect((await post('managerA', `/admin/campanhas/${id}?/retomar`)).status).toBe(409);
	});

	it('cancel → cancelled, its queued messages skipped with their reason labelled; nothing moves it after', async () => {
		expect(await (await get('managerA', `/admin/campanhas/${id}?confirmar=cancelar`)).text()).toContain('Confirmar cancelamento');
		expect((await post('managerA', `/admin/campanhas/${id}?/cancelar`)).status).toBe(303);
		expect(await status()).toBe('cancelled');
		const p = await progress();
		expect(p.progress).toMatchObject({ targets: 2, queued: 0, skipped: 2 });
		expect(p.progress.byReason).toEqual([{ reason: 'campanha_cancelada', n: 2, label: 'Campanha cancelada' }]);
		for (const action of ['retomar', 'pausar', 'cancelar', 'iniciar']) expect((await post('managerA', `/admin/campanhas/${id}?/${action}`)).status, action).toBe(409);
		const html = await (await get('managerA', `/admin/campanhas/${id}`)).text();
		expect(html).toContain('Campanha cancelada');
		expect(html).not.toContain('Cancelar campanha');
	});
});
