import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { agreements, creditors, debtors, installments, payments, pixRecurrences, pixRecurringCharges, pspWebhooks, type RecurrenceStatus } from '../../db/schema';
import type { Installment } from '../../agreements';
import * as audit from '../../audit';
import { secretsEqual } from '../../messaging/wire-http';
import { isOpenInstallment } from '../../../agreements/status';
import { amountToCents } from '../pix/brcode';
import { record } from '../record';
import { accountById, webhookUrl, type PspAccount } from './accounts';
import { cancelCobr, cancelRec, createLocRec, createRec, getCobr, getLocRec, getRec, putCobr, putWebhookAutomatico, retryCobr, type CobrAnswer } from './client';
import { cobrBody, cobrCancellable, cobrDue, parseReceivingAccount, recBody, retryDay, RETRY_POLICY } from './automatico';
import { newPspTxid, type ReceivedPix } from './cobv';
import { keepForReview } from './kept';

/**
 * Pix Automático, JORNADA_3 (BCB "API Pix" 2.9.0): the agreement's entry is an immediate charge whose
 * composite QR also asks the payer to authorise the monthly debits of the other installments. Here:
 * the recurrence at the PSP (locrec + rec, its composite QR), its status from `/webhookrec` confirmed
 * with `GET /rec`, the daily recurring charges (`cobr`) and their payments from `/webhookcobr`
 * confirmed with `GET /cobr`, and cancellation (by the debtor, or when the agreement ends).
 * Nothing here runs inside a transaction that talks to the PSP; every PSP call is retried safely.
 */

export type Recurrence = typeof pixRecurrences.$inferSelect;
/** Recurrence statuses in which debits may still happen (or be authorised). */
const LIVE: RecurrenceStatus[] = ['CRIADA', 'APROVADA'];

function log(type: 'warning' | 'error', subject: string, message: string): void {
	console.error(JSON.stringify({ type, where: 'psp.automatico', subject, message }));
}

/** Whether an agreement's first installment can carry the authorisation: a plan with more to pay after it, on a PSP that offers Pix Automático. */
export async function eligibleEntry(db: DbOrTx, inst: Installment, account: PspAccount): Promise<boolean> {
	if (!account.credentials.pixAutomatico || inst.kind !== 'regular') return false;
	const live = await db
		.select({ seq: installments.seq, status: installments.status })
		.from(installments)
		.where(and(eq(installments.agreementId, inst.agreementId), ne(installments.status, 'cancelled')))
		.orderBy(asc(installments.seq));
	return live.length > 1 && live[0].seq === inst.seq && live.slice(1).some((i) => isOpenInstallment(i.status));
}

export async function ofAgreement(db: DbOrTx, agreementId: string): Promise<Recurrence | null> {
	const [r] = await db.select().from(pixRecurrences).where(eq(pixRecurrences.agreementId, agreementId));
	return r ?? null;
}

/**
 * Starts the recurrence for the entry `inst` whose txid is fixed: records it (once per agreement)
 * in the same transaction that fixes the entry's txid. Returns the row.
 */
export async function begin(tx: DbOrTx, inst: Installment, account: PspAccount, txid: string): Promise<Recurrence> {
	await tx
		.insert(pixRecurrences)
		.values({ agreementId: inst.agreementId, accountId: account.id, entryInstallmentId: inst.id, entryTxid: txid, politicaRetentativa: RETRY_POLICY })
		.onConflictDoNothing();
	return (await ofAgreement(tx, inst.agreementId))!;
}

/**
 * Takes the recurrence as far as the PSP lets it now: a location (`POST /locrec`, kept before the rec
 * is asked), the rec (`POST /rec`; a retry after a lost answer finds it through `GET /locrec/{id}`),
 * then the composite QR (`GET /rec/{idRec}?txid=`) and the webhooks. A step that fails is tried again
 * the next time the entry is shown; meanwhile the entry's own charge is shown, so it can be paid.
 */
