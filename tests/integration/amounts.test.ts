import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agreements, debts, policies } from '../../src/lib/server/db/schema';
import { DEFAULT_POLICY, policySchema } from '../../src/lib/schemas/policy';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import * as offers from '../../src/lib/server/offers';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import { startApp, type App } from '../support/app-server';
import * as factory from '../support/factory';

/**
 * Amounts past what one slip carries (R$ 99.999.999,99) as the debtor meets them in the served
 * portal: such a debt degrades its own card, never the page; no offer passes the cap; and the
 * accept action never skips its check of the values the debtor saw.
 */

let app: App;
let w: Awaited<ReturnType<typeof factory.world>>;
let cookie = '';
const today = todayInSaoPaulo();

beforeAll(async () => {
	app = await startApp(inject('databaseUrl'));
	w = await factory.world({ principalCents: 150_000, daysPastDue: 40 });
	const token = generateSessionToken();
	await createSession(db(), token, w.debtor, 30);
	cookie = `${SESSION_COOKIE}=${token}`;
});

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

const get = (p: string) => fetch(app.base + p, { redirect: 'manual', headers: { cookie, accept: 'text/html' } });

function post(p: string, form: Record<string, string | string[]>) {
	const body = new URLSearchParams();
	for (const [k, v] of Object.entries(form)) for (const x of [v].flat()) body.append(k, x);
	return fetch(app.base + p, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: app.base, cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
		body
	});
}

describe('a debt whose updated value passes R$ 99.999.999,99', () => {
	let huge: typeof debts.$inferSelect;
	beforeAll(async () => {
		// R$ 99.999.999,99 three years late: fee and interest take it far past what a slip carries.
		huge = await factory.debt(w.creditor.id, w.debtor.id, { principalCents: 9_999_999_999, daysPastDue: 3 * 365, description: 'Financiamento enorme' });
	});
	afterAll(async () => {
		await db().delete(debts).where(eq(debts.id, huge.id));
	});

	it('degrades its own card: the page answers, the other debt keeps its value and can be picked', async () => {
		const res = await get(`/c/${w.creditor.slug}/dividas`);
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain('Financiamento enorme');
		expect(html).toContain('Não conseguimos mostrar o valor atualizado desta dívida aqui');
		expect(html).toContain(`value="${w.debt.id}"`);
		expect(html).not.toContain(`value="${huge.id}"`);
		expect(html).toContain('Ver ofertas de');
	});

	it('picked anyway, it gets a clear message instead of offers, and no agreement can be made for it', async () => {
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [huge.id], today });
		expect(sel).toEqual({ ok: false, message: expect.stringContaining('passa de R$ 99.999.999,99') });
		const page = await get(`/c/${w.creditor.slug}/ofertas?d=${huge.id}`);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('passa de R$ 99.999.999,99');
		const normal = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
		if (!normal.ok) throw new Error(normal.message);
		const res = await post(`/c/${w.creditor.slug}/acordos/novo`, {
			d: huge.id,
			tipo: 'cash',
			vencimento: normal.set.firstDueDate,
			aceite: 'sim',
			total: '1',
			valores: '1'
		});
		expect(res.status).toBe(409);
		expect(await res.text()).toContain('passa de R$ 99.999.999,99');
		expect(await db().select().from(agreements).where(eq(agreements.debtorId, w.debtor.id))).toEqual([]);
	});
});

describe('the accept action', () => {
	it('refuses a missing or non-numeric expected total (or installments) and makes no agreement', async () => {
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		const cash = sel.set.cash;
		const base = { d: w.debt.id, tipo: 'cash', vencimento: sel.set.firstDueDate, aceite: 'sim' };
		const good = { total: String(cash.totalCents), valores: String(cash.totalCents) };
		const forms: Record<string, string>[] = [
			{},
			{ valores: good.valores },
			{ total: good.total },
			{ total: 'abc', valores: good.valores },
			{ total: '', valores: good.valores },
			{ total: '1e3', valores: good.valores },
			{ total: good.total, valores: 'x' },
			{ total: good.total, valores: `${good.valores},` }
		];
		for (const form of forms) {
			const res = await post(`/c/${w.creditor.slug}/acordos/novo`, { ...base, ...form });
			expect(res.status, JSON.stringify(form)).toBe(400);
			expect(await res.text()).toContain('Não conseguimos confirmar os valores que você viu');
		}
		expect(await db().select().from(agreements).where(eq(agreements.debtorId, w.debtor.id))).toEqual([]);
		// With what the page showed, the agreement is made.
		const ok = await post(`/c/${w.creditor.slug}/acordos/novo`, { ...base, ...good });
		expect(ok.status).toBe(303);
		expect(await db().select().from(agreements).where(eq(agreements.debtorId, w.debtor.id))).toHaveLength(1);
	});
});

describe('a policy stored before the cap', () => {
	it('with a minimum installment past R$ 99.999.999,99 is brought to the cap by migration 0008, and parses again', async () => {
		const body = structuredClone(DEFAULT_POLICY);
		body.bands[0].minInstallmentCents = 10 ** 15;
		const c = await factory.creditor(w.agency.id);
		await db().insert(policies).values({ creditorId: c.id, version: 2, body });
		expect(policySchema.safeParse(body).success).toBe(false);
		await db().execute(sql.raw(fs.readFileSync('drizzle/0008_policy_amount_cap.sql', 'utf8')));
		const [stored] = await db().select().from(policies).where(eq(policies.creditorId, c.id)).orderBy(policies.version).offset(1);
		const parsed = policySchema.parse(stored.body);
		expect(parsed.bands.map((b) => b.minInstallmentCents)).toEqual(DEFAULT_POLICY.bands.map((b, i) => (i === 0 ? 9_999_999_999 : b.minInstallmentCents)));
		// Everything else is as it was.
		expect({ ...parsed, bands: parsed.bands.slice(1) }).toEqual({ ...DEFAULT_POLICY, bands: DEFAULT_POLICY.bands.slice(1) });
	});
});
