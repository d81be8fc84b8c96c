import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { auditLog, boletoRegistrations, debtors, installments, remessaFiles, staff } from '../../src/lib/server/db/schema';
import * as backoffice from '../../src/lib/server/backoffice';
import * as registration from '../../src/lib/server/payments/registration';
import { record } from '../../src/lib/server/payments/record';
import type { StaffPrincipal } from '../../src/lib/server/staff';
import { policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import * as factory from '../support/factory';
import { runAcerto } from '../support/cli';
import * as shared from '../support/agreement';

const { ADDRESS } = shared;

/**
 * Registration wired to the data: a creditor's next remessa carries an entry (P, Q, R) for each
 * installment never sent, a write-off for each slip withdrawn, takes the next NSA under a lock,
 * and leaves out (and names) the titles it cannot carry.
 */

const today = todayInSaoPaulo();
const POLICY: Policy = { ...policyToJsonExample, lateFeePercent: 2, interestMonthlyPercent: 1 };

let agency: Awaited<ReturnType<typeof factory.agency>>;
let manager: StaffPrincipal;

const tx = <T>(fn: (t: Parameters<Parameters<ReturnType<typeof db>['transaction']>[0]>[0]) => Promise<T>) => db().transaction(fn);

beforeAll(async () => {
	agency = await factory.agency();
	const [row] = await db().insert(staff).values({ agencyId: agency.id, email: `gestor.${Date.now()}@assessoria.example`, role: 'agency_admin', name: 'Gestora' }).returning();
	manager = { id: row.id, agencyId: agency.id, role: 'agency_admin', creditorId: null, email: row.email, name: 'Gestora' };
});

const who = () => ({ agencyId: agency.id, creditorId: null, id: manager.id, actorType: 'staff' as const });

async function creditorWithSettings() {
	const c = await factory.creditor(agency.id, { boletoBankCode: '237', boletoAgency: '1234', boletoAccount: '0056789', boletoWallet: '09' }, POLICY);
	const saved = await tx((t) => registration.saveSettings(t, who(), c.id, { convenio: '4455667', agencyDigit: '5', accountDigit: '0', bankName: 'BRADESCO', writeOffAfterDays: '30' }));
	expect(saved).toEqual({ ok: true });
	return c;
}

const agreementFor = (creditorId: string, debtorOver: Parameters<typeof factory.debtor>[1] = ADDRESS, count = 3) => shared.agreementFor(agency.id, creditorId, debtorOver, count);

const generate = (creditorId: string) => tx((t) => registration.generate(t, who(), creditorId));

/** Positions are 1-based and inclusive, as the FEBRABAN manual writes them. */
const at = (line: string, from: number, to: number) => line.slice(from - 1, to);
const ddmmyyyy = (iso: string) => `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(0, 4)}`;

async function contentOf(fileId: string): Promise<string[]> {
	const f = await registration.fileContent(db(), who(), fileId);
	return f!.content.split('\r\n').filter((l) => l.length > 0);
}

/** The detail records grouped per title: [P, Q, R]. */
function titles(lines: string[]): string[][] {
	const details = lines.filter((l) => at(l, 8, 8) === '3');
	const out: string[][] = [];
	for (let i = 0; i < details.length; i += 3) out.push(details.slice(i, i + 3));
	return out;
}

describe('remessa from the data', () => {
	it('enters every new installment with P, Q and R at the FEBRABAN positions; generating again yields nothing new', async () => {
		const c = await creditorWithSettings();
		const { installments: inst, agreement } = await agreementFor(c.id);

		const r = await generate(c.id);
		if (!r.ok) throw new Error(r.message);
		expect(r.leftOut).toEqual([]);
		expect(r.file).toMatchObject({ fileSequence: 1, entries: 3, writeOffs: 0, totalCents: inst.reduce((s, i) => s + i.amountCents, 0) });

		const lines = await contentOf(r.file!.id);
		expect(lines.every((l) => l.length === 240)).toBe(true);
		expect(at(lines[0], 158, 163)).toBe('000001'); // NSA in the file header
		const ts = titles(lines);
		expect(ts).toHaveLength(3);
		ts.forEach(([p, q, rr], k) => {
			const i = inst[k];
			expect([at(p, 14, 14), at(q, 14, 14), at(rr, 14, 14)]).toEqual(['P', 'Q', 'R']);
			expect([at(p, 16, 17), at(q, 16, 17), at(rr, 16, 17)]).toEqual(['01', '01', '01']);
			expect(at(p, 38, 57).trim()).toBe(i.nossoNumero);
			expect(at(p, 63, 77).trim()).toBe(`${agreement.code}/${i.seq}`.slice(0, 15));
			expect(at(p, 78, 85)).toBe(ddmmyyyy(i.dueDate));
			expect(Number(at(p, 86, 100))).toBe(i.amountCents);
			expect(at(p, 196, 220).trim()).toBe(i.txid);
			// Juros: 1 % a month per day, from the day after the due date.
			expect(at(p, 118, 118)).toBe('1');
			expect(at(p, 119, 126)).toBe(ddmmyyyy(addDays(i.dueDate, 1)));
			expect(Number(at(p, 127, 141))).toBe(Math.floor((i.amountCents * 100) / 300_000));
			expect(at(q, 34, 73).trim()).toBe('MARIA DA SILVA');
			expect(at(q, 74, 113).trim()).toBe('RUA DAS PALMEIRAS, 120 AP 31');
			expect(at(q, 114, 128).trim()).toBe('CENTRO');
			expect(at(q, 129, 136)).toBe('01310100');
			expect(at(q, 137, 151).trim()).toBe('SAO PAULO');
			expect(at(q, 152, 153)).toBe('SP');
			// Multa: 2 % (200 hundredths of a percent) from the day after the due date.
			expect(at(rr, 66, 66)).toBe('2');
			expect(at(rr, 67, 74)).toBe(ddmmyyyy(addDays(i.dueDate, 1)));
			expect(Number(at(rr, 75, 89))).toBe(200);
		});
		const states = await registration.statesOf(db(), inst.map((i) => i.id));
		expect([...states.values()].map((s) => [s.status, s.fileSequence])).toEqual([['sent', 1], ['sent', 1], ['sent', 1]]);

		const again = await generate(c.id);
		expect(again).toEqual({ ok: true, file: null, leftOut: [] });
		const all = await db().select().from(remessaFiles).where(eq(remessaFiles.creditorId, c.id));
		expect(all).toHaveLength(1);
		const [logged] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'remessa.generate'), eq(auditLog.entityId, c.id)));
		expect(logged.data).toMatchObject({ fileSequence: 1, entries: 3, writeOffs: 0 });
	});

	it('a due-date change writes off the old title and enters the new one in the next file', async () => {
		const c = await creditorWithSettings();
		const { installments: inst, agreement } = await agreementFor(c.id);
		const first = await generate(c.id);
		expect(first.ok && first.file?.entries).toBe(3);

		const second = inst[1];
		const newDue = addDays(second.dueDate, 7);
		const changed = await tx((t) => backoffice.agreements.changeDueDate(t, manager, agreement.code, { parcela: second.id, vencimento: newDue }));
		expect(changed.ok).toBe(true);
		const [replacement] = await db().select().from(installments).where(and(eq(installments.agreementId, agreement.id), eq(installments.seq, 2), isNull(installments.supersededBy)));
		expect(replacement.id).not.toBe(second.id);
		expect(replacement.nossoNumero).not.toBe(second.nossoNumero);

		const next = await generate(c.id);
		if (!next.ok) throw new Error(next.message);
		expect(next.file).toMatchObject({ fileSequence: 2, entries: 1, writeOffs: 1 });
		const [[wp, wq], [ep]] = titles(await contentOf(next.file!.id));
		// Write-off first, of the title as it was entered.
		expect(at(wp, 16, 17)).toBe('02');
		expect(at(wq, 16, 17)).toBe('02');
		expect(at(wp, 38, 57).trim()).toBe(second.nossoNumero);
		expect(at(wp, 78, 85)).toBe(ddmmyyyy(second.dueDate));
		expect(at(ep, 16, 17)).toBe('01');
		expect(at(ep, 38, 57).trim()).toBe(replacement.nossoNumero);
		expect(at(ep, 78, 85)).toBe(ddmmyyyy(newDue));

		const states = await registration.statesOf(db(), [second.id, replacement.id]);
		expect(states.get(second.id)).toMatchObject({ status: 'write_off_requested', fileSequence: 2 });
		expect(states.get(replacement.id)).toMatchObject({ status: 'sent', fileSequence: 2 });
		expect(await generate(c.id)).toEqual({ ok: true, file: null, leftOut: [] });

		// The bank's answers, as the return-file import will record them.
		const tx2 = await tx((t) => registration.markRegistration(t, second.id, 'written_off'));
		expect(tx2).toBe(true);
		await tx((t) => registration.markRegistration(t, replacement.id, 'rejected', ['CEP do pagador inválido']));
		const after = await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.installmentId, replacement.id));
		expect(after[0]).toMatchObject({ status: 'rejected', reasons: ['CEP do pagador inválido'] });
	});

	it('a title the bank refused is held back, with the reason, until its data changes; then it goes again and starts over', async () => {
		const c = await creditorWithSettings();
		const { installments: inst, agreement } = await agreementFor(c.id, ADDRESS, 2);
		const first = await generate(c.id);
		expect(first.ok && first.file?.entries).toBe(2);
		await tx((t) => registration.markRegistration(t, inst[0].id, 'rejected', ['CEP do pagador inválido']));

		// Nothing changed: sending the same title again would only be refused again.
		const held = await generate(c.id);
		expect(held).toMatchObject({ ok: true, file: null });
		expect(held.ok && held.leftOut).toEqual([
			expect.objectContaining({ installmentId: inst[0].id, agreementCode: agreement.code, movement: 'entry', message: expect.stringContaining('Recusado pelo banco (CEP do pagador inválido)') })
		]);

		// The address fixed (as a new import of the portfolio does): the entry goes in the next file, with the new CEP.
		await db().update(debtors).set({ addressCep: '01311000', updatedAt: new Date() }).where(eq(debtors.id, agreement.debtorId));
		const again = await generate(c.id);
		if (!again.ok) throw new Error(again.message);
		expect(again.file).toMatchObject({ entries: 1, writeOffs: 0 });
		expect(again.leftOut).toEqual([]);
		const [[p, q]] = titles(await contentOf(again.file!.id));
		expect(at(p, 38, 57).trim()).toBe(inst[0].nossoNumero);
		expect(q).toContain('01311000');
		const [reg] = await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.installmentId, inst[0].id));
		expect(reg).toMatchObject({ status: 'sent', entryFileId: again.file!.id, reasons: [], confirmedAt: null });
		expect(await generate(c.id)).toEqual({ ok: true, file: null, leftOut: [] });
	});

	it('a title paid in part is given its new nominal value (47) in the next file, once; a discarded file asks again', async () => {
		const c = await creditorWithSettings();
		const { installments: inst } = await agreementFor(c.id, ADDRESS, 2);
		expect((await generate(c.id)).ok).toBe(true);
		const partCents = 10_000;
		const paid = await tx((t) => record(t, { installmentId: inst[0].id, amountCents: partCents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId: `E2E-PARCIAL-${inst[0].id}`, actor: { type: 'system' } }));
		expect(paid.ok && !paid.duplicate && paid.installment.status).toBe('partially_paid');
		const openCents = inst[0].amountCents - partCents;

		const first = await generate(c.id);
		if (!first.ok) throw new Error(first.message);
		expect(first.file).toMatchObject({ entries: 0, writeOffs: 0, amountChanges: 1, totalCents: openCents });
		const [[p, q, r]] = titles(await contentOf(first.file!.id));
		expect([at(p, 16, 17), at(q, 16, 17), at(r, 16, 17)]).toEqual(['47', '47', '47']);
		expect(at(p, 38, 57).trim()).toBe(inst[0].nossoNumero);
		expect(Number(at(p, 86, 100))).toBe(openCents);
		expect(at(p, 78, 85)).toBe(ddmmyyyy(inst[0].dueDate));
		const [reg] = await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.installmentId, inst[0].id));
		expect(reg.status).toBe('sent');
		expect((reg.title as { amountCents: number }).amountCents).toBe(openCents);
		expect(await generate(c.id)).toEqual({ ok: true, file: null, leftOut: [] });

		// Never sent to the bank: discarding the file puts the registered amount back, so the next file asks again.
		expect(await tx((t) => registration.discard(t, who(), first.file!.id))).toEqual({ ok: true });
		const [back] = await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.installmentId, inst[0].id));
		expect((back.title as { amountCents: number }).amountCents).toBe(inst[0].amountCents);
		const again = await generate(c.id);
		expect(again.ok && again.file).toMatchObject({ amountChanges: 1, totalCents: openCents });
	});

	it('at Banco do Brasil a title paid in part asks less by abatimento (04), its nominal value kept, after each payment', async () => {
		const c = await factory.creditor(agency.id, { boletoBankCode: '001', boletoAgency: '1234', boletoAccount: '0056789', boletoWallet: '17' }, POLICY);
		const saved = await tx((t) => registration.saveSettings(t, who(), c.id, { convenio: '1234567', walletVariation: '019', agencyDigit: '5', accountDigit: '0', writeOffAfterDays: '30' }));
		expect(saved).toEqual({ ok: true });
		const { installments: inst } = await agreementFor(c.id, ADDRESS, 2);
		expect((await generate(c.id)).ok).toBe(true);
		const nominal = inst[0].amountCents;
		const pay = (cents: number, n: number) =>
			tx((t) => record(t, { installmentId: inst[0].id, amountCents: cents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId: `E2E-BB-${n}-${inst[0].id}`, actor: { type: 'system' } }));

		expect((await pay(5_000, 1)).ok).toBe(true);
		const first = await generate(c.id);
		if (!first.ok) throw new Error(first.message);
		expect(first.file).toMatchObject({ entries: 0, amountChanges: 1, totalCents: nominal - 5_000 });
		const [[p1, q1, r1]] = titles(await contentOf(first.file!.id));
		expect([at(p1, 16, 17), at(q1, 16, 17), at(r1, 16, 17)]).toEqual(['04', '04', '04']);
		expect([Number(at(p1, 86, 100)), Number(at(p1, 181, 195))]).toEqual([nominal, 5_000]);

		// A second payment: the nominal value still the original, the abatimento all that was paid.
		expect((await pay(3_000, 2)).ok).toBe(true);
		const second = await generate(c.id);
		if (!second.ok) throw new Error(second.message);
		const [[p2]] = titles(await contentOf(second.file!.id));
		expect([at(p2, 16, 17), Number(at(p2, 86, 100)), Number(at(p2, 181, 195))]).toEqual(['04', nominal, 8_000]);
		const [reg] = await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.installmentId, inst[0].id));
		expect(reg.title).toMatchObject({ amountCents: nominal - 8_000, nominalCents: nominal });
		expect(await generate(c.id)).toEqual({ ok: true, file: null, leftOut: [] });
	});

	it('a debtor without an address is reported in pt-BR and left out; the others go', async () => {
		const c = await creditorWithSettings();
		const without = await agreementFor(c.id, { ...ADDRESS, addressStreet: null, addressCep: null }, 2);
		const withAddress = await agreementFor(c.id, ADDRESS, 2);

		const r = await generate(c.id);
		if (!r.ok) throw new Error(r.message);
		expect(r.file).toMatchObject({ entries: 2, writeOffs: 0 });
		expect(r.leftOut.map((l) => [l.installmentId, l.agreementCode, l.movement])).toEqual(without.installments.map((i) => [i.id, without.agreement.code, 'entry']));
		expect(r.leftOut[0].message).toBe('Devedor sem endereço completo (falta logradouro, CEP): cadastre o endereço para registrar o boleto.');
		const nossos = titles(await contentOf(r.file!.id)).map(([p]) => at(p, 38, 57).trim());
		expect(nossos).toEqual(withAddress.installments.map((i) => i.nossoNumero));
		const [stored] = await db().select().from(remessaFiles).where(eq(remessaFiles.id, r.file!.id));
		expect(stored.leftOut).toHaveLength(2);
		expect((await registration.statesOf(db(), without.installments.map((i) => i.id))).size).toBe(0);

		// Only the debtor without an address is left: nothing to send, and they are still named.
		const again = await generate(c.id);
		expect(again.ok && again.file).toBe(null);
		expect(again.ok && again.leftOut.length).toBe(2);
	});

	it('two generations at once: one file, and the NSA is never taken twice', async () => {
		const c = await creditorWithSettings();
		await agreementFor(c.id);
		const [a, b] = await Promise.all([generate(c.id), generate(c.id)]);
		if (!a.ok || !b.ok) throw new Error('generation failed');
		const made = [a.file, b.file].filter((f) => f !== null);
		expect(made).toHaveLength(1);
		expect(made[0]!.entries).toBe(3);

		await agreementFor(c.id);
		await agreementFor(c.id);
		// New work for both: each concurrent call makes at most one file, with its own NSA.
		const [x, y] = await Promise.all([generate(c.id), generate(c.id)]);
		const seqs = [x, y].flatMap((r) => (r.ok && r.file ? [r.file.fileSequence] : []));
		const files = await db().select().from(remessaFiles).where(eq(remessaFiles.creditorId, c.id)).orderBy(asc(remessaFiles.fileSequence));
		expect(files.map((f) => f.fileSequence)).toEqual([1, 2]);
		expect(seqs).toEqual([2]);
		expect(files.reduce((s, f) => s + f.entries, 0)).toBe(9);
		const regs = await db().select().from(boletoRegistrations).where(eq(boletoRegistrations.creditorId, c.id));
		expect(regs).toHaveLength(9);
	});

	it('a discarded file gives its titles back to the next one, under a new NSA', async () => {
		const c = await creditorWithSettings();
		await agreementFor(c.id, ADDRESS, 2);
		const first = await generate(c.id);
		if (!first.ok || !first.file) throw new Error('no file');
		expect(await tx((t) => registration.discard(t, who(), first.file!.id))).toEqual({ ok: true });
		const next = await generate(c.id);
		expect(next.ok && next.file).toMatchObject({ fileSequence: 2, entries: 2 });
		expect(await tx((t) => registration.discard(t, who(), first.file!.id))).toMatchObject({ ok: false, status: 409 });
	});

	it('without settings, or with settings the bank refuses, nothing is generated', async () => {
		const bare = await factory.creditor(agency.id, {}, POLICY);
		expect(await generate(bare.id)).toMatchObject({ ok: false, status: 409 });
		const bb = await factory.creditor(agency.id, { boletoBankCode: '001', boletoWallet: '17' }, POLICY);
		const refused = await tx((t) => registration.saveSettings(t, who(), bb.id, { convenio: '1234', writeOffAfterDays: '30' }));
		expect(refused).toMatchObject({ ok: false, status: 400 });
		expect(refused.ok === false && refused.message).toMatch(/Banco do Brasil: o convênio de cobrança deve ter 7 dígitos/);
		expect(await generate(bb.id)).toMatchObject({ ok: false, status: 409 });
	});

	it('acerto remessa <credor> --saida writes the file and names what was left out', async () => {
		const c = await creditorWithSettings();
		const ok = await agreementFor(c.id, ADDRESS, 2);
		const blocked = await agreementFor(c.id, { ...ADDRESS, addressCity: null }, 2);
		const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'remessa-')), 'saida.REM');
		const env = { DATABASE_URL: inject('databaseUrl'), APP_SECRET: process.env.APP_SECRET, PUBLIC_BASE_URL: 'https://portal.example.com' };
		const r = await runAcerto(['remessa', c.slug, '--saida', target], env);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain(`Remessa 1 gravada em ${target}: 2 entrada(s), 0 baixa(s)`);
		expect(r.stderr).toContain(`Fora da remessa: acordo ${blocked.agreement.code}, parcela 1 (Maria da Silva): Devedor sem endereço completo (falta cidade)`);
		const lines = fs.readFileSync(target, 'latin1').split('\r\n').filter(Boolean);
		expect(titles(lines).map(([p]) => at(p, 38, 57).trim())).toEqual(ok.installments.map((i) => i.nossoNumero));

		const again = await runAcerto(['remessa', c.slug], env);
		expect(again.code).toBe(0);
		expect(again.stdout).toContain('Nenhum título novo para registrar ou baixar');
	});
});