export async function complete(db: Db, rec: Recurrence, account: PspAccount, baseUrl: string): Promise<Recurrence> {
	const c = account.credentials;
	let row = rec;
	const save = async (set: Partial<Recurrence>) => {
		const [u] = await db.update(pixRecurrences).set({ ...set, updatedAt: new Date() }).where(eq(pixRecurrences.id, row.id)).returning();
		row = u ?? row;
	};
	if (row.status && row.status !== 'CRIADA') return row;
	let idRec = row.idRec;
	if (!idRec && row.locrecId) {
		const loc = await getLocRec(c, row.locrecId);
		if (!loc.ok) return (log('warning', row.id, loc.message), row);
		if (loc.data.idRec) idRec = loc.data.idRec;
	}
	if (!row.locrecId) {
		const loc = await createLocRec(c);
		if (!loc.ok) return (log('warning', row.id, loc.message), row);
		// Two pages at once: one location wins; a location serves one recurrence, so the PSP refuses a second rec on it.
		const [won] = await db
			.update(pixRecurrences)
			.set({ locrecId: String(loc.data.id), updatedAt: new Date() })
			.where(and(eq(pixRecurrences.id, row.id), isNull(pixRecurrences.locrecId)))
			.returning();
		row = won ?? (await ofAgreement(db, row.agreementId)) ?? row;
		idRec ??= row.idRec;
	}
	if (!idRec) {
		const [ctx] = await db
			.select({ code: agreements.code, creditor: creditors.displayName, document: debtors.document, name: debtors.name })
			.from(agreements)
			.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
			.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
			.where(eq(agreements.id, row.agreementId));
		const [entry] = await db.select({ seq: installments.seq }).from(installments).where(eq(installments.id, row.entryInstallmentId));
		const rest = await db
			.select({ dueDate: installments.dueDate, amountCents: installments.amountCents, paidCents: installments.paidCents })
			.from(installments)
			.where(and(eq(installments.agreementId, row.agreementId), ne(installments.status, 'cancelled'), sql`${installments.seq} > ${entry.seq}`));
		const body = recBody({
			agreementCode: ctx.code,
			creditorName: ctx.creditor,
			debtor: { document: ctx.document, name: ctx.name },
			installments: rest.map((i) => ({ dueDate: i.dueDate, amountCents: i.amountCents - (i.paidCents ?? 0) })).filter((i) => i.amountCents > 0),
			locId: Number(row.locrecId),
			entryTxid: row.entryTxid
		});
		if (!body.ok) return (log('error', row.id, body.message), row);
		const created = await createRec(c, body.value);
		if (!created.ok) return (log('warning', row.id, created.message), row);
		idRec = created.data.idRec;
	}
	if (idRec !== row.idRec) {
		const [u] = await db
			.update(pixRecurrences)
			.set({ idRec, status: row.status ?? 'CRIADA', updatedAt: new Date() })
			.where(and(eq(pixRecurrences.id, row.id), isNull(pixRecurrences.idRec)))
			.returning();
		row = u ?? (await ofAgreement(db, row.agreementId)) ?? row;
		if (!row.idRec) return row;
		idRec = row.idRec;
	}
	if (!row.copiaECola) {
		const got = await getRec(c, idRec, row.entryTxid);
		if (!got.ok) return (log('warning', row.id, got.message), row);
		const qr = got.data.dadosQR;
		await save({ status: got.data.status, ...(qr?.jornada === 'JORNADA_3' && qr.pixCopiaECola && { copiaECola: qr.pixCopiaECola }) });
	}
	await ensureWebhooks(db, account, baseUrl);
	return row;
}

/** Registers our URL for recurrence and recurring-charge notifications once per URL (rows keyed `webhookrec`/`webhookcobr`, not a Pix key). */
async function ensureWebhooks(db: DbOrTx, account: PspAccount, baseUrl: string): Promise<void> {
	const url = webhookUrl(account, baseUrl);
	const urlHash = createHash('sha256').update(url).digest('hex');
	for (const which of ['rec', 'cobr'] as const) {
		const chave = `webhook${which}`;
		const [known] = await db.select({ urlHash: pspWebhooks.urlHash }).from(pspWebhooks).where(and(eq(pspWebhooks.accountId, account.id), eq(pspWebhooks.chave, chave)));
		if (known?.urlHash === urlHash) continue;
		const r = await putWebhookAutomatico(account.credentials, which, url);
		if (!r.ok) {
			log('warning', account.id, r.message);
			continue;
		}
		await db
			.insert(pspWebhooks)
			.values({ accountId: account.id, chave, urlHash })
			.onConflictDoUpdate({ target: [pspWebhooks.accountId, pspWebhooks.chave], set: { urlHash, registeredAt: new Date() } });
	}
}

