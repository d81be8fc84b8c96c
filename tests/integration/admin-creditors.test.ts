import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agreements as agreementsTable, auditLog, creditors as creditorsTable, policies } from '../../src/lib/server/db/schema';
import * as creditors from '../../src/lib/server/tenancy/creditors';
import * as logos from '../../src/lib/server/brand/logo';
import * as policyVersions from '../../src/lib/server/tenancy/policies';
import * as offers from '../../src/lib/server/offers';
import * as agreements from '../../src/lib/server/agreements';
import { offersFor } from '../../src/lib/server/offers/engine';
import * as access from '../../src/lib/server/access';
import { can } from '../../src/lib/server/staff/roles';
import type { StaffPrincipal } from '../../src/lib/server/staff';
import { DEFAULT_POLICY, policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { generateCnpj } from '../../src/lib/format/document';
import { checkDraft, draftFromForm, draftFromPolicy, draftToFormData } from '../../src/lib/components/admin/policy-form';
import * as factory from '../support/factory';

const today = todayInSaoPaulo();
const png = new Uint8Array(fs.readFileSync(path.resolve('tests/fixtures/logo-credor.png')));
const pngUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
const svgUrl = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
/** What is stored for the PNG upload: the PNG drawn again from it. */
let storedPng = '';
const pngOf = (dataUrl: string | null) => new Uint8Array(Buffer.from((dataUrl ?? '').replace(/^data:image\/png;base64,/, ''), 'base64'));
let n = 0;
const uniq = () => `${Date.now().toString(36)}${n++}`;

type Agency = Awaited<ReturnType<typeof factory.agency>>;
let agency: Agency;
let admin: StaffPrincipal;

function validInput(over: Record<string, unknown> = {}) {
	const slug = `loja-${uniq()}`;
	return {
		legalName: 'Loja Teste Comércio Ltda.',
		cnpj: generateCnpj(Math.random, true),
		address: 'Rua das Flores, 10, Centro, Curitiba/PR, CEP 80010-000',
		displayName: 'Loja Teste',
		primaryColor: '#7C2D12',
		slug,
		host: `${slug}.negocie.example.com.br`,
		smsSender: 'LOJATESTE',
		emailSenderName: 'Loja Teste Cobrança',
		retentionDays: '730',
		logo: pngUrl,
		...over
	};
}

async function create(over: Record<string, unknown> = {}) {
	return db().transaction((tx) => creditors.createCreditor(tx, validInput(over), { agencyId: agency.id, actor: { type: 'staff', id: admin.id } }));
}

async function created(over: Record<string, unknown> = {}) {
	const r = await create(over);
	if (!r.ok) throw new Error(JSON.stringify(r.errors));
	return r.creditor;
}

const countCreditors = async () => (await db().select().from(creditorsTable).where(eq(creditorsTable.agencyId, agency.id))).length;

/** The form as the edit page shows it, for one creditor. */
const formOf = (c: typeof creditorsTable.$inferSelect) =>
	Object.fromEntries(creditors.FORM_FIELDS.map((f) => [f, c[f] === null ? '' : String(c[f])]));

beforeAll(async () => {
	const drawn = await logos.toStoredLogo(pngUrl);
	if (!drawn.ok) throw new Error(drawn.message);
	storedPng = drawn.dataUrl;
	agency = await factory.agency();
	admin = { id: crypto.randomUUID(), agencyId: agency.id, role: 'agency_admin', creditorId: null, email: 'admin@example.com', name: 'Admin' };
});

afterAll(async () => {
	await closeDb();
});

describe('creating a creditor from the admin area', () => {
	it('stores the legal data, the brand with its logo, the sender names and retention, with policy v1 and an audit record', async () => {
		const c = await created();
		expect(c).toMatchObject({
			agencyId: agency.id,
			primaryColor: '#7c2d12',
			logo: storedPng,
			smsSender: 'LOJATESTE',
			emailSenderName: 'Loja Teste Cobrança',
			retentionDays: 730,
			pixKey: c.cnpj,
			pixMerchantCity: 'Curitiba'
		});
		const [policy] = await db().select().from(policies).where(eq(policies.creditorId, c.id));
		expect(policy.version).toBe(1);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, c.id), eq(auditLog.action, 'creditor.create')));
		expect(entry).toMatchObject({ actorType: 'staff', actorId: admin.id, agencyId: agency.id });
		const data = entry.data as { before: unknown; after: Record<string, unknown> };
		expect(data.before).toBeNull();
		expect(data.after).toMatchObject({ slug: c.slug, cnpj: c.cnpj, primaryColor: '#7c2d12', retentionDays: 730 });
		// The audit log keeps a summary of the logo, not the image.
		expect(data.after.logo).toMatch(/^image\/png, 1 KB, sha256 [0-9a-f]{12}$/);
	});

	it('accepts an alphanumeric CNPJ and refuses a wrong check digit, writing nothing', async () => {
		expect((await create({ cnpj: '12.ABC.345/01DE-35' })).ok).toBe(true);
		const before = await countCreditors();
		const r = await create({ cnpj: '12.ABC.345/01DE-36' });
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.errors.cnpj?.[0]).toContain('CNPJ do credor inválido');
		expect(await countCreditors()).toBe(before);
	});

	it('refuses a slug or a host name another creditor uses', async () => {
		const first = await created();
		const before = await countCreditors();
		const r = await create({ slug: first.slug, host: first.host });
		expect(r.ok).toBe(false);
		if (!r.ok) {
			expect(r.errors.slug).toEqual(['Este identificador (slug) já é usado por outro credor.']);
			expect(r.errors.host).toEqual(['Este domínio já é usado por outro credor.']);
		}
		expect(await countCreditors()).toBe(before);
	});

	it('refuses a bad colour, a bad host name, a long SMS sender and a short retention, each on its field', async () => {
		const r = await create({ primaryColor: 'azul', host: 'https://Negocie.Example.com:8080', smsSender: 'LOJA TESTE 123', retentionDays: '90' });
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(r.errors.primaryColor?.[0]).toContain('Cor inválida');
		expect(r.errors.host?.[0]).toContain('Domínio inválido');
		expect(r.errors.smsSender?.[0]).toContain('até 11 letras ou números');
		expect(r.errors.retentionDays?.[0]).toBe('Retenção: no mínimo 365 dias.');
	});

	it('requires the address (CDC art. 42-A)', async () => {
		const r = await create({ address: '' });
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.errors.address).toEqual(['Informe o endereço.']);
	});

	it.each([
		['a script', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'script'],
		['an event handler', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>', 'atributos de evento'],
		['a javascript: link', '<svg xmlns="http://www.w3.org/2000/svg"><a href="jav&#x61;script:alert(1)"><rect/></a></svg>', 'javascript:'],
		['an external image', '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.example/x.png"/></svg>', 'endereço externo'],
		['an external stylesheet', '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>', 'externos'],
		['an animated link', '<svg xmlns="http://www.w3.org/2000/svg"><a href="#x"><set attributeName="href" to="https://evil.example"/></a></svg>', 'anima um link']
	])('refuses an SVG logo with %s', async (_, svg, message) => {
		const r = await create({ logo: svgUrl(svg) });
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.errors.logo?.[0]).toContain(message);
	});

	it('accepts a plain SVG logo with internal references', async () => {
		const svg =
			'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs><rect width="10" height="10" fill="url(#g)"/><use href="#g"/></svg>';
		const c = await created({ logo: svgUrl(svg) });
		// Stored as the PNG drawn from it, fit in 512 × 512: the SVG itself is never kept.
		expect(c.logo).toMatch(/^data:image\/png;base64,/);
		expect(logos.pngSize(pngOf(c.logo))).toEqual({ width: 512, height: 512 });
	});

	it('stores a PNG or a JPEG drawn again, at its own size, never the bytes that were sent', async () => {
		expect(storedPng).not.toBe(pngUrl);
		expect(logos.pngSize(pngOf(storedPng))).toEqual({ width: 48, height: 48 });
		const jpeg = fs.readFileSync(path.resolve('tests/fixtures/logo-credor.jpg'));
		const c = await created({ logo: `data:image/jpeg;base64,${jpeg.toString('base64')}` });
		expect(logos.pngSize(pngOf(c.logo))).toEqual({ width: 120, height: 80 });
	});

	it('says so, in Portuguese, when the PNG drawn from a logo would pass 200 KB even made smaller, and does not offer it again', async () => {
		const noise =
			'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><filter id="n"><feTurbulence baseFrequency="0.9" numOctaves="4"/></filter><rect width="100" height="100" filter="url(#n)"/></svg>';
		const input = validInput({ logo: svgUrl(noise) });
		const r = await db().transaction((tx) => creditors.createCreditor(tx, input, { agencyId: agency.id, actor: { type: 'staff', id: admin.id } }));
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(r.errors.logo?.[0]).toMatch(/^Logo grande demais depois de convertido para PNG \(\d+ KB\): o limite é 200 KB\. Envie uma imagem mais simples/);
		expect(creditors.echoForm(input, r.errors).logo).toBeUndefined();
		expect(creditors.echoForm(input, { cnpj: ['CNPJ do credor inválido'] }).logo).toBe(svgUrl(noise));
	});

	it('types a logo by its bytes: a PNG named SVG, a text file and one over 200 KB are refused', async () => {
		const lying = await create({ logo: `data:image/svg+xml;base64,${Buffer.from(png).toString('base64')}` });
		expect(!lying.ok && lying.errors.logo?.[0]).toContain('não corresponde ao conteúdo');
		const text = await create({ logo: `data:image/png;base64,${Buffer.from('olá, mundo').toString('base64')}` });
		expect(!text.ok && text.errors.logo?.[0]).toContain('não é PNG, SVG nem JPEG');
		const big = new Uint8Array(201 * 1024);
		big.set(png.subarray(0, 8));
		const huge = await create({ logo: `data:image/png;base64,${Buffer.from(big).toString('base64')}` });
		expect(!huge.ok && huge.errors.logo?.[0]).toContain('o limite é 200 KB');
	});

	it('reads an uploaded file from the form as a data: URL typed by its magic bytes', async () => {
		const form = new FormData();
		for (const [k, v] of Object.entries(validInput({ logo: undefined }))) if (typeof v === 'string') form.set(k, v);
		form.set('logo', new File([png], 'logo.svg', { type: 'image/svg+xml' }));
		const input = await creditors.inputFromForm(form);
		expect(input.logo).toBe(pngUrl);
		const removal = new FormData();
		removal.set('removerLogo', 'on');
		expect((await creditors.inputFromForm(removal)).logo).toBeNull();
	});
});

