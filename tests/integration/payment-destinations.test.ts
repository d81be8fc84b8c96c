import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, desc, eq, sql } from 'drizzle-orm';
import { generateHOTP } from '@oslojs/otp';
import { parsePix } from 'pix-utils';
import { closeDb, db } from '../../src/lib/server/db/client';
import { auditLog, creditors, installments, outbox, staff } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import * as staffAuth from '../../src/lib/server/staff';
import { openTotpKey } from '../../src/lib/server/staff/totp';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import { startApp, type App } from '../support/app-server';
import * as factory from '../support/factory';

/**
 * Payment destinations are frozen at issue. The review: changing a creditor's Pix key or bank
 * account (one manager, no second factor) silently redirected every pending installment of every
 * existing agreement, since Pix codes and boletos were rebuilt from the current settings on each
 * request. Now each installment keeps where it was issued to; new settings apply to new
 * installments; re-issuing old ones is explicit, audited, withdraws the old slips and tells the
 * debtor; and changing where the money goes asks for the password (and TOTP when on).
 */

let app: App;
let w: Awaited<ReturnType<typeof factory.world>>;
let managerCookie = '';
let code = '';
const PASSWORD = 'ipê amarelo na serra 9';
const today = todayInSaoPaulo();

async function staffCookie(email: string, role: 'creditor_manager' | 'agency_admin', creditorId: string | null): Promise<string> {
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: w.agency.id, email, role, creditorId }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: 'Gestora', password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	const res = await fetch(`${app.base}/admin/entrar`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ email, senha: PASSWORD })
	});
	return res.headers.getSetCookie().find((c) => c.startsWith(`${staffAuth.STAFF_COOKIE}=`))!.split(';')[0];
}

/** The creditor form as it stands, with some fields changed. */
async function formWith(changes: Record<string, string>): Promise<URLSearchParams> {
	const [c] = await db().select().from(creditors).where(eq(creditors.id, w.creditor.id));
	const form = new URLSearchParams({
		legalName: c.legalName,
		cnpj: c.cnpj,
		address: c.address,
		displayName: c.displayName,
		primaryColor: c.primaryColor,
		slug: c.slug,
		pixKey: c.pixKey,
		pixMerchantName: c.pixMerchantName,
		pixMerchantCity: c.pixMerchantCity,
		boletoBankCode: c.boletoBankCode,
		boletoAgency: c.boletoAgency,
		boletoAccount: c.boletoAccount,
		boletoWallet: c.boletoWallet,
		retentionDays: String(c.retentionDays)
	});
	for (const [k, v] of Object.entries(changes)) form.set(k, v);
	return form;
}