/** The composite QR to show for the entry `inst`, while its charge is the one the recurrence names and the payer has not answered yet. */
export async function compositeFor(db: DbOrTx, inst: Pick<Installment, 'id' | 'agreementId' | 'pspTxid' | 'pspKind'>): Promise<string | null> {
	if (inst.pspKind !== 'cob' || !inst.pspTxid) return null;
	const r = await ofAgreement(db, inst.agreementId);
	return r && r.entryInstallmentId === inst.id && r.entryTxid === inst.pspTxid && r.status === 'CRIADA' && r.copiaECola ? r.copiaECola : null;
}

const toStatus = (s: string | undefined): RecurrenceStatus | null => (s && ['CRIADA', 'APROVADA', 'REJEITADA', 'EXPIRADA', 'CANCELADA'].includes(s) ? (s as RecurrenceStatus) : null);

/** Keeps the PSP's word on a recurrence (from `GET /rec`). A recurrence we cancelled stays cancelled. */
async function applyRecStatus(db: DbOrTx, row: Recurrence, status: RecurrenceStatus): Promise<void> {
	if (row.status === status || row.status === 'CANCELADA') return;
	await db.update(pixRecurrences).set({ status, updatedAt: new Date() }).where(eq(pixRecurrences.id, row.id));
}

export type Outcome = 'updated' | 'recorded' | 'duplicate' | 'ignored';

function itemsOf(body: unknown, key: 'recs' | 'cobsr', id: 'idRec' | 'txid'): { [k: string]: unknown }[] | null {
	const list = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as Record<string, unknown>)[key]) ? ((body as Record<string, unknown>)[key] as unknown[]) : null;
	if (!list) return null;
	return list.filter((x): x is { [k: string]: unknown } => !!x && typeof x === 'object' && typeof (x as Record<string, unknown>)[id] === 'string' && /^[a-zA-Z0-9]{26,35}$/.test((x as Record<string, string>)[id]));
}

/**
 * A recurrence notification (`POST /webhooks/pix/{account}/{secret}/rec`): each idRec of ours is
 * asked again (`GET /rec/{idRec}`) and what the PSP says is kept, so a forged, replayed or late call
 * changes nothing the PSP would not say now. 503 when the PSP could not be asked (it calls again).
 */
export async function receiveRec(db: Db, accountId: string, secret: string, body: unknown): Promise<{ status: number; outcomes: Outcome[] }> {
	const account = await accountById(db, accountId);
	if (!account || !secretsEqual(secret, account.credentials.webhookSecret)) return { status: 404, outcomes: [] };
	const items = itemsOf(body, 'recs', 'idRec');
	if (!items) return { status: 400, outcomes: [] };
	const outcomes: Outcome[] = [];
	let unconfirmed = false;
	for (const item of items) {
		const [row] = await db
			.select()
			.from(pixRecurrences)
			.where(and(eq(pixRecurrences.idRec, item.idRec as string), eq(pixRecurrences.accountId, account.id)));
		if (!row) {
			outcomes.push('ignored');
			continue;
		}
		const got = await getRec(account.credentials, row.idRec!);
		if (!got.ok) {
			if (got.status === 404) outcomes.push('ignored');
			else unconfirmed = true;
			continue;
		}
		const status = toStatus(got.data.status);
		if (!status) {
			outcomes.push('ignored');
			continue;
		}
		await applyRecStatus(db, row, status);
		outcomes.push(status === row.status ? 'duplicate' : 'updated');
	}
	return { status: unconfirmed ? 503 : 200, outcomes };
}

type ChargeRow = typeof pixRecurringCharges.$inferSelect;

