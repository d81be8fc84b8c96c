import { and, eq, sql, type SQL } from 'drizzle-orm';
import { preparedQuery, type DbOrTx } from '../db/client';
import { creditors, debtorSessions, debtors, debts, policies } from '../db/schema';
import { sessionColumns, type SessionRow } from '../auth/session';
import * as tenancy from '../tenancy';
import { COVERED_BY_CREDIT, fits, offersFor, type OfferSet } from './engine';
import { MAX_AMOUNT_TEXT } from '../../format/money';
import { policyAfterBreak } from '../../schemas/policy';
import { activeOfferSql, withOffer, type ActiveOffer } from '../campaigns/offer';
import { creditBalanceSql } from '../debts/credit';
import { recordedTodaySql } from '../funnel';

export type Selection =
	| { ok: true; viewedToday: boolean; dateRefused: boolean; breakToleranceDays: number; creditor: SelectionCreditor; set: OfferSet; policyVersion: number; campaign: { name: string; validUntil: string } | null; debtIds: string[]; descriptions: { id: string; externalId: string; description: string; dueDate: string }[] }
	| { ok: false; message: string };

/** What the offers and review pages show of the creditor (never its logo: up to 200 KB a row). */
export type SelectionCreditor = Pick<typeof creditors.$inferSelect, 'id' | 'displayName' | 'legalName' | 'cnpj' | 'address'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The selection's columns; `debtorId` is the placeholder or the session's column. */
function selectionColumns(debtorId: SQL) {
	return {
		// Only the columns used: this runs on every view of the offers page.
		debt: {
			id: debts.id,
			externalId: debts.externalId,
			description: debts.description,
			principalCents: debts.principalCents,
			dueDate: debts.dueDate,
			lateFeeBp: debts.lateFeeBp,
			interestMonthlyBp: debts.interestMonthlyBp
		},
		creditor: { id: creditors.id, displayName: creditors.displayName, legalName: creditors.legalName, cnpj: creditors.cnpj, address: creditors.address },
		// The policy in force, in the same statement (one snapshot); its parsed body is cached by id.
		policyId: sql<string | null>`(select p.id from ${policies} p where p.creditor_id = ${creditors.id} order by p.version desc limit 1)`,
		policyVersion: sql<number | null>`(select p.version from ${policies} p where p.creditor_id = ${creditors.id} order by p.version desc limit 1)`,
		// What was paid before on the debt, taken off its value (same statement, same snapshot).
		creditCents: creditBalanceSql(debts.id),
		// Whether the debt was in an agreement that broke (policy.afterBreak may ask a larger entry).
		brokenBefore: sql<boolean>`exists (select 1 from agreement_debts ad join agreements a on a.id = ad.agreement_id where ad.debt_id = ${debts.id} and a.status = 'broken')`,
		// A running campaign's special offer for this debtor, in the same statement.
		campaign: sql<ActiveOffer | null>`${activeOfferSql(debtorId, sql`${creditors.id}`, sql`${sql.placeholder('today')}::date`)}`,
		// Whether the offers page was already counted today for the KPIs (then it records nothing).
		viewedToday: recordedTodaySql(debtorId, 'offers_viewed', sql`${creditors.id}`)
	};
}

// Built once, the ids passed as one array.
const selectedDebts = preparedQuery((db) =>
	db
		.select(selectionColumns(sql`${sql.placeholder('debtorId')}::uuid`))
		.from(debts)
		.innerJoin(creditors, eq(creditors.id, debts.creditorId))
		.where(
			and(
				sql`${debts.id} = any(${sql.placeholder('ids')}::uuid[])`,
				eq(debts.debtorId, sql.placeholder('debtorId')),
				eq(creditors.agencyId, sql.placeholder('agencyId')),
				eq(debts.status, 'open')
			)
		)
		.prepare('selected_debts')
);

// The offers page runs it on every view, built once: the session and the selected debts of its
// debtor in one statement (no debt found still gives the session's row). Same debts as
// `selectedDebts`: one whose creditor is not of the session's agency comes with no creditor and is
// dropped by `forSessionSelection` (a join condition, cheaper for PostgreSQL than an `exists`).
const selectedDebtsOfSession = preparedQuery((db) =>
	db
		.select({ ...sessionColumns, ...selectionColumns(sql`${debtorSessions.debtorId}`) })
		.from(debtorSessions)
		.innerJoin(debtors, eq(debtors.id, debtorSessions.debtorId))
		.leftJoin(
			debts,
			and(sql`${debts.id} = any(${sql.placeholder('ids')}::uuid[])`, eq(debts.debtorId, debtorSessions.debtorId), eq(debts.status, 'open'))
		)
		.leftJoin(creditors, and(eq(creditors.id, debts.creditorId), eq(creditors.agencyId, debtorSessions.agencyId)))
		.where(and(eq(debtorSessions.id, sql.placeholder('sessionId')), eq(debtorSessions.agencyId, sql.placeholder('agencyId'))))
		.prepare('selected_debts_of_session')
);

