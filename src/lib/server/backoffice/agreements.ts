import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx, Tx } from '../db/client';
import { agreementDebts, agreements, debtors, debts, installments, payments, policies, staff } from '../db/schema';
import * as audit from '../audit';
import * as lifecycle from '../agreements/lifecycle';
import { agreementLabel, isOpenInstallment } from '../../agreements/status';
import { destinationOf } from '../payments/instruments';
import { policySchema } from '../../schemas/policy';
import { addDays, formatDateBR, isIsoDate, todayInSaoPaulo } from '../../format/dates';
import { formatBRL, parseAmountToCents } from '../../format/money';
import { maskDocument } from '../../format/document';
import { agreementInReach, isUuid, type Who } from './scope';

export type ActionResult = { ok: true; message: string } | { ok: false; status: 400 | 404 | 409; message: string; field?: string };

const notFound: ActionResult = { ok: false, status: 404, message: 'Acordo não encontrado.' };

// ----------------------------------------------------------------------------------------------
// Input schemas (one per action, shared by the form and any future API)

export const cancelSchema = z.object({
	motivo: z
		.string({ error: 'Informe o motivo do cancelamento.' })
		.trim()
		.min(5, 'Informe o motivo do cancelamento (ao menos 5 caracteres).')
		.max(500, 'O motivo pode ter no máximo 500 caracteres.')
});

export const dueDateSchema = z.object({
	parcela: z.string().refine(isUuid, 'Parcela inválida.'),
	vencimento: z.string({ error: 'Informe a nova data de vencimento.' }).refine(isIsoDate, 'Informe uma data válida (dd/mm/aaaa).')
});

export const manualPaymentSchema = z.object({
	parcela: z.string().refine(isUuid, 'Parcela inválida.'),
	valor: z
		.string({ error: 'Informe o valor pago.' })
		.transform((v) => parseAmountToCents(v))
		.refine((v): v is number => v !== null && v > 0, 'Valor inválido. Use o formato 1.234,56.'),
	data: z.string({ error: 'Informe a data do pagamento.' }).refine(isIsoDate, 'Informe uma data válida (dd/mm/aaaa).'),
	referencia: z
		.string({ error: 'Informe a referência do pagamento.' })
		.trim()
		.min(3, 'Informe a referência do pagamento (ex.: número do comprovante ou da transferência).')
		.max(100, 'A referência pode ter no máximo 100 caracteres.'),
	comprovante: z
		.string({ error: 'Descreva o comprovante.' })
		.trim()
		.min(3, 'Descreva o comprovante recebido (ex.: "comprovante de TED enviado por e-mail em 10/05").')
		.max(1000, 'A descrição do comprovante pode ter no máximo 1.000 caracteres.')
});

export const refundSchema = z.object({
	divida: z.string().refine(isUuid, 'Dívida inválida.'),
	valor: z
		.string({ error: 'Informe o valor a devolver.' })
		.transform((v) => parseAmountToCents(v))
		.refine((v): v is number => v !== null && v > 0, 'Valor inválido. Use o formato 1.234,56.'),
	motivo: z
		.string({ error: 'Descreva a devolução.' })
		.trim()
		.min(5, 'Descreva a devolução (ex.: "TED para a conta do devedor em 10/05"), ao menos 5 caracteres.')
		.max(500, 'A descrição pode ter no máximo 500 caracteres.')
});

// ----------------------------------------------------------------------------------------------
// Due-date rule (pure)

export type WindowInput = {
	seq: number;
	today: string;
	/** The policy's firstDueDays.max (of the version the agreement was made under). */
	firstDueDaysMax: number;
	/** Due date of the live installment before / after this one, if any. */
	prevDue: string | null;
	nextDue: string | null;
	/** The due date agreed at acceptance (from the agreement's terms). */
	agreedDue: string;
};