/** Records the Pix of a recurring charge the PSP itself reported, through `record()` (source webhook, the endToEndId as external id: once). */
async function applyCobr(db: Db, accountId: string, charge: ChargeRow, answer: CobrAnswer): Promise<Outcome> {
	let outcome: Outcome = 'duplicate';
	const status = answer.status;
	if (status !== charge.status) {
		await db.update(pixRecurringCharges).set({ status, updatedAt: new Date() }).where(eq(pixRecurringCharges.id, charge.id));
		outcome = 'updated';
	}
	for (const pix of answer.pix ?? []) {
		const cents = amountToCents(String(pix.valor));
		const paidAt = new Date(pix.horario);
		if (cents === null || Number.isNaN(paidAt.getTime()) || typeof pix.endToEndId !== 'string') continue;
		const r = await db.transaction(async (tx) => {
			const res = await record(tx, { installmentId: charge.installmentId, amountCents: cents, paidAt, method: 'pix', source: 'webhook', externalId: pix.endToEndId, actor: { type: 'system' } });
			// Money the installment cannot take is kept for a person, never lost.
			if (!res.ok) {
				const account = await accountById(tx, accountId);
				if (!account) throw new Error(`conta PSP ${accountId} indisponível para guardar o Pix ${pix.endToEndId}`);
				await keepForReview(tx, account, { ...pix, txid: charge.txid } as ReceivedPix, res.reason, res.reason === 'conflict' ? charge.installmentId : null);
			}
			return res;
		});
		if (!r.ok) log('warning', charge.txid, `débito automático ${pix.endToEndId} não registrado: ${r.reason}`);
		else {
			if (!r.duplicate) outcome = 'recorded';
			await db.update(pixRecurringCharges).set({ endToEndId: pix.endToEndId }).where(eq(pixRecurringCharges.id, charge.id));
		}
	}
	return outcome;
}

/**
 * A recurring-charge notification (`…/cobr`): each txid of ours is confirmed with `GET /cobr/{txid}`
 * and its Pix recorded once, whatever the order or number of the calls. A failed attempt the policy
 * lets the PSP retry leaves the charge ATIVA; a final failure (REJEITADA, EXPIRADA) leaves the
 * installment open, to be paid by ordinary Pix or boleto.
 */
export async function receiveCobr(db: Db, accountId: string, secret: string, body: unknown): Promise<{ status: number; outcomes: Outcome[] }> {
	const account = await accountById(db, accountId);
	if (!account || !secretsEqual(secret, account.credentials.webhookSecret)) return { status: 404, outcomes: [] };
	const items = itemsOf(body, 'cobsr', 'txid');
	if (!items) return { status: 400, outcomes: [] };
	const outcomes: Outcome[] = [];
	let unconfirmed = false;
	for (const item of items) {
		const [row] = await db
			.select({ charge: pixRecurringCharges })
			.from(pixRecurringCharges)
			.innerJoin(pixRecurrences, eq(pixRecurrences.id, pixRecurringCharges.recurrenceId))
			.where(and(eq(pixRecurringCharges.txid, item.txid as string), eq(pixRecurrences.accountId, account.id)));
		if (!row) {
			outcomes.push('ignored');
			continue;
		}
		// Concluded and its Pix recorded: a replay asks the PSP nothing.
		if (row.charge.status === 'CONCLUIDA' && row.charge.endToEndId) {
			const [p] = await db.select({ n: sql<number>`1` }).from(payments).where(and(eq(payments.source, 'webhook'), eq(payments.externalId, row.charge.endToEndId))).limit(1);
			if (p) {
				outcomes.push('duplicate');
				continue;
			}
		}
		const got = await getCobr(account.credentials, row.charge.txid);
		if (!got.ok) {
			if (got.status === 404) outcomes.push('ignored');
			else unconfirmed = true;
			continue;
		}
		outcomes.push(await applyCobr(db, account.id, row.charge, got.data));
	}
	return { status: unconfirmed ? 503 : 200, outcomes };
}

export type DailyResult = { recurrences: number; created: number; retried: number; failed: number };

/**
 * The daily job: for each approved recurrence of an active agreement, the open installments due 10 to
 * 2 days ahead get their recurring charge, once (the txid is kept before `PUT /cobr/{txid}`, so a
 * retry is the same PUT; a day the PSP was down is caught up the next day, while the window lasts).
 */
