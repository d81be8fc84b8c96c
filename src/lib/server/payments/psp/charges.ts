import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { agreements, creditors, debtors, installments, pspWebhooks } from '../../db/schema';
import type { Installment } from '../../agreements';
import { addDays } from '../../../format/dates';
import { isOpenInstallment } from '../../../agreements/status';
import { amountToCents } from '../pix/brcode';
import { chargeMatches, openSlip } from '../instruments';
import { accountById, accountFor, webhookUrl, type PspAccount } from './accounts';
import { getCob, getCobv, locationOf, putCob, putCobv, putWebhook, reviseCob, reviseCobv, withdrawCob, withdrawCobv, type CobvAnswer } from './client';
import { cobBody } from './automatico';
import * as recurrence from './recurrence';
import { cobvBody, newPspTxid } from './cobv';

export type EnsureOptions = { baseUrl: string; today: string; now?: Date };

/** Carries the entry's recurrence on at the PSP (see `recurrence.complete`); never throws on the debtor's page. */
async function finishRecurrence(db: Db, inst: Installment, baseUrl: string): Promise<void> {
	const rec = await recurrence.ofAgreement(db, inst.agreementId);
	if (!rec || rec.entryTxid !== inst.pspTxid || (rec.copiaECola && rec.status !== null)) return;
	const account = await accountById(db, rec.accountId);
	if (account) await recurrence.complete(db, rec, account, baseUrl);
}

function log(type: 'warning' | 'error', installmentId: string, message: string): void {
	console.error(JSON.stringify({ type, where: 'psp.charges', installment: installmentId, message }));
}

/**
 * The installment's dynamic Pix charge (cobv), created at the PSP the first time someone asks: the
 * portal calls it when the debtor opens an installment to pay it. Never inside a transaction (it
 * talks to the PSP). Idempotent: the txid is fixed in the database before the PUT, so a retry, or
 * two pages opened at once, send the same PUT for the same charge. The charge asks the open amount
 * (the installment less what was paid); when that changes (a partial payment by other means) the
 * charge is revised (`PATCH`), and an installment still open after its charge was concluded or
 * withdrawn gets a new one.
 *
 * Returns the installment as it now is. When the creditor has no PSP, the installment is not open,
 * or the PSP cannot be reached, it comes back without a matching charge and the static BR Code is
 * shown (same key, same amount): the debtor can always pay.
 */
