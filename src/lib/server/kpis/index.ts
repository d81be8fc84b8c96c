import { AGREEMENT_STATUS_VALUES, type AgreementStatus } from '../../agreements/status';
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import type { FunnelStep } from '../db/schema';
import { addDays, formatDateBR, parseDateInput, todayInSaoPaulo } from '../../format/dates';
import { csvLine } from '../../format/csv';
import { STEPS } from '../funnel';
import * as access from '../access';

/**
 * The KPI dashboard's figures for a period of São Paulo calendar dates (both ends included),
 * over an agency's creditors or one of them. Every figure is defined where it is computed, and the
 * page's help text says the same in Portuguese.
 */

export type Period = { from: string; to: string };
export type Scope = { agencyId: string; creditorId: string | null };

export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 3 * 366;

export const STEP_LABELS: Record<FunnelStep, string> = {
	identified: 'Identificaram-se',
	offers_viewed: 'Viram as ofertas',
	agreement: 'Fizeram acordo',
	first_payment: 'Pagaram a 1ª parcela',
	settled: 'Quitaram'
};

export type Kpis = {
	period: Period;
	/** Distinct debtors with a funnel event of each step in the period. */
	funnel: { step: FunnelStep; label: string; debtors: number }[];
	recovery: {
		/** Sum of payments received in the period on the creditors' agreements. */
		collectedCents: number;
		/** Sum of the principal of debts placed (created in Acerto) in the period. */
		placedCents: number;
		placedDebts: number;
		/** collected ÷ placed; null when nothing was placed. */
		rate: number | null;
	};
	/** Agreements made in the period, by their status today. */
	agreements: { total: number; active: number; settled: number; kept: number; broken: number; cancelled: number };
	/** Mean of (agreement created − its earliest debt placed), in days, over agreements made in the period. */
	daysToAgreement: { average: number | null; agreements: number };
	/** 'agreement' funnel events of the period made in the portal ÷ all of them. */
	digital: { portal: number; total: number; share: number | null };
};

/** The period a person asked for, or the last 30 days; a refusal says why in Portuguese. */
export function parsePeriod(fromInput: string | null, toInput: string | null, today = todayInSaoPaulo()): { ok: true; period: Period } | { ok: false; message: string; period: Period } {
	const fallback = { from: addDays(today, -(DEFAULT_DAYS - 1)), to: today };
	if (!fromInput && !toInput) return { ok: true, period: fallback };
	const from = fromInput ? parseDateInput(fromInput) : fallback.from;
	const to = toInput ? parseDateInput(toInput) : fallback.to;
	if (!from || !to) return { ok: false, message: 'Data inválida: use o formato DD/MM/AAAA.', period: fallback };
	if (from > to) return { ok: false, message: 'A data inicial vem depois da final.', period: fallback };
	if (addDays(from, MAX_DAYS) < to) return { ok: false, message: 'Escolha um período de até 3 anos.', period: fallback };
	return { ok: true, period: { from, to } };
}

const start = (p: Period) => sql`(${p.from}::date::timestamp at time zone 'America/Sao_Paulo')`;
const end = (p: Period) => sql`((${p.to}::date + 1)::timestamp at time zone 'America/Sao_Paulo')`;
/** `column` (an instant) falls on one of the period’s São Paulo calendar dates. */
export const within = (column: SQL, p: Period) => sql`${column} >= ${start(p)} and ${column} < ${end(p)}`;

/** Rows of the scope's creditors (the access module's rule: the agency's, or its one creditor). */
function creditorIs(column: SQL, s: Scope): SQL {
	return access.where.creditorId(s, column);
}