export async function createDueCharges(db: Db, today: string, baseUrl?: string): Promise<DailyResult> {
	const out: DailyResult = { recurrences: 0, created: 0, retried: 0, failed: 0 };
	await refreshLive(db);
	const recs = await db
		.select({ rec: pixRecurrences })
		.from(pixRecurrences)
		.innerJoin(agreements, eq(agreements.id, pixRecurrences.agreementId))
		.where(and(eq(pixRecurrences.status, 'APROVADA'), eq(agreements.status, 'active')));
	for (const { rec } of recs) {
		out.recurrences++;
		const account = await accountById(db, rec.accountId);
		const receiving = account?.credentials.automaticoConta ? parseReceivingAccount(account.credentials.automaticoConta, account.credentials.automaticoTipoConta ?? 'CORRENTE') : null;
		if (!account || !receiving || !rec.idRec) {
			log('error', rec.id, 'conta do PSP indisponível ou sem conta recebedora do Pix Automático');
			out.failed++;
			continue;
		}
		// A webhook registration that failed when the entry was shown is tried again here.
		if (baseUrl) await ensureWebhooks(db, account, baseUrl);
		const [entry] = await db.select({ seq: installments.seq }).from(installments).where(eq(installments.id, rec.entryInstallmentId));
		const rows = await db
			.select({ inst: installments, charge: pixRecurringCharges })
			.from(installments)
			.leftJoin(pixRecurringCharges, and(eq(pixRecurringCharges.installmentId, installments.id), eq(pixRecurringCharges.recurrenceId, rec.id)))
			.where(eq(installments.agreementId, rec.agreementId));
		const due = cobrDue(
			rows.map((r) => ({
				id: r.inst.id,
				seq: r.inst.seq,
				dueDate: r.inst.dueDate,
				openCents: r.inst.amountCents - (r.inst.paidCents ?? 0),
				status: r.inst.status,
				superseded: !!r.inst.supersededBy,
				charged: !!r.charge?.status,
				charge: r.charge
			})),
			today,
			entry.seq
		);
		for (const d of due) {
			const body = cobrBody({ idRec: rec.idRec, dueDate: d.dueDate, amountCents: d.openCents, account: receiving, info: `Parcela ${d.seq} do acordo` });
			if (!body.ok) {
				log('error', d.id, body.message);
				out.failed++;
				continue;
			}
			await db
				.insert(pixRecurringCharges)
				.values({ recurrenceId: rec.id, installmentId: d.id, txid: newPspTxid(), dueDate: d.dueDate, amountCents: d.openCents })
				.onConflictDoUpdate({ target: [pixRecurringCharges.recurrenceId, pixRecurringCharges.installmentId], set: { amountCents: d.openCents, dueDate: d.dueDate, updatedAt: new Date() }, where: isNull(pixRecurringCharges.status) });
			const [charge] = await db.select().from(pixRecurringCharges).where(and(eq(pixRecurringCharges.recurrenceId, rec.id), eq(pixRecurringCharges.installmentId, d.id)));
			if (charge.status) continue;
			const put = await putCobr(account.credentials, charge.txid, body.value);
			if (!put.ok) {
				log('warning', d.id, put.message);
				out.failed++;
				continue;
			}
			await db.update(pixRecurringCharges).set({ status: put.data.status, updatedAt: new Date() }).where(eq(pixRecurringCharges.id, charge.id));
			out.created++;
		}
		// A debit refused on its day: one more attempt, as the recurrence's policy allows.
		const late = rows.filter((r) => r.charge?.status === 'ATIVA' && r.charge.dueDate < today && isOpenInstallment(r.inst.status) && !r.inst.supersededBy);
		for (const { charge } of late) {
			const now = await getCobr(account.credentials, charge!.txid);
			if (!now.ok) {
				out.failed++;
				continue;
			}
			const day = retryDay({ policy: rec.politicaRetentativa, dueDate: charge!.dueDate, attempts: now.data.tentativas ?? [], today });
			if (!day) continue;
			const r = await retryCobr(account.credentials, charge!.txid, day);
			if (!r.ok) {
				log('warning', charge!.txid, r.message);
				out.failed++;
				continue;
			}
			out.retried++;
		}
	}
	return out;
}

