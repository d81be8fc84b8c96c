import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agreementDebts, agreements, auditLog, boletoRegistrations, installments, payments, returnFiles, returnRecords, reviewItems, staff } from '../../src/lib/server/db/schema';
import { importRetorno } from '../../src/lib/server/payments/retorno-import';
import * as review from '../../src/lib/server/payments/review';
import * as lifecycle from '../../src/lib/server/agreements/lifecycle';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { cnab240BancoDoBrasil, cnab400Bradesco, type Movement } from '../support/retorno-files';
import { runAcerto } from '../support/cli';
import * as factory from '../support/factory';
import { sharedPath } from '../support/shared';

const today = todayInSaoPaulo();
const BRADESCO = { ...factory.DESTINATION, boletoBankCode: '237', boletoAgency: '0001', boletoAccount: '0000001', boletoWallet: '09' };
const BB = { ...factory.DESTINATION, boletoBankCode: '001', boletoAgency: '1234-5', boletoAccount: '98765-0', boletoWallet: '17' };
const FIXTURES = sharedPath('fixtures', 'cnab');

let agency: Awaited<ReturnType<typeof factory.agency>>;
let cred: Awaited<ReturnType<typeof factory.creditor>>;
let operator: { id: string; agencyId: string; creditorId: null };
let seq = 0;

beforeAll(async () => {
	agency = await factory.agency();
	cred = await factory.creditor(agency.id);
	const [row] = await db().insert(staff).values({ agencyId: agency.id, email: `ret.${Date.now()}@assessoria.example`, role: 'operator', name: 'Operadora' }).returning();
	operator = { id: row.id, agencyId: agency.id, creditorId: null };
});
afterAll(() => closeDb());

type Inst = typeof installments.$inferSelect;

/** An agreement with one installment per amount, issued to `dest`; nosso números from the deployment's sequence. */
async function agreementWith(amounts: number[], dest = BRADESCO, status: 'active' | 'cancelled' = 'active'): Promise<{ id: string; installments: Inst[] }> {
	const d = await factory.debtor(agency.id);
	const total = amounts.reduce((x, y) => x + y, 0);
	const t = await factory.debt(cred.id, d.id, { principalCents: total });
	const [a] = await db()
		.insert(agreements)
		.values({ code: `AC-RET-${seq++}-${Math.random().toString(36).slice(2, 8)}`, creditorId: cred.id, debtorId: d.id, policyVersion: 1, status, kind: amounts.length > 1 ? 'installments' : 'cash', updatedTotalCents: total, discountCents: 0, totalCents: total, installmentCount: amounts.length, breakToleranceDays: 5, terms: {} })
		.returning();
	await db().insert(agreementDebts).values({ agreementId: a.id, debtId: t.id, originalCents: total, lateFeeCents: 0, interestCents: 0, updatedCents: total });
	const rows = await db()
		.insert(installments)
		.values(
			amounts.map((amountCents, k) => ({
				agreementId: a.id,
				seq: k + 1,
				dueDate: addDays(today, 30 * k),
				amountCents,
				txid: `RET${seq++}${Math.random().toString(36).slice(2, 14)}`.slice(0, 25),
				nossoNumero: sql`lpad(nextval('nosso_numero_seq')::text, 11, '0')`,
				...dest
			}))
		)
		.returning();
	return { id: a.id, installments: rows.sort((x, y) => x.seq - y.seq) };
}

const bradesco = (movements: Movement[], over: { generatedOn?: string; sequence?: number } = {}) =>
	cnab400Bradesco({ agency: '0001', account: '0000001', generatedOn: over.generatedOn ?? today, sequence: over.sequence, movements });
const importFile = (content: string | Buffer, fileName = 'retorno.ret') => importRetorno(db(), { agencyId: agency.id, content, fileName, actor: { type: 'staff', id: operator.id } });
const paymentsOf = (installmentId: string) => db().select().from(payments).where(eq(payments.installmentId, installmentId));
const instRow = async (id: string) => (await db().select().from(installments).where(eq(installments.id, id)))[0];
const itemsOfFile = (fileId: string) => db().select().from(reviewItems).where(sql`${reviewItems.sourceRef} like ${fileId + ':%'}`);

