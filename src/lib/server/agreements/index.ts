import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { agreementDebts, agreements, creditors, debtCredits, debts, installments, nossoNumeroSeq } from '../db/schema';
import { creditBalanceSql } from '../debts/credit';
import * as tenancy from '../tenancy';
import { activeOffer, withOffer } from '../campaigns/offer';
import * as audit from '../audit';
import * as funnel from '../funnel';
import * as webhooks from '../webhooks';
import { validateChoice, type Offer } from '../offers/engine';
import { policyAfterBreak } from '../../schemas/policy';
import { newTxid } from '../payments/pix/brcode';
import { destinationOf } from '../payments/instruments';

export * as reissue from './reissue';
export * as lifecycle from './lifecycle';

export type Agreement = typeof agreements.$inferSelect;
export type Installment = typeof installments.$inferSelect;

export type AcceptInput = {
	debtor: { id: string; agencyId: string };
	debtIds: string[];
	kind: 'cash' | 'installments';
	count: number;
	firstDueDate: string;
	expected?: { totalCents: number; installments: number[] };
	ip?: string | null;
	today: string;
	/** Who accepted: the debtor in the portal (default), staff or the API (KPI digital share). */
	channel?: funnel.FunnelChannel;
};

export type AcceptResult =
	| { ok: true; agreement: Agreement; created: true }
	| { ok: false; reason: 'exists'; message: string; code: string | null }
	| { ok: false; reason: 'invalid'; message: string };

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** Human-facing agreement code, e.g. AC-7K3M-9QXF (no 0/O, 1/I/L to avoid misreading). */
export function newAgreementCode(): string {
	const b = new Uint8Array(8);
	crypto.getRandomValues(b);
	const c = Array.from(b, (x) => ALPHABET[x % ALPHABET.length]).join('');
	return `AC-${c.slice(0, 4)}-${c.slice(4)}`;
}

/** Whether any of these debts was in an agreement that broke (the policy may then ask a larger entry). */
export async function brokenBefore(tx: DbOrTx, debtIds: string[]): Promise<boolean> {
	const rows = await tx
		.select({ id: agreements.id })
		.from(agreementDebts)
		.innerJoin(agreements, eq(agreements.id, agreementDebts.agreementId))
		.where(and(inArray(agreementDebts.debtId, debtIds), eq(agreements.status, 'broken')))
		.limit(1);
	return rows.length > 0;
}

async function existingAgreementCode(tx: DbOrTx, debtIds: string[]): Promise<string | null> {
	const rows = await tx
		.select({ code: agreements.code })
		.from(agreementDebts)
		.innerJoin(agreements, eq(agreements.id, agreementDebts.agreementId))
		.where(and(inArray(agreementDebts.debtId, debtIds), eq(agreements.status, 'active')))
		.limit(1);
	return rows[0]?.code ?? null;
}

/**
 * Accepts an offer. Runs inside one transaction: the debts are locked, the offer is recomputed from
 * the policy in force (nothing from the browser is trusted), and the agreement, its debts and its
 * installments are written together. Concurrent or repeated accepts for a debt produce one agreement:
 * the row locks serialise them and the later ones find the debt no longer open.
 */