/**
 * The dates an installment may move to, inside the policy (the version the agreement was made under):
 * - never before tomorrow (D+1) and never on or before the previous installment's due date;
 * - never on or after the next installment's due date (the schedule keeps its order);
 * - the first installment (entry or single payment): at most firstDueDays.max days from today,
 *   the same window the debtor had when accepting;
 * - a later installment: at most firstDueDays.max days after the date agreed at acceptance, so
 *   repeated changes cannot stretch the plan.
 * `null` when no date fits.
 */
export function dueDateWindow(w: WindowInput): { min: string; max: string } | null {
	let min = addDays(w.today, 1);
	if (w.prevDue && addDays(w.prevDue, 1) > min) min = addDays(w.prevDue, 1);
	let max = w.seq === 1 ? addDays(w.today, w.firstDueDaysMax) : addDays(w.agreedDue, w.firstDueDaysMax);
	if (w.nextDue && addDays(w.nextDue, -1) < max) max = addDays(w.nextDue, -1);
	return min <= max ? { min, max } : null;
}

async function policyFirstDueMax(db: DbOrTx, creditorId: string, version: number): Promise<number> {
	const row = await db.query.policies.findFirst({ where: and(eq(policies.creditorId, creditorId), eq(policies.version, version)) });
	const parsed = policySchema.safeParse(row?.body);
	return parsed.success ? parsed.data.firstDueDays.max : 10;
}

function agreedDueOf(terms: unknown, seq: number, fallback: string): string {
	const list = (terms as { offer?: { installments?: { seq: number; dueDate: string }[] } })?.offer?.installments ?? [];
	return list.find((i) => i.seq === seq)?.dueDate ?? fallback;
}

async function windowsFor(db: DbOrTx, a: typeof agreements.$inferSelect, live: (typeof installments.$inferSelect)[], today: string) {
	const max = await policyFirstDueMax(db, a.creditorId, a.policyVersion);
	const sorted = [...live].sort((x, y) => x.seq - y.seq);
	return new Map(
		sorted.map((i, k) => [
			i.id,
			dueDateWindow({
				seq: i.seq,
				today,
				firstDueDaysMax: max,
				prevDue: sorted[k - 1]?.dueDate ?? null,
				nextDue: sorted[k + 1]?.dueDate ?? null,
				agreedDue: agreedDueOf(a.terms, i.seq, i.dueDate)
			})
		])
	);
}

// ----------------------------------------------------------------------------------------------
// The agreement page