describe('importing a bank return file', () => {
	it('a paid installment becomes paid once: the same file twice changes nothing, the same payment in another file is recorded once', async () => {
		const a = await agreementWith([15_000, 15_000]);
		const [first] = a.installments;
		const paidOn = addDays(today, -1);
		const pay: Movement = { code: '06', nossoNumero: first.nossoNumero, paidCents: 15_000, faceValueCents: 15_000, occurredOn: paidOn, dueDate: first.dueDate };
		const file = bradesco([pay, { code: '02', nossoNumero: a.installments[1].nossoNumero, faceValueCents: 15_000 }]);

		const r1 = await importFile(file, 'CB101100.RET');
		expect(r1).toMatchObject({ ok: true, duplicate: false, resumed: false });
		if (!r1.ok) return;
		expect(r1.report.counts).toMatchObject({ paid: 1, registered: 1, review: 0, duplicate: 0 });
		expect(r1.report.paidCents).toBe(15_000);
		expect(await instRow(first.id)).toMatchObject({ status: 'paid', paidCents: 15_000 });
		const [p] = await paymentsOf(first.id);
		expect(p).toMatchObject({ method: 'boleto', source: 'return_file', amountCents: 15_000, externalId: `boleto:237:${first.nossoNumero.replace(/^0+/, '')}:${paidOn}:15000` });
		expect(p.paidAt.toISOString()).toBe(new Date(`${paidOn}T12:00:00-03:00`).toISOString());
		expect((await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.installmentId, a.installments[1].id)))[0]).toMatchObject({ status: 'confirmed', movementCode: '02' });

		const r2 = await importFile(file, 'CB101100-de-novo.RET');
		expect(r2).toMatchObject({ ok: true, duplicate: true });
		expect(r2.ok && r2.report.fileId).toBe(r1.report.fileId);
		expect(await paymentsOf(first.id)).toHaveLength(1);
		expect(await db().select().from(returnFiles).where(eq(returnFiles.id, r1.report.fileId))).toHaveLength(1);

		// The bank sends the same payment again in the next day's file (a different file).
		const r3 = await importFile(bradesco([pay], { generatedOn: today, sequence: 2 }), 'CB111100.RET');
		expect(r3).toMatchObject({ ok: true, duplicate: false });
		expect(r3.ok && r3.report.counts).toMatchObject({ paid: 0, duplicate: 1, review: 0 });
		expect(await paymentsOf(first.id)).toHaveLength(1);
		expect((await db().select().from(agreements).where(eq(agreements.id, a.id)))[0].status).toBe('active');
		const audits = await db().select().from(auditLog).where(and(eq(auditLog.action, 'return_file.import'), eq(auditLog.entityId, r1.report.fileId)));
		expect(audits).toHaveLength(1);
	});

	it('an unknown movement code goes to the review queue and is never paid', async () => {
		const a = await agreementWith([9_900]);
		const [i] = a.installments;
		const r = await importFile(bradesco([{ code: '99', nossoNumero: i.nossoNumero, paidCents: 9_900, occurredOn: today }]));
		expect(r.ok && r.report.counts).toMatchObject({ paid: 0, review: 1 });
		expect(await instRow(i.id)).toMatchObject({ status: 'pending', paidCents: null });
		expect(await paymentsOf(i.id)).toHaveLength(0);
		const [item] = await itemsOfFile(r.ok ? r.report.fileId : '');
		expect(item).toMatchObject({ reason: 'unknown_movement', status: 'open', amountCents: 9_900, installmentId: i.id, agencyId: agency.id, creditorId: cred.id });
		expect(item.message).toContain('desconhecido');
	});

	it('a payment for a replaced slip pays the slip that replaced it; one for a closed agreement goes to review, where staff associate it (once) or discard it', async () => {
		const a = await agreementWith([20_000]);
		const [old] = a.installments;
		// Re-issued: the old slip is cancelled and points to its replacement.
		await db().update(installments).set({ status: 'cancelled' }).where(eq(installments.id, old.id));
		const [fresh] = await db()
			.insert(installments)
			.values({ agreementId: a.id, seq: 1, dueDate: addDays(today, 10), amountCents: 20_000, txid: `RETNEW${Date.now()}`.slice(0, 25), nossoNumero: sql`lpad(nextval('nosso_numero_seq')::text, 11, '0')`, ...BRADESCO })
			.returning();
		await db().update(installments).set({ supersededBy: fresh.id }).where(eq(installments.id, old.id));
		const closed = await agreementWith([5_000], BRADESCO, 'cancelled');
		const open = await agreementWith([7_000, 7_000]);

		const file = bradesco([
			{ code: '06', nossoNumero: old.nossoNumero, paidCents: 20_000, occurredOn: today },
			{ code: '06', nossoNumero: closed.installments[0].nossoNumero, paidCents: 5_000, occurredOn: today }
		]);
		const r = await importFile(file);
		expect(r.ok && r.report.counts).toMatchObject({ paid: 1, review: 1 });
		expect(r.ok && r.report.reviewCents).toBe(5_000);
		// The debtor paid the old boleto: the installment is paid, on the slip that stands for it now.
		expect(await paymentsOf(old.id)).toHaveLength(0);
		expect(await paymentsOf(fresh.id)).toMatchObject([{ amountCents: 20_000, method: 'boleto' }]);
		expect(await instRow(fresh.id)).toMatchObject({ status: 'paid', paidCents: 20_000 });
		expect((await db().select().from(agreements).where(eq(agreements.id, a.id)))[0].status).toBe('settled');
		// The same file again, or the same payment in a later file: nothing more.
		expect(await importFile(file)).toMatchObject({ ok: true, duplicate: true });
		expect(await paymentsOf(fresh.id)).toHaveLength(1);

		const items = await itemsOfFile(r.ok ? r.report.fileId : '');
		expect(items).toHaveLength(1);
		const [forClosed] = items;
		expect(forClosed).toMatchObject({ reason: 'agreement_closed', installmentId: closed.installments[0].id });

		// A person may place it on another open installment of the same amount range (once), or discard it.
		const reach = { agencyId: agency.id, creditorId: null };
		const done = await db().transaction((tx) => review.associate(tx, { itemId: forClosed.id, installmentId: open.installments[0].id, staff: operator }));
		expect(done).toMatchObject({ ok: true, item: { status: 'associated', installmentId: open.installments[0].id } });
		expect(await instRow(open.installments[0].id)).toMatchObject({ status: 'partially_paid', paidCents: 5_000 });
		const again = await db().transaction((tx) => review.associate(tx, { itemId: forClosed.id, installmentId: open.installments[0].id, staff: operator }));
		expect(again).toMatchObject({ ok: false, message: 'Esta pendência já foi associada a uma parcela.' });
		expect(await paymentsOf(open.installments[0].id)).toHaveLength(1);
		expect(await db().transaction((tx) => review.discard(tx, { itemId: forClosed.id, reason: 'Devolvido', staff: operator }))).toMatchObject({ ok: false });

		const stray = await importFile(bradesco([{ code: '06', nossoNumero: '99999999977', paidCents: 1_234, occurredOn: today }], { sequence: 9 }));
		const [lost] = await itemsOfFile(stray.ok ? stray.report.fileId : '');
		expect(await db().transaction((tx) => review.discard(tx, { itemId: lost.id, reason: '', staff: operator }))).toMatchObject({ ok: false, message: 'Informe o motivo do descarte.' });
		const dropped = await db().transaction((tx) => review.discard(tx, { itemId: lost.id, reason: 'Devolvido ao devedor pelo banco', staff: operator }));
		expect(dropped).toMatchObject({ ok: true, item: { status: 'discarded', resolutionNote: 'Devolvido ao devedor pelo banco' } });
		const actions = await db().select({ action: auditLog.action }).from(auditLog).where(inArray(auditLog.entityId, [forClosed.id, lost.id]));
		expect(actions.map((x) => x.action).sort()).toEqual(['review.associate', 'review.discard']);
		expect((await review.list(db(), reach)).map((x) => x.id)).not.toContain(forClosed.id);
	});

	it('an agreement is not broken while money for its slips waits in review; once discarded, the daily job breaks it', async () => {
		const a = await agreementWith([20_000, 20_000]);
		const [first, second] = a.installments;
		await db().update(installments).set({ status: 'paid', paidCents: 20_000, paidAt: new Date() }).where(eq(installments.id, first.id));
		// The bank pays the first boleto again (the debtor meant the second, say): money for a paid slip waits for a person.
		const r = await importFile(bradesco([{ code: '06', nossoNumero: first.nossoNumero, paidCents: 20_000, occurredOn: today }], { sequence: 21 }));
		expect(r.ok && r.report.counts).toMatchObject({ paid: 0, review: 1 });
		const [item] = await itemsOfFile(r.ok ? r.report.fileId : '');
		expect(item).toMatchObject({ status: 'open', reason: 'already_paid', installmentId: first.id });

		// Past the tolerance (5 days) the second is still open: the money waiting for a person holds the break.
		const late = addDays(second.dueDate, 30);
		expect(await db().transaction((tx) => lifecycle.breakIfOverdue(tx, a.id, late))).toBeNull();
		expect((await lifecycle.breakOverdue(db(), late)).broken.map((b) => b.agreementId)).not.toContain(a.id);
		expect((await db().select().from(agreements).where(eq(agreements.id, a.id)))[0].status).toBe('active');

		// A person finds it was not this debtor's money after all: discarded, the next run breaks the agreement.
		expect(await db().transaction((tx) => review.discard(tx, { itemId: item.id, reason: 'Estornado pelo banco', staff: operator }))).toMatchObject({ ok: true });
		const broken = await db().transaction((tx) => lifecycle.breakIfOverdue(tx, a.id, late));
		expect(broken).toMatchObject({ status: 'broken' });
		expect(await instRow(second.id)).toMatchObject({ status: 'cancelled' });
	});

	it('a file that is not a return file is refused in Portuguese and changes nothing', async () => {
		const before = await db().select({ n: sql<number>`count(*)::int` }).from(returnFiles).where(eq(returnFiles.agencyId, agency.id));
		expect(await importFile('nome;cpf\nMaria;123\n', 'planilha.csv')).toEqual({ ok: false, message: expect.stringMatching(/^Arquivo de retorno não reconhecido/) });
		expect(await importFile('', 'vazio.ret')).toEqual({ ok: false, message: 'O arquivo está vazio.' });
		const after = await db().select({ n: sql<number>`count(*)::int` }).from(returnFiles).where(eq(returnFiles.agencyId, agency.id));
		expect(after[0].n).toBe(before[0].n);
	});

	it('every real bank file in the fixtures imports: what matches nothing waits for review, nothing is paid', async () => {
		const names = fs.readdirSync(FIXTURES).filter((f) => /\.ret$/i.test(f));
		expect(names.length).toBeGreaterThanOrEqual(7);
		const own = await factory.agency();
		for (const name of names) {
			const r = await importRetorno(db(), { agencyId: own.id, content: fs.readFileSync(path.join(FIXTURES, name)), fileName: name, actor: { type: 'system' } });
			expect(r, name).toMatchObject({ ok: true });
			if (!r.ok) continue;
			expect(r.report.records, name).toBeGreaterThan(0);
			expect(r.report.counts.paid + r.report.counts.duplicate + r.report.counts.registered, name).toBe(0);
			expect(r.report.counts.review, name).toBe(r.report.records);
		}
	});
});

