import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { preparedQuery, type Db, type DbOrTx, type Tx } from '../db/client';
import { agreementDebts, agreements, creditors, debtCredits, debtors, debts, installments, nossoNumeroSeq, payments } from '../db/schema';
import type { CreditReason } from '../db/schema';
import * as webhooks from '../webhooks';
import * as audit from '../audit';
import * as funnel from '../funnel';
import { newTxid } from '../payments/pix/brcode';
import { isEndToEndId } from '../payments/pix/end-to-end';
import { destinationOf, type Destination } from '../payments/instruments';
import { textArray } from '../import';
import { OPEN_INSTALLMENT_STATUSES, isOpenInstallment } from '../../agreements/status';
import * as ledger from './ledger';
import * as receipts from '../payments/receipts';
import { formatBRL } from '../../format/money';

/**
 * The agreement state machine: every change of an agreement's or an installment's status happens
 * here, inside the caller's transaction, audited, and each function says what happened so the
 * caller can tell the world (webhooks, messages). The money rules are pure, in `ledger.ts`.
 *
 *   agreement:   active ──every live installment paid──▶ settled
 *                active ──staff cancel──▶ cancelled      (what was paid → credit on the debts)
 *                active ──installment unpaid past tolerance──▶ broken (idem; the debts reopen)
 *   installment: pending ─▶ partially_paid ─▶ paid;  pending|partially_paid ─▶ cancelled
 *                (superseded by a new slip: due date, payment details, early payoff; or closed
 *                with its agreement)
 *
 * Locks: the agreement row first, then its installments (the order every change takes).
 */

type Agreement = typeof agreements.$inferSelect;
type Installment = typeof installments.$inferSelect;
export type Actor = { type: 'debtor' | 'staff' | 'system' | 'cli'; id?: string | null };

async function lockAgreement(tx: Tx, agreementId: string) {
	const [row] = await tx
		.select({ agreement: agreements, agencyId: creditors.agencyId })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(eq(agreements.id, agreementId))
		.for('update', { of: agreements });
	return row ?? null;
}

async function rowsOf(tx: DbOrTx, agreementId: string, lock = false): Promise<Installment[]> {
	const q = tx.select().from(installments).where(eq(installments.agreementId, agreementId)).orderBy(asc(installments.seq), asc(installments.updatedAt));
	return lock ? q.for('update') : q;
}

// ------------------------------------------------------------------ credits

/**
 * Credits `amountCents` to the agreement's debts, split by their updated values (exact to the cent).
 * Returns the rows written.
 */
async function credit(
	tx: Tx,
	a: Pick<Agreement, 'id' | 'creditorId' | 'debtorId'>,
	amountCents: number,
	reason: CreditReason,
	from: { paymentId?: string | null; note?: string | null; createdBy?: string | null } = {}
) {
	if (amountCents === 0) return [];
	const links = await tx
		.select({ debtId: agreementDebts.debtId, weight: agreementDebts.updatedCents })
		.from(agreementDebts)
		.where(eq(agreementDebts.agreementId, a.id))
		.orderBy(asc(agreementDebts.debtId));
	const parts = ledger.splitProportionally(amountCents, links.map((l) => l.weight));
	const values = links
		.map((l, k) => ({
			creditorId: a.creditorId,
			debtorId: a.debtorId,
			debtId: l.debtId,
			agreementId: a.id,
			paymentId: from.paymentId ?? null,
			amountCents: parts[k],
			reason,
			note: from.note ?? null,
			createdBy: from.createdBy ?? null
		}))
		.filter((v) => v.amountCents !== 0);
	return values.length ? tx.insert(debtCredits).values(values).returning() : [];
}

// ------------------------------------------------------------------ payments

export type RecordPaymentInput = {
	installmentId: string;
	amountCents: number;
	paidAt: Date;
	method: (typeof payments.$inferSelect)['method'];
	source: (typeof payments.$inferSelect)['source'];
	/** endToEndId (Pix), the bank return's reference, or a manual reference: unique per source; an endToEndId across sources. */
	externalId: string;
	proof?: string | null;
	/** Who recorded it: staff for manual payments, system for webhooks and return files. */
	actor: { type: 'staff' | 'system' | 'cli'; id?: string | null };
	ip?: string | null;
	/** Funnel channel; defaults to 'staff' for manual payments and 'portal' otherwise. */
	channel?: 'portal' | 'staff' | 'api';
};