/** One agreement as staff see it, with every installment row (superseded ones too) and payments. */
export async function view(db: DbOrTx, who: Who, code: string, today = todayInSaoPaulo()) {
	const found = await agreementInReach(db, who, code);
	if (!found) return null;
	const a = found.agreement;
	const [debtor] = await db.select({ id: debtors.id, name: debtors.name, document: debtors.document, anonymizedAt: debtors.anonymizedAt }).from(debtors).where(eq(debtors.id, a.debtorId));
	const [rows, debtRows, paid] = await Promise.all([
		db.select().from(installments).where(eq(installments.agreementId, a.id)).orderBy(asc(installments.seq), asc(installments.updatedAt)),
		db
			.select({ externalId: debts.externalId, description: debts.description, status: debts.status, updatedCents: agreementDebts.updatedCents })
			.from(agreementDebts)
			.innerJoin(debts, eq(debts.id, agreementDebts.debtId))
			.where(eq(agreementDebts.agreementId, a.id)),
		db
			.select({ payment: payments, email: staff.email })
			.from(payments)
			.innerJoin(installments, eq(installments.id, payments.installmentId))
			.leftJoin(staff, eq(staff.id, payments.recordedBy))
			.where(eq(installments.agreementId, a.id))
	]);
	const live = rows.filter((i) => !i.supersededBy);
	const [credits, balance, underReviewCents] = await Promise.all([
		lifecycle.creditsOf(db, a.id),
		lifecycle.balanceOf(db, a.id),
		// Money for its slips waiting in Pendências: while there is any, an active agreement is not broken.
		a.status === 'active' ? lifecycle.moneyUnderReviewCents(db, rows.map((i) => i.id)) : 0
	]);
	const windows = a.status === 'active' ? await windowsFor(db, a, live.filter((i) => i.status !== 'cancelled'), today) : new Map();
	return {
		agreement: {
			id: a.id,
			code: a.code,
			status: a.status,
			statusLabel: agreementLabel(a.status, 'staff'),
			kind: a.kind,
			totalCents: a.totalCents,
			updatedTotalCents: a.updatedTotalCents,
			discountCents: a.discountCents,
			policyVersion: a.policyVersion,
			createdAt: a.createdAt.toISOString(),
			createdOn: todayInSaoPaulo(a.createdAt),
			cancelReason: a.cancelReason,
			cancelledAt: a.cancelledAt?.toISOString() ?? null,
			settledAt: a.settledAt?.toISOString() ?? null,
			brokenAt: a.brokenAt?.toISOString() ?? null
		},
		balance,
		underReviewCents,
		credits,
		creditor: { displayName: found.creditor.displayName, legalName: found.creditor.legalName },
		debtor: { id: debtor.id, name: debtor.name, documentMasked: debtor.anonymizedAt ? 'anonimizado' : maskDocument(debtor.document) },
		debts: debtRows,
		installments: live.map((i) => {
			const w = windows.get(i.id) ?? null;
			return {
				id: i.id,
				seq: i.seq,
				kind: i.kind,
				dueDate: i.dueDate,
				amountCents: i.amountCents,
				status: i.status,
				paidAt: i.paidAt?.toISOString() ?? null,
				window: isOpenInstallment(i.status) ? w : null,
				paidCents: i.paidCents ?? 0,
				payments: paid.filter((p) => p.payment.installmentId === i.id).map((p) => ({ id: p.payment.id, amountCents: p.payment.amountCents, method: p.payment.method, paidAt: p.payment.paidAt.toISOString(), by: p.email }))
			};
		}),
		superseded: rows
			.filter((i) => i.supersededBy)
			.map((i) => ({ seq: i.seq, dueDate: i.dueDate, replacedOn: i.updatedAt.toISOString(), newDue: rows.find((r) => r.id === i.supersededBy)?.dueDate ?? null }))
	};
}

// ----------------------------------------------------------------------------------------------
// Actions: each runs in the caller's transaction, locks the agreement first, and is audited.

type Ctx = { ip?: string | null; today?: string };

/** Cancels an active agreement (see `lifecycle.cancel`): open slips withdrawn, what was paid credited, debts reopened. */
export async function cancel(tx: Tx, who: Who, code: string, input: z.infer<typeof cancelSchema>, ctx: Ctx = {}): Promise<ActionResult> {
	const found = await agreementInReach(tx, who, code, true);
	if (!found) return notFound;
	const r = await lifecycle.cancel(tx, found.agreement, { reason: input.motivo, actor: { type: 'staff', id: who.id }, agencyId: who.agencyId, ip: ctx.ip });
	if (!r.ok && r.reason === 'already_cancelled') {
		return { ok: false, status: 409, message: `Este acordo já foi cancelado${r.cancelledAt ? ` em ${formatDateBR(todayInSaoPaulo(r.cancelledAt))}` : ''}. Nada foi alterado.` };
	}
	if (!r.ok) return { ok: false, status: 409, message: `Este acordo está ${agreementLabel(r.status, 'staff').toLowerCase()} e não pode ser cancelado. Nada foi alterado.` };
	const n = r.withdrawn.length;
	const credited = r.creditedCents > 0 ? ` O valor já pago (${formatBRL(r.creditedCents)}) ficou como crédito nas dívidas.` : '';
	return { ok: true, message: `Acordo ${r.code} cancelado. ${n} ${n === 1 ? 'parcela em aberto foi cancelada' : 'parcelas em aberto foram canceladas'} e as dívidas voltaram a ficar em aberto.${credited}` };
}

/**
 * Moves a pending installment's due date inside the policy (see dueDateWindow). The old row is
 * cancelled and points to a NEW row (same seq and amount, new txid, new nosso número): the old Pix
 * and boleto become void and the portal only ever offers the live row.
 */