describe('editing a creditor', () => {
	it('saves the changes and audits only what changed, before and after', async () => {
		const c = await created();
		const r = await db().transaction((tx) =>
			creditors.updateCreditor(tx, c.id, { ...formOf(c), primaryColor: '#0F766E', displayName: 'Loja Nova', retentionDays: '1095' }, { scope: admin, actor: { type: 'staff', id: admin.id }, ip: '203.0.113.9' })
		);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.changed.sort()).toEqual(['displayName', 'primaryColor', 'retentionDays']);
		expect(r.creditor).toMatchObject({ primaryColor: '#0f766e', displayName: 'Loja Nova', retentionDays: 1095, logo: storedPng });
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, c.id), eq(auditLog.action, 'creditor.update')));
		expect(entry).toMatchObject({ actorType: 'staff', actorId: admin.id, ip: '203.0.113.9' });
		expect(entry.data).toEqual({
			before: { displayName: 'Loja Teste', primaryColor: '#7c2d12', retentionDays: 730 },
			after: { displayName: 'Loja Nova', primaryColor: '#0f766e', retentionDays: 1095 }
		});
	});

	it('writes nothing, not even an audit record, when nothing changed', async () => {
		const c = await created();
		const r = await db().transaction((tx) => creditors.updateCreditor(tx, c.id, formOf(c), { scope: admin, actor: { type: 'staff', id: admin.id } }));
		expect(r.ok && r.changed).toEqual([]);
		expect(await db().select().from(auditLog).where(and(eq(auditLog.entityId, c.id), eq(auditLog.action, 'creditor.update')))).toHaveLength(0);
	});

	it("keeps its own slug but refuses another creditor's slug or host, changing nothing", async () => {
		const a = await created();
		const b = await created();
		const r = await db().transaction((tx) => creditors.updateCreditor(tx, b.id, { ...formOf(b), slug: a.slug, host: a.host!.toUpperCase() }, { scope: admin, actor: { type: 'staff', id: admin.id } }));
		expect(r.ok).toBe(false);
		if (!r.ok && !r.notFound) {
			expect(r.errors.slug).toEqual(['Este identificador (slug) já é usado por outro credor.']);
			expect(r.errors.host).toEqual(['Este domínio já é usado por outro credor.']);
		}
		expect(await db().query.creditors.findFirst({ where: eq(creditorsTable.id, b.id) })).toMatchObject({ slug: b.slug, host: b.host });
	});

	it('refuses an SVG with a script on edit too, keeping the old logo', async () => {
		const c = await created();
		const r = await db().transaction((tx) =>
			creditors.updateCreditor(tx, c.id, { ...formOf(c), logo: svgUrl('<svg><SCRIPT>x</SCRIPT></svg>') }, { scope: admin, actor: { type: 'staff', id: admin.id } })
		);
		expect(!r.ok && !r.notFound && r.errors.logo?.[0]).toContain('script');
		expect((await db().query.creditors.findFirst({ where: eq(creditorsTable.id, c.id) }))!.logo).toBe(storedPng);
	});

	it('removes the logo when asked, and the audit shows it went away', async () => {
		const c = await created();
		const r = await db().transaction((tx) => creditors.updateCreditor(tx, c.id, { ...formOf(c), logo: null }, { scope: admin, actor: { type: 'staff', id: admin.id } }));
		expect(r.ok && r.creditor.logo).toBeNull();
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, c.id), eq(auditLog.action, 'creditor.update')));
		expect((entry.data as { after: { logo: unknown } }).after.logo).toBeNull();
	});
});

