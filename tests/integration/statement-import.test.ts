import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agreements, auditLog, installments, payments, reviewItems, staff, statementFiles, statementLines } from '../../src/lib/server/db/schema';
import { importStatement, listFiles, report } from '../../src/lib/server/payments/statement-import';
import * as review from '../../src/lib/server/payments/review';
import * as receipts from '../../src/lib/server/payments/receipts';
import * as psp from '../../src/lib/server/payments/psp';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { endToEndId, ofxStatement, type Entry } from '../support/ofx-files';
import { runAcerto } from '../support/cli';
import * as factory from '../support/factory';

const today = todayInSaoPaulo();

let agency: Awaited<ReturnType<typeof factory.agency>>;
let operator: { id: string; agencyId: string; creditorId: null };

beforeAll(async () => {
	agency = await factory.agency();
	const [row] = await db().insert(staff).values({ agencyId: agency.id, email: `ofx.${Date.now()}@assessoria.example`, role: 'operator', name: 'Operadora' }).returning();
	operator = { id: row.id, agencyId: agency.id, creditorId: null };
});
afterAll(() => closeDb());

/** A creditor of the agency with a debtor who accepted `count` installments; its installments in order. */
async function planOf(count: number, creditor?: { id: string }) {
	const c = creditor ?? (await factory.creditor(agency.id));
	const d = await factory.debtor(agency.id);
	const t = await factory.debt(c.id, d.id);
	await factory.acceptPlan(d, [t.id], count, today);
	const [agreement] = await db().select().from(agreements).where(eq(agreements.debtorId, d.id));
	const list = await db().select().from(installments).where(eq(installments.agreementId, agreement.id)).orderBy(asc(installments.seq));
	return { creditor: c, agreement, installments: list };
}

let account = 0;
/** A statement of a fresh account (so tests do not see each other's entries). */
const statementOf = (entries: Entry[], accountId = `${++account}-${Date.now() % 100000}`) => ofxStatement({ accountId, start: addDays(today, -30), end: today, entries });
const importAs = (content: Buffer, creditorId: string | null = null, fileName = 'extrato.ofx') =>
	importStatement(db(), { agencyId: agency.id, creditorId, content, fileName, actor: { type: 'staff', id: operator.id } });
const paymentsOf = (installmentId: string) => db().select().from(payments).where(eq(payments.installmentId, installmentId));
const instRow = async (id: string) => (await db().select().from(installments).where(eq(installments.id, id)))[0];
const linesOf = (fileId: string) => db().select().from(statementLines).where(eq(statementLines.fileId, fileId)).orderBy(asc(statementLines.seq));
const itemOfLine = async (lineId: string) => (await db().select().from(reviewItems).where(and(eq(reviewItems.source, 'ofx'), eq(reviewItems.sourceRef, lineId))))[0];