export async function changeDueDate(tx: Tx, who: Who, code: string, input: z.infer<typeof dueDateSchema>, ctx: Ctx = {}): Promise<ActionResult> {
	const today = ctx.today ?? todayInSaoPaulo();
	const found = await agreementInReach(tx, who, code, true);
	if (!found) return notFound;
	const a = found.agreement;
	const rows = await tx.select().from(installments).where(eq(installments.agreementId, a.id)).for('update');
	const inst = rows.find((i) => i.id === input.parcela);
	if (!inst) return { ok: false, status: 404, field: 'parcela', message: 'Parcela não encontrada neste acordo.' };
	if (inst.supersededBy) {
		const next = rows.find((r) => r.id === inst.supersededBy);
		// A retried submission of the same change: already done, nothing more to do.
		if (next && next.dueDate === input.vencimento) return { ok: true, message: `O vencimento da parcela ${inst.seq} já estava alterado para ${formatDateBR(next.dueDate)}. Nada foi feito em dobro.` };
		return { ok: false, status: 409, message: `Esta parcela já foi alterada${next ? ` (novo vencimento ${formatDateBR(next.dueDate)})` : ''}. Recarregue a página e confira antes de alterar de novo.` };
	}
	if (a.status !== 'active') return { ok: false, status: 409, message: `Este acordo está ${agreementLabel(a.status, 'staff').toLowerCase()}: o vencimento não pode ser alterado.` };
	if (inst.status === 'paid') return { ok: false, status: 409, message: `A parcela ${inst.seq} já está paga: o vencimento não pode ser alterado.` };
	if (!isOpenInstallment(inst.status)) return { ok: false, status: 409, message: `A parcela ${inst.seq} está cancelada.` };
	if (input.vencimento === inst.dueDate) return { ok: false, status: 400, field: 'vencimento', message: `A parcela ${inst.seq} já vence em ${formatDateBR(inst.dueDate)}. Escolha outra data.` };

	const live = rows.filter((r) => r.status !== 'cancelled');
	const w = (await windowsFor(tx, a, live, today)).get(inst.id);
	if (!w) return { ok: false, status: 409, message: `Não há data possível dentro da política do credor para a parcela ${inst.seq}.` };
	if (input.vencimento < w.min || input.vencimento > w.max) {
		return {
			ok: false,
			status: 400,
			field: 'vencimento',
			message: `Data fora da política do credor: a parcela ${inst.seq} pode vencer de ${formatDateBR(w.min)} a ${formatDateBR(w.max)}.`
		};
	}

	// A new date, the same destination: only an explicit re-issue moves a slip to new settings.
	const [newId] = await lifecycle.supersede(tx, [
		{ oldIds: [inst.id], agreementId: a.id, seq: inst.seq, dueDate: input.vencimento, amountCents: inst.amountCents - (inst.paidCents ?? 0), destination: destinationOf(inst) }
	]);
	const [created] = await tx.select().from(installments).where(eq(installments.id, newId));
	await audit.record(tx, {
		agencyId: who.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'installment.reschedule',
		entity: 'agreement',
		entityId: a.id,
		ip: ctx.ip ?? null,
		data: {
			code: a.code,
			seq: inst.seq,
			before: { id: inst.id, dueDate: inst.dueDate, status: inst.status, paidCents: inst.paidCents ?? 0, txid: inst.txid, nossoNumero: inst.nossoNumero },
			after: { id: created.id, dueDate: created.dueDate, status: 'pending', txid: created.txid, nossoNumero: created.nossoNumero, replaced: { id: inst.id, status: 'cancelled' } }
		}
	});
	return { ok: true, message: `Vencimento da parcela ${inst.seq} alterado de ${formatDateBR(inst.dueDate)} para ${formatDateBR(created.dueDate)}. O Pix e o boleto anteriores foram cancelados; os novos já estão no portal.` };
}

