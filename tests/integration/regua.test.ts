import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { parsePix } from 'pix-utils';
import { db } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import * as messaging from '../../src/lib/server/messaging';
import * as regua from '../../src/lib/server/regua';
import { DEFAULT_REGUA } from '../../src/lib/schemas/regua';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { runAcerto } from '../support/cli';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';

/**
 * The régua: a daily run finds what each step is due for, fires each step at most once per debt,
 * agreement or installment (ever), and queues one message per debtor, composed when sent — the
 * installment reminders carry the Pix copia-e-cola and a link to the installment.
 */

// Monday 7 Dec 2026, 10:00 in São Paulo.
const NOW = new Date('2026-12-07T13:00:00Z');
const TODAY = todayInSaoPaulo(NOW);
const at = (d: Date) => () => d;

let w: Awaited<ReturnType<typeof factory.world>>;
let lateDebtor: { id: string };
let installmentDebtor: { id: string };

let own: Awaited<ReturnType<typeof ownDatabase>>;

beforeAll(async () => {
	own = await ownDatabase('regua');
	process.env.MESSAGING_DRIVER = 'console';
	resetConfig();
	w = await factory.world();
	await db().execute(sql`update debtors set email = null, phone = '+5511955552001' where id = ${w.debtor.id}::uuid`);
	const set = await regua.set(db(), { creditorId: w.creditor.id, agencyId: w.agency.id, body: DEFAULT_REGUA, actor: { type: 'cli' } });
	expect(set).toMatchObject({ ok: true, version: 1 });

	// Due five days ago: the "vencida-d5" step.
	lateDebtor = await factory.debtor(w.agency.id, { phone: '+5511955552002', email: null });
	await factory.debt(w.creditor.id, lateDebtor.id, { externalId: 'LATE-5', dueDate: addDays(TODAY, -5) });
	// An agreement in installments whose second payment is due in two days ("parcela-d-2").
	installmentDebtor = await factory.debtor(w.agency.id, { phone: '+5511955552003', email: null });
	const debt = await factory.debt(w.creditor.id, installmentDebtor.id, { externalId: 'PLAN-1', dueDate: addDays(TODAY, -400), principalCents: 300_000 });
	const acceptedOn = addDays(TODAY, -28);
	const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: installmentDebtor.id, debtIds: [debt.id], today: acceptedOn });
	if (!sel.ok) throw new Error(sel.message);
	const plan = sel.set.plans.find((p) => p.count >= 2)!;
	const made = await db().transaction((tx) =>
		agreements.accept(tx, { debtor: { id: installmentDebtor.id, agencyId: w.agency.id }, debtIds: [debt.id], kind: 'installments', count: plan.count, firstDueDate: sel.set.firstDueDate, today: acceptedOn })
	);
	if (!made.ok) throw new Error(made.message);
	// The entry is paid; the next installment falls due in two days.
	await db().execute(sql`update installments set status = 'paid', paid_at = now(), paid_cents = amount_cents where agreement_id = ${made.agreement.id}::uuid and seq = 1`);
	await db().execute(sql`update installments set due_date = ${addDays(TODAY, 2)}::date where agreement_id = ${made.agreement.id}::uuid and seq = 2`);
	await db().execute(sql`update agreements set created_at = ${new Date(NOW.getTime() - 28 * 86_400_000).toISOString()}::timestamptz where id = ${made.agreement.id}::uuid`);
});

afterAll(async () => {
	await own?.drop();
});

describe('the daily régua', () => {
	it('fires each due step once, and a second run the same day queues nothing', async () => {
		const first = await regua.run(db(), NOW);
		expect(first.queued).toBeGreaterThanOrEqual(2);
		const steps = await db().execute<{ regua_step: string; debtor_id: string }>(sql`
			select regua_step, debtor_id from outbox where creditor_id = ${w.creditor.id}::uuid and kind = 'regua' order by regua_step`);
		expect(steps).toEqual(
			expect.arrayContaining([
				{ regua_step: 'vencida-d5', debtor_id: lateDebtor.id },
				{ regua_step: 'parcela-d-2', debtor_id: installmentDebtor.id }
			])
		);
		const again = await regua.run(db(), NOW);
		expect(again).toMatchObject({ fired: 0, queued: 0 });
		// Three days later (inside the catch-up window) the same steps still do not fire again.
		const later = await regua.run(db(), new Date(NOW.getTime() + 2 * 86_400_000));
		const [{ n }] = await db().execute<{ n: number }>(sql`
			select count(*)::int as n from outbox where creditor_id = ${w.creditor.id}::uuid and regua_step in ('vencida-d5', 'parcela-d-2')`);
		expect(n).toBe(2);
		expect(later.fired).toBeGreaterThanOrEqual(0);
	});

	it('composes the installment reminder with the Pix copia-e-cola of that installment, naming the creditor', async () => {
		await messaging.deliverDue(db(), { now: at(NOW) });
		const [m] = await db().execute<{ status: string; text: string; template: { name: string; params: string[] } }>(sql`
			select status, text, template from outbox where debtor_id = ${installmentDebtor.id}::uuid and regua_step = 'parcela-d-2'`);
		expect(m.status).toBe('sent');
		expect(m.template.name).toBe('acerto_parcela_vence');
		expect(m.text).toContain(w.creditor.displayName);
		const brcode = m.template.params[3];
		const pix = parsePix(brcode);
		expect('transactionAmount' in pix && pix.transactionAmount).toBeGreaterThan(0);
		const [inst] = await db().execute<{ amount_cents: number; txid: string }>(sql`
			select i.amount_cents, i.txid from installments i join agreements a on a.id = i.agreement_id where a.debtor_id = ${installmentDebtor.id}::uuid and i.seq = 2`);
		expect(Math.round(Number((pix as { transactionAmount: number }).transactionAmount) * 100)).toBe(Number(inst.amount_cents));
		expect(brcode).toContain(inst.txid);
		expect(m.template.params[1]).toMatch(/^2 de \d+, R\$ [\d.,]+, vencimento \d{2}\/\d{2}\/\d{4}$/);
		const [link] = await db().execute<{ target: string }>(sql`select target from short_links where debtor_id = ${installmentDebtor.id}::uuid`);
		expect(link.target).toMatch(/^\/acordos\/[A-Z0-9-]+\/parcelas\/2$/);
	});

	it('acerto regua set refuses a broken régua in pt-BR and shows the one in force', async () => {
		const fs = await import('node:fs');
		const os = await import('node:os');
		const path = await import('node:path');
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regua-'));
		const bad = path.join(dir, 'ruim.json');
		fs.writeFileSync(bad, JSON.stringify({ steps: [{ ...DEFAULT_REGUA.steps[0], offsetDays: 400 }] }));
		const env = { DATABASE_URL: process.env.DATABASE_URL };
		const refused = await runAcerto(['regua', 'set', w.creditor.slug, bad], env);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/No máximo 365 dias depois/);
		const shown = await runAcerto(['regua', 'show', w.creditor.slug], env);
		expect(shown.code).toBe(0);
		expect(shown.stdout).toMatch(/versão 1/);
		expect(shown.stdout).toMatch(/parcela-d-2\s+Vencimento da parcela · D-2/);
	});
});