/**
 * Asks the PSP for every live recurrence of an active agreement (`GET /rec/{idRec}`), so an approval
 * or a cancellation in the payer's bank app whose notification never arrived is known before the
 * day's debits are created.
 */
async function refreshLive(db: Db): Promise<void> {
	const live = await db
		.select({ rec: pixRecurrences })
		.from(pixRecurrences)
		.innerJoin(agreements, eq(agreements.id, pixRecurrences.agreementId))
		.where(and(inArray(pixRecurrences.status, LIVE), eq(agreements.status, 'active')));
	for (const { rec } of live) {
		const account = rec.idRec ? await accountById(db, rec.accountId) : null;
		if (!account) continue;
		const got = await getRec(account.credentials, rec.idRec!);
		const status = got.ok ? toStatus(got.data.status) : null;
		if (status) await applyRecStatus(db, rec, status);
		else if (!got.ok) log('warning', rec.id, got.message);
	}
}

/** Cancels at the PSP the recurring charges still to be debited (until the day before each due date). */
async function cancelPendingCharges(db: Db, account: PspAccount, where: ReturnType<typeof and>, today: string): Promise<number> {
	const pending = await db
		.select({ charge: pixRecurringCharges })
		.from(pixRecurringCharges)
		.innerJoin(pixRecurrences, eq(pixRecurrences.id, pixRecurringCharges.recurrenceId))
		.innerJoin(installments, eq(installments.id, pixRecurringCharges.installmentId))
		.where(and(inArray(pixRecurringCharges.status, ['CRIADA', 'ATIVA']), eq(pixRecurrences.accountId, account.id), where));
	let n = 0;
	for (const { charge } of pending) {
		if (!cobrCancellable(charge.dueDate, today)) continue;
		const r = await cancelCobr(account.credentials, charge.txid);
		const status = r.ok ? r.data.status : null;
		if (!status) {
			log('warning', charge.txid, r.ok ? 'sem status' : r.message);
			continue;
		}
		await db.update(pixRecurringCharges).set({ status, updatedAt: new Date() }).where(eq(pixRecurringCharges.id, charge.id));
		if (status === 'CANCELADA') n++;
	}
	return n;
}

export type CancelResult = { ok: true } | { ok: false; message: string };

/**
 * The debtor cancels the automatic debit from the portal: `PATCH /rec/{idRec}` CANCELADA first (if
 * the PSP cannot be reached, nothing changes and the debtor is told), then our record and the audit
 * in one transaction, then the recurring charges still cancellable. The installments stay payable by
 * Pix and boleto.
 */
export async function cancelByDebtor(db: Db, agreementId: string, actor: { debtorId: string; agencyId: string; ip: string | null }, today: string): Promise<CancelResult> {
	const rec = await ofAgreement(db, agreementId);
	if (!rec || !rec.idRec || !rec.status || !LIVE.includes(rec.status)) return { ok: false, message: 'Não há débito automático ativo neste acordo.' };
	const account = await accountById(db, rec.accountId);
	if (!account) return { ok: false, message: 'Não foi possível cancelar agora. Tente de novo em alguns minutos.' };
	const r = await cancelRec(account.credentials, rec.idRec);
	if (!r.ok) {
		// Already cancelled at the PSP (by the payer in their bank app, say): ours follows.
		const now = await getRec(account.credentials, rec.idRec);
		if (!now.ok || now.data.status !== 'CANCELADA') {
			log('warning', rec.id, r.message);
			return { ok: false, message: 'Não foi possível cancelar o débito automático agora. Nada foi alterado; tente de novo em alguns minutos.' };
		}
	}
	await db.transaction(async (tx) => {
		await tx.update(pixRecurrences).set({ status: 'CANCELADA', cancelledBy: 'debtor', updatedAt: new Date() }).where(eq(pixRecurrences.id, rec.id));
		await audit.record(tx, {
			agencyId: actor.agencyId,
			actorType: 'debtor',
			actorId: actor.debtorId,
			ip: actor.ip,
			action: 'pix_automatico.cancel',
			entity: 'agreement',
			entityId: agreementId,
			data: { idRec: rec.idRec }
		});
	});
	await cancelPendingCharges(db, account, eq(pixRecurrences.id, rec.id), today);
	return { ok: true };
}

