import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { closeDb, db } from '../../src/lib/server/db/client';
import * as debts from '../../src/lib/server/debts';
import * as offers from '../../src/lib/server/offers';
import * as agreements from '../../src/lib/server/agreements';
import * as tenancy from '../../src/lib/server/tenancy';
import { createLinkToken, readLinkToken } from '../../src/lib/server/auth/links';
import { createSession, generateSessionToken, sessionIdFromToken } from '../../src/lib/server/auth/session';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import { generateCpf } from '../../src/lib/format/document';
import * as factory from '../support/factory';

const today = todayInSaoPaulo();

type Side = {
	agency: Awaited<ReturnType<typeof factory.agency>>;
	creditor: Awaited<ReturnType<typeof factory.creditor>>;
	debtor: Awaited<ReturnType<typeof factory.debtor>>;
	debt: Awaited<ReturnType<typeof factory.debt>>;
	agreementCode: string;
};

/** An agency with one creditor and this CPF owing two debts there, one of them in an agreement. */
async function side(document: string): Promise<Side> {
	const agency = await factory.agency();
	const creditor = await factory.creditor(agency.id);
	const debtor = await factory.debtor(agency.id, { document });
	const debt = await factory.debt(creditor.id, debtor.id, { principalCents: 80_000 });
	const settledBy = await factory.debt(creditor.id, debtor.id, { principalCents: 50_000 });
	const sel = await offers.forSelection(db(), { agencyId: agency.id, debtorId: debtor.id, debtIds: [settledBy.id], today });
	if (!sel.ok) throw new Error(sel.message);
	const result = await db().transaction((tx) =>
		agreements.accept(tx, {
			debtor,
			debtIds: [settledBy.id],
			kind: 'cash',
			count: 1,
			firstDueDate: sel.set.firstDueDate,
			today
		})
	);
	if (!result.ok) throw new Error(result.message);
	return { agency, creditor, debtor, debt, agreementCode: result.agreement.code };
}

let A: Side;
let B: Side;

beforeAll(async () => {
	const cpf = generateCpf(Math.random);
	A = await side(cpf);
	B = await side(cpf);
	expect(A.debtor.document).toBe(B.debtor.document);
	expect(A.debtor.id).not.toBe(B.debtor.id);
});

afterAll(async () => {
	await closeDb();
});

describe('two agencies, one CPF: each agency sees only its own', () => {
	it('the debts list of agency A shows only A’s debts', async () => {
		const seen = await debts.forDebtor(db(), A.agency.id, A.debtor.id, today);
		expect(seen.length).toBe(2);
		expect(new Set(seen.map((d) => d.creditor.id))).toEqual(new Set([A.creditor.id]));
		expect(seen.map((d) => d.id)).toContain(A.debt.id);
		expect(seen.map((d) => d.id)).not.toContain(B.debt.id);
	});

	it('through a session (the pages’ one statement): A’s session sees A’s debts, never under B, and never a debt filed against B’s creditor', async () => {
		const token = generateSessionToken();
		await createSession(db(), token, A.debtor, 30);
		const key = { sessionId: sessionIdFromToken(token), agencyId: A.agency.id };
		const seen = await debts.forSession(db(), key, today);
		expect(seen.auth?.debtor.id).toBe(A.debtor.id);
		expect(seen.data.map((d) => d.id)).toContain(A.debt.id);
		expect(new Set(seen.data.map((d) => d.creditor.id))).toEqual(new Set([A.creditor.id]));
		// The same session presented to agency B is no session at all.
		expect(await debts.forSession(db(), { ...key, agencyId: B.agency.id }, today)).toEqual({ auth: null, data: [] });
		// A row that breaks the data's own rule (A's debtor, B's creditor) stays out of A's pages.
		const stray = await factory.debt(B.creditor.id, A.debtor.id, { principalCents: 12_300 });
		const again = await debts.forSession(db(), key, today);
		expect(again.data.map((d) => d.id)).not.toContain(stray.id);
		expect(again.data.length).toBe(seen.data.length);
		const sel = await offers.forSessionSelection(db(), key, { debtIds: [stray.id], today });
		expect(sel.auth?.debtor.id).toBe(A.debtor.id);
		expect(sel.data).toEqual({ ok: false, message: 'Uma das dívidas escolhidas não está mais em aberto. Volte à lista de dívidas.' });
		const mixed = await offers.forSessionSelection(db(), key, { debtIds: [A.debt.id, stray.id], today });
		expect(mixed.data.ok).toBe(false);
		const own = await offers.forSessionSelection(db(), key, { debtIds: [A.debt.id], today });
		expect(own.data.ok).toBe(true);
	});

	it('B’s debtor id under agency A finds nothing', async () => {
		expect(await debts.forDebtor(db(), A.agency.id, B.debtor.id, today)).toEqual([]);
	});

	it('offers for B’s debt asked by A’s debtor are refused', async () => {
		const sel = await offers.forSelection(db(), { agencyId: A.agency.id, debtorId: A.debtor.id, debtIds: [B.debt.id], today });
		expect(sel).toEqual({ ok: false, message: 'Uma das dívidas escolhidas não está mais em aberto. Volte à lista de dívidas.' });
	});

	it('offers for B’s debt slipped in beside A’s own debt are refused', async () => {
		const sel = await offers.forSelection(db(), { agencyId: A.agency.id, debtorId: A.debtor.id, debtIds: [A.debt.id, B.debt.id], today });
		expect(sel.ok).toBe(false);
	});

	it('offers for B’s debt with B’s debtor id but under agency A are refused', async () => {
		const sel = await offers.forSelection(db(), { agencyId: A.agency.id, debtorId: B.debtor.id, debtIds: [B.debt.id], today });
		expect(sel.ok).toBe(false);
	});

	it('the same request inside B works (the refusals above are about the agency, not the debt)', async () => {
		const sel = await offers.forSelection(db(), { agencyId: B.agency.id, debtorId: B.debtor.id, debtIds: [B.debt.id], today });
		expect(sel.ok).toBe(true);
	});

	it('A’s agreement code looked up by B’s debtor is not found', async () => {
		expect(await agreements.byCode(db(), B.agency.id, B.debtor.id, A.agreementCode)).toBeNull();
		expect(await agreements.byCode(db(), B.agency.id, A.debtor.id, A.agreementCode)).toBeNull();
		expect(await agreements.byCode(db(), A.agency.id, B.debtor.id, A.agreementCode)).toBeNull();
		const own = await agreements.byCode(db(), A.agency.id, A.debtor.id, A.agreementCode);
		expect(own?.agreement.code).toBe(A.agreementCode);
	});

	it('the agreements list is scoped to the agency and the debtor', async () => {
		expect((await agreements.forDebtor(db(), A.agency.id, A.debtor.id)).map((a) => a.code)).toEqual([A.agreementCode]);
		expect((await agreements.forDebtor(db(), B.agency.id, B.debtor.id)).map((a) => a.code)).toEqual([B.agreementCode]);
		expect(await agreements.forDebtor(db(), B.agency.id, A.debtor.id)).toEqual([]);
	});

	it('accepting B’s debt as A’s debtor is refused and creates nothing', async () => {
		const result = await db().transaction((tx) =>
			agreements.accept(tx, { debtor: A.debtor, debtIds: [B.debt.id], kind: 'cash', count: 1, firstDueDate: today, today })
		);
		expect(result).toMatchObject({ ok: false, reason: 'invalid' });
		expect((await agreements.forDebtor(db(), B.agency.id, B.debtor.id)).map((a) => a.code)).toEqual([B.agreementCode]);
	});
});

