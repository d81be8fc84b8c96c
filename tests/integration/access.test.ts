import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { closeDb, db, sqlClient } from '../../src/lib/server/db/client';
import { auditLog, debtors, debts, outbox, staff } from '../../src/lib/server/db/schema';
import type { StaffRole } from '../../src/lib/server/db/schema';
import * as access from '../../src/lib/server/access';
import * as otp from '../../src/lib/server/auth/otp';
import * as uploads from '../../src/lib/server/uploads';
import * as uploadJobs from '../../src/lib/server/uploads/jobs';
import * as backoffice from '../../src/lib/server/backoffice';
import * as messaging from '../../src/lib/server/messaging';
import * as keys from '../../src/lib/server/api/keys';
import * as reads from '../../src/lib/server/api/reads';
import { formatDocument, generateCpf } from '../../src/lib/format/document';
import * as factory from '../support/factory';
import { COLUMNS, line } from '../support/portfolio';
import { runAcerto } from '../support/cli';

/**
 * One creditor's staff never reach another creditor's debtor. The review's takeover: a manager of
 * creditor A uploads a portfolio for A with the CPF of a debtor who owes creditor B and a phone of
 * their own; the importer used to overwrite the shared debtor row, the one-time code then went to
 * the new phone, and the uploader opened B's debts in the portal. Every writer now follows one
 * rule (access.debtorWritable), and what a creditor's staff see of a shared debtor stops at what
 * their creditor placed.
 */

type Who = { id: string; agencyId: string; creditorId: string | null; role: StaffRole; email: string; name: string };

let agency: Awaited<ReturnType<typeof factory.agency>>;
let A: Awaited<ReturnType<typeof factory.creditor>>;
let B: Awaited<ReturnType<typeof factory.creditor>>;
let managerA: Who;
let admin: Who;
const rng = () => Math.random();

async function person(role: StaffRole, creditorId: string | null): Promise<Who> {
	const email = `acesso${Date.now()}${Math.random().toString(36).slice(2, 6)}@example.com`;
	const [s] = await db().insert(staff).values({ agencyId: agency.id, creditorId, role, email, name: role }).returning();
	return { id: s.id, agencyId: agency.id, creditorId, role, email, name: role };
}

/** A debtor of B only, with B's contacts. */
async function debtorOfB(phone = '+5511912340000', email = `b${Date.now()}@example.com`) {
	const d = await factory.debtor(agency.id, { document: generateCpf(rng), name: 'Cliente de B', phone, email, dataCreditorId: B.id });
	await factory.debt(B.id, d.id, { principalCents: 250_000, externalId: `B-${d.id.slice(0, 8)}` });
	return d;
}

const csv = (lines: string[]) => Buffer.from([COLUMNS.join(';'), ...lines].join('\r\n') + '\r\n', 'utf8');

/** The admin upload as the browser and the worker drive it: pieces, validation, commit, import. */
async function uploadAndImport(who: Who, creditorId: string, bytes: Buffer, opts: { updateShared?: boolean } = {}) {
	const started = await db().transaction((tx) => uploads.start(tx, who, { creditorId, fileName: 'carteira.csv', fileBytes: bytes.length }));
	if (!started.ok) throw new Error(started.message);
	for (let seq = 0; seq < started.pieces; seq++) {
		await db().transaction((tx) => uploads.putPiece(tx, who, started.id, seq, bytes.subarray(seq * started.pieceBytes, (seq + 1) * started.pieceBytes)));
	}
	while (await uploadJobs.processNext(db(), sqlClient()));
	const validated = (await uploads.get(db(), who, started.id))!;
	const commit = await db().transaction((tx) => uploads.requestCommit(tx, who, started.id, { skipInvalid: false, updateShared: opts.updateShared }));
	if (commit.ok) while (await uploadJobs.processNext(db(), sqlClient()));
	return { validated, commit, done: (await uploads.get(db(), who, started.id))! };
}

const row = async (id: string) => (await db().select().from(debtors).where(eq(debtors.id, id)))[0];
const sentTo = async (to: string) => db().select().from(outbox).where(eq(outbox.to, to));