export async function ensureCharge(db: Db, installmentId: string, opts: EnsureOptions): Promise<Installment | null> {
	const [row] = await db
		.select({
			inst: installments,
			agreementStatus: agreements.status,
			tolerance: agreements.breakToleranceDays,
			creditor: { id: creditors.id, agencyId: creditors.agencyId, displayName: creditors.displayName },
			debtor: { document: debtors.document, name: debtors.name }
		})
		.from(installments)
		.innerJoin(agreements, eq(agreements.id, installments.agreementId))
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
		.where(eq(installments.id, installmentId));
	if (!row) return null;
	let inst = row.inst;
	if (!isOpenInstallment(inst.status) || inst.supersededBy || row.agreementStatus !== 'active') return inst;
	const open = openSlip(inst).amountCents;
	if (open <= 0) return inst;
	if (chargeMatches({ ...inst, amountCents: open })) {
		// The entry of a Pix Automático plan: its recurrence may still need a step the PSP missed.
		if (inst.pspKind === 'cob') await finishRecurrence(db, inst, opts.baseUrl);
		return inst;
	}
	// A charge past its last payable day would be refused: the static code (and the break rules) apply.
	if (addDays(inst.dueDate, row.tolerance) < opts.today) return inst;

	const account = inst.pspAccount ? await accountById(db, inst.pspAccount) : await accountFor(db, row.creditor);
	if (!account) return inst;

	// Pix Automático (JORNADA_3): the entry is an immediate charge (cob) tied to a recurrence, once per agreement.
	const entryBody = () =>
		cobBody({
			lastDay: addDays(inst.dueDate, row.tolerance),
			now: opts.now ?? new Date(),
			debtor: row.debtor,
			amountCents: open,
			key: inst.pixKey,
			message: `Entrada do acordo com ${row.creditor.displayName}`
		});
	if (!inst.pspTxid && (await recurrence.eligibleEntry(db, inst, account)) && !(await recurrence.ofAgreement(db, inst.agreementId))) {
		if (entryBody().ok) {
			const txid = newPspTxid();
			const fixed = await db.transaction(async (tx) => {
				const [f] = await tx
					.update(installments)
					.set({ pspTxid: txid, pspAccount: account.id, pspKind: 'cob' })
					.where(and(eq(installments.id, inst.id), sql`${installments.pspTxid} is null`))
					.returning();
				if (f) await recurrence.begin(tx, f, account, txid);
				return f;
			});
			// Someone else fixed it first: the next view carries on with theirs.
			if (!fixed) return (await db.select().from(installments).where(eq(installments.id, inst.id)))[0] ?? inst;
			inst = fixed;
		}
	}
	// The entry's cob, fixed just now or earlier without an answer (the PSP was down): the same PUT.
	if (inst.pspKind === 'cob' && inst.pspTxid && !inst.pspStatus) {
		const body = entryBody();
		if (!body.ok) return (log('warning', inst.id, body.message), inst);
		const put = await putCob(account.credentials, inst.pspTxid, body.value);
		if (!put.ok) return (log('warning', inst.id, put.message), inst);
		const updated = await store(db, inst, inst.pspTxid, put.data, open);
		await ensureWebhook(db, account, inst.pixKey, opts.baseUrl);
		if (chargeMatches(updated)) await finishRecurrence(db, updated, opts.baseUrl);
		return updated;
	}

	const body = cobvBody({
		dueDate: inst.dueDate,
		daysAfterDue: row.tolerance,
		debtor: row.debtor,
		amountCents: open,
		key: inst.pixKey,
		fineBp: account.credentials.fineBp,
		interestMonthlyBp: account.credentials.interestMonthlyBp,
		message: `Parcela ${inst.seq} do acordo com ${row.creditor.displayName}`
	});
	if (!body.ok) {
		log('error', inst.id, body.message);
		return inst;
	}

	// A charge the PSP concluded or withdrew takes no more money: the open remainder needs a new txid.
	if (inst.pspTxid && inst.pspStatus && inst.pspStatus !== 'ATIVA') {
		const [renewed] = await db
			.update(installments)
			.set({ pspTxid: newPspTxid(), pspKind: null, pspLocation: null, pspStatus: null, pspAmountCents: null, updatedAt: new Date() })
			.where(and(eq(installments.id, inst.id), eq(installments.pspTxid, inst.pspTxid)))
			.returning();
		inst = renewed ?? (await db.select().from(installments).where(eq(installments.id, inst.id)))[0];
	}

	// An open charge asking another amount (part was paid by other means): revised, same txid and location.
	if (inst.pspTxid && inst.pspStatus === 'ATIVA' && inst.pspLocation) {
		const revised = inst.pspKind === 'cob' ? await reviseCob(account.credentials, inst.pspTxid, { original: body.value.valor.original }) : await reviseCobv(account.credentials, inst.pspTxid, body.value.valor);
		if (!revised.ok) {
			log('warning', inst.id, revised.message);
			return inst;
		}
		return store(db, inst, inst.pspTxid, revised.data as CobvAnswer, open);
	}

	const [fixed] = await db
		.update(installments)
		.set({ pspTxid: sql`coalesce(${installments.pspTxid}, ${newPspTxid()})`, pspAccount: sql`coalesce(${installments.pspAccount}, ${account.id})` })
		.where(eq(installments.id, inst.id))
		.returning({ pspTxid: installments.pspTxid });
	const txid = fixed.pspTxid!;
	inst = { ...inst, pspTxid: txid, pspAccount: inst.pspAccount ?? account.id };

	const put = await putCobv(account.credentials, txid, body.value);
	if (!put.ok) {
		log('warning', inst.id, put.message);
		return inst;
	}
	const updated = await store(db, inst, txid, put.data, open);
	await ensureWebhook(db, account, inst.pixKey, opts.baseUrl);
	return updated;
}