export async function accept(tx: Tx, input: AcceptInput): Promise<AcceptResult> {
	const ids = [...new Set(input.debtIds)].sort();
	if (ids.length === 0) return { ok: false, reason: 'invalid', message: 'Selecione ao menos uma dívida.' };
	const locked = await tx.execute<{
		id: string;
		creditor_id: string;
		status: string;
		principal_cents: string;
		due_date: string;
		late_fee_bp: number | null;
		interest_monthly_bp: number | null;
	}>(sql`select d.id, d.creditor_id, d.status, d.principal_cents, to_char(d.due_date, 'YYYY-MM-DD') as due_date, d.late_fee_bp, d.interest_monthly_bp
		from debts d join creditors c on c.id = d.creditor_id
		where d.id in ${ids} and d.debtor_id = ${input.debtor.id}
		  and c.agency_id = ${input.debtor.agencyId}
		order by d.id for update of d`);
	if (locked.length !== ids.length) {
		return { ok: false, reason: 'invalid', message: 'Não encontramos uma das dívidas selecionadas. Volte à lista e tente de novo.' };
	}
	const creditorId = locked[0].creditor_id;
	if (locked.some((d) => d.creditor_id !== creditorId)) {
		return { ok: false, reason: 'invalid', message: 'Escolha dívidas de um mesmo credor para negociar juntas.' };
	}
	if (locked.some((d) => d.status !== 'open')) {
		const code = await existingAgreementCode(tx, ids);
		return {
			ok: false,
			reason: 'exists',
			code,
			message: code
				? `Já existe um acordo para esta dívida (código ${code}).`
				: 'Esta dívida não está mais aberta para negociação.'
		};
	}
	// Read after the lock, not in the locking statement: under READ COMMITTED that statement's
	// snapshot predates the lock wait, and a refund that held the debt's lock must be seen.
	const creditRows = await tx.select({ id: debts.id, creditCents: creditBalanceSql(debts.id) }).from(debts).where(inArray(debts.id, ids));
	const creditOf = new Map(creditRows.map((r) => [r.id, Number(r.creditCents)]));
	const current = await tenancy.currentPolicy(tx, creditorId);
	if (!current) return { ok: false, reason: 'invalid', message: 'Este credor ainda não publicou condições de negociação.' };
	// A running campaign's special offer for this debtor counts as the portal showed it (recomputed here).
	const campaign = await activeOffer(tx, input.debtor.id, creditorId, input.today);
	const pv = { version: current.version, policy: policyAfterBreak(withOffer(current.policy, campaign?.offer), await brokenBefore(tx, ids)) };
	const debtInputs = locked.map((d) => ({
		id: d.id,
		principalCents: Number(d.principal_cents),
		dueDate: d.due_date,
		lateFeeBp: d.late_fee_bp,
		interestMonthlyBp: d.interest_monthly_bp,
		creditCents: creditOf.get(d.id) ?? 0
	}));
	const checked = validateChoice({
		debts: debtInputs,
		policy: pv.policy,
		today: input.today,
		kind: input.kind,
		count: input.count,
		firstDueDate: input.firstDueDate,
		expected: input.expected
	});
	if (!checked.ok) return { ok: false, reason: 'invalid', message: checked.message };
	const offer: Offer = checked.offer;
	const band = checked.set.band;

	const [agreement] = await tx
		.insert(agreements)
		.values({
			code: newAgreementCode(),
			creditorId,
			debtorId: input.debtor.id,
			policyVersion: pv.version,
			kind: offer.kind,
			updatedTotalCents: checked.set.updatedTotalCents,
			discountCents: offer.discountCents,
			interestCents: offer.interestCents,
			totalCents: offer.totalCents,
			installmentCount: offer.installments.length,
			interestMonthlyBp: offer.interestMonthlyBp,
			cetMonthlyPpm: offer.cetMonthly === null ? null : Math.round(offer.cetMonthly * 1_000_000),
			breakToleranceDays: pv.policy.breakToleranceDays,
			breakToleranceBusinessDays: pv.policy.breakToleranceUnit === 'business',
			terms: { offer, band, breakdown: checked.set.breakdown, today: input.today, ...(campaign && { campaignId: campaign.campaignId }) },
			acceptedIp: input.ip ?? null
		})
		.returning();
	await tx.insert(agreementDebts).values(
		checked.set.breakdown.map((b) => ({
			agreementId: agreement.id,
			debtId: b.id,
			originalCents: b.principalCents,
			lateFeeCents: b.lateFeeCents,
			interestCents: b.interestCents,
			creditCents: b.creditCents,
			updatedCents: b.totalCents
		}))
	);
	// The credit this agreement took off the value is used: a negative row, in this transaction and
	// under the debts' locks, so no other agreement or refund can spend it again. Closing the
	// agreement releases it (lifecycle.close).
	const applied = checked.set.breakdown.filter((b) => b.creditCents > 0);
	if (applied.length > 0) {
		await tx.insert(debtCredits).values(
			applied.map((b) => ({ creditorId, debtorId: input.debtor.id, debtId: b.id, agreementId: agreement.id, amountCents: -b.creditCents, reason: 'applied' as const }))
		);
	}
	// The money goes where the creditor's settings say today, and keeps going there (frozen per installment).
	const [settings] = await tx.select().from(creditors).where(eq(creditors.id, creditorId));
	const destination = destinationOf(settings);
	const numbers = await tx.execute<{ n: string }>(
		sql`select nextval(${nossoNumeroSeq.seqName}::regclass) as n from generate_series(1, ${offer.installments.length})`
	);
	await tx.insert(installments).values(
		offer.installments.map((i, k) => ({
			agreementId: agreement.id,
			seq: i.seq,
			dueDate: i.dueDate,
			amountCents: i.amountCents,
			txid: newTxid(),
			nossoNumero: String(numbers[k].n).padStart(11, '0'),
			...destination
		}))
	);
	await tx
		.update(debts)
		.set({ status: 'in_agreement', updatedAt: new Date() })
		.where(inArray(debts.id, ids));
	await audit.record(tx, {
		agencyId: input.debtor.agencyId,
		actorType: 'debtor',
		actorId: input.debtor.id,
		action: 'agreement.accept',
		entity: 'agreement',
		entityId: agreement.id,
		ip: input.ip,
		data: {
			code: agreement.code,
			debts: ids,
			kind: offer.kind,
			count: offer.installments.length,
			totalCents: offer.totalCents,
			...(applied.length > 0 && { creditApplied: applied.map((b) => ({ debtId: b.id, amountCents: b.creditCents })) })
		}
	});
	await funnel.record(tx, { agencyId: input.debtor.agencyId, creditorId, debtorId: input.debtor.id, step: 'agreement', channel: input.channel ?? 'portal' });
	await webhooks.agreementCreated(tx, agreement.id);
	return { ok: true, agreement, created: true };
}

