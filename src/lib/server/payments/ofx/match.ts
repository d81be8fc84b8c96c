/**
 * How a statement credit meets our installments: pure rules, no database, no clock. The importer
 * (`statement-import.ts`) loads the candidates and applies what these decide.
 */
import { daysBetween } from '../../../format/dates';
import type { OfxAccount, OfxTransaction } from './parse';

import { END_TO_END_PATTERN } from '../pix/end-to-end';

// An end-to-end id standing on its own in the bank's text.
const END_TO_END = new RegExp(`(?<![A-Za-z0-9])${END_TO_END_PATTERN}(?![A-Za-z0-9])`, 'g');

/** The text fields where banks put the Pix ids: NAME, MEMO, REFNUM, FITID, CHECKNUM, PAYEEID. */
export function textOf(t: Pick<OfxTransaction, 'name' | 'memo' | 'refNum' | 'fitId' | 'checkNum' | 'payeeId'>): string {
	return [t.name, t.memo, t.refNum, t.fitId, t.checkNum, t.payeeId].filter(Boolean).join(' ');
}

/** Pix end-to-end ids written in the text, first seen first. */
export function endToEndIds(text: string): string[] {
	return [...new Set([...text.matchAll(END_TO_END)].map((m) => m[0]))];
}

/**
 * Runs of letters and digits that could be one of our txids: 25 (the static code's) to 35 (a PSP
 * charge's), end-to-end ids left out. Uppercased too, since some banks uppercase the memo.
 */
export function txidCandidates(text: string): string[] {
	const e2e = new Set(endToEndIds(text));
	const runs = (text.match(/[A-Za-z0-9]{25,35}/g) ?? []).filter((r) => !e2e.has(r));
	return [...new Set(runs.flatMap((r) => [r, r.toUpperCase()]))];
}

/** The external id of a statement credit: the Pix end-to-end id when there is one, so a webhook telling the same Pix is the same payment. */
export function statementExternalId(account: Pick<OfxAccount, 'bankId' | 'accountId'>, fitId: string, endToEndId: string | null): string {
	return endToEndId ?? `ofx:${account.bankId}:${account.accountId}:${fitId}`;
}

/**
 * The key of one bank entry across exports of the same account: its FITID with the day and the
 * amount (a bank that reuses a FITID for another entry does not hide a payment).
 */
export function entryKey(t: Pick<OfxTransaction, 'fitId' | 'postedOn' | 'amountCents'>): string {
	return `${t.fitId}|${t.postedOn}|${t.amountCents}`;
}

export type OpenInstallment = {
	id: string;
	creditorId: string;
	agreementCode: string;
	seq: number;
	dueDate: string;
	/** What is still open on it: amount less what was paid. */
	openCents: number;
};

/** How far from the posting date a due date may be for an amount match to be proposed. */
export const DUE_WINDOW_DAYS = 20;

/**
 * Open installments whose open amount is exactly the credit and whose due date is within
 * `DUE_WINDOW_DAYS` of the posting: proposals for a person, nearest due date first.
 */
export function amountMatches(credit: { amountCents: number; postedOn: string }, open: OpenInstallment[]): OpenInstallment[] {
	return open
		.filter((i) => i.openCents === credit.amountCents && Math.abs(daysBetween(credit.postedOn, i.dueDate)) <= DUE_WINDOW_DAYS)
		.sort((a, b) => Math.abs(daysBetween(credit.postedOn, a.dueDate)) - Math.abs(daysBetween(credit.postedOn, b.dueDate)) || a.id.localeCompare(b.id));
}

export type TxidMatch = { id: string; creditorId: string };

export type StatementDecision =
	/** A txid of ours in the text: the payment is recorded on that installment. */
	| { action: 'record'; installment: TxidMatch; externalId: string; endToEndId: string | null }
	/** This Pix (end-to-end id) is already a payment (a webhook, a manual entry): nothing more. */
	| { action: 'known'; paymentId: string; installmentId: string }
	/** Same amount as open installments due near the day: a person decides. */
	| { action: 'propose'; candidates: OpenInstallment[]; externalId: string; endToEndId: string | null }
	| { action: 'unmatched'; externalId: string; endToEndId: string | null };

/**
 * What to do with one credit. Only an id the bank carried (txid) records money by itself; an
 * amount is a suggestion, never a payment, since two debtors may owe the same amount.
 */
export function decide(
	credit: Pick<OfxTransaction, 'amountCents' | 'postedOn' | 'fitId'>,
	ctx: {
		account: Pick<OfxAccount, 'bankId' | 'accountId'>;
		endToEndId: string | null;
		/** Installments in scope whose txid or PSP txid is in the text. */
		byTxid: TxidMatch[];
		/** A payment already recorded with this end-to-end id, from any source. */
		knownPayment: { id: string; installmentId: string } | null;
		open: OpenInstallment[];
	}
): StatementDecision {
	const externalId = statementExternalId(ctx.account, credit.fitId, ctx.endToEndId);
	if (ctx.knownPayment) return { action: 'known', paymentId: ctx.knownPayment.id, installmentId: ctx.knownPayment.installmentId };
	if (ctx.byTxid.length === 1) return { action: 'record', installment: ctx.byTxid[0], externalId, endToEndId: ctx.endToEndId };
	const candidates = amountMatches(credit, ctx.open);
	if (candidates.length > 0) return { action: 'propose', candidates, externalId, endToEndId: ctx.endToEndId };
	return { action: 'unmatched', externalId, endToEndId: ctx.endToEndId };
}