describe("a creditor manager reaches only their creditor", () => {
	it('cannot update another creditor: not found, nothing changed, nothing audited', async () => {
		const mine = await created();
		const theirs = await created();
		const manager: StaffPrincipal = { id: crypto.randomUUID(), agencyId: agency.id, role: 'creditor_manager', creditorId: mine.id, email: 'g@example.com', name: 'Gestora' };
		const r = await db().transaction((tx) =>
			creditors.updateCreditor(tx, theirs.id, { ...formOf(theirs), displayName: 'Invadido' }, { scope: manager, actor: { type: 'staff', id: manager.id } })
		);
		expect(r).toEqual({ ok: false, notFound: true });
		expect((await db().query.creditors.findFirst({ where: eq(creditorsTable.id, theirs.id) }))!.displayName).toBe('Loja Teste');
		expect(await db().select().from(auditLog).where(and(eq(auditLog.entityId, theirs.id), eq(auditLog.action, 'creditor.update')))).toHaveLength(0);

		// The access module: out of reach (the routes answer 404), and a manager may edit but not create creditors.
		expect(await creditors.findInReach(db(), manager, theirs.id)).toBeNull();
		expect(await access.reaches(db(), manager, 'creditor', theirs.id)).toBe(false);
		expect(await access.reaches(db(), manager, 'creditor', mine.id)).toBe(true);
		expect([...(await access.reachable(db(), manager, 'creditor', [mine.id, theirs.id, 'x']))]).toEqual([mine.id]);
		expect((await creditors.findInReach(db(), manager, mine.id))!.id).toBe(mine.id);
		expect(can(manager, 'manage_creditor')).toBe(true);
		expect(can(manager, 'create_creditor')).toBe(false);
		expect((await creditors.listInReach(db(), manager)).map((c) => c.id)).toEqual([mine.id]);

		const updated = await db().transaction((tx) =>
			creditors.updateCreditor(tx, mine.id, { ...formOf(mine), displayName: 'Minha Loja' }, { scope: manager, actor: { type: 'staff', id: manager.id } })
		);
		expect(updated.ok).toBe(true);
	});

	it('cannot publish a policy for another creditor, nor reach it from another agency', async () => {
		const mine = await created();
		const theirs = await created();
		const manager = { agencyId: agency.id, creditorId: mine.id };
		const r = await db().transaction((tx) => policyVersions.publish(tx, { creditorId: theirs.id, policy: DEFAULT_POLICY, scope: manager, actor: { type: 'staff', id: null } }));
		expect(r).toEqual({ ok: false, reason: 'not_found' });
		const other = await factory.agency();
		expect(await creditors.findInReach(db(), { agencyId: other.id, creditorId: null }, mine.id)).toBeNull();
		expect(await db().select().from(policies).where(eq(policies.creditorId, theirs.id))).toHaveLength(1);
	});
});

