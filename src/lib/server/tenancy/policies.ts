/**
 * Offer policy versions as staff see and publish them. A version is never edited: publishing
 * writes version N + 1, and agreements keep the version they were made under
 * (`agreements.policy_version`).
 */
import { and, asc, desc, eq, ilike, or } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors, debtors, debts, policies, staff } from '../db/schema';
import * as audit from '../audit';
import * as access from '../access';
import type { StaffPrincipal } from '../staff/roles';
import { offersFor, type OfferDebt, type OfferSet } from '../offers/engine';
import { creditBalanceSql } from '../debts/credit';
import { policySchema, type Policy } from '../../schemas/policy';
import { maskDocument } from '../../format/document';
import { isIsoDate } from '../../format/dates';

type Scope = Pick<StaffPrincipal, 'agencyId' | 'creditorId'>;
type Actor = { type: 'staff' | 'cli' | 'system'; id?: string | null };

export type PolicyHistoryEntry = {
	version: number;
	createdAt: Date;
	/** Who published it: the staff member's name or e-mail; null for the CLI and the demo seed. */
	author: string | null;
};

/** Every version of a creditor's policy, newest first, with who published it. */
export async function history(db: DbOrTx, creditorId: string): Promise<PolicyHistoryEntry[]> {
	const rows = await db
		.select({ version: policies.version, createdAt: policies.createdAt, name: staff.name, email: staff.email })
		.from(policies)
		.leftJoin(staff, eq(staff.id, policies.createdBy))
		.where(eq(policies.creditorId, creditorId))
		.orderBy(desc(policies.version));
	return rows.map((r) => ({ version: r.version, createdAt: r.createdAt, author: r.name || r.email || null }));
}

/** One version of a creditor's policy, or null when it does not exist. */
export async function byVersion(db: DbOrTx, creditorId: string, version: number): Promise<{ version: number; policy: Policy } | null> {
	if (!Number.isSafeInteger(version) || version < 1) return null;
	const row = await db.query.policies.findFirst({ where: and(eq(policies.creditorId, creditorId), eq(policies.version, version)) });
	return row ? { version: row.version, policy: policySchema.parse(row.body) } : null;
}

export type PublishResult =
	| { ok: true; version: number }
	| { ok: false; reason: 'not_found' }
	| { ok: false; reason: 'invalid'; issues: { path: (string | number)[]; message: string }[] }
	/** Someone published `current` after the editor was opened on `basedOn`. */
	| { ok: false; reason: 'conflict'; current: number };

/**
 * Publishes `policy` as the creditor's next version, validated by the same schema as the CLI.
 * The creditor's row is locked so two publications get consecutive versions; with `basedOn`,
 * a version published meanwhile by someone else is reported instead of silently replaced.
 * Audited as `policy.publish` with the previous and the new policy.
 */
export async function publish(
	tx: DbOrTx,
	input: { creditorId: string; policy: unknown; basedOn?: number; scope: Scope; actor: Actor; ip?: string | null }
): Promise<PublishResult> {
	const [creditor] = await tx
		.select({ id: creditors.id, agencyId: creditors.agencyId })
		.from(creditors)
		.where(and(eq(creditors.id, input.creditorId), access.where.creditor(input.scope)))
		.for('update');
	if (!creditor) return { ok: false, reason: 'not_found' };
	const parsed = policySchema.safeParse(input.policy);
	if (!parsed.success) {
		return { ok: false, reason: 'invalid', issues: parsed.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })) };
	}
	const previous = await tx.query.policies.findFirst({ where: eq(policies.creditorId, creditor.id), orderBy: desc(policies.version) });
	if (input.basedOn !== undefined && previous && previous.version !== input.basedOn) {
		return { ok: false, reason: 'conflict', current: previous.version };
	}
	const version = (previous?.version ?? 0) + 1;
	await tx.insert(policies).values({
		creditorId: creditor.id,
		version,
		body: parsed.data,
		createdBy: input.actor.type === 'staff' ? (input.actor.id ?? null) : null
	});
	await audit.record(tx, {
		agencyId: creditor.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		action: 'policy.publish',
		entity: 'creditor',
		entityId: creditor.id,
		ip: input.ip ?? null,
		data: {
			version,
			before: previous ? { version: previous.version, policy: previous.body } : null,
			after: { version, policy: parsed.data }
		}
	});
	return { ok: true, version };
}