/** Keeps what the PSP answered about the charge `txid` on the installment (if it still has that txid). */
async function store(db: Db, inst: Installment, txid: string, charge: Pick<CobvAnswer, 'status' | 'location' | 'loc' | 'valor'>, amountCents: number): Promise<Installment> {
	const location = locationOf(charge);
	if (!location) {
		log('error', inst.id, 'o PSP respondeu a cobrança sem location');
		return inst;
	}
	const charged = amountToCents(charge.valor.original);
	const [updated] = await db
		.update(installments)
		.set({ pspLocation: location, pspStatus: charge.status, pspAmountCents: charged, updatedAt: new Date() })
		.where(and(eq(installments.id, inst.id), eq(installments.pspTxid, txid)))
		.returning();
	if (charged !== amountCents) log('error', inst.id, `a cobrança ${txid} pede ${charge.valor.original}, não o valor em aberto`);
	return updated ?? inst;
}

/** Registers our webhook for a Pix key once per URL; a failure is retried at the next charge. */
async function ensureWebhook(db: DbOrTx, account: PspAccount, chave: string, baseUrl: string): Promise<void> {
	const url = webhookUrl(account, baseUrl);
	const urlHash = createHash('sha256').update(url).digest('hex');
	const [known] = await db
		.select({ urlHash: pspWebhooks.urlHash })
		.from(pspWebhooks)
		.where(and(eq(pspWebhooks.accountId, account.id), eq(pspWebhooks.chave, chave)));
	if (known?.urlHash === urlHash) return;
	const r = await putWebhook(account.credentials, chave, url);
	if (!r.ok) {
		console.error(JSON.stringify({ type: 'warning', where: 'psp.webhook', account: account.id, message: r.message }));
		return;
	}
	await db
		.insert(pspWebhooks)
		.values({ accountId: account.id, chave, urlHash })
		.onConflictDoUpdate({ target: [pspWebhooks.accountId, pspWebhooks.chave], set: { urlHash, registeredAt: new Date() } });
}

/**
 * Withdraws at the PSP the charges of installments that can no longer be paid (cancelled or
 * superseded, or of an agreement no longer active): a debtor must not be able to pay a superseded
 * charge. Runs with the sweep, so the agreement's own transitions never wait on the network; a Pix
 * that lands in between is refused by `record()` and kept for review. Returns how many were withdrawn.
 */
export async function withdrawStale(db: Db, limit = 200): Promise<number> {
	const stale = await db
		.select({ id: installments.id, account: installments.pspAccount, txid: installments.pspTxid, kind: installments.pspKind })
		.from(installments)
		.innerJoin(agreements, eq(agreements.id, installments.agreementId))
		.where(and(eq(installments.pspStatus, 'ATIVA'), sql`(${installments.status} = 'cancelled' or ${installments.supersededBy} is not null or ${agreements.status} <> 'active')`))
		.limit(limit);
	let withdrawn = 0;
	for (const s of stale) {
		const account = s.account ? await accountById(db, s.account) : null;
		if (!account || !s.txid) continue;
		// Refused (already paid, say): the PSP's own status is what we keep.
		const cob = s.kind === 'cob';
		const r = (cob ? await withdrawCob(account.credentials, s.txid) : await withdrawCobv(account.credentials, s.txid)).ok ? null : cob ? await getCob(account.credentials, s.txid) : await getCobv(account.credentials, s.txid);
		const status = r === null ? 'REMOVIDA_PELO_USUARIO_RECEBEDOR' : r.ok ? r.data.status : null;
		if (!status) {
			log('warning', s.id, r && !r.ok ? r.message : 'cobrança não retirada');
			continue;
		}
		await db.update(installments).set({ pspStatus: status }).where(eq(installments.id, s.id));
		if (status === 'REMOVIDA_PELO_USUARIO_RECEBEDOR') withdrawn++;
	}
	return withdrawn;
}