function postAdmin(path: string, form: URLSearchParams, cookie = managerCookie) {
	return fetch(app.base + path, { method: 'POST', redirect: 'manual', headers: { origin: app.base, cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: form });
}

/** What the debtor sees on the installment page: the Pix copia-e-cola and the boleto's linha digitável. */
async function portalSlip(): Promise<{ pix: string; linha: string }> {
	const asked = await fetch(`${app.base}/c/${w.creditor.slug}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ documento: w.debtor.document })
	});
	const otpCookie = asked.headers.getSetCookie().find((c) => c.startsWith('acerto_otp='))!.split(';')[0];
	await new Promise((r) => setTimeout(r, 100));
	const [m] = await db().select().from(outbox).where(eq(outbox.to, w.debtor.phone!)).orderBy(desc(outbox.createdAt)).limit(1);
	const otp = m.text.match(/\b(\d{6})\b/)![1];
	const verified = await fetch(`${app.base}/c/${w.creditor.slug}/codigo`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, cookie: otpCookie, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ codigo: otp })
	});
	const session = verified.headers.getSetCookie().find((c) => c.startsWith('acerto_session='))!.split(';')[0];
	const html = await (await fetch(`${app.base}/c/${w.creditor.slug}/acordos/${code}/parcelas/1`, { headers: { cookie: session } })).text();
	const pix = html.match(/<textarea[^>]*>(000201[^<]+)<\/textarea>/)![1].replace(/&amp;/g, '&');
	const linha = html.match(/class="linha[^"]*">([\d. ]+)</)![1];
	return { pix, linha };
}

const keyOf = (pix: string) => (parsePix(pix) as { pixKey?: string }).pixKey;

beforeAll(async () => {
	w = await factory.world({ daysPastDue: 100 });
	app = await startApp(inject('databaseUrl'), { OTP_SENDS_PER_IP_PER_HOUR: '1000' });
	managerCookie = await staffCookie(`gestora${Date.now()}@destinos.example`, 'creditor_manager', w.creditor.id);
	const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
	if (!sel.ok) throw new Error(sel.message);
	const plan = sel.set.plans[0];
	const made = await db().transaction((tx) =>
		agreements.accept(tx, { debtor: { id: w.debtor.id, agencyId: w.agency.id }, debtIds: [w.debt.id], kind: 'installments', count: plan.count, firstDueDate: sel.set.firstDueDate, today })
	);
	if (!made.ok) throw new Error(made.message);
	code = made.agreement.code;
}, 180_000);

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

describe('payment destinations are frozen at issue', () => {
	let before: { pix: string; linha: string };

	it('changing the Pix key or the bank account asks for the password, and nothing changes without it', async () => {
		before = await portalSlip();
		expect(keyOf(before.pix)).toBe('pix@example.com');
		const change = { pixKey: 'financeiro@outra-conta.example', boletoAccount: '7654321' };

		const none = await postAdmin(`/admin/credores/${w.creditor.id}?/salvar`, await formWith(change));
		expect(none.status, app.log().slice(-2000)).toBe(400);
		expect(await none.text()).toContain('confirme com a sua senha');
		const wrong = await postAdmin(`/admin/credores/${w.creditor.id}?/salvar`, await formWith({ ...change, senhaAtual: 'não é esta' }));
		expect(wrong.status).toBe(400);
		const [still] = await db().select().from(creditors).where(eq(creditors.id, w.creditor.id));
		expect({ pixKey: still.pixKey, account: still.boletoAccount }).toEqual({ pixKey: 'pix@example.com', account: '0000001' });

		// Other fields still save without it.
		expect((await postAdmin(`/admin/credores/${w.creditor.id}?/salvar`, await formWith({ emailSenderName: 'Cobrança Teste' }))).status).toBe(200);

		const ok = await postAdmin(`/admin/credores/${w.creditor.id}?/salvar`, await formWith({ ...change, senhaAtual: PASSWORD }));
		expect(ok.status).toBe(200);
		const [after] = await db().select().from(creditors).where(eq(creditors.id, w.creditor.id));
		expect({ pixKey: after.pixKey, account: after.boletoAccount }).toEqual({ pixKey: 'financeiro@outra-conta.example', account: '7654321' });
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'creditor.update'), eq(auditLog.entityId, w.creditor.id))).orderBy(desc(auditLog.id)).limit(1);
		expect(entry.data).toMatchObject({ identityConfirmed: true, after: { pixKey: 'financeiro@outra-conta.example' } });
	});

	it('what the debtor already holds does not change: same Pix code, same boleto', async () => {
		const now = await portalSlip();
		expect(now).toEqual(before);
	});

	it('a new agreement is issued to the new destination', async () => {
		const debt = await factory.debt(w.creditor.id, w.debtor.id, { daysPastDue: 100, externalId: `NOVA-${Date.now()}` });
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		const made = await db().transaction((tx) =>
			agreements.accept(tx, { debtor: { id: w.debtor.id, agencyId: w.agency.id }, debtIds: [debt.id], kind: 'cash', count: 1, firstDueDate: sel.set.firstDueDate, today })
		);
		if (!made.ok) throw new Error(made.message);
		const [inst] = await db().select().from(installments).where(eq(installments.agreementId, made.agreement.id));
		expect({ pixKey: inst.pixKey, account: inst.boletoAccount }).toEqual({ pixKey: 'financeiro@outra-conta.example', account: '7654321' });
	});

	it('re-issuing is explicit: it asks for the password, withdraws the old slips, issues new ones and tells the debtor', async () => {
		const page = (await (await fetch(`${app.base}/admin/credores/${w.creditor.id}`, { headers: { cookie: managerCookie } })).text()).replace(/<!--.*?-->/g, '');
		expect(page).toContain('Parcelas com os dados de pagamento anteriores');
		expect(page).toMatch(/parcelas em aberto, em\s+1 acordo ativo/);
		const refused = await postAdmin(`/admin/credores/${w.creditor.id}?/reemitir`, new URLSearchParams({ senhaAtual: 'errada' }));
		expect(refused.status).toBe(400);
		const pendingBefore = await db().select().from(installments).where(and(eq(installments.status, 'pending'), sql`${installments.agreementId} = (select id from agreements where code = ${code})`));

		const done = await postAdmin(`/admin/credores/${w.creditor.id}?/reemitir`, new URLSearchParams({ senhaAtual: PASSWORD }));
		expect(done.status).toBe(200);
		expect(await done.text()).toContain('reemitidas');
		const rows = await db().select().from(installments).where(sql`${installments.agreementId} = (select id from agreements where code = ${code})`);
		for (const old of pendingBefore) {
			const now = rows.find((r) => r.id === old.id)!;
			expect(now.status).toBe('cancelled');
			const replacement = rows.find((r) => r.id === now.supersededBy)!;
			expect(replacement).toMatchObject({ seq: old.seq, dueDate: old.dueDate, amountCents: old.amountCents, status: 'pending', pixKey: 'financeiro@outra-conta.example', boletoAccount: '7654321' });
			expect(replacement.txid).not.toBe(old.txid);
			expect(replacement.nossoNumero).not.toBe(old.nossoNumero);
		}
		const slip = await portalSlip();
		expect(keyOf(slip.pix)).toBe('financeiro@outra-conta.example');
		expect(slip.linha).not.toBe(before.linha);
		const told = (await db().select().from(outbox).where(eq(outbox.to, w.debtor.phone!))).filter((m) => m.text.includes('dados de pagamento'));
		expect(told).toHaveLength(1);
		expect(told[0].text).toContain(code);
		expect(told[0].text).not.toMatch(/R\$/);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'installment.reissue'), eq(auditLog.entityId, w.creditor.id)));
		expect(entry.data).toMatchObject({ installments: pendingBefore.length, agreements: 1, debtorsTold: 1 });
		// Nothing left to re-issue; doing it again changes nothing.
		expect(await agreements.reissue.outdatedCount(db(), { agencyId: w.agency.id, creditorId: null }, w.creditor.id)).toEqual({ installments: 0, agreements: 0 });
	});
});

describe('confirming who you are', () => {
	it('with TOTP on, the password alone is not enough, and a code is spent once', async () => {
		const email = `totp${Date.now()}@destinos.example`;
		const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: w.agency.id, email, role: 'creditor_manager', creditorId: w.creditor.id }, { type: 'cli' }));
		if (!inv.ok) throw new Error(inv.message);
		const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: 'Gestor', password: PASSWORD, confirm: PASSWORD });
		if (!acc.ok) throw new Error(acc.message);
		const started = staffAuth.beginTotp(email);
		const key = openTotpKey(started.sealed);
		const step = Math.floor(Date.now() / 30_000);
		const who = { id: acc.staffId, agencyId: w.agency.id, role: 'creditor_manager' as const, creditorId: w.creditor.id, email, name: 'Gestor' };
		expect(await staffAuth.confirmTotp(db(), who, started.sealed, generateHOTP(key, BigInt(step - 1), 6))).toEqual({ ok: true });
		expect(await staffAuth.confirmIdentity(db(), who, { password: PASSWORD })).toMatchObject({ ok: false, field: 'codigoTotp' });
		const now = generateHOTP(key, BigInt(step), 6);
		expect(await staffAuth.confirmIdentity(db(), who, { password: PASSWORD, totp: now })).toEqual({ ok: true });
		expect(await staffAuth.confirmIdentity(db(), who, { password: PASSWORD, totp: now })).toMatchObject({ ok: false, field: 'codigoTotp' });
		const [me] = await db().select({ last: staff.totpLastStep }).from(staff).where(eq(staff.id, who.id));
		expect(me.last).toBe(step);
	});
});