describe('acerto retorno', () => {
	const env = () => ({ DATABASE_URL: inject('databaseUrl'), APP_SECRET: process.env.APP_SECRET });
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'retorno-'));

	it('imports a file for a creditor and says what happened; a bad file is refused with exit 1', async () => {
		const a = await agreementWith([7_700]);
		const file = path.join(tmp, 'cli.ret');
		fs.writeFileSync(file, bradesco([{ code: '06', nossoNumero: a.installments[0].nossoNumero, paidCents: 7_700, occurredOn: today }], { sequence: 77 }));
		const r = await runAcerto(['retorno', file, '--credor', cred.slug], env());
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Pagamentos lançados: 1 (R$');
		expect(await instRow(a.installments[0].id)).toMatchObject({ status: 'paid' });
		const again = await runAcerto(['retorno', file, '--credor', cred.slug], env());
		expect(again.stdout).toContain('já foi importado');
		fs.writeFileSync(path.join(tmp, 'bad.ret'), 'isto não é um retorno\n');
		const bad = await runAcerto(['retorno', path.join(tmp, 'bad.ret'), '--credor', cred.slug], env());
		expect(bad.code).toBe(1);
		expect(bad.stderr).toContain('Arquivo recusado: Arquivo de retorno não reconhecido');
	});

	it('killed with SIGKILL in the middle of a 20,000-line file, run again: every record handled once, every payment once', { timeout: 300_000 }, async () => {
		// 1,000 agreements of 5 installments; the file pays 4,000 of them and confirms the other 6,000
		// entries, plus 9,998 entry confirmations repeated: 20,000 lines in all.
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(cred.id, d.id, { principalCents: 5_000_000 });
		const tag = `K${Date.now().toString(36)}`;
		await db().execute(sql`
			with a as (
				insert into agreements (code, creditor_id, debtor_id, policy_version, status, kind, updated_total_cents, discount_cents, total_cents, installment_count, break_tolerance_days, terms)
				select ${tag} || '-' || g, ${cred.id}::uuid, ${d.id}::uuid, 1, 'active', 'installments', 5000, 0, 5000, 5, 5, '{}'::jsonb from generate_series(1, 1000) g
				returning id, code)
			insert into installments (agreement_id, seq, due_date, amount_cents, txid, nosso_numero, pix_key, pix_merchant_name, pix_merchant_city, boleto_bank_code, boleto_agency, boleto_account, boleto_wallet)
			select a.id, s, (${today}::date + s * 30), 1000, left(replace(a.code, '-', '') || 'S' || s || md5(a.code || s), 25), lpad(nextval('nosso_numero_seq')::text, 11, '0'),
				'pix@example.com', 'Credor Teste', 'Sao Paulo', '237', '0001', '0000001', '09'
			from a cross join generate_series(1, 5) s`);
		await db().execute(sql`insert into agreement_debts (agreement_id, debt_id, original_cents, late_fee_cents, interest_cents, updated_cents)
			select id, ${t.id}::uuid, 5000, 0, 0, 5000 from agreements where code like ${tag + '-%'}`);
		const rows = await db().select({ id: installments.id, nossoNumero: installments.nossoNumero, seq: installments.seq }).from(installments).innerJoin(agreements, eq(agreements.id, installments.agreementId)).where(sql`${agreements.code} like ${tag + '-%'}`);
		expect(rows).toHaveLength(5_000);
		const paid = rows.filter((r) => r.seq <= 4).slice(0, 4_000);
		const movements: Movement[] = [
			...paid.map((r) => ({ code: '06', nossoNumero: r.nossoNumero, paidCents: 1_000, occurredOn: today })),
			...rows.map((r) => ({ code: '02', nossoNumero: r.nossoNumero, faceValueCents: 1_000 }))
		];
		while (movements.length < 19_998) movements.push({ code: '02', nossoNumero: rows[movements.length % rows.length].nossoNumero, faceValueCents: 1_000 });
		const file = path.join(tmp, 'grande.ret');
		fs.writeFileSync(file, bradesco(movements, { sequence: 900 }));
		expect(fs.readFileSync(file, 'latin1').trimEnd().split('\r\n')).toHaveLength(20_000);

		const child = spawn(process.execPath, ['bin/acerto.js', 'retorno', file, '--credor', cred.slug], { cwd: process.cwd(), env: { ...process.env, NODE_ENV: 'test', ...env() }, stdio: 'ignore' });
		const exited = new Promise((resolve) => child.on('exit', resolve));
		const handled = async () => (await db().execute<{ n: number }>(sql`select count(*)::int as n from return_records r join return_files f on f.id = r.file_id where f.file_name = 'grande.ret' and f.agency_id = ${agency.id}::uuid`))[0].n;
		const started = Date.now();
		while ((await handled()) < 2_000 && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 100));
		child.kill('SIGKILL');
		await exited;
		const atKill = await handled();
		expect(atKill).toBeGreaterThanOrEqual(1_000);
		expect(atKill).toBeLessThan(19_998);
		// Whole batches only: what was handled was handled entirely.
		expect(atKill % 1_000).toBe(0);
		const paymentsAtKill = (await db().execute<{ n: number }>(sql`select count(*)::int as n from payments where installment_id in (select id from installments where agreement_id in (select id from agreements where code like ${tag + '-%'}))`))[0].n;
		expect(paymentsAtKill).toBe(Math.min(atKill, 4_000));

		const r = await runAcerto(['retorno', file, '--credor', cred.slug], env());
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Importação retomada');
		expect(r.stdout).toContain('Pagamentos lançados: 4.000');
		expect(await handled()).toBe(19_998);
		const counts = await db().execute<{ n: number; distinct_ext: number; paid: number }>(sql`
			select count(*)::int as n, count(distinct external_id)::int as distinct_ext,
				(select count(*)::int from installments i join agreements a on a.id = i.agreement_id where a.code like ${tag + '-%'} and i.status = 'paid') as paid
			from payments where installment_id in (select id from installments where agreement_id in (select id from agreements where code like ${tag + '-%'}))`);
		expect(counts[0]).toEqual({ n: 4_000, distinct_ext: 4_000, paid: 4_000 });
		const [f] = await db().select().from(returnFiles).where(and(eq(returnFiles.agencyId, agency.id), eq(returnFiles.fileName, 'grande.ret')));
		expect(f.status).toBe('done');
		const regs = await db().select({ n: sql<number>`count(*)::int` }).from(boletoRegistrations).where(inArray(boletoRegistrations.installmentId, rows.map((x) => x.id)));
		expect(regs[0].n).toBe(5_000);
		expect((await db().select({ n: sql<number>`count(*)::int` }).from(returnRecords).where(eq(returnRecords.fileId, f.id)))[0].n).toBe(19_998);
	});
});