export type PaymentOutcome = {
	payment: typeof payments.$inferSelect;
	agreementId: string;
	agreementCode: string;
	/** Cents the installment kept, and cents credited to the debts (overpayment or a withdrawn slip). */
	appliedCents: number;
	creditedCents: number;
	creditReason: 'overpayment' | 'not_payable' | null;
	installment: { id: string; seq: number; status: Installment['status']; openCents: number };
	firstPayment: boolean;
	settled: boolean;
};

export type RecordPaymentResult =
	| ({ ok: true; duplicate: false } & PaymentOutcome)
	/** The same (source, external id) was recorded before: nothing changed (webhooks and returns are retried). */
	| { ok: true; duplicate: true; payment: typeof payments.$inferSelect; agreementId: string; firstPayment: false; settled: false; appliedCents: 0; creditedCents: 0 }
	| { ok: false; reason: 'not_found' | 'conflict'; message: string };

/**
 * THE place a payment is recorded, whatever its source (Pix webhook, bank return file, bank
 * statement, staff). Idempotent by (source, external id), and by the end-to-end id alone for a
 * Pix. Every cent received is kept: the installment takes up to its open remainder (less:
 * partially paid), the rest, and any money for a paid slip or a closed agreement, is credited to the
 * agreement's debts; a replaced slip's money goes to the installment that replaced it. When every
 * live installment is paid the agreement settles.
 */