describe('publishing a policy', () => {
	it('creates version 2 with its author and audit, and an agreement made under version 1 keeps it', async () => {
		const w = await factory.world({ daysPastDue: 100 });
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		expect(sel.policyVersion).toBe(1);
		const accepted = await db().transaction((tx) =>
			agreements.accept(tx, { debtor: w.debtor, debtIds: [w.debt.id], kind: 'cash', count: 1, firstDueDate: sel.set.firstDueDate, today })
		);
		if (!accepted.ok) throw new Error(accepted.message);

		const r = await db().transaction((tx) =>
			policyVersions.publish(tx, { creditorId: w.creditor.id, policy: policyToJsonExample, basedOn: 1, scope: { agencyId: w.agency.id, creditorId: null }, actor: { type: 'staff', id: admin.id }, ip: '198.51.100.7' })
		);
		expect(r).toEqual({ ok: true, version: 2 });

		const versions = await db().select().from(policies).where(eq(policies.creditorId, w.creditor.id)).orderBy(policies.version);
		expect(versions.map((v) => [v.version, v.createdBy])).toEqual([[1, null], [2, admin.id]]);
		expect(versions[0].body).toEqual(DEFAULT_POLICY);
		const [agreement] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, accepted.agreement.id));
		expect(agreement.policyVersion).toBe(1);

		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, w.creditor.id), eq(auditLog.action, 'policy.publish')));
		expect(entry).toMatchObject({ actorType: 'staff', actorId: admin.id, ip: '198.51.100.7' });
		expect(entry.data).toEqual({ version: 2, before: { version: 1, policy: DEFAULT_POLICY }, after: { version: 2, policy: policyToJsonExample } });

		const listed = await creditors.listInReach(db(), { agencyId: w.agency.id, creditorId: null });
		expect(listed.map((c) => [c.id, c.policyVersion])).toEqual([[w.creditor.id, 2]]);
		const history = await policyVersions.history(db(), w.creditor.id);
		expect(history.map((h) => h.version)).toEqual([2, 1]);
		expect((await policyVersions.byVersion(db(), w.creditor.id, 1))?.policy).toEqual(DEFAULT_POLICY);
	});

	it('refuses a consumer late fee above 2 % with the law, and a stale base, publishing nothing', async () => {
		const w = await factory.world();
		const scope = { agencyId: w.agency.id, creditorId: null };
		const bad = await db().transaction((tx) =>
			policyVersions.publish(tx, { creditorId: w.creditor.id, policy: { ...DEFAULT_POLICY, lateFeePercent: 2.5 }, scope, actor: { type: 'staff', id: admin.id } })
		);
		expect(bad).toEqual({ ok: false, reason: 'invalid', issues: [{ path: ['lateFeePercent'], message: 'Multa acima de 2% não é permitida para dívidas de consumo (CDC art. 52 §1).' }] });
		await db().transaction((tx) => policyVersions.publish(tx, { creditorId: w.creditor.id, policy: DEFAULT_POLICY, scope, actor: { type: 'cli' } }));
		const stale = await db().transaction((tx) => policyVersions.publish(tx, { creditorId: w.creditor.id, policy: policyToJsonExample, basedOn: 1, scope, actor: { type: 'staff', id: admin.id } }));
		expect(stale).toEqual({ ok: false, reason: 'conflict', current: 2 });
		expect(await db().select().from(policies).where(eq(policies.creditorId, w.creditor.id))).toHaveLength(2);
	});

	it('gives two concurrent publications consecutive versions', async () => {
		const w = await factory.world();
		const scope = { agencyId: w.agency.id, creditorId: null };
		const results = await Promise.all(
			[0, 1, 2].map(() => db().transaction((tx) => policyVersions.publish(tx, { creditorId: w.creditor.id, policy: policyToJsonExample, scope, actor: { type: 'staff', id: admin.id } })))
		);
		expect(results.map((r) => (r.ok ? r.version : 0)).sort()).toEqual([2, 3, 4]);
	});
});

