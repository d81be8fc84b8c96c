import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { installments } from '../../src/lib/server/db/schema';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import * as agreements from '../../src/lib/server/agreements';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import * as offers from '../../src/lib/server/offers';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatBRL } from '../../src/lib/format/money';
import { startApp, type App } from '../support/app-server';
import { launch, phone } from '../support/browser';
import * as factory from '../support/factory';

/**
 * The served portal after a break: the debts page says plainly what was paid before and that it
 * is taken off, and the value it shows is the offers' value. `ACERTO_SCREENSHOTS=<dir>` also
 * saves the page at 360×800.
 */

let app: App;
let w: Awaited<ReturnType<typeof factory.world>>;
let cookie = '';
let token = '';
let paid = 0;
const today = todayInSaoPaulo();

beforeAll(async () => {
	app = await startApp(inject('databaseUrl'));
	w = await factory.world({ principalCents: 150_000, daysPastDue: 40 });
	const debtor = { id: w.debtor.id, agencyId: w.agency.id };
	const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
	if (!sel.ok) throw new Error(sel.message);
	const plan = sel.set.plans[1];
	const r = await db().transaction((tx) =>
		agreements.accept(tx, { debtor, debtIds: [w.debt.id], kind: 'installments', count: plan.count, firstDueDate: sel.set.firstDueDate, expected: { totalCents: plan.totalCents, installments: plan.installments.map((i) => i.amountCents) }, today })
	);
	if (!r.ok) throw new Error(r.message);
	const [first, second] = await db().select().from(installments).where(eq(installments.agreementId, r.agreement.id)).orderBy(asc(installments.seq));
	await db().transaction((tx) => lifecycle.recordPayment(tx, { installmentId: first.id, amountCents: first.amountCents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId: `PAGE${Date.now()}`, actor: { type: 'system' } }));
	paid = first.amountCents;
	expect(await db().transaction((tx) => lifecycle.breakIfOverdue(tx, r.agreement.id, addDays(second.dueDate, 60)))).toMatchObject({ status: 'broken', creditedCents: paid });
	token = generateSessionToken();
	await createSession(db(), token, w.debtor, 30);
	cookie = `${SESSION_COOKIE}=${token}`;
});

afterAll(async () => {
	await app?.stop();
	await closeDb();
});

describe('the debts page of a debt with credit', () => {
	it('shows what was paid before, taken off, and the same value the offers use', async () => {
		const res = await fetch(`${app.base}/c/${w.creditor.slug}/dividas`, { redirect: 'manual', headers: { cookie, accept: 'text/html' } });
		expect(res.status).toBe(200);
		const html = (await res.text()).replace(/<!--.*?-->/g, '').replace(/\s+/g, ' ');
		expect(html).toContain(`Já pago antes: <strong>${formatBRL(paid)}</strong> — abatido do valor.`);
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		expect(sel.set.breakdown[0].creditCents).toBe(paid);
		expect(html).toContain(`<strong>Valor atualizado</strong><strong>${formatBRL(sel.set.updatedTotalCents)}</strong>`);

		const dir = process.env.ACERTO_SCREENSHOTS;
		if (dir) {
			const browser = await launch();
			const ctx = await phone(browser);
			await ctx.addCookies([{ name: SESSION_COOKIE, value: token, url: app.base }]);
			const page = await ctx.newPage();
			await page.goto(`${app.base}/c/${w.creditor.slug}/dividas`);
			await page.getByText('Como chegamos a esse valor').click();
			await page.screenshot({ path: `${dir}/dividas-credito-360.png`, fullPage: true });
			await browser.close();
		}
	});
});