export async function recordPayment(tx: Tx, input: RecordPaymentInput): Promise<RecordPaymentResult> {
	const externalId = input.externalId.trim();
	if (!externalId) return { ok: false, reason: 'not_found', message: 'Pagamento sem referência.' };
	if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) return { ok: false, reason: 'not_found', message: 'Valor de pagamento inválido.' };
	// A return file records thousands of payments: each reads what it needs once (the agreement, who
	// is told, all its installments) and writes once per table.
	const [locked] = await lockForPayment(tx).execute({ installmentId: input.installmentId });
	if (!locked) return { ok: false, reason: 'not_found', message: 'Parcela não encontrada.' };
	const a = locked.agreement;
	const rows = await rowsOf(tx, a.id, true);
	const slip = rows.find((r) => r.id === input.installmentId)!;
	// Money for a replaced slip (new due date, new payment details, early payoff) of a live agreement
	// is for the installment that replaced it: the debtor paid that installment, only an older code.
	const inst = a.status === 'active' ? ledger.liveSuccessor(rows, slip) : slip;

	// A Pix end-to-end id is one payment whichever source tells it (PSP webhook, bank statement, staff).
	if (isEndToEndId(externalId)) {
		const [told] = await tx.select().from(payments).where(eq(payments.externalId, externalId)).limit(1);
		if (told) return alreadyRecorded(told, inst.id, a.id);
	}

	const [payment] = await tx
		.insert(payments)
		.values({
			installmentId: inst.id,
			amountCents: input.amountCents,
			paidAt: input.paidAt,
			method: input.method,
			source: input.source,
			externalId,
			proof: input.proof ?? null,
			recordedBy: input.actor.type === 'staff' ? (input.actor.id ?? null) : null
		})
		.onConflictDoNothing({ target: [payments.source, payments.externalId] })
		.returning();
	if (!payment) {
		const [existing] = await tx.select().from(payments).where(and(eq(payments.source, input.source), eq(payments.externalId, externalId))).limit(1);
		return alreadyRecorded(existing, inst.id, a.id);
	}

	const decision = ledger.decidePayment(inst, a.status === 'active', input.amountCents);
	const firstPayment = rows.every((r) => (r.paidCents ?? 0) === 0) && decision.appliedCents > 0;
	const now = new Date();
	const after: Installment = { ...inst, status: decision.status, paidCents: decision.paidCents, ...(decision.status === 'paid' && { paidAt: input.paidAt }), updatedAt: now };
	if (decision.appliedCents > 0) {
		await tx
			.update(installments)
			.set({ status: after.status, paidCents: after.paidCents, ...(decision.status === 'paid' && { paidAt: input.paidAt }), updatedAt: now })
			.where(eq(installments.id, inst.id));
	}
	if (decision.creditCents > 0) await credit(tx, a, decision.creditCents, decision.creditReason!, { paymentId: payment.id });

	const channel = input.channel ?? (input.source === 'manual' ? 'staff' : 'portal');
	if (firstPayment) await funnel.record(tx, { agencyId: locked.agencyId, creditorId: a.creditorId, debtorId: a.debtorId, step: 'first_payment', channel });
	const rowsAfter = rows.map((r) => (r.id === inst.id ? after : r));
	const settled = decision.appliedCents > 0 ? await settleIfPaid(tx, a, locked.agencyId, channel, now, rowsAfter) : false;
	if (!settled) await tx.update(agreements).set({ updatedAt: now }).where(eq(agreements.id, a.id));

	await audit.record(tx, {
		agencyId: locked.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		action: 'payment.record',
		entity: 'agreement',
		entityId: a.id,
		ip: input.ip ?? null,
		data: {
			code: a.code,
			payment: { id: payment.id, method: input.method, source: input.source, externalId, amountCents: input.amountCents, paidAt: input.paidAt.toISOString() },
			appliedCents: decision.appliedCents,
			credit: decision.creditCents > 0 ? { amountCents: decision.creditCents, reason: decision.creditReason } : null,
			before: { installment: { id: inst.id, seq: inst.seq, status: inst.status, paidCents: inst.paidCents ?? 0 }, agreement: { status: a.status } },
			after: { installment: { id: inst.id, seq: inst.seq, status: decision.status, paidCents: decision.paidCents }, agreement: { status: settled ? 'settled' : a.status } }
		}
	});
	// The creditor's ERP hears of money that went to an installment (installment.paid, and at the
	// first payment debtor.delisting_due; agreement.settled when it settles).
	if (decision.appliedCents > 0) {
		await webhooks.paymentRecorded(tx, {
			agreement: { id: a.id, code: a.code, status: settled ? 'settled' : a.status, creditorId: a.creditorId, totalCents: a.totalCents, settledAt: settled ? now : a.settledAt },
			debtorDocument: locked.debtorDocument,
			debtIds: locked.debtIds,
			installment: { id: after.id, seq: after.seq, dueDate: after.dueDate, amountCents: after.amountCents, paidCents: after.paidCents },
			payment,
			firstPayment,
			settled
		});
	}
	const { debtorDocument: _d, debtIds: _i, agreement: _a, ...contact } = locked;
	await receipts.queue(tx, { payment, agreementId: a.id, agreementCode: a.code, installment: inst, settled }, { ...contact, creditorId: a.creditorId, debtorId: a.debtorId });
	return {
		ok: true,
		duplicate: false,
		payment,
		agreementId: a.id,
		agreementCode: a.code,
		appliedCents: decision.appliedCents,
		creditedCents: decision.creditCents,
		creditReason: decision.creditReason,
		installment: { id: inst.id, seq: inst.seq, status: decision.status, openCents: inst.amountCents - decision.paidCents },
		firstPayment,
		settled
	};
}

/** The same money told again: a duplicate on its own installment, a conflict on another. */
function alreadyRecorded(existing: typeof payments.$inferSelect, installmentId: string, agreementId: string): RecordPaymentResult {
	if (existing.installmentId !== installmentId) return { ok: false, reason: 'conflict', message: 'Esta referência de pagamento já foi usada em outra parcela.' };
	return { ok: true, duplicate: true, payment: existing, agreementId, firstPayment: false, settled: false, appliedCents: 0, creditedCents: 0 };
}

/**
 * The agreement of an installment, locked, with what a payment's events and receipt need: one
 * statement, built once per transaction handle.
 */
const lockForPayment = preparedQuery((db) =>
	db
		.select({
			agreement: agreements,
			agencyId: creditors.agencyId,
			displayName: creditors.displayName,
			slug: creditors.slug,
			host: creditors.host,
			debtorDocument: debtors.document,
			phone: debtors.phone,
			email: debtors.email,
			anonymizedAt: debtors.anonymizedAt,
			debtIds: sql<string[]>`(select coalesce(array_agg(d.external_id order by d.external_id), '{}') from agreement_debts ad join debts d on d.id = ad.debt_id where ad.agreement_id = ${agreements.id})`
		})
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
		.where(eq(agreements.id, sql`(select agreement_id from installments where id = ${sql.placeholder('installmentId')}::uuid)`))
		.for('update', { of: agreements })
		.prepare('lifecycle_lock_for_payment')
);