describe('importing a bank statement (OFX)', () => {
	it('a credit carrying the static code’s txid pays its installment once; debits are ignored; the same file twice changes nothing', async () => {
		const p = await planOf(2);
		const [first] = p.installments;
		const file = statementOf([
			{ fitId: 'T1', postedOn: today, amountCents: first.amountCents, memo: `PIX RECEBIDO JOSÉ DA CONCEIÇÃO ${first.txid}` },
			{ fitId: 'T2', postedOn: today, amountCents: -1_290, memo: 'TARIFA PACOTE' }
		]);
		const r1 = await importAs(file, null, 'itau-novembro.ofx');
		expect(r1).toMatchObject({ ok: true, duplicate: false });
		if (!r1.ok) return;
		expect(r1.report).toMatchObject({ transactions: 2, credits: 1, debits: 1, counts: { recorded: 1, known: 0, proposed: 0, unmatched: 0 }, recordedCents: first.amountCents, format: 'ofx1' });
		expect(r1.report.lines[0]).toMatchObject({ outcome: 'recorded', agreementCode: p.agreement.code, installmentSeq: 1, description: `PIX RECEBIDO JOSÉ DA CONCEIÇÃO ${first.txid}` });
		expect(await instRow(first.id)).toMatchObject({ status: 'paid', paidCents: first.amountCents });
		const [pay] = await paymentsOf(first.id);
		expect(pay).toMatchObject({ source: 'statement', method: 'pix', amountCents: first.amountCents, externalId: expect.stringMatching(/^ofx:0341:.*:T1$/), proof: expect.stringMatching(/^itau-novembro\.ofx, linha \d+$/) });
		expect(pay.paidAt.toISOString()).toBe(new Date(`${today}T12:00:00-03:00`).toISOString());
		// The receipt gives the day (a statement has no hour) and names the bank's entry.
		expect((await receipts.receiptData(db(), p.agreement.id, pay.id))!.payment).toMatchObject({ dateOnly: true, method: 'pix', reference: expect.stringMatching(/^extrato do banco 0341, conta .+, lançamento T1$/) });

		const r2 = await importAs(file, null, 'de-novo.ofx');
		expect(r2).toMatchObject({ ok: true, duplicate: true });
		expect(r2.ok && r2.report.fileId).toBe(r1.report.fileId);
		expect(await paymentsOf(first.id)).toHaveLength(1);
		expect(await db().select().from(auditLog).where(and(eq(auditLog.action, 'statement_file.import'), eq(auditLog.entityId, r1.report.fileId)))).toHaveLength(1);
	});

	it('the same entry in two overlapping statements is handled once', async () => {
		const p = await planOf(3);
		const [a, b] = p.installments;
		const acct = `sobreposta-${Date.now()}`;
		const entryA: Entry = { fitId: 'A1', postedOn: addDays(today, -10), amountCents: a.amountCents, memo: `PIX ${a.txid}` };
		const entryB: Entry = { fitId: 'B1', postedOn: addDays(today, -2), amountCents: b.amountCents, memo: `PIX ${b.txid}` };
		const first = await importAs(ofxStatement({ accountId: acct, start: addDays(today, -15), end: addDays(today, -1), entries: [entryA, entryB] }));
		const second = await importAs(ofxStatement({ accountId: acct, start: addDays(today, -5), end: today, entries: [entryB, { fitId: 'C1', postedOn: today, amountCents: 777, memo: 'PIX RECEBIDO SEM ID' }] }));
		expect(first.ok && first.report.counts).toMatchObject({ recorded: 2 });
		expect(second.ok && second.report.counts).toMatchObject({ recorded: 0, known: 1, unmatched: 1 });
		expect(await paymentsOf(b.id)).toHaveLength(1);
		const [again] = await linesOf(second.ok ? second.report.fileId : '');
		const [, original] = await linesOf(first.ok ? first.report.fileId : '');
		expect(again).toMatchObject({ outcome: 'known', repeats: original.id, fitId: 'B1' });
		// The same FITID with another amount is another entry (banks that reuse FITIDs).
		const third = await importAs(ofxStatement({ accountId: acct, start: today, end: today, entries: [{ ...entryB, amountCents: 555, memo: 'PIX RECEBIDO' }] }));
		expect(third.ok && third.report.counts).toMatchObject({ known: 0, unmatched: 1 });
	});

	it('an amount-only match is proposed, never recorded; associating it records it once; the entry seen again is not queued again', async () => {
		const p = await planOf(2);
		const [, second] = p.installments;
		const acct = `proposta-${Date.now()}`;
		const entry: Entry = { fitId: 'P1', postedOn: addDays(second.dueDate, -1), amountCents: second.amountCents, memo: 'PIX RECEBIDO MARIA APARECIDA' };
		const r = await importAs(ofxStatement({ accountId: acct, start: entry.postedOn, end: entry.postedOn, entries: [entry] }), p.creditor.id);
		if (!r.ok) throw new Error(r.message);
		expect(r.report.counts).toMatchObject({ proposed: 1, recorded: 0 });
		expect(await instRow(second.id)).toMatchObject({ status: 'pending' });
		expect(await paymentsOf(second.id)).toHaveLength(0);
		const [line] = await linesOf(r.report.fileId);
		const item = await itemOfLine(line.id);
		expect(item).toMatchObject({ status: 'open', reason: 'amount_match', amountCents: second.amountCents, paidOn: entry.postedOn, installmentId: second.id, creditorId: p.creditor.id, method: 'pix', externalId: `ofx:0341:${acct}:P1` });
		expect(item.message).toContain(`${p.agreement.code} parcela 2`);
		expect(line.reviewItemId).toBe(item.id);

		const reach = { agencyId: agency.id, creditorId: null };
		const suggestions = await review.suggestions(db(), reach, item);
		expect(suggestions.map((s) => s.installmentId)).toContain(second.id);
		const done = await db().transaction((tx) => review.associate(tx, { itemId: item.id, installmentId: second.id, staff: operator }));
		expect(done).toMatchObject({ ok: true });
		const twice = await db().transaction((tx) => review.associate(tx, { itemId: item.id, installmentId: second.id, staff: operator }));
		expect(twice).toMatchObject({ ok: false });
		const pays = await paymentsOf(second.id);
		expect(pays).toHaveLength(1);
		expect(pays[0]).toMatchObject({ source: 'statement', externalId: `ofx:0341:${acct}:P1`, amountCents: second.amountCents });
		expect(await instRow(second.id)).toMatchObject({ status: 'paid' });

		const later = await importAs(ofxStatement({ accountId: acct, start: entry.postedOn, end: today, entries: [entry, { fitId: 'P2', postedOn: today, amountCents: 1, memo: 'RENDIMENTO' }] }), p.creditor.id);
		expect(later.ok && later.report.counts).toMatchObject({ known: 1, unmatched: 1, proposed: 0 });
		expect(await paymentsOf(second.id)).toHaveLength(1);
	});

	it('an installment paid by a credit is not proposed for another credit of the same amount in the same statement', async () => {
		const p = await planOf(1);
		const [only] = p.installments;
		const r = await importAs(
			statementOf([
				{ fitId: 'S1', postedOn: today, amountCents: only.amountCents, memo: `PIX ${only.txid}` },
				{ fitId: 'S2', postedOn: today, amountCents: only.amountCents, memo: 'PIX RECEBIDO OUTRA PESSOA' }
			]),
			p.creditor.id
		);
		expect(r.ok && r.report.counts).toMatchObject({ recorded: 1, proposed: 0, unmatched: 1 });
	});

	it('a Pix told by the PSP and found in the statement (same end-to-end id) is one payment, in either order', async () => {
		const account = { id: 'teste-ofx', credentials: {} as never };
		const p = await planOf(2);
		const [first, second] = p.installments;
		const e1 = endToEndId(today);
		// The PSP first (the function the webhook and the sweep record through), then the statement.
		expect(await psp.apply(db(), account, { endToEndId: e1, txid: first.txid, valor: (first.amountCents / 100).toFixed(2), horario: new Date().toISOString() })).toBe('recorded');
		const r = await importAs(statementOf([{ fitId: 'W1', postedOn: today, amountCents: first.amountCents, memo: `PIX RECEBIDO ${first.txid}`, refNum: e1 }]));
		expect(r.ok && r.report.counts).toMatchObject({ known: 1, recorded: 0 });
		expect(await paymentsOf(first.id)).toHaveLength(1);

		// The statement first, then the PSP.
		const e2 = endToEndId(today);
		const r2 = await importAs(statementOf([{ fitId: 'W2', postedOn: today, amountCents: second.amountCents, memo: `PIX RECEBIDO ${e2} ${second.txid}` }]));
		expect(r2.ok && r2.report.counts).toMatchObject({ recorded: 1 });
		const [fromStatement] = await paymentsOf(second.id);
		expect(fromStatement).toMatchObject({ source: 'statement', externalId: e2 });
		expect(await psp.apply(db(), account, { endToEndId: e2, txid: second.txid, valor: (second.amountCents / 100).toFixed(2), horario: new Date().toISOString() })).toBe('duplicate');
		expect(await paymentsOf(second.id)).toHaveLength(1);
	});

	it('a Pix the PSP could not place waits once in the queue, even when the statement shows it too', async () => {
		const p = await planOf(1);
		const e2e = endToEndId(today);
		const account = { id: 'teste-ofx-fila', credentials: {} as never, owner: { agencyId: agency.id, creditorId: p.creditor.id } };
		expect(await psp.apply(db(), account, { endToEndId: e2e, txid: 'TXIDQUENAOEXISTE0000000000', valor: '12.34', horario: new Date().toISOString() })).toBe('review');
		const r = await importAs(statementOf([{ fitId: 'Q1', postedOn: today, amountCents: 1_234, memo: `PIX RECEBIDO ${e2e}` }]), p.creditor.id);
		expect(r.ok && r.report.counts).toMatchObject({ known: 1, unmatched: 0, proposed: 0 });
		const items = await db().select().from(reviewItems).where(eq(reviewItems.externalId, e2e));
		expect(items.map((i) => i.source)).toEqual(['pix']);
	});

	it('a creditor’s import sees only its own installments and files', async () => {
		const mine = await planOf(3);
		const theirs = await planOf(1);
		const [other] = theirs.installments;
		const r = await importAs(statementOf([{ fitId: 'X1', postedOn: today, amountCents: other.amountCents, memo: `PIX ${other.txid}` }]), mine.creditor.id);
		if (!r.ok) throw new Error(r.message);
		expect(r.report.counts).toMatchObject({ recorded: 0, unmatched: 1 });
		expect(await paymentsOf(other.id)).toHaveLength(0);
		const [line] = await linesOf(r.report.fileId);
		const item = await itemOfLine(line.id);
		expect(item.creditorId).toBe(mine.creditor.id);
		// The other creditor's staff neither see the file nor the item, nor may they associate it.
		const theirReach = { agencyId: agency.id, creditorId: theirs.creditor.id };
		expect(await report(db(), r.report.fileId, theirReach)).toBeNull();
		expect((await listFiles(db(), theirReach)).map((f) => f.id)).not.toContain(r.report.fileId);
		expect((await listFiles(db(), { agencyId: agency.id, creditorId: mine.creditor.id })).map((f) => f.id)).toContain(r.report.fileId);
		expect(await review.get(db(), theirReach, item.id)).toBeNull();
		const refused = await db().transaction((tx) => review.associate(tx, { itemId: item.id, installmentId: other.id, staff: { id: operator.id, agencyId: agency.id, creditorId: theirs.creditor.id } }));
		expect(refused).toMatchObject({ ok: false, message: 'Pendência não encontrada.' });
		// Another agency's creditor is refused outright.
		const elsewhere = await factory.creditor((await factory.agency()).id);
		expect(await importAs(statementOf([]), elsewhere.id)).toEqual({ ok: false, message: 'Credor não encontrado.' });
	});

	it('a file that is not a statement is refused with the reason and stores nothing', async () => {
		const before = (await db().select({ n: sql<number>`count(*)::int` }).from(statementFiles))[0].n;
		expect(await importAs(Buffer.from('Data;Histórico;Valor\r\n05/11/2026;PIX;150,00\r\n', 'latin1'))).toMatchObject({ ok: false, message: expect.stringContaining('não é um extrato OFX') });
		expect(await importAs(Buffer.alloc(0))).toEqual({ ok: false, message: 'O arquivo está vazio.' });
		expect((await db().select({ n: sql<number>`count(*)::int` }).from(statementFiles))[0].n).toBe(before);
	});
});