beforeAll(async () => {
	agency = await factory.agency();
	A = await factory.creditor(agency.id);
	B = await factory.creditor(agency.id);
	managerA = await person('creditor_manager', A.id);
	admin = await person('agency_admin', null);
	// Jobs left by other test files would be claimed here too.
	await db().execute(sql`update imports set status = 'failed' where status in ('uploaded', 'validating', 'importing')`);
});

afterAll(() => closeDb());

describe('the takeover through an upload', () => {
	it('a manager of A uploading B’s debtor with a new phone changes nothing of that debtor, says so per line, and the code still goes to B’s phone', async () => {
		const x = await debtorOfB('+5511912345001', 'maria.b@example.com');
		const file = csv([line(A.cnpj, { debtor_document: formatDocument(x.document), debtor_name: 'Nome do Invasor', debtor_phone: '(11) 99999-0001', debtor_email: 'invasor@example.com', debt_id: 'TK-1', principal: '0,01' })]);
		const { validated, done } = await uploadAndImport(managerA, A.id, file);
		expect(validated.debtorsKept).toBe(1);
		expect(validated.warnings).toEqual([{ line: 2, column: 'debtor_document', message: expect.stringContaining('também deve a outro credor da assessoria') }]);
		expect(done).toMatchObject({ status: 'done', inserted: 1, debtorsKept: 1 });

		const after = await row(x.id);
		expect({ name: after.name, phone: after.phone, email: after.email, data: after.dataCreditorId }).toEqual({ name: 'Cliente de B', phone: '+5511912345001', email: 'maria.b@example.com', data: B.id });
		const asked = await otp.requestCode(db(), { agencyId: agency.id, creditorId: A.id, creditorName: A.displayName, document: x.document, ip: '203.0.113.80' });
		expect(asked).toMatchObject({ ok: true, destination: '(11) *****-5001' });
		expect(await sentTo('+5511999990001')).toEqual([]);
		// Nobody was told of a change: nothing changed.
		expect((await sentTo('+5511912345001')).filter((m) => m.text.includes('foi trocado'))).toEqual([]);
	});

	it('the CLI import follows the same rule; --update-shared lets the agency change it, audited, and the old contacts are told', async () => {
		const x = await debtorOfB('+5511912345002', 'joao.b@example.com');
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-acesso-'));
		const file = path.join(dir, 'carteira.csv');
		fs.writeFileSync(file, csv([line(A.cnpj, { debtor_document: formatDocument(x.document), debtor_name: 'Joao Atualizado', debtor_phone: '(11) 99999-0002', debtor_email: 'joao.novo@example.com', debt_id: 'TK-2' })]));
		const env = { DATABASE_URL: inject('databaseUrl'), APP_SECRET: process.env.APP_SECRET };

		const plain = await runAcerto(['import', file, '--creditor', A.slug], env);
		expect(plain.code).toBe(0);
		expect(plain.stderr).toContain('1 devedor também deve a outro credor da assessoria');
		expect(plain.stderr).toMatch(/linha 2: Este devedor também deve a outro credor/);
		expect((await row(x.id)).phone).toBe('+5511912345002');

		const agencyWide = await runAcerto(['import', file, '--creditor', A.slug, '--update-shared'], env);
		expect(agencyWide.code).toBe(0);
		expect(agencyWide.stdout).toContain('1 devedor compartilhado atualizado em nome da assessoria');
		const after = await row(x.id);
		expect({ name: after.name, phone: after.phone, email: after.email, data: after.dataCreditorId }).toEqual({ name: 'Joao Atualizado', phone: '+5511999990002', email: 'joao.novo@example.com', data: null });
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'portfolio.import'), eq(auditLog.actorType, 'cli'))).orderBy(sql`${auditLog.id} desc`).limit(1);
		expect(entry.data).toMatchObject({ updateShared: true, sharedDebtorsChanged: [x.id] });
		// One message to each old contact, naming the creditor, with no amount and not the new contact.
		const told = [...(await sentTo('+5511912345002')), ...(await sentTo('joao.b@example.com'))];
		expect(told.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
		for (const m of told) {
			expect(m.creditorId).toBe(A.id);
			expect(m.text).toContain(A.displayName);
			expect(m.text).toMatch(/foi trocado/);
			expect(m.text).not.toMatch(/R\$|\d+,\d{2}|99999|novo@/);
		}
		// Queued for delivery after the import committed (the job runner of any app process sends them).
		const [job] = await db().execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'deliver-messages'`);
		expect(job.n).toBeGreaterThan(0);
		expect((await messaging.deliverDue(db())).sent).toBeGreaterThanOrEqual(2);
		expect((await sentTo('+5511912345002')).map((m) => m.status)).toEqual(['sent']);
	});

	it('a debtor only A has: A’s import changes it, and the old phone is told', async () => {
		const mine = await factory.debtor(agency.id, { phone: '+5511912345003', email: null, dataCreditorId: A.id });
		await factory.debt(A.id, mine.id, { externalId: 'MINE-1' });
		const { done } = await uploadAndImport(managerA, A.id, csv([line(A.cnpj, { debtor_document: formatDocument(mine.document), debtor_name: 'Pessoa Teste', debtor_phone: '(11) 98888-0003', debtor_email: '', debt_id: 'MINE-1', principal: '1.000,00' })]));
		expect(done).toMatchObject({ status: 'done', debtorsKept: 0 });
		expect((await row(mine.id)).phone).toBe('+5511988880003');
		expect((await sentTo('+5511912345003')).map((m) => m.text)).toEqual([expect.stringContaining('o telefone cadastrado para você no portal de negociação foi trocado')]);
	});

	it('only the agency’s administration may ask an upload to change shared debtors', async () => {
		const x = await debtorOfB('+5511912345004');
		const file = csv([line(A.cnpj, { debtor_document: formatDocument(x.document), debtor_phone: '(11) 99999-0004', debt_id: 'TK-4' })]);
		const refused = await uploadAndImport(managerA, A.id, file, { updateShared: true });
		expect(refused.commit).toMatchObject({ ok: false, status: 403 });
		const allowed = await uploadAndImport(admin, A.id, file, { updateShared: true });
		expect(allowed.done).toMatchObject({ status: 'done' });
		expect((await row(x.id)).phone).toBe('+5511999990004');
	});
});

describe('a one-cent debt opens nothing another creditor placed', () => {
	it('A’s staff find the debtor by CPF, but see B’s contacts masked, none of B’s debts or messages, and cannot find them by B’s phone', async () => {
		const x = await debtorOfB('+5511912345005', 'ana.b@example.com');
		await db().insert(outbox).values({ agencyId: agency.id, creditorId: B.id, channel: 'sms', to: '+5511912345005', text: `Mensagem de ${B.displayName}` });
		await factory.debt(A.id, x.id, { principalCents: 1, externalId: 'CENT-1' });
		const me = { id: managerA.id, agencyId: agency.id, creditorId: A.id };

		const byCpf = await backoffice.search.search(db(), me, x.document);
		expect(byCpf.ok && byCpf.hits.map((h) => h.id)).toEqual([x.id]);
		const byPhone = await backoffice.search.search(db(), me, '(11) 91234-5005');
		expect(byPhone.ok && byPhone.hits).toEqual([]);
		const page = (await backoffice.debtor.open(db(), me, x.id))!;
		expect(page.debtor).toMatchObject({ contactsVisible: false, phone: '(11) *****-5005', email: 'a***b@e***.com' });
		expect(page.debts.map((d) => d.externalId)).toEqual(['CENT-1']);
		expect(page.timeline.filter((e) => e.kind === 'message')).toEqual([]);
		const exported = (await backoffice.lgpd.exportDebtor(db(), me, x.id))!;
		expect(exported.debtor).toMatchObject({ phone: '(11) *****-5005', email: 'a***b@e***.com' });

		// B's own staff, and the agency, see everything as before.
		const asB = (await backoffice.debtor.open(db(), { id: admin.id, agencyId: agency.id, creditorId: B.id }, x.id))!;
		expect(asB.debtor).toMatchObject({ contactsVisible: true, phone: '+5511912345005' });
		expect(asB.timeline.filter((e) => e.kind === 'message')).toHaveLength(1);
		const asAgency = (await backoffice.debtor.open(db(), admin, x.id))!;
		expect(asAgency.debts.map((d) => d.externalId).sort()).toEqual(['CENT-1', `B-${x.id.slice(0, 8)}`].sort());

		// A's API key: the debtor, A's one-cent debt, no contacts.
		const made = await keys.create(db(), { creditorId: A.id, name: 'erp', scope: 'read' }, { type: 'cli' });
		const key = (await keys.authenticate(db(), made.key))!;
		const seen = (await reads.debtor(db(), key, x.document))!;
		expect({ phone: seen.phone, email: seen.email, debts: seen.debts.map((d) => d.debt_id) }).toEqual({ phone: null, email: null, debts: ['CENT-1'] });
	});

	it('the back office follows the writer rule: A’s manager cannot correct B’s debtor; the agency can, audited; a debtor only A has, A can', async () => {
		const x = await debtorOfB('+5511912345006');
		await factory.debt(A.id, x.id, { principalCents: 1, externalId: 'CENT-2' });
		const input = { nome: 'Outro Nome', telefone: '+5511999990006', email: undefined };
		const refused = await db().transaction((tx) => backoffice.contacts.updateContacts(tx, managerA, x.id, input));
		expect(refused).toMatchObject({ ok: false, status: 409 });
		expect((await row(x.id)).phone).toBe('+5511912345006');

		const done = await db().transaction((tx) => backoffice.contacts.updateContacts(tx, admin, x.id, input));
		expect(done).toMatchObject({ ok: true, message: expect.stringContaining('avisado') });
		expect((await row(x.id)).phone).toBe('+5511999990006');
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'debtor.update_contacts'), eq(auditLog.entityId, x.id)));
		expect(entry.data).toMatchObject({ sharedDebtor: true, before: { phone: '(11) *****-5006' }, after: { phone: '(11) *****-0006' } });

		const mine = await factory.debtor(agency.id, { phone: '+5511912345007', dataCreditorId: A.id });
		await factory.debt(A.id, mine.id, { externalId: 'MINE-7' });
		expect(await db().transaction((tx) => backoffice.contacts.updateContacts(tx, managerA, mine.id, { nome: 'Nome Certo', telefone: '+5511988880007', email: undefined }))).toMatchObject({ ok: true });
		expect((await sentTo('+5511912345007')).map((m) => m.creditorId)).toEqual([A.id]);
	});

	it('anonymising a debtor another creditor also has is for the agency only', async () => {
		const x = await debtorOfB('+5511912345008');
		await db().update(debts).set({ status: 'settled', closedAt: new Date(Date.now() - 4000 * 86_400_000) }).where(eq(debts.debtorId, x.id));
		await db().update(debts).set({ updatedAt: new Date(Date.now() - 4000 * 86_400_000) }).where(eq(debts.debtorId, x.id));
		const cent = await factory.debt(A.id, x.id, { principalCents: 1, externalId: 'CENT-3' });
		await db().update(debts).set({ status: 'written_off', closedAt: new Date(Date.now() - 4000 * 86_400_000) }).where(eq(debts.id, cent.id));
		const r = await db().transaction((tx) => backoffice.lgpd.anonymize(tx, managerA, x.id));
		expect(r).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('só a administração da assessoria') });
	});
});

describe('the access module', () => {
	it('answers for a set of ids: the subset in reach, nothing for garbage or another agency', async () => {
		const other = await factory.world();
		const x = await debtorOfB();
		const [dA] = await db().select().from(debts).where(eq(debts.creditorId, A.id)).limit(1);
		const scoped = { agencyId: agency.id, creditorId: A.id };
		const wide = { agencyId: agency.id, creditorId: null };
		expect(await access.reachable(db(), scoped, 'creditor', [A.id, B.id, other.creditor.id, 'nao-e-uuid'])).toEqual(new Set([A.id]));
		expect(await access.reachable(db(), wide, 'creditor', [A.id, B.id, other.creditor.id])).toEqual(new Set([A.id, B.id]));
		expect(await access.reachable(db(), scoped, 'debtor', [x.id, other.debtor.id])).toEqual(new Set());
		expect(await access.reachable(db(), wide, 'debtor', [x.id, other.debtor.id])).toEqual(new Set([x.id]));
		expect(await access.reachable(db(), scoped, 'debt', [dA.id, other.debt.id])).toEqual(new Set([dA.id]));
		expect(await access.reaches(db(), { agencyId: other.agency.id, creditorId: null }, 'creditor', A.id)).toBe(false);
	});
});