// ------------------------------------------------------------------ settle

/**
 * Settles the agreement (locked by the caller) and its debts when every live installment is paid.
 * Returns whether it did. Audited by the caller's payment record.
 */
async function settleIfPaid(tx: Tx, a: Agreement, agencyId: string, channel: funnel.FunnelChannel, now: Date, rows?: Installment[]): Promise<boolean> {
	if (a.status !== 'active' || !ledger.isSettled(rows ?? (await rowsOf(tx, a.id)))) return false;
	await tx.update(agreements).set({ status: 'settled', settledAt: now, updatedAt: now }).where(eq(agreements.id, a.id));
	const linked = tx.select({ id: agreementDebts.debtId }).from(agreementDebts).where(eq(agreementDebts.agreementId, a.id));
	// The debt leaves the portal; closed_at starts the LGPD retention clock.
	await tx.update(debts).set({ status: 'settled', closedAt: now, updatedAt: now }).where(sql`${debts.id} in (${linked})`);
	await funnel.record(tx, { agencyId, creditorId: a.creditorId, debtorId: a.debtorId, step: 'settled', channel });
	return true;
}

// ------------------------------------------------------------------ cancel and break

export type Closed = {
	agreementId: string;
	code: string;
	status: 'cancelled' | 'broken';
	/** Seqs of the open installments withdrawn (Pix and boleto no longer payable). */
	withdrawn: number[];
	reopenedDebts: { id: string; externalId: string }[];
	/** What had been paid, now a credit on the debts. */
	creditedCents: number;
	/** Credit from earlier payments the agreement had used at acceptance, handed back to its debts. */
	releasedCents: number;
};

async function close(tx: Tx, a: Agreement, to: 'cancelled' | 'broken', now: Date): Promise<Omit<Closed, 'status'>> {
	const rows = await rowsOf(tx, a.id, true);
	const withdrawn = await tx
		.update(installments)
		.set({ status: 'cancelled', updatedAt: now })
		.where(and(eq(installments.agreementId, a.id), isNull(installments.supersededBy), inArray(installments.status, [...OPEN_INSTALLMENT_STATUSES])))
		.returning({ seq: installments.seq });
	const creditedCents = ledger.closingCreditCents(rows);
	await credit(tx, a, creditedCents, to);
	const releasedCents = await release(tx, a);
	const linked = tx.select({ id: agreementDebts.debtId }).from(agreementDebts).where(eq(agreementDebts.agreementId, a.id));
	const reopenedDebts = await tx
		.update(debts)
		.set({ status: 'open', updatedAt: now })
		.where(and(sql`${debts.id} in (${linked})`, eq(debts.status, 'in_agreement')))
		.returning({ id: debts.id, externalId: debts.externalId });
	return { agreementId: a.id, code: a.code, withdrawn: withdrawn.map((w) => w.seq).sort((x, y) => x - y), reopenedDebts, creditedCents, releasedCents };
}

/**
 * Hands back, debt by debt and to the cent, the credit the agreement used when it was accepted
 * ('applied' rows): the agreement is gone, so the money paid before counts again.
 */
async function release(tx: Tx, a: Pick<Agreement, 'id'>): Promise<number> {
	const applied = await tx
		.select({ creditorId: debtCredits.creditorId, debtorId: debtCredits.debtorId, debtId: debtCredits.debtId, amountCents: sql<number>`(-sum(${debtCredits.amountCents}))::int8`.mapWith(Number) })
		.from(debtCredits)
		.where(and(eq(debtCredits.agreementId, a.id), inArray(debtCredits.reason, ['applied', 'released'])))
		.groupBy(debtCredits.creditorId, debtCredits.debtorId, debtCredits.debtId)
		.orderBy(asc(debtCredits.debtId));
	const values = applied.filter((r) => r.amountCents > 0).map((r) => ({ ...r, agreementId: a.id, reason: 'released' as const }));
	if (values.length > 0) await tx.insert(debtCredits).values(values);
	return values.reduce((s, v) => s + v.amountCents, 0);
}

export type CancelResult = ({ ok: true } & Closed) | { ok: false; reason: 'already_cancelled' | 'not_active'; status: Agreement['status']; cancelledAt: Date | null };

