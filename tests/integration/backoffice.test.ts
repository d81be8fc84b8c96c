import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agreements as agreementsTable, auditLog, debtors, debts, funnelEvents, importChunks, imports, installments, otpChallenges, outbox, payments, staff } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as audit from '../../src/lib/server/audit';
import * as messaging from '../../src/lib/server/messaging';
import * as paymentsRecord from '../../src/lib/server/payments/record';
import * as backoffice from '../../src/lib/server/backoffice';
import { classify } from '../../src/lib/server/backoffice/search';
import { dueDateWindow } from '../../src/lib/server/backoffice/agreements';
import { boletoPdf } from '../../src/lib/server/agreements/documents';
import type { StaffPrincipal, StaffRole } from '../../src/lib/server/staff';
import { addDays, formatDateBR, todayInSaoPaulo } from '../../src/lib/format/dates';
import { formatBRL } from '../../src/lib/format/money';
import { formatDocument, generateCpf } from '../../src/lib/format/document';
import * as factory from '../support/factory';

const today = todayInSaoPaulo();
const rng = () => Math.random();

async function person(agencyId: string, role: StaffRole, creditorId: string | null = null): Promise<StaffPrincipal> {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@assessoria.example`;
	const [row] = await db().insert(staff).values({ agencyId, email, role, creditorId, name: role }).returning();
	return { id: row.id, agencyId, role, creditorId, email, name: role };
}

const acceptPlan = (debtor: { id: string; agencyId: string }, debtIds: string[], count: number) => factory.acceptPlan(debtor, debtIds, count, today);

function rows(agreementId: string) {
	return db().select().from(installments).where(eq(installments.agreementId, agreementId)).orderBy(asc(installments.seq), asc(installments.updatedAt));
}

const tx = <T>(fn: (t: Parameters<Parameters<ReturnType<typeof db>['transaction']>[0]>[0]) => Promise<T>) => db().transaction(fn);

// One agency, two creditors; Conceição owes at A only, Benedito at B only.
let agency: Awaited<ReturnType<typeof factory.agency>>;
let credA: Awaited<ReturnType<typeof factory.creditor>>;
let credB: Awaited<ReturnType<typeof factory.creditor>>;
let conceicao: Awaited<ReturnType<typeof factory.debtor>>;
let benedito: Awaited<ReturnType<typeof factory.debtor>>;
let debtA: Awaited<ReturnType<typeof factory.debt>>;
let debtB: Awaited<ReturnType<typeof factory.debt>>;
let admin: StaffPrincipal;
let operatorA: StaffPrincipal;
let viewerB: StaffPrincipal;
// Letters only: the tag goes into names, and names are searched by their letters.
const tag = Array.from({ length: 6 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('');

beforeAll(async () => {
	agency = await factory.agency();
	credA = await factory.creditor(agency.id, { displayName: `Lojas Alfa ${tag}` });
	credB = await factory.creditor(agency.id, { displayName: `Escola Beta ${tag}` });
	conceicao = await factory.debtor(agency.id, { name: `Conceição Aparecida Simões ${tag}`, phone: '+5511976543210', email: `conceicao.${tag.toLowerCase()}@example.com` });
	benedito = await factory.debtor(agency.id, { name: `Benedito Simões Araújo ${tag}`, phone: '+5521988887777' });
	debtA = await factory.debt(credA.id, conceicao.id, { externalId: `ALFA-${tag}-0042`, principalCents: 123_456 });
	debtB = await factory.debt(credB.id, benedito.id, { externalId: `BETA-${tag}-0077`, principalCents: 50_000 });
	admin = await person(agency.id, 'agency_admin');
	operatorA = await person(agency.id, 'operator', credA.id);
	viewerB = await person(agency.id, 'viewer', credB.id);
});

afterAll(async () => {
	await closeDb();
});

async function find(who: StaffPrincipal, q: string) {
	const r = await backoffice.search.search(db(), who, q);
	if (!r.ok) throw new Error(r.message);
	return r.hits;
}

describe('searching debtors', () => {
	it('finds a debtor by CPF with any punctuation, and shows the CPF masked with creditors and open total', async () => {
		const cpf = conceicao.document;
		for (const q of [cpf, formatDocument(cpf), `${cpf.slice(0, 3)} ${cpf.slice(3, 6)} ${cpf.slice(6, 9)}/${cpf.slice(9)}`]) {
			const hits = await find(admin, q);
			expect(hits.map((h) => h.id), q).toEqual([conceicao.id]);
		}
		const [hit] = await find(admin, formatDocument(cpf));
		expect(hit.documentMasked).toBe(`***.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-**`);
		expect(JSON.stringify(hit)).not.toContain(cpf);
		expect(hit.creditors).toEqual([credA.displayName]);
		expect(hit.openCents).toBe(123_456);
	});

	it('finds by part of the name, without accents and in any case', async () => {
		for (const q of [`conceicao simoes ${tag}`, `CONCEIÇÃO ${tag}`, `aparecida ${tag.toLowerCase()}`]) {
			expect((await find(admin, q)).map((h) => h.id), q).toEqual([conceicao.id]);
		}
		const both = await find(admin, `simões ${tag}`);
		expect(both.map((h) => h.name).sort()).toEqual([benedito.name, conceicao.name].sort());
	});

	it('finds by phone as people type it, and by contract id whole or in part', async () => {
		expect((await find(admin, '(11) 97654-3210')).map((h) => h.id)).toContain(conceicao.id);
		expect((await find(admin, '+55 11 97654-3210')).map((h) => h.id)).toContain(conceicao.id);
		expect((await find(admin, `ALFA-${tag}-0042`)).map((h) => h.id)).toEqual([conceicao.id]);
		expect((await find(admin, `${tag}-0042`)).map((h) => h.id)).toEqual([conceicao.id]);
	});

	it("creditor-scoped staff never find another creditor's debtor, by any key", async () => {
		for (const q of [benedito.document, formatDocument(benedito.document), `benedito ${tag}`, `BETA-${tag}-0077`, '(21) 98888-7777']) {
			expect(await find(operatorA, q), q).toEqual([]);
			expect((await find(viewerB, q)).map((h) => h.id), q).toEqual([benedito.id]);
		}
		// A debtor owing at both creditors: the scoped person sees only their creditor and its total.
		const extra = await factory.debt(credB.id, conceicao.id, { externalId: `BETA-${tag}-0099`, principalCents: 7_000 });
		const [forB] = await find(viewerB, conceicao.document);
		expect(forB.creditors).toEqual([credB.displayName]);
		expect(forB.openCents).toBe(7_000);
		const [forAdmin] = await find(admin, conceicao.document);
		expect(forAdmin.creditors.sort()).toEqual([credA.displayName, credB.displayName].sort());
		expect(forAdmin.openCents).toBe(130_456);
		await db().delete(debts).where(eq(debts.id, extra.id));
	});

	it('another agency sees nothing, and a too-short query asks for more', async () => {
		const other = await factory.agency();
		const outsider = await person(other.id, 'agency_admin');
		expect(await find(outsider, conceicao.document)).toEqual([]);
		expect(await find(outsider, `conceicao ${tag}`)).toEqual([]);
		const short = await backoffice.search.search(db(), admin, 'ab');
		expect(short).toEqual({ ok: false, message: 'Digite ao menos 3 caracteres: CPF/CNPJ, nome, telefone ou número do contrato.' });
	});

	it('reads the shape of a query: an 11-digit number is both a CPF and a mobile; names have no digits', () => {
		expect(classify('529.982.247-25')).toMatchObject({ document: '52998224725' });
		expect(classify('11987654321')).toMatchObject({ phone: '+5511987654321' });
		expect(classify('12.ABC.345/01DE-35')).toMatchObject({ document: '12ABC34501DE35' });
		expect(classify('ac-7k3m-9qxf')).toMatchObject({ agreementCode: 'AC-7K3M-9QXF' });
		expect(classify('AUR-88120').nameWords).toBeUndefined();
		expect(classify('José da Conceição').nameWords).toEqual(['jose', 'da', 'conceicao']);
		expect(classify('maria silva 2').nameWords).toEqual(['maria', 'silva']);
	});
});

describe('the debtor page', () => {
	it('shows the document unmasked, logs every opening, and is not found out of reach', async () => {
		const before = await db().select().from(auditLog).where(and(eq(auditLog.action, 'debtor.view'), eq(auditLog.entityId, conceicao.id)));
		const page = await backoffice.debtor.open(db(), operatorA, conceicao.id, { ip: '198.51.100.1' });
		expect(page?.debtor.document).toBe(formatDocument(conceicao.document));
		await backoffice.debtor.open(db(), admin, conceicao.id);
		const after = await db().select().from(auditLog).where(and(eq(auditLog.action, 'debtor.view'), eq(auditLog.entityId, conceicao.id)));
		expect(after.length - before.length).toBe(2);
		expect(after.map((a) => a.actorId)).toEqual(expect.arrayContaining([operatorA.id, admin.id]));

		expect(await backoffice.debtor.open(db(), viewerB, conceicao.id)).toBeNull();
		expect(await backoffice.debtor.open(db(), operatorA, benedito.id)).toBeNull();
		expect(await backoffice.debtor.open(db(), admin, 'not-a-uuid')).toBeNull();
	});

	it('puts debts, agreements, due-date changes, payments, messages and portal logins on one timeline, newest first', async () => {
		const d = await factory.debtor(agency.id, { name: `Linha do Tempo ${tag}`, phone: '+5511955554444', email: `linha.${tag.toLowerCase()}@example.com` });
		const t = await factory.debt(credA.id, d.id, { principalCents: 90_000 });
		const other = await factory.debt(credB.id, d.id, { principalCents: 40_000, externalId: `BETA-${tag}-TL` });
		// A portal login at creditor A: the one-time code consumed, then the audit entry.
		await db().insert(otpChallenges).values({ agencyId: agency.id, creditorId: credA.id, debtorId: d.id, codeHash: 'x', channel: 'sms', destinationMasked: '(11) *****-4444', expiresAt: new Date(Date.now() + 600_000), consumedAt: new Date() });
		await audit.record(db(), { agencyId: agency.id, actorType: 'debtor', actorId: d.id, action: 'debtor.login', ip: '203.0.113.50' });
		await messaging.enqueue(db(), { agencyId: agency.id, creditorId: credA.id, channel: 'sms', to: '+5511955554444', text: `123456 é seu código de acesso ao portal de negociação ${credA.displayName}.` });
		const a = await acceptPlan(d, [t.id], 3);
		const live = await rows(a.id);
		const newDue = addDays(live[1].dueDate, 3);
		expect(await tx((x) => backoffice.agreements.changeDueDate(x, operatorA, a.code, { parcela: live[1].id, vencimento: newDue }))).toMatchObject({ ok: true });
		const entry = (await rows(a.id)).find((i) => i.seq === 1 && i.status === 'pending')!;
		const paid = await tx((x) =>
			backoffice.agreements.recordManualPayment(x, operatorA, a.code, { parcela: entry.id, valor: entry.amountCents, data: today, referencia: 'TED 998877', comprovante: 'Comprovante enviado por e-mail' })
		);
		expect(paid).toMatchObject({ ok: true });

		const page = (await backoffice.debtor.open(db(), admin, d.id))!;
		const kinds = new Set(page.timeline.map((e) => e.kind));
		expect([...kinds].sort()).toEqual(['agreement', 'debt', 'installment', 'login', 'message', 'payment']);
		const sorted = [...page.timeline].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
		expect(page.timeline.map((e) => e.at)).toEqual(sorted.map((e) => e.at));
		const change = page.timeline.find((e) => e.kind === 'installment')!;
		expect(change.title).toBe(`Vencimento da parcela 2 do acordo ${a.code} alterado`);
		expect(change.detail).toContain(`de ${formatDateBR(live[1].dueDate)} para ${formatDateBR(newDue)}`);
		expect(change.detail).toContain(operatorA.email);
		const payment = page.timeline.find((e) => e.kind === 'payment')!;
		expect(payment.detail).toContain(formatBRL(entry.amountCents));
		expect(payment.detail).toContain('TED 998877');
		const login = page.timeline.find((e) => e.kind === 'login')!;
		expect(login.detail).toContain(`Portal ${credA.displayName}`);
		const message = page.timeline.find((e) => e.kind === 'message')!;
		expect(message.detail).not.toContain('123456');
		expect(page.timeline.some((e) => e.title === `Dívida ${t.externalId} registrada`)).toBe(true);

		// Scoped to creditor B: B's debt only; A's agreement, payments, login and messages stay out.
		const forB = (await backoffice.debtor.open(db(), viewerB, d.id))!;
		expect(forB.debts.map((x) => x.id)).toEqual([other.id]);
		expect(forB.agreements).toEqual([]);
		expect(forB.timeline.map((e) => e.kind)).toEqual(['debt']);
	});
});

describe('agreement actions', () => {
	it('cancelling needs a reason, withdraws pending installments, reopens the debts, and is refused politely the second time', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(credA.id, d.id);
		const a = await acceptPlan(d, [t.id], 3);
		expect(backoffice.agreements.cancelSchema.safeParse({ motivo: '  ' }).success).toBe(false);

		// Out of reach: creditor B's staff cannot even find it.
		expect(await tx((x) => backoffice.agreements.cancel(x, viewerB, a.code, { motivo: 'Pedido do devedor' }))).toMatchObject({ ok: false, status: 404 });

		const r = await tx((x) => backoffice.agreements.cancel(x, operatorA, a.code, { motivo: 'Devedor pediu para renegociar' }, { ip: '198.51.100.9' }));
		expect(r).toMatchObject({ ok: true });
		const [row] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, a.id));
		expect(row.status).toBe('cancelled');
		expect(row.cancelReason).toBe('Devedor pediu para renegociar');
		expect(row.cancelledAt).not.toBeNull();
		expect((await rows(a.id)).map((i) => i.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
		const [debt] = await db().select().from(debts).where(eq(debts.id, t.id));
		expect(debt.status).toBe('open');

		const again = await tx((x) => backoffice.agreements.cancel(x, operatorA, a.code, { motivo: 'De novo' }));
		expect(again).toMatchObject({ ok: false, status: 409 });
		expect((again as { message: string }).message).toMatch(/^Este acordo já foi cancelado em \d{2}\/\d{2}\/\d{4}\. Nada foi alterado\.$/);

		const entries = await db().select().from(auditLog).where(and(eq(auditLog.action, 'agreement.cancel'), eq(auditLog.entityId, a.id)));
		expect(entries).toHaveLength(1);
		expect(entries[0].actorId).toBe(operatorA.id);
		expect(entries[0].data).toMatchObject({ before: { status: 'active' }, after: { status: 'cancelled', cancelReason: 'Devedor pediu para renegociar', cancelledInstallments: [1, 2, 3] } });

		// The portal shows the installments as withdrawn: no slip for any of them.
		const portal = (await agreements.byCode(db(), agency.id, d.id, a.code))!;
		expect(await boletoPdf(portal, 1, d)).toBeNull();
	});

	it('a due date moves only inside the policy window, and each bound is explained', () => {
		const w = { seq: 2, today: '2026-03-10', firstDueDaysMax: 10, prevDue: '2026-03-11', nextDue: '2026-05-11', agreedDue: '2026-04-11' };
		expect(dueDateWindow(w)).toEqual({ min: '2026-03-12', max: '2026-04-21' });
		expect(dueDateWindow({ ...w, nextDue: '2026-04-15' })).toEqual({ min: '2026-03-12', max: '2026-04-14' });
		expect(dueDateWindow({ ...w, seq: 1, prevDue: null, nextDue: '2026-04-11' })).toEqual({ min: '2026-03-11', max: '2026-03-20' });
		expect(dueDateWindow({ ...w, seq: 3, nextDue: null, agreedDue: '2026-05-11', prevDue: '2026-04-11' })).toEqual({ min: '2026-04-12', max: '2026-05-21' });
		expect(dueDateWindow({ ...w, seq: 1, prevDue: null, nextDue: '2026-03-11' })).toBeNull();
	});

	it('changing a due date cancels the old row (superseded) and issues a new one with a new txid and nosso número; the portal shows only live rows', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(credA.id, d.id);
		const a = await acceptPlan(d, [t.id], 3);
		const [first, second, third] = await rows(a.id);

		const late = await tx((x) => backoffice.agreements.changeDueDate(x, operatorA, a.code, { parcela: second.id, vencimento: addDays(second.dueDate, 11) }));
		expect(late).toMatchObject({ ok: false, status: 400, field: 'vencimento' });
		expect((late as { message: string }).message).toBe(
			`Data fora da política do credor: a parcela 2 pode vencer de ${formatDateBR(addDays(first.dueDate, 1))} a ${formatDateBR(addDays(second.dueDate, 10))}.`
		);
		const tooFar = await tx((x) => backoffice.agreements.changeDueDate(x, operatorA, a.code, { parcela: first.id, vencimento: addDays(today, 11) }));
		expect(tooFar).toMatchObject({ ok: false, field: 'vencimento' });
		expect(await rows(a.id)).toHaveLength(3);

		const newDue = addDays(second.dueDate, 7);
		const r = await tx((x) => backoffice.agreements.changeDueDate(x, operatorA, a.code, { parcela: second.id, vencimento: newDue }, { ip: '198.51.100.3' }));
		expect(r).toEqual({ ok: true, message: `Vencimento da parcela 2 alterado de ${formatDateBR(second.dueDate)} para ${formatDateBR(newDue)}. O Pix e o boleto anteriores foram cancelados; os novos já estão no portal.` });
		const all = await rows(a.id);
		expect(all).toHaveLength(4);
		const old = all.find((i) => i.id === second.id)!;
		const fresh = all.find((i) => i.seq === 2 && i.id !== second.id)!;
		expect(old.status).toBe('cancelled');
		expect(old.supersededBy).toBe(fresh.id);
		expect(fresh).toMatchObject({ seq: 2, status: 'pending', dueDate: newDue, amountCents: second.amountCents, supersededBy: null });
		expect(fresh.txid).not.toBe(second.txid);
		expect(fresh.txid).toMatch(/^[0-9A-Z]{25}$/);
		expect(fresh.nossoNumero).not.toBe(second.nossoNumero);
		expect(Number(fresh.nossoNumero)).toBeGreaterThan(Number(second.nossoNumero));

		// A retried submission does nothing more.
		const retry = await tx((x) => backoffice.agreements.changeDueDate(x, operatorA, a.code, { parcela: second.id, vencimento: newDue }));
		expect(retry).toMatchObject({ ok: true });
		expect(await rows(a.id)).toHaveLength(4);
		const stale = await tx((x) => backoffice.agreements.changeDueDate(x, operatorA, a.code, { parcela: second.id, vencimento: addDays(newDue, 1) }));
		expect(stale).toMatchObject({ ok: false, status: 409 });

		// The portal: one row per seq, the new one; its boleto carries the new due date and number.
		const portal = (await agreements.byCode(db(), agency.id, d.id, a.code))!;
		expect(portal.installments.map((i) => [i.seq, i.id])).toEqual([[1, first.id], [2, fresh.id], [3, third.id]]);
		const mine = await agreements.forDebtor(db(), agency.id, d.id);
		expect(mine[0].installments.map((i) => i.id)).toEqual([first.id, fresh.id, third.id]);
		expect(await boletoPdf(portal, 2, d)).toBeInstanceOf(Buffer);

		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'installment.reschedule'), eq(auditLog.entityId, a.id)));
		expect(entry.data).toMatchObject({
			seq: 2,
			before: { id: second.id, dueDate: second.dueDate, txid: second.txid, nossoNumero: second.nossoNumero },
			after: { id: fresh.id, dueDate: newDue, txid: fresh.txid, nossoNumero: fresh.nossoNumero }
		});
		// A viewer cannot act (the route checks the permission); creditor B's staff cannot reach it.
		expect(await tx((x) => backoffice.agreements.changeDueDate(x, viewerB, a.code, { parcela: fresh.id, vencimento: addDays(newDue, 1) }))).toMatchObject({ ok: false, status: 404 });
	});

	it('a manual payment needs a past date, is recorded once, and the last one settles the agreement', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(credA.id, d.id);
		const a = await acceptPlan(d, [t.id], 2);
		const [first, second] = await rows(a.id);
		const pay = (parcela: string, valor: number, data = today, referencia = `PIX-${parcela.slice(0, 6)}`) =>
			tx((x) => backoffice.agreements.recordManualPayment(x, operatorA, a.code, { parcela, valor, data, referencia, comprovante: 'Comprovante anexado ao chamado 42' }));

		expect(await pay(first.id, first.amountCents, addDays(today, 1))).toMatchObject({ ok: false, field: 'data', message: 'A data do pagamento não pode estar no futuro.' });
		expect(backoffice.agreements.manualPaymentSchema.safeParse({ parcela: first.id, valor: 'mil', data: today, referencia: 'abc', comprovante: 'abc' }).success).toBe(false);

		expect(await pay(first.id, first.amountCents)).toEqual({ ok: true, message: 'Pagamento da parcela 1 registrado.' });
		const retry = await pay(first.id, first.amountCents);
		expect(retry).toMatchObject({ ok: true });
		expect((retry as { message: string }).message).toContain('Nada foi registrado em dobro');
		const other = await pay(first.id, first.amountCents, today, 'OUTRA-REF');
		expect(other).toMatchObject({ ok: false, message: 'Esta parcela já está paga.' });

		const paidRows = await db().select().from(payments).innerJoin(installments, eq(installments.id, payments.installmentId)).where(eq(installments.agreementId, a.id));
		expect(paidRows).toHaveLength(1);
		expect(paidRows[0].payments).toMatchObject({ method: 'manual', source: 'manual', amountCents: first.amountCents, recordedBy: operatorA.id, proof: 'Comprovante anexado ao chamado 42' });
		expect((await rows(a.id))[0]).toMatchObject({ status: 'paid', paidCents: first.amountCents });
		const steps = async () =>
			(await db().select({ step: funnelEvents.step, channel: funnelEvents.channel }).from(funnelEvents).where(eq(funnelEvents.debtorId, d.id))).filter((s) => s.step !== 'agreement');
		expect(await steps()).toEqual([{ step: 'first_payment', channel: 'staff' }]);
		expect((await db().select().from(agreementsTable).where(eq(agreementsTable.id, a.id)))[0].status).toBe('active');

		expect(await pay(second.id, second.amountCents)).toEqual({ ok: true, message: `Pagamento da parcela 2 registrado. Todas as parcelas estão pagas: o acordo ${a.code} foi quitado.` });
		const [settled] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, a.id));
		expect(settled.status).toBe('settled');
		expect(settled.settledAt).not.toBeNull();
		const [debt] = await db().select().from(debts).where(eq(debts.id, t.id));
		expect(debt.status).toBe('settled');
		expect(debt.closedAt).not.toBeNull();
		expect((await steps()).map((s) => s.step).sort()).toEqual(['first_payment', 'settled']);

		const entries = await db().select().from(auditLog).where(and(eq(auditLog.action, 'payment.record'), eq(auditLog.entityId, a.id)));
		expect(entries).toHaveLength(2);
		expect(entries.every((e) => e.actorId === operatorA.id)).toBe(true);
		expect(entries.map((e) => (e.data as { after: { agreement: { status: string } } }).after.agreement.status).sort()).toEqual(['active', 'settled']);
	});

	it('payments.record is idempotent by (source, external id), counts superseded rows out, records partial payments, puts a replaced slip’s money on its replacement and credits an overpayment', async () => {
		const d = await factory.debtor(agency.id);
		const t = await factory.debt(credA.id, d.id);
		const a = await acceptPlan(d, [t.id], 2);
		const [first, second] = await rows(a.id);
		// Move the second installment: its old row must not keep the agreement from settling.
		await tx((x) => backoffice.agreements.changeDueDate(x, admin, a.code, { parcela: second.id, vencimento: addDays(second.dueDate, 2) }));
		const live2 = (await rows(a.id)).find((i) => i.seq === 2 && i.status === 'pending')!;
		const e2e = `E${Date.now()}${Math.random().toString(36).slice(2, 10)}`.toUpperCase();
		const webhook = (installmentId: string, externalId: string, amountCents: number) =>
			tx((x) => paymentsRecord.record(x, { installmentId, amountCents, paidAt: new Date(), method: 'pix', source: 'webhook', externalId, actor: { type: 'system' } }));

		// The superseded slip: the debtor paid the second installment with its old code; the payment lands on the slip that replaced it.
		const viaOld = await webhook(second.id, `${e2e}X`, 500);
		expect(viaOld).toMatchObject({ ok: true, appliedCents: 500, creditedCents: 0, firstPayment: true, installment: { id: live2.id, status: 'partially_paid', openCents: live2.amountCents - 500 } });
		expect((await db().select().from(payments).where(eq(payments.externalId, `${e2e}X`)))[0].installmentId).toBe(live2.id);
		// Less than the installment: applied, the installment partially paid with its open remainder.
		expect(await webhook(first.id, `${e2e}Y`, first.amountCents - 1)).toMatchObject({ ok: true, appliedCents: first.amountCents - 1, creditedCents: 0, firstPayment: false, installment: { status: 'partially_paid', openCents: 1 } });

		const once = await webhook(first.id, e2e, first.amountCents);
		// The remainder (1 cent) paid, the rest an overpayment credit.
		expect(once).toMatchObject({ ok: true, duplicate: false, firstPayment: false, settled: false, appliedCents: 1, creditedCents: first.amountCents - 1, creditReason: 'overpayment', installment: { status: 'paid', openCents: 0 } });
		const twice = await webhook(first.id, e2e, first.amountCents);
		expect(twice).toMatchObject({ ok: true, duplicate: true });
		expect(await webhook(live2.id, e2e, live2.amountCents)).toMatchObject({ ok: false, reason: 'conflict' });
		const last = await webhook(live2.id, `${e2e}Z`, live2.amountCents);
		expect(last).toMatchObject({ ok: true, duplicate: false, firstPayment: false, settled: true, appliedCents: live2.amountCents - 500, creditedCents: 500, creditReason: 'overpayment' });
		const steps = await db().select({ step: funnelEvents.step, channel: funnelEvents.channel }).from(funnelEvents).where(eq(funnelEvents.debtorId, d.id));
		expect(steps.filter((s) => s.step === 'first_payment')).toEqual([{ step: 'first_payment', channel: 'portal' }]);
		expect(steps.filter((s) => s.step === 'settled')).toHaveLength(1);
	});
});

describe('LGPD', () => {
	it('exports everything held about the debtor within reach, with one-time codes redacted, and logs the export', async () => {
		const d = await factory.debtor(agency.id, { name: `Exporta ${tag}`, phone: '+5511944443333', email: `exporta.${tag.toLowerCase()}@example.com` });
		const t = await factory.debt(credA.id, d.id);
		const tb = await factory.debt(credB.id, d.id);
		await audit.record(db(), { agencyId: agency.id, actorType: 'debtor', actorId: d.id, action: 'debtor.login', ip: '203.0.113.77' });
		await messaging.enqueue(db(), { agencyId: agency.id, creditorId: credA.id, channel: 'email', to: d.email!, text: `654321 é seu código de acesso ao portal de negociação ${credA.displayName}.` });
		const a = await acceptPlan(d, [t.id], 2);
		const [first] = await rows(a.id);
		await tx((x) => backoffice.agreements.recordManualPayment(x, admin, a.code, { parcela: first.id, valor: first.amountCents, data: today, referencia: 'DEP-1', comprovante: 'Depósito identificado' }));

		const out = (await backoffice.lgpd.exportDebtor(db(), admin, d.id, { ip: '198.51.100.20' }))!;
		expect(out.scope).toBe('agency');
		expect(out.debtor).toMatchObject({ id: d.id, document: d.document, name: d.name, phone: d.phone, email: d.email });
		expect(out.debts.map((x) => x.id).sort()).toEqual([t.id, tb.id].sort());
		expect(out.agreements.map((x) => x.code)).toEqual([a.code]);
		expect(out.installments).toHaveLength(2);
		expect(out.payments).toHaveLength(1);
		// The code sent earlier (redacted) and the payment's receipt.
		expect(out.messages).toHaveLength(2);
		expect(out.messages.map((m) => m.text).join('\n')).not.toContain('654321');
		expect(out.messages.some((m) => m.text.includes('654321'.replace(/./g, '•')) || /c[oó]digo/i.test(m.text))).toBe(true);
		expect(out.messages.some((m) => /pagamento/i.test(m.text))).toBe(true);
		expect(out.portalLogins).toHaveLength(1);
		expect(out.auditEntries.map((e) => e.action)).toEqual(expect.arrayContaining(['debtor.login', 'agreement.accept', 'payment.record']));
		expect(JSON.parse(JSON.stringify(out)).debtor.document).toBe(d.document);
		const logged = await db().select().from(auditLog).where(and(eq(auditLog.action, 'debtor.export'), eq(auditLog.entityId, d.id)));
		expect(logged).toHaveLength(1);

		// Creditor B's staff export only B's part.
		const forB = (await backoffice.lgpd.exportDebtor(db(), viewerB, d.id))!;
		expect(forB.scope).toBe('creditor');
		expect(forB.debts.map((x) => x.id)).toEqual([tb.id]);
		expect(forB.agreements).toEqual([]);
		expect(forB.payments).toEqual([]);
		expect(await backoffice.lgpd.exportDebtor(db(), viewerB, conceicao.id)).toBeNull();
	});

	it('anonymising is refused while anything is owed or within retention, and replaces personal data once allowed', async () => {
		const retained = await factory.creditor(agency.id, { retentionDays: 30 });
		const cpf = generateCpf(rng);
		const d = await factory.debtor(agency.id, { document: cpf, name: `Anônima ${tag}`, phone: '+5511933332222', email: `anonima.${tag.toLowerCase()}@example.com` });
		const t = await factory.debt(retained.id, d.id);
		await messaging.enqueue(db(), { agencyId: agency.id, creditorId: retained.id, channel: 'sms', to: '+5511933332222', text: 'Olá, seu acordo está disponível.' });
		await audit.record(db(), { agencyId: agency.id, actorType: 'debtor', actorId: d.id, action: 'debtor.login', ip: '203.0.113.99' });
		const anonymize = () => tx((x) => backoffice.lgpd.anonymize(x, admin, d.id, { ip: '198.51.100.30' }));

		expect(await anonymize()).toEqual({ ok: false, status: 409, message: 'Não é possível anonimizar: ainda há dívida em aberto ou acordo ativo com este devedor.' });

		// Paid elsewhere 10 days ago: retention (30 days) still running.
		const closedAt = new Date(Date.now() - 10 * 86_400_000);
		await db().update(debts).set({ status: 'settled', closedAt, closedReason: 'Pago na loja' }).where(eq(debts.id, t.id));
		const until = addDays(todayInSaoPaulo(closedAt), 30);
		expect(await anonymize()).toEqual({ ok: false, status: 409, message: `Ainda dentro do prazo de guarda definido pelo credor: a anonimização será possível a partir de ${formatDateBR(until)}.` });
		expect((await db().select().from(debtors).where(eq(debtors.id, d.id)))[0].name).toBe(`Anônima ${tag}`);

		// Creditor B's staff do not reach this debtor at all.
		expect(await tx((x) => backoffice.lgpd.anonymize(x, viewerB, d.id))).toMatchObject({ ok: false, status: 404 });

		await db().update(debts).set({ closedAt: new Date(Date.now() - 31 * 86_400_000) }).where(eq(debts.id, t.id));
		// Uploads still kept mention her: a file awaiting import (her CPF formatted, split across two
		// stored pieces) and the rejected rows of another (her CPF bare), plus one that does not.
		const upload = async (status: 'validated' | 'done', pieces: [number, string][]) => {
			const [u] = await db().insert(imports).values({ agencyId: agency.id, creditorId: retained.id, fileName: 'carteira.csv', fileBytes: 1, status }).returning();
			for (const [seq, text] of pieces) await db().insert(importChunks).values({ importId: u.id, seq, data: Buffer.from(text) });
			return u.id;
		};
		const formatted = formatDocument(cpf);
		const pending = await upload('validated', [[0, `cabecalho\r\nX;${formatted.slice(0, 6)}`], [1, `${formatted.slice(6)};Anônima\r\n`], [-1, 'motivo\r\n']]);
		const rejected = await upload('done', [[-1, `\uFEFFdebtor_document;motivo\r\n${cpf};UF inválida\r\n`]]);
		const unrelated = await upload('done', [[-1, `\uFEFFdebtor_document;motivo\r\n${generateCpf(rng)};UF inválida\r\n`]]);
		const page = await backoffice.debtor.open(db(), admin, d.id, { withLgpd: true });
		expect(page?.lgpd).toEqual({ allowed: true });
		expect(await anonymize()).toMatchObject({ ok: true });

		const [row] = await db().select().from(debtors).where(eq(debtors.id, d.id));
		expect(row.document).toMatch(/^ANON-[0-9A-F]{8}$/);
		expect(row).toMatchObject({ name: 'Titular anonimizado', phone: null, email: null });
		expect(row.anonymizedAt).not.toBeNull();
		// The debts stay, without identity; the messages and the debtor's IPs are gone.
		expect((await db().select().from(debts).where(eq(debts.id, t.id)))[0].status).toBe('settled');
		const msgs = await db().select().from(outbox).where(eq(outbox.to, '+5511933332222'));
		expect(msgs).toEqual([]);
		const logins = await db().select().from(auditLog).where(and(eq(auditLog.actorType, 'debtor'), eq(auditLog.actorId, d.id)));
		expect(logins.every((l) => l.ip === null)).toBe(true);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'debtor.anonymize'), eq(auditLog.entityId, d.id)));
		const text = JSON.stringify(entry.data);
		for (const personal of [cpf, 'Anônima', '5511933332222', 'anonima.']) expect(text).not.toContain(personal);
		expect(entry.data).toMatchObject({ before: { anonymizedAt: null }, after: { document: row.document } });

		expect(await find(admin, cpf)).toEqual([]);
		expect(await anonymize()).toEqual({ ok: false, status: 409, message: 'Os dados deste devedor já foram anonimizados.' });
		// Anonymisation covers the uploaded files that still mention her.
		const piecesOf = async (id: string) => (await db().select({ seq: importChunks.seq }).from(importChunks).where(eq(importChunks.importId, id))).length;
		expect([await piecesOf(pending), await piecesOf(rejected), await piecesOf(unrelated)]).toEqual([0, 0, 1]);
		expect((await db().select().from(imports).where(eq(imports.id, pending)))[0]).toMatchObject({ status: 'failed', failure: expect.stringContaining('anonimizados') });
		expect(entry.data).toMatchObject({ after: { uploadsPurged: 2 } });
	});
});
