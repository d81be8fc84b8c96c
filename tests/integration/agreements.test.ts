import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { config, resetConfig } from '../../src/lib/server/config';
import { agreements as agreementsTable, auditLog, debts, installments } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import * as tenancy from '../../src/lib/server/tenancy';
import { offersFor, type Offer } from '../../src/lib/server/offers/engine';
import { policyToJsonExample, type Policy } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import * as factory from '../support/factory';

// Twenty accepts at once need twenty connections: the pool is sized before the first db() call.
const CONCURRENT = 20;
process.env.DATABASE_POOL_MAX = String(CONCURRENT + 5);

/** A policy with discounts and installment interest, so totals, remainders and CET all come into play. */
const POLICY: Policy = {
	...policyToJsonExample,
	bands: policyToJsonExample.bands.map((b, i) => (i === 0 ? { ...b, installments: { min: 2, max: 12 } } : b))
};

const today = todayInSaoPaulo();
type AcceptInput = agreements.AcceptInput;

/** What the portal shows for these debts, then the request its form would post for `kind`/`count`. */
async function shownOffer(debtor: { id: string; agencyId: string }, debtIds: string[], kind: 'cash' | 'installments', count: number) {
	const sel = await offers.forSelection(db(), { agencyId: debtor.agencyId, debtorId: debtor.id, debtIds, today });
	if (!sel.ok) throw new Error(sel.message);
	const offer = kind === 'cash' ? sel.set.cash : sel.set.plans.find((p) => p.count === count);
	if (!offer) throw new Error(`sem oferta ${kind} ${count}`);
	const input: AcceptInput = {
		debtor: { id: debtor.id, agencyId: debtor.agencyId },
		debtIds,
		kind,
		count: offer.count,
		firstDueDate: sel.set.firstDueDate,
		expected: { totalCents: offer.totalCents, installments: offer.installments.map((i) => i.amountCents) },
		ip: '203.0.113.10',
		today
	};
	return { sel, offer, input };
}

function accept(input: AcceptInput) {
	return db().transaction((tx) => agreements.accept(tx, input));
}

async function agreementsOf(debtorId: string) {
	return db().select().from(agreementsTable).where(eq(agreementsTable.debtorId, debtorId));
}

async function installmentsOf(agreementId: string) {
	return db().select().from(installments).where(eq(installments.agreementId, agreementId)).orderBy(asc(installments.seq));
}

async function statusOf(debtId: string) {
	const [row] = await db().select({ status: debts.status }).from(debts).where(eq(debts.id, debtId));
	return row.status;
}

/** Agreements created by this file, for the checks over every stored schedule. */
const created: string[] = [];

beforeAll(async () => {
	// Whatever read the configuration before this file, the pool must be built with the larger size.
	resetConfig();
	await closeDb();
	expect(config().DATABASE_POOL_MAX).toBeGreaterThanOrEqual(CONCURRENT);
});

afterAll(async () => {
	await closeDb();
});