describe('acerto extrato', () => {
	const env = () => ({ DATABASE_URL: inject('databaseUrl'), APP_SECRET: process.env.APP_SECRET });
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'extrato-'));

	it('imports a statement for a creditor and says what happened; again changes nothing; a bad file exits 1', async () => {
		const p = await planOf(1);
		const [only] = p.installments;
		const slug = (await db().execute<{ slug: string }>(sql`select slug from creditors where id = ${p.creditor.id}::uuid`))[0].slug;
		const file = path.join(tmp, 'bradesco.ofx');
		fs.writeFileSync(file, statementOf([{ fitId: 'CLI1', postedOn: today, amountCents: only.amountCents, memo: `PIX RECEBIDO ${only.txid}` }, { fitId: 'CLI2', postedOn: today, amountCents: 4_321, memo: 'DEPÓSITO' }]));
		const r = await runAcerto(['extrato', file, '--credor', slug], env());
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Pagamentos lançados: 1 (R$');
		expect(r.stdout).toContain('sem correspondência: 1');
		expect(await instRow(only.id)).toMatchObject({ status: 'paid' });
		const again = await runAcerto(['extrato', file, '--credor', slug], env());
		expect(again.stdout).toContain('já foi importado');
		expect(await paymentsOf(only.id)).toHaveLength(1);
		fs.writeFileSync(path.join(tmp, 'ruim.ofx'), 'isto não é um extrato\n');
		const bad = await runAcerto(['extrato', path.join(tmp, 'ruim.ofx'), '--credor', slug], env());
		expect(bad.code).toBe(1);
		expect(bad.stderr).toContain('Extrato recusado: Este arquivo não é um extrato OFX');
	});
});