describe('the policy form', () => {
	it('round-trips a policy through the form fields, reais and pt-BR decimals included', () => {
		const draft = draftFromPolicy(policyToJsonExample);
		expect(draft.bands[0]).toMatchObject({ minInstallment: '50,00', installmentInterestMonthlyPercent: '1,5', maxDaysPastDue: '180' });
		expect(draft.bands[2].maxDaysPastDue).toBe('');
		const back = checkDraft(draftFromForm(draftToFormData(draft)));
		expect(back).toEqual({ ok: true, policy: policyToJsonExample });
	});

	it("puts the schema's messages on the fields they are about", () => {
		const draft = draftFromPolicy(policyToJsonExample);
		draft.bands[0].minInstallment = 'cinquenta';
		draft.bands[2].installmentsMax = '61';
		const fields = checkDraft(draft);
		expect(!fields.ok && fields.errors).toEqual({
			'bands.0.minInstallment': ['Parcela mínima (R$): informe um valor em reais, por exemplo 50,00.'],
			'bands.2.installmentsMax': ['No máximo 60 parcelas (5 anos, Lei 14.181/2021).']
		});

		// Rules across fields come once every field reads, as with the CLI (the same schema).
		const rules = draftFromPolicy(policyToJsonExample);
		rules.lateFeePercent = '2,5';
		rules.bands[1].minDaysPastDue = '200';
		const r = checkDraft(rules);
		expect(!r.ok && r.errors).toEqual({
			lateFeePercent: ['Multa acima de 2% não é permitida para dívidas de consumo (CDC art. 52 §1).'],
			'bands.1.minDaysPastDue': ['Há um intervalo sem faixa entre as faixas 1 e 2: a faixa 2 deve começar em 181 dias.']
		});
		rules.consumer = false;
		rules.bands[1].minDaysPastDue = '181';
		expect(checkDraft(rules).ok).toBe(true);

		rules.bands = [];
		const none = checkDraft(rules);
		expect(!none.ok && none.formErrors).toEqual(['Cadastre ao menos uma faixa de atraso.']);
	});
});