describe('campaign links', () => {
	it('a link made for creditor A opens creditor A, not creditor B', () => {
		const token = createLinkToken(A.creditor.id, A.debtor.id, 30);
		expect(readLinkToken(token, A.creditor.id)).toEqual({ ok: true, debtorId: A.debtor.id });
		expect(readLinkToken(token, B.creditor.id)).toEqual({
			ok: false,
			message: 'Este link não é válido. Informe seu CPF ou CNPJ para continuar.'
		});
	});

	it('a link does not open another creditor of the same agency either', async () => {
		const sibling = await factory.creditor(A.agency.id);
		const token = createLinkToken(A.creditor.id, A.debtor.id, 30);
		expect(readLinkToken(token, sibling.id).ok).toBe(false);
	});

	it('a link with its payload rewritten to another creditor is refused', () => {
		const token = createLinkToken(A.creditor.id, A.debtor.id, 30);
		const [, sig] = token.split('.');
		const forged = Buffer.from(JSON.stringify({ c: B.creditor.id, d: B.debtor.id, e: Math.floor(Date.now() / 1000) + 86_400 })).toString('base64url');
		expect(readLinkToken(`${forged}.${sig}`, B.creditor.id).ok).toBe(false);
	});

	it('an expired link says so', () => {
		const token = createLinkToken(A.creditor.id, A.debtor.id, 30, Date.now() - 31 * 86_400_000);
		expect(readLinkToken(token, A.creditor.id)).toEqual({ ok: false, message: 'Este link expirou. Informe seu CPF ou CNPJ para continuar.' });
	});
});

describe('one agency, several creditors', () => {
	it('a debtor with debts at two creditors of the same agency sees both', async () => {
		const agency = await factory.agency();
		const store = await factory.creditor(agency.id, { displayName: 'Loja Exemplo' });
		const school = await factory.creditor(agency.id, { displayName: 'Escola Exemplo' });
		const d = await factory.debtor(agency.id);
		const fromStore = await factory.debt(store.id, d.id, { principalCents: 40_000 });
		const fromSchool = await factory.debt(school.id, d.id, { principalCents: 60_000 });

		const seen = await debts.forDebtor(db(), agency.id, d.id, today);
		expect(seen.map((x) => x.id).sort()).toEqual([fromStore.id, fromSchool.id].sort());
		expect(seen.map((x) => x.creditor.displayName).sort()).toEqual(['Escola Exemplo', 'Loja Exemplo']);
		// Each is valued under its own creditor's policy and can be negotiated on its own.
		for (const t of [fromStore, fromSchool]) {
			const sel = await offers.forSelection(db(), { agencyId: agency.id, debtorId: d.id, debtIds: [t.id], today });
			expect(sel.ok).toBe(true);
		}
		// But not together: one agreement is with one creditor.
		const both = await offers.forSelection(db(), { agencyId: agency.id, debtorId: d.id, debtIds: [fromStore.id, fromSchool.id], today });
		expect(both).toEqual({ ok: false, message: 'Escolha dívidas de um mesmo credor para negociar juntas.' });
	});

	it('a new policy version is one creditor’s own: the other agency’s creditor keeps its policy', async () => {
		expect((await tenancy.bySlug(db(), A.creditor.slug))?.agencyId).toBe(A.agency.id);
		const current = await tenancy.currentPolicy(db(), A.creditor.id);
		expect(await tenancy.publishPolicy(db(), A.creditor.id, { ...current!.policy, breakToleranceDays: 9 })).toBe(2);
		expect((await tenancy.currentPolicy(db(), A.creditor.id))?.policy.breakToleranceDays).toBe(9);
		expect(await tenancy.currentPolicy(db(), B.creditor.id)).toMatchObject({ version: 1, policy: { breakToleranceDays: 5 } });
	});
});