/** A debt typed into the simulator: the policy's own late fee and interest apply, as for an imported debt without them. */
export function typedDebt(principalCents: number, dueDate: string): OfferDebt {
	return { id: 'simulacao', principalCents, dueDate, lateFeeBp: null, interestMonthlyBp: null };
}

export type SimulationDebt = { principalCents: number; dueDate: string } | { debtId: string };

export type SimulationResult =
	| { ok: true; set: OfferSet; debt: { label: string | null; principalCents: number; dueDate: string } }
	| { ok: false; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The offers a debtor would see for this debt under `policy` (a draft, not yet published): the
 * portal's own engine (`offersFor`, through `updatedValueUnderPolicy`), so the numbers are the
 * same. A real debt must be an open debt of this creditor; its own late fee and interest win.
 */
export async function simulate(
	db: DbOrTx,
	input: { creditorId: string; policy: Policy; debt: SimulationDebt; today: string }
): Promise<SimulationResult> {
	let debt: OfferDebt;
	let label: string | null = null;
	if ('debtId' in input.debt) {
		const id = input.debt.debtId;
		const [row] = UUID.test(id)
			? await db
					.select({ debt: debts, name: debtors.name, creditCents: creditBalanceSql(debts.id) })
					.from(debts)
					.innerJoin(debtors, eq(debtors.id, debts.debtorId))
					.where(and(eq(debts.id, id), eq(debts.creditorId, input.creditorId), eq(debts.status, 'open')))
			: [];
		if (!row) return { ok: false, message: 'Dívida não encontrada entre as dívidas em aberto deste credor.' };
		debt = { id: row.debt.id, principalCents: row.debt.principalCents, dueDate: row.debt.dueDate, lateFeeBp: row.debt.lateFeeBp, interestMonthlyBp: row.debt.interestMonthlyBp, creditCents: Number(row.creditCents) };
		label = `${row.debt.externalId} — ${row.name}`;
	} else {
		const { principalCents, dueDate } = input.debt;
		if (!Number.isSafeInteger(principalCents) || principalCents <= 0) return { ok: false, message: 'Informe o valor original da dívida, maior que zero.' };
		if (!isIsoDate(dueDate)) return { ok: false, message: 'Informe o vencimento original da dívida.' };
		debt = typedDebt(principalCents, dueDate);
	}
	const set = offersFor({ debts: [debt], policy: input.policy, today: input.today });
	return { ok: true, set, debt: { label, principalCents: debt.principalCents, dueDate: debt.dueDate } };
}

export type DebtHit = {
	id: string;
	externalId: string;
	description: string;
	debtorName: string;
	/** Masked: this is a list (LGPD). */
	debtorDocument: string;
	principalCents: number;
	dueDate: string;
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Open debts of one creditor whose contract id starts with, or whose debtor's name contains, `q`: for the simulator. */
export async function searchOpenDebts(db: DbOrTx, creditorId: string, q: string, limit = 8): Promise<DebtHit[]> {
	const term = q.trim().slice(0, 100);
	if (term.length < 2) return [];
	const rows = await db
		.select({ debt: debts, name: debtors.name, document: debtors.document })
		.from(debts)
		.innerJoin(debtors, eq(debtors.id, debts.debtorId))
		.where(
			and(
				eq(debts.creditorId, creditorId),
				eq(debts.status, 'open'),
				or(ilike(debts.externalId, `${escapeLike(term)}%`), ilike(debtors.name, `%${escapeLike(term)}%`))
			)
		)
		.orderBy(asc(debts.externalId))
		.limit(limit);
	return rows.map(({ debt, name, document }) => ({
		id: debt.id,
		externalId: debt.externalId,
		description: debt.description,
		debtorName: name,
		debtorDocument: maskDocument(document),
		principalCents: debt.principalCents,
		dueDate: debt.dueDate
	}));
}

