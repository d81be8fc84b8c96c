import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';
import { agencies, agreements as agreementsTable, auditLog, installments, payments, pspAccounts, reviewItems, staff } from '../../src/lib/server/db/schema';
import * as review from '../../src/lib/server/payments/review';
import * as psp from '../../src/lib/server/payments/psp';
import { payableView } from '../../src/lib/server/payments/view';
import { record } from '../../src/lib/server/payments/record';
import { centsToAmount, parseBrCode } from '../../src/lib/server/payments/pix/brcode';
import { policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../support/app-server';
import { runAcerto } from '../support/cli';
import { closedPort } from '../support/fakes/loopback';
import { startFakePsp, pixSpec, pspEnv, type FakePsp } from '../support/fakes/psp';
import * as factory from '../support/factory';
import { ownDatabase } from '../support/own-database';

/**
 * Pix through a PSP on the wire: a fake PSP on loopback (HTTPS, mutual TLS, OAuth2) that checks every
 * request and answer against the Central Bank's yaml, the built app's webhook route, and the sweep.
 */

const CLIENT = { id: 'acerto-client-id', secret: 'acerto-client-secret' };
const WEBHOOK_SECRET = 'segredo-do-webhook-pix-teste';
const POLICY: Policy = {
	...policyToJsonExample,
	bands: policyToJsonExample.bands.map((b, i) => (i === 0 ? { ...b, installments: { min: 2, max: 12 } } : b))
};
const today = todayInSaoPaulo();

let own: Awaited<ReturnType<typeof ownDatabase>>;
let fake: FakePsp;
let app: App;
let base = '';


/** A debtor with an accepted plan of `count` installments; returns its installments in order. */
async function planOf(count: number, creditor: { pixKey?: string } = {}, agency?: typeof agencies.$inferSelect) {
	const a = agency ?? (await factory.agency());
	const c = await factory.creditor(a.id, creditor, POLICY);
	const d = await factory.debtor(a.id);
	const t = await factory.debt(c.id, d.id);
	await factory.acceptPlan(d, [t.id], count, today);
	const [agreement] = await db().select().from(agreementsTable).where(eq(agreementsTable.debtorId, d.id));
	const list = await db().select().from(installments).where(eq(installments.agreementId, agreement.id)).orderBy(asc(installments.seq));
	return { agency: a, creditor: c, debtor: d, agreement, installments: list };
}

const reload = async (id: string) => (await db().select().from(installments).where(eq(installments.id, id)))[0];
const paymentsOf = (installmentId: string) => db().select().from(payments).where(eq(payments.installmentId, installmentId));
const hook = (account = 'env', secret = WEBHOOK_SECRET) => `${base}/webhooks/pix/${account}/${secret}`;
const count = (method: string, path: string | RegExp) => fake.seen.filter((s) => s.method === method && (typeof path === 'string' ? s.path === path : path.test(s.path))).length;

async function post(url: string, body: unknown): Promise<number> {
	const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	await res.arrayBuffer();
	return res.status;
}

beforeAll(async () => {
	own = await ownDatabase('psp');
	fake = await startFakePsp({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
	const port = await closedPort();
	base = `http://127.0.0.1:${port}`;
	app = await startApp(own.url, { ...pspEnv(fake, CLIENT, WEBHOOK_SECRET), JOBS: 'off', PORT: String(port), PUBLIC_BASE_URL: base });
	Object.assign(process.env, pspEnv(fake, CLIENT, WEBHOOK_SECRET), { PUBLIC_BASE_URL: base });
	resetConfig();
});

afterAll(async () => {
	await app?.stop();
	await fake?.close();
	await own?.drop();
});

describe('charges', () => {
	it('the first view of an installment creates its cobv with the right body, and shows its dynamic code', async () => {
		const p = await planOf(3);
		const inst = p.installments[0];
		const view = await payableView(db(), inst, true);

		const row = await reload(inst.id);
		expect(row.pspTxid).toMatch(/^[A-Z0-9]{35}$/);
		expect(row.pspAccount).toBe('env');
		expect(row.pspStatus).toBe('ATIVA');
		const charge = fake.charges.get(row.pspTxid!)!;
		expect(charge).toBeDefined();
		expect(charge.calendario).toMatchObject({ dataDeVencimento: inst.dueDate, validadeAposVencimento: p.agreement.breakToleranceDays });
		expect(charge.devedor).toEqual({ cpf: p.debtor.document, nome: p.debtor.name });
		expect(charge.valor).toEqual({ original: centsToAmount(inst.amountCents) });
		expect(charge.chave).toBe(inst.pixKey);
		expect(row.pspLocation).toBe((charge.loc as { location: string }).location);

		// The amount shown is what the PSP charges, to the cent; the code is the PSP's own copia-e-cola.
		expect(view.amountCents).toBe(inst.amountCents);
		expect(centsToAmount(view.amountCents)).toBe(charge.valor.original);
		expect(view.pixDynamic).toBe(true);
		expect(view.pix).toBe(charge.pixCopiaECola);
		expect(parseBrCode(view.pix!)).toMatchObject({ location: row.pspLocation, amountCents: null, txid: '***', crcValid: true });
		expect(view.qrSvg).toContain('<svg');

		// The webhook is registered for the key, at our public URL.
		expect(fake.webhooks.get(inst.pixKey)).toBe(hook());

		// Opening it again asks the PSP nothing more.
		const puts = count('PUT', `/api/v2/cobv/${row.pspTxid}`);
		expect(puts).toBe(1);
		const again = await payableView(db(), row, true);
		expect(again.pix).toBe(view.pix);
		expect(count('PUT', `/api/v2/cobv/${row.pspTxid}`)).toBe(1);
	});

	it('a charge whose answer was lost is the same PUT again, then read back', async () => {
		const p = await planOf(2);
		const inst = p.installments[0];
		// The PUT went through but its answer never came: the txid is stored, the location is not.
		const txid = psp.newPspTxid();
		const body = psp.cobvBody({ dueDate: inst.dueDate, daysAfterDue: p.agreement.breakToleranceDays, debtor: p.debtor, amountCents: inst.amountCents, key: inst.pixKey, fineBp: 0, interestMonthlyBp: 0, message: `Parcela ${inst.seq} do acordo com ${p.creditor.displayName}` });
		if (!body.ok) throw new Error(body.message);
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		expect((await psp.client.putCobv(env.credentials, txid, body.value)).ok).toBe(true);
		await db().update(installments).set({ pspTxid: txid, pspAccount: 'env' }).where(eq(installments.id, inst.id));

		const view = await payableView(db(), await reload(inst.id), true);
		expect(count('PUT', `/api/v2/cobv/${txid}`)).toBe(2);
		expect(count('GET', `/api/v2/cobv/${txid}`)).toBe(1);
		expect((await reload(inst.id)).pspLocation).toBe(fake.charges.get(txid)!.location);
		expect(view.pix).toBe(fake.charges.get(txid)!.pixCopiaECola);
	});

	it("a creditor's own account, entered sealed, carries its charges (with a 2 % fine and 1 % a month)", async () => {
		// Its own PSP account receives on its own key (a key's webhook is one URL).
		const p = await planOf(2, { pixKey: 'financeiro@credor-proprio.example' });
		const saved = await psp.accounts.save(db(), {
			agencyId: p.agency.id,
			creditorId: p.creditor.id,
			label: 'PSP de teste',
			actor: { type: 'cli' },
			credentials: { apiUrl: fake.apiUrl, oauthUrl: fake.oauthUrl, clientId: CLIENT.id, clientSecret: CLIENT.secret, cert: fake.certs.clientCert, key: fake.certs.clientKey, ca: fake.certs.caCert, webhookSecret: 'segredo-do-credor-1234', fineBp: 200, interestMonthlyBp: 100 }
		});
		if (!saved.ok) throw new Error(saved.message);
		const [row] = await db().select().from(pspAccounts).where(eq(pspAccounts.id, saved.id));
		expect(row.sealed).not.toContain(CLIENT.secret);

		await payableView(db(), p.installments[0], false);
		const inst = await reload(p.installments[0].id);
		expect(inst.pspAccount).toBe(saved.id);
		expect(fake.charges.get(inst.pspTxid!)!.valor).toEqual({ original: centsToAmount(inst.amountCents), multa: { modalidade: 2, valorPerc: '2.00' }, juros: { modalidade: 3, valorPerc: '1.00' } });
		expect(fake.webhooks.get(inst.pixKey)).toBe(hook(saved.id, 'segredo-do-credor-1234'));

		// A fine above the cap cannot even be entered.
		const bad = await psp.accounts.save(db(), { agencyId: p.agency.id, creditorId: p.creditor.id, label: 'x', actor: { type: 'cli' }, credentials: { apiUrl: fake.apiUrl, oauthUrl: fake.oauthUrl, clientId: 'a', clientSecret: 'b', cert: 'c', key: 'd', webhookSecret: 'segredo-do-credor-1234', fineBp: 1500 } });
		expect(bad.ok).toBe(false);
	});

	it('without a PSP the static BR Code stays, with the same amount', async () => {
		const p = await planOf(2);
		delete process.env.PIX_PSP_API_URL;
		resetConfig();
		try {
			const view = await payableView(db(), p.installments[0], false);
			expect(view.pixDynamic).toBe(false);
			expect(parseBrCode(view.pix!)).toMatchObject({ key: p.installments[0].pixKey, amountCents: p.installments[0].amountCents, txid: p.installments[0].txid });
			expect((await reload(p.installments[0].id)).pspTxid).toBeNull();
		} finally {
			Object.assign(process.env, pspEnv(fake, CLIENT, WEBHOOK_SECRET));
			resetConfig();
		}
	});

	it("refuses the spec's own example of a 15 % fine before anything reaches the PSP", async () => {
		const example = (pixSpec().spec.components.examples.cobBody1 as { value: psp.CobvBody }).value;
		expect(example.valor.multa).toEqual({ modalidade: '2', valorPerc: '15.00' });
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const txid = psp.newPspTxid();
		const before = fake.seen.length;
		const r = await psp.client.putCobv(env.credentials, txid, { ...example, valor: { ...example.valor, multa: { modalidade: 2, valorPerc: '15.00' } } });
		expect(r).toEqual({ ok: false, status: null, message: 'Multa de 15,00% acima do limite de 2% do Código de Defesa do Consumidor (art. 52 §1).' });
		expect(fake.seen.length).toBe(before);
		expect(fake.charges.has(txid)).toBe(false);
	});

	it('mutual TLS: a client certificate the PSP does not trust gets nowhere', async () => {
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const stranger = { ...env.credentials, cert: fake.certs.strangerCert, key: fake.certs.strangerKey, clientId: 'outro' };
		const before = fake.violations.length;
		const r = await psp.client.getCobv(stranger, psp.newPspTxid());
		expect(r.ok).toBe(false);
		expect(!r.ok && r.status).toBe(401);
		expect(fake.violations.slice(before)).toEqual([expect.stringContaining('sem certificado de cliente válido')]);
		fake.violations.splice(before);
	});
});

describe('webhook', () => {
	it('a payment replayed 100 times (both body shapes, with and without /pix) is recorded once', async () => {
		const p = await planOf(3);
		await payableView(db(), p.installments[0], false);
		const inst = await reload(p.installments[0].id);
		const pix = fake.pay(inst.pspTxid!);

		expect(await fake.deliver([pix])).toBe(200);
		const confirmations = count('GET', `/api/v2/pix/${pix.endToEndId}`);
		expect(confirmations).toBe(1);
		const statuses: number[] = [];
		for (let batch = 0; batch < 11; batch++) {
			statuses.push(
				...(await Promise.all(
					Array.from({ length: 9 }, (_, i) =>
						i % 3 === 0 ? fake.deliver([pix], { bare: true }) : i % 3 === 1 ? fake.deliver([pix]) : post(hook(), { pix: [{ endToEndId: pix.endToEndId, txid: pix.txid, valor: pix.valor, horario: pix.horario }] })
					)
				))
			);
		}
		expect(statuses).toHaveLength(99);
		expect(new Set(statuses)).toEqual(new Set([200]));

		const recorded = await paymentsOf(inst.id);
		expect(recorded).toHaveLength(1);
		expect(recorded[0]).toMatchObject({ amountCents: inst.amountCents, method: 'pix', source: 'webhook', externalId: pix.endToEndId });
		expect(recorded[0].paidAt.toISOString()).toBe(pix.horario);
		expect(await reload(inst.id)).toMatchObject({ status: 'paid', pspStatus: 'CONCLUIDA', paidCents: inst.amountCents });
		// A replay of what is recorded asks the PSP nothing.
		expect(count('GET', `/api/v2/pix/${pix.endToEndId}`)).toBe(confirmations);
	});

	it('out of order: the second installment told before the first, a stale replay after, both recorded once', async () => {
		const p = await planOf(3);
		for (const i of p.installments.slice(0, 2)) await payableView(db(), i, false);
		const [first, second] = await Promise.all(p.installments.slice(0, 2).map((i) => reload(i.id)));
		const pix1 = fake.pay(first.pspTxid!);
		const pix2 = fake.pay(second.pspTxid!);
		expect(await fake.deliver([pix2])).toBe(200);
		expect(await fake.deliver([pix1, pix2])).toBe(200);
		expect(await fake.deliver([pix2], { bare: true })).toBe(200);
		expect((await paymentsOf(first.id)).map((x) => x.externalId)).toEqual([pix1.endToEndId]);
		expect((await paymentsOf(second.id)).map((x) => x.externalId)).toEqual([pix2.endToEndId]);
		const [ag] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, p.agreement.id));
		expect(ag.status).toBe('active');
	});

	it('a Pix for a txid we do not know waits in the review queue of the account owner, records nothing, and staff associate it once', async () => {
		const p = await planOf(2);
		const stray = fake.receive(p.installments[0].pixKey, 'TXIDQUENAOEHNOSSO0000000000000001', '57.30');
		expect(await fake.deliver([stray])).toBe(200);
		const kept = await db().select().from(reviewItems).where(and(eq(reviewItems.source, 'pix'), eq(reviewItems.sourceRef, stray.endToEndId)));
		// The environment's account, with PIX_PSP_AGENCY_CNPJ unset, belongs to the oldest agency.
		const [oldest] = await db().select().from(agencies).orderBy(asc(agencies.createdAt), asc(agencies.id)).limit(1);
		expect(kept).toHaveLength(1);
		expect(kept[0]).toMatchObject({ agencyId: oldest.id, creditorId: null, reason: 'unknown_txid', status: 'open', amountCents: 5730, reference: stray.txid, method: 'pix', externalId: stray.endToEndId, paidOn: todayInSaoPaulo(new Date(stray.horario)) });
		expect(kept[0].details).toMatchObject({ accountId: 'env', reasonLabel: 'Pix sem parcela correspondente' });
		expect(await db().select().from(payments).where(eq(payments.externalId, stray.endToEndId))).toEqual([]);
		// Told again: still one item, and the PSP is not asked again.
		expect(await fake.deliver([stray])).toBe(200);
		expect(await db().select().from(reviewItems).where(eq(reviewItems.sourceRef, stray.endToEndId))).toHaveLength(1);
		expect(count('GET', `/api/v2/pix/${stray.endToEndId}`)).toBe(1);

		// A person of that agency sees it with suggestions and puts it on the right installment: one payment, by its endToEndId.
		const q = await planOf(2, {}, oldest);
		const [person] = await db().insert(staff).values({ agencyId: oldest.id, email: `pix.${Date.now()}@assessoria.example`, role: 'operator', name: 'Operadora' }).returning();
		const me = { id: person.id, agencyId: oldest.id, creditorId: null };
		expect((await review.list(db(), me)).map((i) => i.id)).toContain(kept[0].id);
		const done = await db().transaction((tx) => review.associate(tx, { itemId: kept[0].id, installmentId: q.installments[1].id, staff: me }));
		expect(done).toMatchObject({ ok: true, item: { status: 'associated', installmentId: q.installments[1].id } });
		const paid = await paymentsOf(q.installments[1].id);
		expect(paid).toMatchObject([{ amountCents: 5730, source: 'webhook', externalId: stray.endToEndId, method: 'pix' }]);
		// The same Pix told once more, or swept, records nothing new.
		expect(await fake.deliver([stray])).toBe(200);
		expect(await db().select().from(payments).where(eq(payments.externalId, stray.endToEndId))).toHaveLength(1);
	});

	it('a Pix paid with the static code (its 25-character txid) is recorded on its installment too', async () => {
		const p = await planOf(2);
		const inst = p.installments[1];
		const pix = fake.receive(inst.pixKey, inst.txid, centsToAmount(inst.amountCents));
		expect(await fake.deliver([pix], { bare: true })).toBe(200);
		expect((await paymentsOf(inst.id)).map((x) => [x.externalId, x.amountCents])).toEqual([[pix.endToEndId, inst.amountCents]]);
	});

	it('a forged notification records nothing; a wrong secret or account is 404; a body of another shape is 400', async () => {
		const p = await planOf(2);
		await payableView(db(), p.installments[0], false);
		const inst = await reload(p.installments[0].id);
		const forged = { endToEndId: 'E12345678202612011200abcdefghijk', txid: inst.pspTxid, valor: centsToAmount(inst.amountCents), horario: new Date().toISOString() };
		expect(await post(`${hook()}/pix`, { pix: [forged] })).toBe(200);
		expect(await paymentsOf(inst.id)).toEqual([]);
		expect((await reload(inst.id)).status).toBe('pending');
		expect(await post(`${hook('env', 'segredo-errado-000000')}/pix`, { pix: [forged] })).toBe(404);
		expect(await post(`${hook('00000000-0000-4000-8000-000000000000')}/pix`, { pix: [forged] })).toBe(404);
		expect(await post(`${hook()}/pix`, { cobs: [] })).toBe(400);
	});
});

describe('sweep', () => {
	it('records what was paid while the PSP was down and its webhook never came; once', async () => {
		const p = await planOf(2);
		await payableView(db(), p.installments[0], false);
		const inst = await reload(p.installments[0].id);
		await psp.sweep(db());

		fake.setDown(true);
		const pix = fake.pay(inst.pspTxid!);
		expect(await fake.deliver([pix])).toBe(0);
		const down = await psp.sweep(db());
		expect(down.failed).toBeGreaterThanOrEqual(1);
		expect(await paymentsOf(inst.id)).toEqual([]);

		fake.setDown(false);
		const back = await psp.sweep(db());
		expect(back.recorded).toBe(1);
		expect((await paymentsOf(inst.id)).map((x) => [x.externalId, x.amountCents])).toEqual([[pix.endToEndId, inst.amountCents]]);
		expect((await reload(inst.id)).status).toBe('paid');

		// The next sweep overlaps this one: it sees the Pix again and records nothing new.
		const again = await psp.sweep(db());
		expect(again.recorded).toBe(0);
		expect(again.seen).toBeGreaterThanOrEqual(1);
		// And the late webhook changes nothing either.
		expect(await fake.deliver([pix])).toBe(200);
		expect(await paymentsOf(inst.id)).toHaveLength(1);
	});

	it('pages through GET /pix', async () => {
		const p = await planOf(2);
		for (let i = 0; i < 5; i++) fake.receive(p.installments[0].pixKey, `PAGINADO${String(i).padStart(24, '0')}`, '1.00');
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const before = count('GET', '/api/v2/pix');
		const all = await psp.client.listPix(env.credentials, new Date(Date.now() - 3_600_000), new Date(), 2);
		expect(all.ok && all.data.filter((x) => x.txid?.startsWith('PAGINADO'))).toHaveLength(5);
		expect(count('GET', '/api/v2/pix') - before).toBe(Math.ceil(fake.received.length / 2));
	});
});

describe('partial payments', () => {
	it('a part paid by other means: the charge is revised to the remainder, the code shown asks it, and paying it settles the installment', async () => {
		const p = await planOf(2);
		await payableView(db(), p.installments[0], false);
		const first = await reload(p.installments[0].id);
		const r = await db().transaction((tx) =>
			record(tx, { installmentId: first.id, amountCents: 1000, paidAt: new Date(), method: 'manual', source: 'manual', externalId: `TED-${first.id}`, actor: { type: 'cli' } })
		);
		expect(r.ok).toBe(true);
		const part = await reload(first.id);
		expect(part.status).toBe('partially_paid');

		const view = await payableView(db(), part, true);
		const remainder = first.amountCents - 1000;
		expect(view.openCents).toBe(remainder);
		expect(view.pixDynamic).toBe(true);
		expect(count('PATCH', `/api/v2/cobv/${first.pspTxid}`)).toBe(1);
		const charge = fake.charges.get(first.pspTxid!)!;
		expect(charge.valor.original).toBe(centsToAmount(remainder));
		expect(view.pix).toBe(charge.pixCopiaECola);
		expect((await reload(first.id)).pspAmountCents).toBe(remainder);

		const pix = fake.pay(first.pspTxid!);
		expect(pix.valor).toBe(centsToAmount(remainder));
		expect(await fake.deliver([pix])).toBe(200);
		expect(await reload(first.id)).toMatchObject({ status: 'paid', pspStatus: 'CONCLUIDA' });
	});
});

describe('withdrawal', () => {
	it('the charge of a superseded installment is withdrawn at the PSP and cannot be paid', async () => {
		const p = await planOf(2);
		await payableView(db(), p.installments[0], false);
		const inst = await reload(p.installments[0].id);
		// What a due-date change or a re-issue does to the old installment.
		await db().update(installments).set({ status: 'cancelled' }).where(eq(installments.id, inst.id));
		expect(await psp.withdrawStale(db())).toBe(1);
		expect(fake.charges.get(inst.pspTxid!)!.status).toBe('REMOVIDA_PELO_USUARIO_RECEBEDOR');
		expect((await reload(inst.id)).pspStatus).toBe('REMOVIDA_PELO_USUARIO_RECEBEDOR');
		expect(() => fake.pay(inst.pspTxid!)).toThrow(/não aceita pagamento/);
		expect(await psp.withdrawStale(db())).toBe(0);
	});
});

describe('the fake PSP has teeth', () => {
	it('refuses, and notes, what the yaml refuses: a 25-character txid, a charge without debtor', async () => {
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const before = fake.violations.length;
		const body = psp.cobvBody({ dueDate: '2026-12-20', daysAfterDue: 5, debtor: { document: '52998224725', name: 'Ana' }, amountCents: 1000, key: 'pix@example.com', fineBp: 0, interestMonthlyBp: 0 });
		if (!body.ok) throw new Error(body.message);
		const short = await psp.client.putCobv(env.credentials, 'A'.repeat(25), body.value);
		expect(!short.ok && short.status).toBe(400);
		const { devedor: _d, ...noDebtor } = body.value;
		const missing = await psp.client.putCobv(env.credentials, psp.newPspTxid(), noDebtor as psp.CobvBody);
		expect(!missing.ok && missing.status).toBe(400);
		const noted = fake.violations.splice(before);
		expect(noted.some((v) => v.includes('parâmetro txid'))).toBe(true);
		expect(noted.some((v) => v.includes("must have required property 'devedor'"))).toBe(true);
	});
});

describe('operations', () => {
	it('`acerto psp set` enters a creditor\'s account sealed and audited, and refuses a 15 % fine', async () => {
		const p = await planOf(2);
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'psp-cli-'));
		const file = path.join(dir, 'conta.json');
		const creds = { apiUrl: fake.apiUrl, oauthUrl: fake.oauthUrl, clientId: 'cliente-cli', clientSecret: 'segredo-cli-nao-aparece', cert: fake.certs.clientCert, key: fake.certs.clientKey, webhookSecret: 'segredo-webhook-cli-0000', fineBp: 200 };
		const env = { DATABASE_URL: own.url, APP_SECRET: process.env.APP_SECRET, PUBLIC_BASE_URL: base };
		try {
			fs.writeFileSync(file, JSON.stringify({ ...creds, fineBp: 1500 }));
			const refused = await runAcerto(['psp', 'set', p.creditor.slug, file], env);
			expect(refused.code).toBe(1);
			expect(refused.stderr).toContain('fineBp');
			expect(await db().select().from(pspAccounts).where(eq(pspAccounts.creditorId, p.creditor.id))).toEqual([]);

			fs.writeFileSync(file, JSON.stringify(creds));
			const ok = await runAcerto(['psp', 'set', p.creditor.slug, file, '--label', 'Banco X'], env);
			expect(ok.code, ok.stderr).toBe(0);
			const [row] = await db().select().from(pspAccounts).where(eq(pspAccounts.creditorId, p.creditor.id));
			expect(row).toMatchObject({ agencyId: p.agency.id, label: 'Banco X' });
			expect(row.sealed).not.toContain('segredo-cli');
			expect((await psp.accounts.accountById(db(), row.id))!.credentials).toMatchObject({ clientId: 'cliente-cli', clientSecret: 'segredo-cli-nao-aparece', fineBp: 200, interestMonthlyBp: 0 });
			const [entry] = await db().select().from(auditLog).where(eq(auditLog.entityId, row.id));
			expect(entry).toMatchObject({ action: 'psp_account.save', actorType: 'cli' });
			expect(JSON.stringify(entry.data)).not.toContain('segredo');
			expect(ok.stdout + ok.stderr).not.toContain('segredo');
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('the wire', () => {
	it('one OAuth token per process (this one and the app) served every call', () => {
		expect(fake.tokensIssued).toBe(2);
	});

	it('a token the PSP revoked early is replaced once, and the call goes through', async () => {
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const p = await planOf(2);
		await payableView(db(), p.installments[0], false);
		const txid = (await reload(p.installments[0].id)).pspTxid!;
		fake.revokeTokens();
		const before = fake.tokensIssued;
		const r = await psp.client.getCobv(env.credentials, txid);
		expect(r.ok && r.data.txid).toBe(txid);
		expect(fake.tokensIssued).toBe(before + 1);
		// The refused attempt was noted by the fake as a violation: it is the case under test.
		const noted = fake.violations.findIndex((v) => v.includes(`GET /cobv/${txid}: token ausente`));
		expect(noted).toBeGreaterThanOrEqual(0);
		fake.violations.splice(noted, 1);
	});

	it('a token is used until shortly before it expires, then renewed without a refused call', async () => {
		const env = (await psp.accounts.accountById(db(), 'env'))!;
		const p = await planOf(2);
		await payableView(db(), p.installments[0], false);
		const txid = (await reload(p.installments[0].id)).pspTxid!;
		// A token of 2 s is renewed at half its life (shorter than the one-minute margin).
		fake.setTokenSeconds(2);
		fake.revokeTokens();
		const before = fake.violations.length;
		expect((await psp.client.getCobv(env.credentials, txid)).ok).toBe(true);
		fake.violations.splice(before);
		const issued = fake.tokensIssued;
		expect((await psp.client.getCobv(env.credentials, txid)).ok).toBe(true);
		expect(fake.tokensIssued).toBe(issued);
		await new Promise((r) => setTimeout(r, 1100));
		expect((await psp.client.getCobv(env.credentials, txid)).ok).toBe(true);
		expect(fake.tokensIssued).toBe(issued + 1);
		expect(fake.violations.slice(before)).toEqual([]);
		fake.setTokenSeconds(3600);
	});

	it('every request and every answer matched the Pix API yaml', () => {
		expect(fake.violations).toEqual([]);
	});
});