export type AgreementSummary = Agreement & {
	creditor: { displayName: string; legalName: string; cnpj: string; slug: string };
	installments: Installment[];
};

/** A debtor's agreements within the agency, newest first, with their installments. */
export async function forDebtor(db: DbOrTx, agencyId: string, debtorId: string): Promise<AgreementSummary[]> {
	const rows = await db
		.select({
			agreement: agreements,
			creditor: { displayName: creditors.displayName, legalName: creditors.legalName, cnpj: creditors.cnpj, slug: creditors.slug }
		})
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(and(eq(agreements.debtorId, debtorId), eq(creditors.agencyId, agencyId)))
		.orderBy(desc(agreements.createdAt));
	if (rows.length === 0) return [];
	const inst = await db
		.select()
		.from(installments)
		// Superseded rows (a due date changed) stay for the record but are never shown or payable.
		.where(and(inArray(installments.agreementId, rows.map((r) => r.agreement.id)), isNull(installments.supersededBy)))
		.orderBy(asc(installments.seq));
	return rows.map((r) => ({
		...r.agreement,
		creditor: r.creditor,
		installments: inst.filter((i) => i.agreementId === r.agreement.id)
	}));
}

/** One agreement by code, only if it belongs to this debtor in this agency. */
export async function byCode(db: DbOrTx, agencyId: string, debtorId: string, code: string) {
	const rows = await db
		.select({ agreement: agreements, creditor: creditors })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(and(eq(agreements.code, code), eq(agreements.debtorId, debtorId), eq(creditors.agencyId, agencyId)))
		.limit(1);
	const row = rows[0];
	if (!row) return null;
	const [inst, debtRows] = await Promise.all([
		db.select().from(installments).where(and(eq(installments.agreementId, row.agreement.id), isNull(installments.supersededBy))).orderBy(asc(installments.seq)),
		db
			.select({ link: agreementDebts, debt: debts })
			.from(agreementDebts)
			.innerJoin(debts, eq(debts.id, agreementDebts.debtId))
			.where(eq(agreementDebts.agreementId, row.agreement.id))
			.orderBy(asc(debts.dueDate))
	]);
	return { ...row, installments: inst, debts: debtRows };
}