describe('accepting an offer', () => {
	it(`accepting the same offer ${CONCURRENT} times at once creates one agreement`, async () => {
		const w = await factory.world({ policy: POLICY, principalCents: 187_345 });
		const { input, offer } = await shownOffer(w.debtor, [w.debt.id], 'installments', 3);

		// Open the connections first, so the accepts really race instead of queueing behind connects.
		await Promise.all(Array.from({ length: CONCURRENT }, () => db().execute(sql`select pg_sleep(0.05)`)));
		const runs = await Promise.all(
			Array.from({ length: CONCURRENT }, () =>
				db().transaction(async (tx) => {
					const [{ pid }] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
					return { pid, result: await agreements.accept(tx, input) };
				})
			)
		);
		// Each accept ran in its own transaction on its own connection.
		expect(new Set(runs.map((r) => r.pid)).size).toBe(CONCURRENT);

		const results = runs.map((r) => r.result);
		const won = results.filter((r) => r.ok);
		expect(won).toHaveLength(1);
		const winner = won[0] as Extract<agreements.AcceptResult, { ok: true }>;
		created.push(winner.agreement.id);
		const lost = results.filter((r) => !r.ok);
		expect(lost).toHaveLength(CONCURRENT - 1);
		for (const r of lost) {
			expect(r).toMatchObject({ ok: false, reason: 'exists', code: winner.agreement.code });
			expect((r as { message: string }).message).toBe(`Já existe um acordo para esta dívida (código ${winner.agreement.code}).`);
		}

		const rows = await agreementsOf(w.debtor.id);
		expect(rows.map((a) => a.code)).toEqual([winner.agreement.code]);
		const schedule = await installmentsOf(winner.agreement.id);
		expect(schedule.map((i) => i.seq)).toEqual([1, 2, 3]);
		expect(schedule.map((i) => i.amountCents)).toEqual(offer.installments.map((i) => i.amountCents));
		const [{ n: totalInstallments }] = await db().execute<{ n: number }>(
			sql`select count(*)::int as n from installments i join agreements a on a.id = i.agreement_id where a.debtor_id = ${w.debtor.id}`
		);
		expect(totalInstallments).toBe(3);
		const [{ n: links }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from agreement_debts where debt_id = ${w.debt.id}`);
		expect(links).toBe(1);
		expect(await statusOf(w.debt.id)).toBe('in_agreement');
		const audits = await db()
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'agreement.accept'), eq(auditLog.actorId, w.debtor.id)));
		expect(audits).toHaveLength(1);
	});

	it('accepting again later answers with the existing agreement code and changes nothing', async () => {
		const w = await factory.world({ policy: POLICY, principalCents: 100_000 });
		const { input } = await shownOffer(w.debtor, [w.debt.id], 'cash', 1);
		const first = await accept(input);
		expect(first.ok).toBe(true);
		if (!first.ok) return;
		created.push(first.agreement.id);
		const again = await accept({ ...input, kind: 'installments', count: 4, expected: undefined });
		expect(again).toEqual({
			ok: false,
			reason: 'exists',
			code: first.agreement.code,
			message: `Já existe um acordo para esta dívida (código ${first.agreement.code}).`
		});
		expect(await agreementsOf(w.debtor.id)).toHaveLength(1);
	});

	it('the agreement stores exactly the offer the debtor was shown', async () => {
		const w = await factory.world({ policy: POLICY, principalCents: 250_003, daysPastDue: 45 });
		const { sel, offer, input } = await shownOffer(w.debtor, [w.debt.id], 'installments', 5);
		if (!sel.ok) throw new Error('unreachable');

		// The offers page and the pure engine agree, from the stored debt and the policy in force.
		const direct = offersFor({
			debts: [{ id: w.debt.id, principalCents: w.debt.principalCents, dueDate: w.debt.dueDate, lateFeeBp: null, interestMonthlyBp: null }],
			policy: POLICY,
			today
		});
		expect(direct).toEqual(sel.set);

		const result = await accept(input);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		created.push(result.agreement.id);
		const a = result.agreement;
		expect(a).toMatchObject({
			kind: 'installments',
			status: 'active',
			creditorId: w.creditor.id,
			debtorId: w.debtor.id,
			updatedTotalCents: sel.set.updatedTotalCents,
			discountCents: offer.discountCents,
			interestCents: offer.interestCents,
			totalCents: offer.totalCents,
			installmentCount: 5,
			interestMonthlyBp: offer.interestMonthlyBp,
			cetMonthlyPpm: Math.round(offer.cetMonthly! * 1_000_000),
			breakToleranceDays: POLICY.breakToleranceDays,
			acceptedIp: '203.0.113.10'
		});
		const [stored] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, a.id));
		expect((stored.terms as { offer: Offer }).offer).toEqual(JSON.parse(JSON.stringify(offer)));
		const schedule = await installmentsOf(a.id);
		expect(schedule.map(({ seq, dueDate, amountCents, status }) => ({ seq, dueDate, amountCents, status }))).toEqual(
			offer.installments.map(({ seq, dueDate, amountCents }) => ({ seq, dueDate, amountCents, status: 'pending' }))
		);
		const [link] = await db().execute<{ updated_cents: number }>(
			sql`select updated_cents::int from agreement_debts where agreement_id = ${a.id}`
		);
		expect(Number(link.updated_cents)).toBe(sel.set.breakdown[0].totalCents);
	});

	it('the accept is written to the audit log with who, where and what', async () => {
		const w = await factory.world({ policy: POLICY, principalCents: 100_000 });
		const { input, offer } = await shownOffer(w.debtor, [w.debt.id], 'installments', 2);
		const result = await accept(input);
		if (!result.ok) throw new Error(result.message);
		created.push(result.agreement.id);
		const rows = await db().select().from(auditLog).where(and(eq(auditLog.entity, 'agreement'), eq(auditLog.entityId, result.agreement.id)));
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			agencyId: w.agency.id,
			actorType: 'debtor',
			actorId: w.debtor.id,
			action: 'agreement.accept',
			ip: '203.0.113.10',
			data: { code: result.agreement.code, debts: [w.debt.id], kind: 'installments', count: 2, totalCents: offer.totalCents }
		});
	});
});

describe('a tampered or impossible request creates nothing', () => {
	let w: Awaited<ReturnType<typeof factory.world>>;
	let base: AcceptInput;
	let band: Policy['bands'][number];
	let window: { min: string; max: string };
	const ids: Record<string, string> = {};
	const debtors: string[] = [];

	beforeAll(async () => {
		w = await factory.world({ policy: POLICY, principalCents: 300_000 });
		const shown = await shownOffer(w.debtor, [w.debt.id], 'installments', 4);
		if (!shown.sel.ok) throw new Error('unreachable');
		base = shown.input;
		band = shown.sel.set.band;
		window = shown.sel.set.firstDueWindow;

		const neighbour = await factory.debtor(w.agency.id);
		ids.neighbour = (await factory.debt(w.creditor.id, neighbour.id)).id;

		const otherAgency = await factory.agency();
		const foreignCreditor = await factory.creditor(otherAgency.id, {}, POLICY);
		const foreignDebtor = await factory.debtor(otherAgency.id, { document: w.debtor.document });
		ids.foreign = (await factory.debt(foreignCreditor.id, foreignDebtor.id)).id;
		// A debt filed against this very debtor but under another agency's creditor: only the agency check stops it.
		ids.crossWired = (await factory.debt(foreignCreditor.id, w.debtor.id)).id;

		const secondCreditor = await factory.creditor(w.agency.id, {}, POLICY);
		ids.secondCreditor = (await factory.debt(secondCreditor.id, w.debtor.id)).id;
		ids.settled = (await factory.debt(w.creditor.id, w.debtor.id, { status: 'settled' })).id;
		debtors.push(w.debtor.id, neighbour.id, foreignDebtor.id);
	});

	const cases: [string, () => Partial<AcceptInput>, RegExp][] = [
		['the total was changed', () => ({ expected: { ...base.expected!, totalCents: base.expected!.totalCents - 100 } }), /^Os valores desta proposta mudaram\./],
		[
			'one installment value was changed (same total)',
			() => {
				const v = [...base.expected!.installments];
				v[0] -= 1;
				v[1] += 1;
				return { expected: { totalCents: base.expected!.totalCents, installments: v } };
			},
			/^Os valores desta proposta mudaram\./
		],
		['an installment was dropped from the schedule', () => ({ expected: { ...base.expected!, installments: base.expected!.installments.slice(1) } }), /^Os valores desta proposta mudaram\./],
		['the count is above the band maximum', () => ({ count: band.installments.max + 1, expected: undefined }), /^Esse número de parcelas não está disponível/],
		['the count is below the band minimum', () => ({ count: band.installments.min - 1, expected: undefined }), /^Esse número de parcelas não está disponível/],
		['cash was asked in two payments', () => ({ kind: 'cash', count: 2, expected: undefined }), /^Esse número de parcelas não está disponível/],
		['the first due date is before the window', () => ({ firstDueDate: addDays(window.min, -1) }), /^A data do primeiro pagamento deve ficar entre \d\d\/\d\d\/\d{4} e \d\d\/\d\d\/\d{4}\.$/],
		['the first due date is after the window', () => ({ firstDueDate: addDays(window.max, 1) }), /^A data do primeiro pagamento deve ficar entre/],
		['the first due date is not a date', () => ({ firstDueDate: '2026-02-30' }), /^A data do primeiro pagamento deve ficar entre/],
		['the debt is another debtor’s', () => ({ debtIds: [ids.neighbour] }), /^Não encontramos uma das dívidas selecionadas/],
		['another debtor’s debt is slipped in beside one’s own', () => ({ debtIds: [w.debt.id, ids.neighbour] }), /^Não encontramos uma das dívidas selecionadas/],
		['the debt is of another agency’s creditor (same CPF)', () => ({ debtIds: [ids.foreign] }), /^Não encontramos uma das dívidas selecionadas/],
		['the debt names this debtor but another agency’s creditor', () => ({ debtIds: [ids.crossWired] }), /^Não encontramos uma das dívidas selecionadas/],
		['debts of two creditors are put together', () => ({ debtIds: [w.debt.id, ids.secondCreditor], expected: undefined }), /^Escolha dívidas de um mesmo credor/],
		['the debt is already settled', () => ({ debtIds: [ids.settled], expected: undefined }), /^Esta dívida não está mais aberta para negociação\.$/],
		['no debt is chosen', () => ({ debtIds: [] }), /^Selecione ao menos uma dívida\.$/]
	];

	for (const [what, change, message] of cases) {
		it(`refused when ${what}`, async () => {
			const before = await db()
				.select({ id: debts.id, status: debts.status })
				.from(debts)
				.where(inArray(debts.id, [w.debt.id, ...Object.values(ids)]))
				.orderBy(asc(debts.id));
			const result = await accept({ ...base, ...change() });
			expect(result.ok).toBe(false);
			if (result.ok) return;
			expect(result.message).toMatch(message);
			for (const id of debtors) expect(await agreementsOf(id)).toEqual([]);
			const after = await db()
				.select({ id: debts.id, status: debts.status })
				.from(debts)
				.where(inArray(debts.id, [w.debt.id, ...Object.values(ids)]))
				.orderBy(asc(debts.id));
			expect(after).toEqual(before);
			const audits = await db().select().from(auditLog).where(and(eq(auditLog.action, 'agreement.accept'), eq(auditLog.actorId, w.debtor.id)));
			expect(audits).toEqual([]);
		});
	}

	it('the untampered request is accepted (the refusals above were for the tampering alone)', async () => {
		const result = await accept(base);
		expect(result.ok).toBe(true);
		if (result.ok) created.push(result.agreement.id);
		expect(await statusOf(w.debt.id)).toBe('in_agreement');
	});
});

describe('the stored schedule', () => {
	it('every offer, cash and each installment count, is stored with installments summing to its total to the cent', async () => {
		const a = await factory.agency();
		const c = await factory.creditor(a.id, {}, POLICY);
		const d = await factory.debtor(a.id);
		// An amount that does not split evenly, so the rounding remainder has to land somewhere.
		const probe = await factory.debt(c.id, d.id, { principalCents: 123_457, daysPastDue: 33 });
		const { sel } = await shownOffer(d, [probe.id], 'cash', 1);
		if (!sel.ok) throw new Error('unreachable');
		const choices: ['cash' | 'installments', number][] = [['cash', 1], ...sel.set.plans.map((p) => ['installments', p.count] as ['installments', number])];
		expect(choices.length).toBeGreaterThan(5);
		expect(sel.set.plans.some((p) => p.remainderNote)).toBe(true);

		for (const [kind, count] of choices) {
			const t = kind === 'cash' && count === 1 ? probe : await factory.debt(c.id, d.id, { principalCents: 123_457, daysPastDue: 33 });
			const { offer, input } = await shownOffer(d, [t.id], kind, count);
			const result = await accept(input);
			if (!result.ok) throw new Error(result.message);
			created.push(result.agreement.id);
			const schedule = await installmentsOf(result.agreement.id);
			expect(schedule).toHaveLength(count);
			expect(schedule.reduce((s, i) => s + i.amountCents, 0)).toBe(offer.totalCents);
			expect(result.agreement.totalCents).toBe(offer.totalCents);
		}

		const sums = await db().execute<{ id: string; total: string; sum: string; n: number; count: number }>(sql`
			select a.id, a.total_cents as total, sum(i.amount_cents) as sum, count(i.id)::int as n, a.installment_count as count
			from agreements a join installments i on i.agreement_id = a.id
			where a.debtor_id = ${d.id} group by a.id`);
		expect(sums).toHaveLength(choices.length);
		for (const s of sums) {
			expect(s.sum).toBe(s.total);
			expect(s.n).toBe(s.count);
		}
	});

	it('Pix txids are 25 alphanumerics and unique; nossos números are unique', async () => {
		expect(created.length).toBeGreaterThan(5);
		const rows = await db().select().from(installments).where(inArray(installments.agreementId, created));
		expect(rows.length).toBeGreaterThan(created.length);
		for (const r of rows) {
			expect(r.txid).toMatch(/^[A-Za-z0-9]{25}$/);
			expect(r.nossoNumero).toMatch(/^\d{11}$/);
		}
		expect(new Set(rows.map((r) => r.txid)).size).toBe(rows.length);
		expect(new Set(rows.map((r) => r.nossoNumero)).size).toBe(rows.length);
		const clashes = await db().execute(sql`
			select a.creditor_id, i.nosso_numero from installments i join agreements a on a.id = i.agreement_id
			group by 1, 2 having count(*) > 1`);
		expect(clashes).toEqual([]);
	});
});

describe('policy versions', () => {
	it('the agreement records the policy version it was made under, and a new version leaves it untouched', async () => {
		const w = await factory.world({ policy: POLICY, principalCents: 90_000 });
		const { input } = await shownOffer(w.debtor, [w.debt.id], 'installments', 3);
		const result = await accept(input);
		if (!result.ok) throw new Error(result.message);
		created.push(result.agreement.id);
		expect(result.agreement.policyVersion).toBe(1);
		const [before] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, result.agreement.id));
		const scheduleBefore = await installmentsOf(result.agreement.id);

		// The creditor becomes more generous: bigger discounts, no interest.
		const generous: Policy = {
			...POLICY,
			bands: POLICY.bands.map((b) => ({ ...b, cashDiscountMaxPercent: 50, installmentDiscountMaxPercent: 40, installmentInterestMonthlyPercent: 0 }))
		};
		expect(await tenancy.publishPolicy(db(), w.creditor.id, generous)).toBe(2);
		expect((await tenancy.currentPolicy(db(), w.creditor.id))?.version).toBe(2);

		const [after] = await db().select().from(agreementsTable).where(eq(agreementsTable.id, result.agreement.id));
		expect(after).toEqual(before);
		expect(await installmentsOf(result.agreement.id)).toEqual(scheduleBefore);

		// A new debt is offered and accepted under the new version, on different figures.
		const fresh = await factory.debt(w.creditor.id, w.debtor.id, { principalCents: 90_000 });
		const next = await shownOffer(w.debtor, [fresh.id], 'installments', 3);
		expect(next.offer.totalCents).toBeLessThan(before.totalCents);
		const second = await accept(next.input);
		if (!second.ok) throw new Error(second.message);
		created.push(second.agreement.id);
		expect(second.agreement.policyVersion).toBe(2);
	});

	it('an offer shown under the old version is refused once a new version changes its figures', async () => {
		const w = await factory.world({ policy: POLICY, principalCents: 90_000 });
		const { input } = await shownOffer(w.debtor, [w.debt.id], 'installments', 3);
		await tenancy.publishPolicy(db(), w.creditor.id, {
			...POLICY,
			bands: POLICY.bands.map((b) => ({ ...b, installmentInterestMonthlyPercent: 3 }))
		});
		const result = await accept(input);
		expect(result).toMatchObject({ ok: false, reason: 'invalid' });
		expect((result as { message: string }).message).toMatch(/^Os valores desta proposta mudaram/);
		expect(await agreementsOf(w.debtor.id)).toEqual([]);
	});
});