/** Cancels an active agreement (the caller locked it): open slips withdrawn, what was paid credited, debts reopened. */
export async function cancel(tx: Tx, a: Agreement, input: { reason: string; actor: Actor; agencyId: string; ip?: string | null }): Promise<CancelResult> {
	if (a.status === 'cancelled') return { ok: false, reason: 'already_cancelled', status: a.status, cancelledAt: a.cancelledAt };
	if (a.status !== 'active') return { ok: false, reason: 'not_active', status: a.status, cancelledAt: a.cancelledAt };
	const now = new Date();
	const closed = await close(tx, a, 'cancelled', now);
	await tx.update(agreements).set({ status: 'cancelled', cancelReason: input.reason, cancelledAt: now, updatedAt: now }).where(eq(agreements.id, a.id));
	await audit.record(tx, {
		agencyId: input.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		action: 'agreement.cancel',
		entity: 'agreement',
		entityId: a.id,
		ip: input.ip ?? null,
		data: {
			code: a.code,
			before: { status: a.status, pendingInstallments: closed.withdrawn, debts: closed.reopenedDebts.map((d) => ({ id: d.id, status: 'in_agreement' })) },
			after: { status: 'cancelled', cancelReason: input.reason, cancelledInstallments: closed.withdrawn, creditedCents: closed.creditedCents, releasedCents: closed.releasedCents, debts: closed.reopenedDebts.map((d) => ({ id: d.id, status: 'open' })) }
		}
	});
	await webhooks.agreementCancelled(tx, a.id);
	return { ok: true, status: 'cancelled', ...closed };
}

/** The first open live installment that breaks the agreement on `today`, or null. */
function breakingInstallment(a: Agreement, rows: Installment[], today: string): Installment | null {
	return (
		rows
			.filter((i) => i.supersededBy === null && isOpenInstallment(i.status))
			.sort((x, y) => (x.dueDate < y.dueDate ? -1 : 1))
			.find((i) => ledger.breaksOn(i.dueDate, today, a.breakToleranceDays, a.breakToleranceBusinessDays)) ?? null
	);
}

/**
 * Money for one of the agreement's slips that waits in the review queue for a person (a boleto paid
 * after its slip was replaced, a Pix the rules could not place on it…): until someone associates or
 * discards it, the agreement is not broken for want of it.
 */
export async function moneyUnderReviewCents(db: DbOrTx, installmentIds: string[]): Promise<number> {
	if (installmentIds.length === 0) return 0;
	const [row] = await db.execute<{ cents: string }>(sql`select coalesce(sum(r.amount_cents), 0) as cents from review_items r
		where r.status = 'open' and r.amount_cents > 0 and r.installment_id = any(${textArray(installmentIds)}::uuid[])`);
	return Number(row.cents);
}

/**
 * Breaks one agreement if, on `today`, an installment is unpaid past its tolerance. Null when it
 * does not — also while money for it waits in the review queue (the daily job asks again).
 */
export async function breakIfOverdue(tx: Tx, agreementId: string, today: string, actor: Actor = { type: 'system' }): Promise<Closed | null> {
	const locked = await lockAgreement(tx, agreementId);
	if (!locked || locked.agreement.status !== 'active') return null;
	const a = locked.agreement;
	const rows = await rowsOf(tx, a.id);
	const late = breakingInstallment(a, rows, today);
	if (!late) return null;
	if ((await moneyUnderReviewCents(tx, rows.map((r) => r.id))) > 0) return null;
	const now = new Date();
	const closed = await close(tx, a, 'broken', now);
	await tx.update(agreements).set({ status: 'broken', brokenAt: now, updatedAt: now }).where(eq(agreements.id, a.id));
	await audit.record(tx, {
		agencyId: locked.agencyId,
		actorType: actor.type,
		actorId: actor.id ?? null,
		action: 'agreement.break',
		entity: 'agreement',
		entityId: a.id,
		data: {
			code: a.code,
			today,
			late: { seq: late.seq, dueDate: late.dueDate, openCents: ledger.openCents(late) },
			tolerance: { days: a.breakToleranceDays, businessDays: a.breakToleranceBusinessDays },
			before: { status: 'active' },
			after: { status: 'broken', withdrawn: closed.withdrawn, creditedCents: closed.creditedCents, releasedCents: closed.releasedCents, debts: closed.reopenedDebts.map((d) => d.id) }
		}
	});
	await webhooks.agreementBroken(tx, a.id, { installmentSeq: late.seq, brokenAt: now });
	return { status: 'broken', ...closed };
}