type SelectedRows = Awaited<ReturnType<ReturnType<typeof selectedDebts>['execute']>>;

type SelectionInput = {
	debtIds: string[];
	today: string;
	firstDueDate?: string;
	/** `'value'`: no plans computed (a page computing them itself); `'no-cet'`: plans without their CET. */
	plans?: 'all' | 'no-cet' | 'value';
};

/**
 * `forSelection` for the debtor of a session of this agency, found in the same statement: `auth`
 * is the session's row (see `guards.requireDebtorIn`), none when the session is unknown.
 */
export async function forSessionSelection(
	db: DbOrTx,
	key: { sessionId: string; agencyId: string },
	input: SelectionInput
): Promise<{ auth: SessionRow | null; data: Selection }> {
	const ids = validIds(input.debtIds);
	const rows = await selectedDebtsOfSession(db).execute({ ...key, ids, today: input.today });
	if (rows.length === 0) return { auth: null, data: { ok: false, message: NONE_SELECTED } };
	const { session, debtor } = rows[0];
	const found = rows.filter((r): r is (typeof rows)[number] & SelectedRows[number] => r.debt !== null && r.creditor !== null);
	return { auth: { session, debtor }, data: await fromRows(db, ids, found, input) };
}

const NONE_SELECTED = 'Selecione ao menos uma dívida para ver as ofertas.';

function validIds(debtIds: string[]): string[] {
	return [...new Set(debtIds)].filter((id) => UUID.test(id));
}

/**
 * The offers for debts a debtor picked: only open debts of this debtor in this agency, all of one
 * creditor, under that creditor's policy in force.
 */
export async function forSelection(
	db: DbOrTx,
	input: SelectionInput & { agencyId: string; debtorId: string }
): Promise<Selection> {
	const ids = validIds(input.debtIds);
	if (ids.length === 0) return { ok: false, message: NONE_SELECTED };
	return fromRows(db, ids, await selectedDebts(db).execute({ ids, debtorId: input.debtorId, agencyId: input.agencyId, today: input.today }), input);
}

async function fromRows(db: DbOrTx, ids: string[], rows: SelectedRows, input: SelectionInput): Promise<Selection> {
	if (ids.length === 0) return { ok: false, message: NONE_SELECTED };
	if (rows.length !== ids.length) {
		return { ok: false, message: 'Uma das dívidas escolhidas não está mais em aberto. Volte à lista de dívidas.' };
	}
	const creditor = rows[0].creditor;
	if (rows.some((r) => r.creditor.id !== creditor.id)) {
		return { ok: false, message: 'Escolha dívidas de um mesmo credor para negociar juntas.' };
	}
	const { policyId, policyVersion } = rows[0];
	if (!policyId || policyVersion === null) return { ok: false, message: 'Este credor ainda não publicou condições de negociação.' };
	const campaign = rows[0].campaign;
	const pv = { version: policyVersion, policy: policyAfterBreak(withOffer(await tenancy.policyById(db, policyId), campaign?.offer), rows.some((r) => r.brokenBefore)) };
	const base = {
		debts: rows.map(({ debt, creditCents }) => ({
			id: debt.id,
			principalCents: debt.principalCents,
			dueDate: debt.dueDate,
			lateFeeBp: debt.lateFeeBp,
			interestMonthlyBp: debt.interestMonthlyBp,
			creditCents: Number(creditCents)
		})),
		policy: pv.policy,
		today: input.today,
		cet: input.plans === undefined || input.plans === 'all',
		plans: input.plans !== 'value'
	};
	let set = offersFor(base);
	if (set.updatedTotalCents === 0) return { ok: false, message: COVERED_BY_CREDIT };
	if (!fits(set)) {
		return {
			ok: false,
			message: `O valor destas dívidas juntas passa de ${MAX_AMOUNT_TEXT}, o maior que um boleto ou Pix do portal comporta. Escolha menos dívidas de uma vez ou fale com ${creditor.displayName}.`
		};
	}
	let dateRefused = false;
	if (input.firstDueDate && input.firstDueDate !== set.firstDueDate) {
		const { min, max } = set.firstDueWindow;
		if (input.firstDueDate >= min && input.firstDueDate <= max) set = offersFor({ ...base, firstDueDate: input.firstDueDate });
		else dateRefused = true;
	}
	return {
		ok: true,
		viewedToday: rows.every((r) => r.viewedToday),
		dateRefused,
		breakToleranceDays: pv.policy.breakToleranceDays,
		creditor,
		set,
		policyVersion: pv.version,
		campaign: campaign && pv.policy.campaignLimits ? { name: campaign.name, validUntil: campaign.offer.validUntil } : null,
		debtIds: rows.map((r) => r.debt.id),
		descriptions: rows.map(({ debt }) => ({ id: debt.id, externalId: debt.externalId, description: debt.description, dueDate: debt.dueDate }))
	};
}