export async function compute(db: DbOrTx, scope: Scope, period: Period): Promise<Kpis> {
	const [funnelRows, digitalRows, collectedRows, placedRows, agreementRows, daysRows] = await Promise.all([
		db.execute<{ step: FunnelStep; debtors: number }>(sql`
			select step, count(distinct debtor_id)::int as debtors from funnel_events
			where agency_id = ${scope.agencyId}::uuid and ${creditorIs(sql`creditor_id`, scope)} and ${within(sql`at`, period)}
			group by step`),
		db.execute<{ portal: number; total: number }>(sql`
			select (count(*) filter (where channel = 'portal'))::int as portal, count(*)::int as total from funnel_events
			where agency_id = ${scope.agencyId}::uuid and ${creditorIs(sql`creditor_id`, scope)} and step = 'agreement' and ${within(sql`at`, period)}`),
		db.execute<{ cents: string }>(sql`
			select coalesce(sum(p.amount_cents), 0)::text as cents
			from payments p
			join installments i on i.id = p.installment_id
			join agreements a on a.id = i.agreement_id
			join creditors c on c.id = a.creditor_id
			where c.agency_id = ${scope.agencyId}::uuid and ${creditorIs(sql`a.creditor_id`, scope)} and ${within(sql`p.paid_at`, period)}`),
		db.execute<{ cents: string; debts: number }>(sql`
			select coalesce(sum(d.principal_cents), 0)::text as cents, count(*)::int as debts
			from debts d join creditors c on c.id = d.creditor_id
			where c.agency_id = ${scope.agencyId}::uuid and ${creditorIs(sql`d.creditor_id`, scope)} and ${within(sql`d.created_at`, period)}`),
		db.execute<{ status: string; n: number }>(sql`
			select a.status, count(*)::int as n
			from agreements a join creditors c on c.id = a.creditor_id
			where c.agency_id = ${scope.agencyId}::uuid and ${creditorIs(sql`a.creditor_id`, scope)} and ${within(sql`a.created_at`, period)}
			group by a.status`),
		db.execute<{ average: string | null; n: number }>(sql`
			select avg(extract(epoch from a.created_at - placed.at) / 86400)::text as average, count(placed.at)::int as n
			from agreements a
			join creditors c on c.id = a.creditor_id
			cross join lateral (
				select min(d.created_at) as at from agreement_debts ad join debts d on d.id = ad.debt_id where ad.agreement_id = a.id
			) placed
			where c.agency_id = ${scope.agencyId}::uuid and ${creditorIs(sql`a.creditor_id`, scope)} and ${within(sql`a.created_at`, period)}`)
	]);
	const byStep = new Map(funnelRows.map((r) => [r.step, r.debtors]));
	const byStatus = new Map<AgreementStatus, number>(AGREEMENT_STATUS_VALUES.map((s) => [s, agreementRows.find((r) => r.status === s)?.n ?? 0]));
	const collectedCents = Number(collectedRows[0].cents);
	const placedCents = Number(placedRows[0].cents);
	const active = byStatus.get('active') ?? 0;
	const settled = byStatus.get('settled') ?? 0;
	const { portal, total } = digitalRows[0];
	return {
		period,
		funnel: STEPS.map((step) => ({ step, label: STEP_LABELS[step], debtors: byStep.get(step) ?? 0 })),
		recovery: { collectedCents, placedCents, placedDebts: placedRows[0].debts, rate: placedCents > 0 ? collectedCents / placedCents : null },
		agreements: {
			total: [...byStatus.values()].reduce((a, b) => a + b, 0),
			active,
			settled,
			kept: active + settled,
			broken: byStatus.get('broken') ?? 0,
			cancelled: byStatus.get('cancelled') ?? 0
		},
		daysToAgreement: { average: daysRows[0].average === null ? null : Number(daysRows[0].average), agreements: daysRows[0].n },
		digital: { portal, total, share: total > 0 ? portal / total : null }
	};
}

/** A number as Excel in pt-BR reads it: decimal comma, no thousands separator. */
export function decimalBR(value: number, digits: number): string {
	return value.toFixed(digits).replace('.', ',');
}

const cents = (c: number) => decimalBR(c / 100, 2);
const percent = (ratio: number | null) => (ratio === null ? '' : decimalBR(ratio * 100, 2));

/**
 * Every figure of the dashboard as `indicador;valor` lines (UTF-8 with BOM, `;`, decimal comma:
 * opens right in Excel). The creditor's name is typed by staff: csvLine keeps it from starting a formula.
 */
export function toCsv(k: Kpis, creditorName: string): string {
	const rows: [string, string][] = [
		['Período — início', formatDateBR(k.period.from)],
		['Período — fim', formatDateBR(k.period.to)],
		['Credor', creditorName],
		...k.funnel.map((f): [string, string] => [`Funil — ${f.label} (devedores)`, String(f.debtors)]),
		['Recuperado no período (R$)', cents(k.recovery.collectedCents)],
		['Colocado no período (R$)', cents(k.recovery.placedCents)],
		['Dívidas colocadas no período', String(k.recovery.placedDebts)],
		['Taxa de recuperação (%)', percent(k.recovery.rate)],
		['Acordos feitos no período', String(k.agreements.total)],
		['Acordos em dia', String(k.agreements.active)],
		['Acordos quitados', String(k.agreements.settled)],
		['Acordos cumpridos (em dia + quitados)', String(k.agreements.kept)],
		['Acordos quebrados', String(k.agreements.broken)],
		['Acordos cancelados', String(k.agreements.cancelled)],
		['Dias médios até o acordo', k.daysToAgreement.average === null ? '' : decimalBR(k.daysToAgreement.average, 1)],
		['Acordos pelo portal', String(k.digital.portal)],
		['Acordos registrados no funil', String(k.digital.total)],
		['Participação digital (%)', percent(k.digital.share)]
	];
	return '\uFEFF' + csvLine(['indicador', 'valor']) + rows.map((row) => csvLine(row)).join('');
}

/**
 * Whose figures a person may see: a creditor-scoped person only their creditor's; agency staff
 * the whole agency or one creditor of it. Null (→ 404) for a creditor out of reach.
 */
export async function scopeFor(db: DbOrTx, who: access.Reach, requested: string | null): Promise<{ scope: Scope; creditorName: string } | null> {
	const wanted = requested || who.creditorId;
	if (!wanted) return { scope: { agencyId: who.agencyId, creditorId: null }, creditorName: 'Todos os credores' };
	if (!(await access.reaches(db, who, 'creditor', wanted))) return null;
	const rows = await db.execute<{ display_name: string }>(sql`select display_name from creditors where id = ${wanted}::uuid`);
	return { scope: { agencyId: who.agencyId, creditorId: wanted }, creditorName: rows[0].display_name };
}