/**
 * The daily job: breaks every active agreement with an installment unpaid past its tolerance on
 * `today` (a calendar date in São Paulo, passed in so tests can move the clock). One transaction
 * per agreement: one that cannot break does not hold the others back.
 */
export async function breakOverdue(db: Db, today: string): Promise<{ broken: Closed[] }> {
	// Any open installment already past due is a candidate; the tolerance is checked under the lock.
	const candidates = await db.execute<{ id: string }>(sql`
		select distinct a.id from agreements a join installments i on i.agreement_id = a.id
		where a.status = 'active' and i.superseded_by is null and i.status in ('pending', 'partially_paid') and i.due_date < ${today}::date
		order by a.id`);
	const broken: Closed[] = [];
	for (const { id } of candidates) {
		const r = await db.transaction((tx) => breakIfOverdue(tx, id, today));
		if (r) broken.push(r);
	}
	return { broken };
}

// ------------------------------------------------------------------ supersede

export type Replacement = {
	/** The rows replaced (cancelled, pointing to the new one). */
	oldIds: string[];
	agreementId: string;
	seq: number;
	dueDate: string;
	amountCents: number;
	kind?: Installment['kind'];
	destination: Destination;
};

/**
 * Supersedes slips: each group of old rows is cancelled and points to one new row (new txid and
 * nosso número, so the old Pix and boleto are void). Used by a due-date change, a re-issue with new
 * payment details and an early payoff. The caller holds the agreement locks. Returns the new ids.
 */
export async function supersede(tx: Tx, groups: Replacement[]): Promise<string[]> {
	if (groups.length === 0) return [];
	const ids = groups.map(() => crypto.randomUUID());
	const numbers = await tx.execute<{ n: string }>(sql`select nextval(${nossoNumeroSeq.seqName}::regclass) as n from generate_series(1, ${groups.length})`);
	const pairs = groups.flatMap((g, k) => g.oldIds.map((old) => [old, ids[k]] as const));
	// Cancel first: the partial unique index allows one live row per (agreement, seq).
	await tx.execute(sql`update installments i set status = 'cancelled', superseded_by = v.new_id, updated_at = now()
		from unnest(${textArray(pairs.map((p) => p[0]))}::uuid[], ${textArray(pairs.map((p) => p[1]))}::uuid[]) as v(old_id, new_id)
		where i.id = v.old_id`);
	const col = <T>(f: (g: Replacement, k: number) => T) => textArray(groups.map((g, k) => String(f(g, k))));
	const dest = (f: keyof Destination) => col((g) => g.destination[f]);
	await tx.execute(sql`insert into installments (id, agreement_id, seq, due_date, amount_cents, status, kind, txid, nosso_numero,
			pix_key, pix_merchant_name, pix_merchant_city, boleto_bank_code, boleto_agency, boleto_account, boleto_wallet)
		select v.id, v.agreement_id, v.seq, v.due_date, v.amount_cents, 'pending', v.kind, v.txid, v.nosso_numero,
			v.pix_key, v.pix_merchant_name, v.pix_merchant_city, v.boleto_bank_code, v.boleto_agency, v.boleto_account, v.boleto_wallet
		from unnest(${textArray(ids)}::uuid[], ${col((g) => g.agreementId)}::uuid[], ${col((g) => g.seq)}::int[], ${col((g) => g.dueDate)}::date[],
			${col((g) => g.amountCents)}::int8[], ${col((g) => g.kind ?? 'regular')}::text[], ${col(() => newTxid())}::text[],
			${col((_, k) => String(numbers[k].n).padStart(11, '0'))}::text[],
			${dest('pixKey')}::text[], ${dest('pixMerchantName')}::text[], ${dest('pixMerchantCity')}::text[], ${dest('boletoBankCode')}::text[],
			${dest('boletoAgency')}::text[], ${dest('boletoAccount')}::text[], ${dest('boletoWallet')}::text[])
			as v(id, agreement_id, seq, due_date, amount_cents, kind, txid, nosso_numero,
				pix_key, pix_merchant_name, pix_merchant_city, boleto_bank_code, boleto_agency, boleto_account, boleto_wallet)`);
	await tx.execute(sql`update agreements set updated_at = now() where id = any(${textArray([...new Set(groups.map((g) => g.agreementId))])}::uuid[])`);
	return ids;
}

