import { and, eq, or, sql } from 'drizzle-orm';
import { reviewItems } from '../../db/schema';
import type { Db } from '../../db/client';
import { installments, payments, pspSweeps } from '../../db/schema';
import { secretsEqual } from '../../messaging/wire-http';
import { amountToCents } from '../pix/brcode';
import { record } from '../record';
import { accountById, allAccounts, type PspAccount } from './accounts';
import { keepForReview, type KeepReason } from './kept';
import { getPix, listPix } from './client';
import { notificationItems, type ReceivedPix } from './cobv';
import { installmentOfCobr } from './recurrence';

/**
 * Pix received through a PSP: told by its webhook, or found by the sweep. Both record through
 * `record()` with source `webhook` and the endToEndId as the external id, so a Pix told twice, or
 * told and then swept, is one payment.
 */
const SOURCE = 'webhook' as const;

export type Outcome = 'recorded' | 'duplicate' | 'review' | 'ignored';

/** Already a payment, or already kept for review: nothing more to ask the PSP. */
async function known(db: Db, endToEndId: string): Promise<boolean> {
	const [p] = await db
		.select({ n: sql<number>`1` })
		.from(payments)
		// Any source: a Pix already recorded from the bank statement is the same payment.
		.where(eq(payments.externalId, endToEndId))
		.limit(1);
	if (p) return true;
	const [r] = await db
		.select({ n: sql<number>`1` })
		.from(reviewItems)
		.where(and(eq(reviewItems.source, 'pix'), eq(reviewItems.sourceRef, endToEndId)))
		.limit(1);
	return !!r;
}

/**
 * Records one Pix the PSP itself reported (never a webhook's word alone). `record()` keeps every cent
 * (a remainder or money for a withdrawn slip becomes a credit on the debts); a txid no installment of
 * this account knows is kept for review.
 */
export async function apply(db: Db, account: PspAccount, pix: ReceivedPix): Promise<Outcome> {
	const cents = amountToCents(pix.valor);
	const paidAt = new Date(pix.horario);
	if (cents === null || Number.isNaN(paidAt.getTime())) return 'ignored';
	return db.transaction(async (tx) => {
		const txid = pix.txid ?? '';
		// A dynamic charge of this account, or the static code's txid (a debtor who paid the static code).
		let [inst] = txid
			? await tx
					.select({ id: installments.id, pspTxid: installments.pspTxid })
					.from(installments)
					.where(or(and(eq(installments.pspTxid, txid), eq(installments.pspAccount, account.id)), eq(installments.txid, txid)))
					.limit(1)
			: [];
		const keep = (reason: KeepReason, installmentId: string | null) => keepForReview(tx, account, pix, reason, installmentId);
		// A Pix Automático debit: its txid is a recurring charge's, which names the installment.
		if (!inst && txid) {
			const id = await installmentOfCobr(tx, account.id, txid);
			if (id) inst = { id, pspTxid: null };
		}
		if (!inst) return keep('unknown_txid', null);
		const r = await record(tx, {
			installmentId: inst.id,
			amountCents: cents,
			paidAt,
			method: 'pix',
			source: SOURCE,
			externalId: pix.endToEndId,
			actor: { type: 'system' }
		});
		if (!r.ok) return keep(r.reason, r.reason === 'conflict' ? inst.id : null);
		if (r.duplicate) return 'duplicate';
		// The PSP concludes a charge once paid; a Pix of the static code leaves the charge as it is.
		if (txid === inst.pspTxid) await tx.update(installments).set({ pspStatus: 'CONCLUIDA' }).where(and(eq(installments.id, inst.id), eq(installments.pspTxid, txid)));
		return 'recorded';
	});
}

/**
 * A webhook call (`POST /webhooks/pix/{account}/{secret}[/pix]`): the HTTP status to answer. Each
 * item is confirmed with the PSP (`GET /pix/{e2eid}`) before anything is recorded, so a forged call
 * records nothing; a replay of what is already recorded asks nothing. 503 when the PSP could not be
 * asked (it will call again, and the sweep catches up regardless).
 */
export async function receive(db: Db, accountId: string, secret: string, body: unknown): Promise<{ status: number; outcomes: Outcome[] }> {
	const account = await accountById(db, accountId);
	if (!account || !secretsEqual(secret, account.credentials.webhookSecret)) return { status: 404, outcomes: [] };
	const items = notificationItems(body);
	if (!items) return { status: 400, outcomes: [] };
	const outcomes: Outcome[] = [];
	let unconfirmed = false;
	for (const item of items) {
		if (await known(db, item.endToEndId)) {
			outcomes.push('duplicate');
			continue;
		}
		const confirmed = await getPix(account.credentials, item.endToEndId);
		if (!confirmed.ok) {
			if (confirmed.status === 404) outcomes.push('ignored');
			else unconfirmed = true;
			continue;
		}
		outcomes.push(await apply(db, account, confirmed.data));
	}
	return { status: unconfirmed ? 503 : 200, outcomes };
}

// Each sweep starts this far before where the last one ended: a Pix the PSP lists late is still seen.
export const SWEEP_OVERLAP_MS = 60 * 60_000;
// The first sweep of an account looks back this far.
export const SWEEP_FIRST_LOOKBACK_MS = 24 * 60 * 60_000;

export type SweepResult = { accounts: number; seen: number; recorded: number; review: number; failed: number };

/**
 * Asks every account's PSP for the Pix received since the last sweep (with an overlap) and records
 * what a lost webhook missed. An account whose PSP cannot be reached keeps its mark: the next sweep
 * covers the gap.
 */
export async function sweep(db: Db, now: Date = new Date()): Promise<SweepResult> {
	const out: SweepResult = { accounts: 0, seen: 0, recorded: 0, review: 0, failed: 0 };
	for (const account of await allAccounts(db)) {
		out.accounts++;
		const [mark] = await db.select().from(pspSweeps).where(eq(pspSweeps.accountId, account.id));
		const inicio = new Date((mark ? mark.sweptUntil.getTime() - SWEEP_OVERLAP_MS : now.getTime() - SWEEP_FIRST_LOOKBACK_MS));
		const list = await listPix(account.credentials, inicio, now);
		if (!list.ok) {
			out.failed++;
			console.error(JSON.stringify({ type: 'warning', where: 'psp.sweep', account: account.id, message: list.message }));
			continue;
		}
		for (const pix of list.data) {
			out.seen++;
			// Only Pix tied to a charge or a code of ours; other money on the key is not ours to match.
			if (!pix.txid || (await known(db, pix.endToEndId))) continue;
			const o = await apply(db, account, pix);
			if (o === 'recorded') out.recorded++;
			if (o === 'review') out.review++;
		}
		await db
			.insert(pspSweeps)
			.values({ accountId: account.id, sweptUntil: now })
			.onConflictDoUpdate({ target: pspSweeps.accountId, set: { sweptUntil: now, updatedAt: new Date() } });
	}
	return out;
}