/** Records a payment received outside the portal's instruments, with its proof (via payments.record). */
export async function recordManualPayment(tx: Tx, who: Who, code: string, input: z.infer<typeof manualPaymentSchema>, ctx: Ctx = {}): Promise<ActionResult> {
	const today = ctx.today ?? todayInSaoPaulo();
	const found = await agreementInReach(tx, who, code, true);
	if (!found) return notFound;
	const a = found.agreement;
	const [inst] = await tx.select().from(installments).where(and(eq(installments.id, input.parcela), eq(installments.agreementId, a.id)));
	if (!inst) return { ok: false, status: 404, field: 'parcela', message: 'Parcela não encontrada neste acordo.' };
	const externalId = `${inst.id}:${input.referencia}`;
	// Staff see the installment is paid; a second payment for it is refused (a retried form is not a second payment).
	if (inst.status === 'paid' && !(await tx.select({ id: payments.id }).from(payments).where(and(eq(payments.source, 'manual'), eq(payments.externalId, externalId)))).length) {
		return { ok: false, status: 409, message: 'Esta parcela já está paga.' };
	}
	if (input.data > today) return { ok: false, status: 400, field: 'data', message: 'A data do pagamento não pode estar no futuro.' };
	const createdOn = todayInSaoPaulo(a.createdAt);
	if (input.data < createdOn) return { ok: false, status: 400, field: 'data', message: `A data do pagamento não pode ser anterior ao acordo (${formatDateBR(createdOn)}).` };

	const result = await lifecycle.recordPayment(tx, {
		installmentId: inst.id,
		amountCents: input.valor,
		// A calendar date in São Paulo; noon keeps it on that date in any time zone that reads it.
		paidAt: new Date(`${input.data}T12:00:00-03:00`),
		method: 'manual',
		source: 'manual',
		// Namespaced by installment: a retried form is recognised; the same bank reference may recur elsewhere.
		externalId,
		proof: input.comprovante,
		actor: { type: 'staff', id: who.id },
		ip: ctx.ip ?? null,
		channel: 'staff'
	});
	if (!result.ok) return { ok: false, status: 409, message: result.message };
	if (result.duplicate) return { ok: true, message: `Este pagamento (ref. ${input.referencia}) já estava registrado. Nada foi registrado em dobro.` };
	const credit = (cents: number) => `${formatBRL(cents)} ficou como crédito nas dívidas do devedor`;
	if (result.appliedCents === 0) return { ok: true, message: `A parcela ${inst.seq} não está mais em aberto: o pagamento foi registrado e ${credit(result.creditedCents)}.` };
	const extra = result.creditedCents > 0 ? ` O excedente de ${credit(result.creditedCents)}.` : '';
	if (result.settled) return { ok: true, message: `Pagamento da parcela ${inst.seq} registrado. Todas as parcelas estão pagas: o acordo ${a.code} foi quitado.${extra}` };
	if (result.installment.status === 'partially_paid') {
		return { ok: true, message: `Pagamento de ${formatBRL(result.appliedCents)} registrado na parcela ${inst.seq}: ela está paga em parte, faltam ${formatBRL(result.installment.openCents)}.` };
	}
	return { ok: true, message: `Pagamento da parcela ${inst.seq} registrado.${extra}` };
}

/** Gives back part of a debt's credit to the debtor (staff decision, audited; see lifecycle.refund). */
export async function refund(tx: Tx, who: Who, code: string, input: z.infer<typeof refundSchema>, ctx: Ctx = {}): Promise<ActionResult> {
	const found = await agreementInReach(tx, who, code, true);
	if (!found) return notFound;
	const [link] = await tx.select().from(agreementDebts).where(and(eq(agreementDebts.agreementId, found.agreement.id), eq(agreementDebts.debtId, input.divida)));
	if (!link) return { ok: false, status: 404, field: 'divida', message: 'Dívida não encontrada neste acordo.' };
	const r = await lifecycle.refund(tx, { debtId: input.divida, amountCents: input.valor, note: input.motivo, staff: { id: who.id, agencyId: who.agencyId }, ip: ctx.ip });
	if (!r.ok) return { ok: false, status: 400, field: 'valor', message: r.message };
	return { ok: true, message: `Devolução de ${formatBRL(input.valor)} registrada. Crédito restante nesta dívida: ${formatBRL(r.balanceCents)}.` };
}