describe('the simulator', () => {
	const draftPolicy: Policy = { ...policyToJsonExample, bands: policyToJsonExample.bands.map((b) => ({ ...b, cashDiscountMaxPercent: b.cashDiscountMaxPercent + 5 })) };

	it('shows for a typed debt exactly what offersFor computes under the draft', async () => {
		const w = await factory.world();
		for (const [principalCents, daysPastDue] of [[123_456, 30], [98_765_43, 400], [4_990, 1000]] as const) {
			const dueDate = addDays(today, -daysPastDue);
			const r = await policyVersions.simulate(db(), { creditorId: w.creditor.id, policy: draftPolicy, debt: { principalCents, dueDate }, today });
			expect(r.ok).toBe(true);
			if (!r.ok) continue;
			expect(r.set).toEqual(offersFor({ debts: [policyVersions.typedDebt(principalCents, dueDate)], policy: draftPolicy, today }));
		}
	});

	it("shows for a real debt what the debtor's portal shows once the draft is published", async () => {
		const w = await factory.world({ daysPastDue: 250, principalCents: 345_678 });
		const before = await policyVersions.simulate(db(), { creditorId: w.creditor.id, policy: draftPolicy, debt: { debtId: w.debt.id }, today });
		await db().transaction((tx) => policyVersions.publish(tx, { creditorId: w.creditor.id, policy: draftPolicy, scope: { agencyId: w.agency.id, creditorId: null }, actor: { type: 'cli' } }));
		const portal = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
		expect(before.ok && portal.ok).toBe(true);
		if (!before.ok || !portal.ok) return;
		expect(before.set).toEqual(portal.set);
		expect(before.set.cash.totalCents).toBeLessThan(before.set.updatedTotalCents);
	});

	it("finds only this creditor's open debts, and simulates none of another's", async () => {
		const w = await factory.world();
		const other = await factory.world();
		const hits = await policyVersions.searchOpenDebts(db(), w.creditor.id, w.debt.externalId.slice(0, 6));
		expect(hits.map((h) => h.id)).toEqual([w.debt.id]);
		expect(hits[0].debtorDocument).toMatch(/^\*\*\*\.\d{3}\.\d{3}-\*\*$/);
		expect(await policyVersions.searchOpenDebts(db(), w.creditor.id, other.debt.externalId)).toEqual([]);
		expect(await policyVersions.searchOpenDebts(db(), w.creditor.id, 'Pessoa Teste')).toHaveLength(1);
		const r = await policyVersions.simulate(db(), { creditorId: w.creditor.id, policy: DEFAULT_POLICY, debt: { debtId: other.debt.id }, today });
		expect(r).toEqual({ ok: false, message: 'Dívida não encontrada entre as dívidas em aberto deste credor.' });
	});
});