/**
 * With the sweep: recurrences of agreements no longer active (settled, broken, cancelled) are
 * cancelled at the PSP, and recurring charges of installments no longer open (paid by other means,
 * superseded) or of cancelled recurrences are cancelled while the rules allow. Returns how many of each.
 */
export async function cancelStale(db: Db, today: string, limit = 200): Promise<{ recurrences: number; charges: number }> {
	const out = { recurrences: 0, charges: 0 };
	const ended = await db
		.select({ rec: pixRecurrences })
		.from(pixRecurrences)
		.innerJoin(agreements, eq(agreements.id, pixRecurrences.agreementId))
		.where(and(inArray(pixRecurrences.status, LIVE), ne(agreements.status, 'active')))
		.limit(limit);
	for (const { rec } of ended) {
		const account = await accountById(db, rec.accountId);
		if (!account || !rec.idRec) continue;
		const r = await cancelRec(account.credentials, rec.idRec);
		const status = r.ok ? toStatus(r.data.status) : await getRec(account.credentials, rec.idRec).then((g) => (g.ok ? toStatus(g.data.status) : null));
		if (!status || LIVE.includes(status)) {
			log('warning', rec.id, r.ok ? `status ${status}` : r.message);
			continue;
		}
		await db.update(pixRecurrences).set({ status, cancelledBy: 'agreement', updatedAt: new Date() }).where(eq(pixRecurrences.id, rec.id));
		out.recurrences++;
	}
	const accounts = await db.selectDistinct({ id: pixRecurrences.accountId }).from(pixRecurrences).innerJoin(pixRecurringCharges, eq(pixRecurringCharges.recurrenceId, pixRecurrences.id)).where(inArray(pixRecurringCharges.status, ['CRIADA', 'ATIVA']));
	for (const { id } of accounts) {
		const account = await accountById(db, id);
		if (!account) continue;
		out.charges += await cancelPendingCharges(
			db,
			account,
			or(
				ne(pixRecurrences.status, 'APROVADA'),
				sql`${installments.status} not in ('pending', 'partially_paid')`,
				sql`${installments.supersededBy} is not null`
			) as ReturnType<typeof and>,
			today
		);
	}
	return out;
}

/** What the agreement page shows about the automatic debit. */
export type AutoDebitView = { status: RecurrenceStatus; cancellable: boolean; cancelledBy: string | null; nextDebits: { seq: number; dueDate: string; amountCents: number }[] } | null;

export async function view(db: DbOrTx, agreementId: string): Promise<AutoDebitView> {
	const rec = await ofAgreement(db, agreementId);
	if (!rec?.status || !rec.idRec) return null;
	const next = await db
		.select({ seq: installments.seq, dueDate: pixRecurringCharges.dueDate, amountCents: pixRecurringCharges.amountCents })
		.from(pixRecurringCharges)
		.innerJoin(installments, eq(installments.id, pixRecurringCharges.installmentId))
		.where(and(eq(pixRecurringCharges.recurrenceId, rec.id), inArray(pixRecurringCharges.status, ['CRIADA', 'ATIVA'])))
		.orderBy(asc(pixRecurringCharges.dueDate));
	return { status: rec.status, cancellable: rec.status === 'APROVADA', cancelledBy: rec.cancelledBy, nextDebits: next };
}

/** The installment a Pix with this txid paid when the txid is a recurring charge's (the sweep sees debits in `GET /pix`). */
export async function installmentOfCobr(db: DbOrTx, accountId: string, txid: string): Promise<string | null> {
	const [row] = await db
		.select({ id: pixRecurringCharges.installmentId })
		.from(pixRecurringCharges)
		.innerJoin(pixRecurrences, eq(pixRecurrences.id, pixRecurringCharges.recurrenceId))
		.where(and(eq(pixRecurringCharges.txid, txid), eq(pixRecurrences.accountId, accountId)));
	return row?.id ?? null;
}
