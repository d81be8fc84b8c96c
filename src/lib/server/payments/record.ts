import { and, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { agreementDebts, agreements, creditors, debts, installments, payments } from '../db/schema';
import * as audit from '../audit';
import * as funnel from '../funnel';
import * as webhooks from '../webhooks';

export type Payment = typeof payments.$inferSelect;

export type RecordPaymentInput = {
	installmentId: string;
	amountCents: number;
	paidAt: Date;
	method: Payment['method'];
	source: Payment['source'];
	/** endToEndId (Pix), the bank return's reference, or a manual reference: unique per source. */
	externalId: string;
	proof?: string | null;
	/** Who recorded it: staff for manual payments, system for webhooks and return files. */
	actor: { type: 'staff' | 'system' | 'cli'; id?: string | null };
	ip?: string | null;
	/** Funnel channel; defaults to 'staff' for manual payments and 'portal' otherwise. */
	channel?: 'portal' | 'staff' | 'api';
};

export type RecordPaymentResult =
	| { ok: true; duplicate: false; payment: Payment; firstPayment: boolean; settled: boolean; agreementId: string }
	/** The same (source, external id) was recorded before: nothing changed (webhooks and returns are retried). */
	| { ok: true; duplicate: true; payment: Payment; firstPayment: false; settled: false; agreementId: string }
	| { ok: false; reason: 'not_found' | 'already_paid' | 'not_payable' | 'underpaid' | 'conflict'; message: string };

/**
 * THE place a payment is recorded, whatever its source (Pix webhook, bank return file, staff).
 * Call it inside the caller's transaction. It is idempotent by (source, external id); it marks the
 * installment paid, writes the funnel's 'first_payment' and, when every live installment is paid,
 * settles the agreement and its debts ('settled') and writes the funnel's 'settled'.
 *
 * Money that arrives for a cancelled (superseded) installment or a closed agreement is refused with
 * `not_payable` and NOT recorded here: the caller keeps it for reconciliation (refund or reallocation
 * is a person's decision).
 */
export async function record(tx: Tx, input: RecordPaymentInput): Promise<RecordPaymentResult> {
	const externalId = input.externalId.trim();
	if (!externalId) return { ok: false, reason: 'not_found', message: 'Pagamento sem referência.' };
	const located = await tx
		.select({ agreementId: installments.agreementId })
		.from(installments)
		.where(eq(installments.id, input.installmentId))
		.limit(1);
	if (!located[0]) return { ok: false, reason: 'not_found', message: 'Parcela não encontrada.' };
	const agreementId = located[0].agreementId;

	// Agreement first, then its installment: the same order as every other agreement change, so
	// concurrent payments (and a cancel racing a payment) serialise instead of deadlocking.
	const [agreement] = await tx
		.select({ id: agreements.id, status: agreements.status, debtorId: agreements.debtorId, creditorId: agreements.creditorId, agencyId: creditors.agencyId, code: agreements.code })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.where(eq(agreements.id, agreementId))
		.for('update', { of: agreements });
	const [inst] = await tx.select().from(installments).where(eq(installments.id, input.installmentId)).for('update');

	const existing = await tx
		.select()
		.from(payments)
		.where(and(eq(payments.source, input.source), eq(payments.externalId, externalId)))
		.limit(1);
	if (existing[0]) {
		if (existing[0].installmentId !== inst.id) {
			return { ok: false, reason: 'conflict', message: 'Esta referência de pagamento já foi usada em outra parcela.' };
		}
		return { ok: true, duplicate: true, payment: existing[0], firstPayment: false, settled: false, agreementId };
	}
	if (inst.status === 'paid') return { ok: false, reason: 'already_paid', message: 'Esta parcela já está paga.' };
	if (inst.status !== 'pending' || agreement.status !== 'active') {
		return { ok: false, reason: 'not_payable', message: 'Esta parcela não está mais em aberto (cancelada, substituída ou acordo encerrado).' };
	}
	if (input.amountCents < inst.amountCents) {
		return { ok: false, reason: 'underpaid', message: 'O valor pago é menor que o valor da parcela.' };
	}

	const [earlier] = await tx
		.select({ n: sql<number>`count(*)::int` })
		.from(payments)
		.innerJoin(installments, eq(installments.id, payments.installmentId))
		.where(eq(installments.agreementId, agreementId));
	const firstPayment = earlier.n === 0;

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
		.returning();
	const now = new Date();
	await tx
		.update(installments)
		.set({ status: 'paid', paidAt: input.paidAt, paidCents: input.amountCents, updatedAt: now })
		.where(eq(installments.id, inst.id));

	const [open] = await tx
		.select({ n: sql<number>`count(*)::int` })
		.from(installments)
		.where(and(eq(installments.agreementId, agreementId), ne(installments.status, 'cancelled'), ne(installments.status, 'paid')));
	const settled = open.n === 0;

	const channel = input.channel ?? (input.source === 'manual' ? 'staff' : 'portal');
	const step = (name: 'first_payment' | 'settled') =>
		funnel.record(tx, { agencyId: agreement.agencyId, creditorId: agreement.creditorId, debtorId: agreement.debtorId, step: name, channel });
	if (firstPayment) await step('first_payment');
	if (settled) {
		await tx.update(agreements).set({ status: 'settled', settledAt: now, updatedAt: now }).where(eq(agreements.id, agreementId));
		const linked = tx.select({ id: agreementDebts.debtId }).from(agreementDebts).where(eq(agreementDebts.agreementId, agreementId));
		// The debt leaves the portal; closed_at starts the LGPD retention clock.
		await tx.update(debts).set({ status: 'settled', closedAt: now, updatedAt: now }).where(sql`${debts.id} in (${linked})`);
		await step('settled');
	} else {
		await tx.update(agreements).set({ updatedAt: now }).where(eq(agreements.id, agreementId));
	}

	await audit.record(tx, {
		agencyId: agreement.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		action: 'payment.record',
		entity: 'agreement',
		entityId: agreementId,
		ip: input.ip ?? null,
		data: {
			code: agreement.code,
			payment: { id: payment.id, method: input.method, source: input.source, externalId, amountCents: input.amountCents, paidAt: input.paidAt.toISOString() },
			before: { installment: { id: inst.id, seq: inst.seq, status: inst.status }, agreement: { status: agreement.status } },
			after: { installment: { id: inst.id, seq: inst.seq, status: 'paid' }, agreement: { status: settled ? 'settled' : agreement.status } }
		}
	});
	await webhooks.paymentRecorded(tx, { paymentId: payment.id, firstPayment, settled });
	return { ok: true, duplicate: false, payment, firstPayment, settled, agreementId };
}