// ------------------------------------------------------------------ early payoff

export type PayoffPreview =
	| { ok: true; quote: ledger.PayoffQuote; existing: Installment | null }
	| { ok: false; message: string };

function payoffFrom(a: Agreement, rows: Installment[], today: string): PayoffPreview {
	if (a.status !== 'active') return { ok: false, message: 'Este acordo não está mais ativo: não há saldo a quitar.' };
	const open = rows.filter((i) => i.supersededBy === null && isOpenInstallment(i.status));
	if (open.length === 0) return { ok: false, message: 'Não há parcelas em aberto neste acordo.' };
	const existing = open.find((i) => i.kind === 'payoff') ?? null;
	if (existing) {
		const amount = ledger.openCents(existing);
		return { ok: true, quote: { amountCents: amount, rebateCents: 0, remainingCents: amount }, existing };
	}
	const quote = ledger.payoffQuote(open.map((i) => ({ remainingCents: ledger.openCents(i), dueDate: i.dueDate })), a.interestMonthlyBp, today);
	return { ok: true, quote, existing: null };
}

/** What paying the whole balance today would cost (nothing written): the page shows it before confirming. */
export async function previewPayoff(db: DbOrTx, agreementId: string, today: string): Promise<PayoffPreview> {
	const [a] = await db.select().from(agreements).where(eq(agreements.id, agreementId));
	if (!a) return { ok: false, message: 'Acordo não encontrado.' };
	return payoffFrom(a, await rowsOf(db, a.id), today);
}

export type PayoffResult =
	| { ok: true; created: boolean; installment: Installment; amountCents: number; rebateCents: number; replaced: number[] }
	| { ok: false; message: string };

/**
 * Early payoff (CDC art. 52 §2): the open installments are superseded by one installment due
 * today, at their present value (see `ledger.payoffQuote`), paid to the destination the first of
 * them was issued with. Idempotent: while a payoff installment is open, asking again returns it.
 * `expectedCents`, when given, must match (the amount the page showed), or nothing changes.
 */
export async function payoff(tx: Tx, agreementId: string, input: { today: string; actor: Actor; ip?: string | null; expectedCents?: number }): Promise<PayoffResult> {
	const locked = await lockAgreement(tx, agreementId);
	if (!locked) return { ok: false, message: 'Acordo não encontrado.' };
	const a = locked.agreement;
	const rows = await rowsOf(tx, a.id, true);
	const p = payoffFrom(a, rows, input.today);
	if (!p.ok) return p;
	if (p.existing) return { ok: true, created: false, installment: p.existing, amountCents: p.quote.amountCents, rebateCents: 0, replaced: [] };
	if (input.expectedCents !== undefined && input.expectedCents !== p.quote.amountCents) {
		return { ok: false, message: 'O valor para quitar mudou desde que a página foi aberta. Confira o novo valor e confirme de novo.' };
	}
	const open = rows.filter((i) => i.supersededBy === null && isOpenInstallment(i.status));
	const [id] = await supersede(tx, [
		{
			oldIds: open.map((i) => i.id),
			agreementId: a.id,
			seq: Math.min(...open.map((i) => i.seq)),
			dueDate: input.today,
			amountCents: p.quote.amountCents,
			kind: 'payoff',
			// The money goes where the debtor's slips already pointed (frozen destination).
			destination: destinationOf(open[0])
		}
	]);
	await tx
		.update(agreements)
		.set({ payoffRebateCents: sql`${agreements.payoffRebateCents} + ${p.quote.rebateCents}`, updatedAt: new Date() })
		.where(eq(agreements.id, a.id));
	const [installment] = await tx.select().from(installments).where(eq(installments.id, id));
	await audit.record(tx, {
		agencyId: locked.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		action: 'agreement.payoff',
		entity: 'agreement',
		entityId: a.id,
		ip: input.ip ?? null,
		data: {
			code: a.code,
			today: input.today,
			interestMonthlyBp: a.interestMonthlyBp,
			replaced: open.map((i) => ({ id: i.id, seq: i.seq, dueDate: i.dueDate, openCents: ledger.openCents(i) })),
			after: { id, amountCents: p.quote.amountCents, rebateCents: p.quote.rebateCents, dueDate: input.today, txid: installment.txid, nossoNumero: installment.nossoNumero }
		}
	});
	return { ok: true, created: true, installment, amountCents: p.quote.amountCents, rebateCents: p.quote.rebateCents, replaced: open.map((i) => i.seq) };
}

// ------------------------------------------------------------------ balances and refunds

/** The agreement's balance (see `ledger.balance`): paid + credited + open + payoff rebate = total. */
export async function balanceOf(db: DbOrTx, agreementId: string): Promise<ledger.Balance & { receivedCents: number; excessCreditedCents: number }> {
	const [a] = await db.select().from(agreements).where(eq(agreements.id, agreementId));
	const rows = await rowsOf(db, agreementId);
	const [c] = await db.execute<{ closing: string; excess: string; received: string }>(sql`
		select coalesce((select sum(amount_cents) from debt_credits where agreement_id = ${agreementId}::uuid and reason in ('cancelled', 'broken')), 0) as closing,
			coalesce((select sum(amount_cents) from debt_credits where agreement_id = ${agreementId}::uuid and reason in ('overpayment', 'not_payable')), 0) as excess,
			coalesce((select sum(p.amount_cents) from payments p join installments i on i.id = p.installment_id where i.agreement_id = ${agreementId}::uuid), 0) as received`);
	return { ...ledger.balance(a, rows, Number(c.closing)), receivedCents: Number(c.received), excessCreditedCents: Number(c.excess) };
}

export type DebtCredit = { debtId: string; externalId: string; description: string; balanceCents: number };

/** Each debt of the agreement with its credit balance (all credits on the debt, whatever agreement). */
export async function creditsOf(db: DbOrTx, agreementId: string): Promise<DebtCredit[]> {
	const rows = await db.execute<{ debt_id: string; external_id: string; description: string; balance: string }>(sql`
		select d.id as debt_id, d.external_id, d.description, coalesce((select sum(c.amount_cents) from debt_credits c where c.debt_id = d.id), 0) as balance
		from agreement_debts ad join debts d on d.id = ad.debt_id where ad.agreement_id = ${agreementId}::uuid order by d.due_date, d.id`);
	return rows.map((r) => ({ debtId: r.debt_id, externalId: r.external_id, description: r.description, balanceCents: Number(r.balance) }));
}

export type RefundResult = { ok: true; balanceCents: number } | { ok: false; message: string };

/**
 * A refund of a debt's credit to the debtor: a staff decision, recorded as a negative credit and
 * audited. The debt is locked so two refunds cannot both spend the same balance.
 */
export async function refund(tx: Tx, input: { debtId: string; amountCents: number; note: string; staff: { id: string; agencyId: string }; ip?: string | null }): Promise<RefundResult> {
	const [debt] = await tx.select().from(debts).where(eq(debts.id, input.debtId)).for('update');
	if (!debt) return { ok: false, message: 'Dívida não encontrada.' };
	const [{ balance }] = await tx.execute<{ balance: string }>(sql`select coalesce(sum(amount_cents), 0) as balance from debt_credits where debt_id = ${debt.id}::uuid`);
	if (input.amountCents <= 0 || input.amountCents > Number(balance)) {
		return { ok: false, message: `O valor da devolução deve ser maior que zero e no máximo o crédito disponível (${formatBRL(Number(balance))}).` };
	}
	await tx.insert(debtCredits).values({
		creditorId: debt.creditorId,
		debtorId: debt.debtorId,
		debtId: debt.id,
		amountCents: -input.amountCents,
		reason: 'refund',
		note: input.note,
		createdBy: input.staff.id
	});
	await audit.record(tx, {
		agencyId: input.staff.agencyId,
		actorType: 'staff',
		actorId: input.staff.id,
		action: 'credit.refund',
		entity: 'debt',
		entityId: debt.id,
		ip: input.ip ?? null,
		data: { amountCents: input.amountCents, note: input.note, before: { balanceCents: Number(balance) }, after: { balanceCents: Number(balance) - input.amountCents } }
	});
	return { ok: true, balanceCents: Number(balance) - input.amountCents };
}
