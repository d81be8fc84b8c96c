/**
 * Receipts: what the debtor gets when money arrives. Each payment recorded (not a duplicate) queues
 * one message to the debtor with a link to the portal, where the comprovante (and, once the
 * agreement is settled, the termo de quitação) can be downloaded after the one-time code.
 *
 * Receipt messages are `kind: 'receipt'`: not collection contacts, so they skip the contact hours
 * and caps (messaging `COLLECTION`, rules.ts: "codes and receipts are answers the debtor asked
 * for"). Opt-outs are honoured only by the collection rules, and the product already tells staff
 * that after an opt-out "códigos de acesso e comprovantes continuam" (backoffice timeline, the
 * contact_opt_outs schema): a receipt confirms the debtor's own money, it never asks for any.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { agencies, agreementDebts, agreements, creditors, debtors, debts, installments, payments, type PaymentSource } from '../db/schema';
import * as messaging from '../messaging';
import * as jobs from '../jobs';
import { macHex } from '../auth/secrets';
import { timingSafeEqual } from 'node:crypto';
import { portalBase } from '../campaigns/compose';
import { saveShortLinks } from '../campaigns/links';
import { newShortCode, shortCodeHash } from '../messaging/short-link';
import { delistingDeadline } from '../webhooks/deadline';
import { isMobileE164 } from '../../format/contact';
import { formatDocument, maskDocument } from '../../format/document';
import { formatBRL } from '../../format/money';
import { formatDateBR, todayInSaoPaulo } from '../../format/dates';
import { renderQuitacaoPdf, renderReceiptPdf, type QuitacaoData, type ReceiptData } from './receipt-pdf';

/** How long the link in a receipt message works (it still leads to the one-time code). */
const LINK_DAYS = 90;

// Cents of a payment that were credited to the debts instead of going to its installment.
const CREDITED_REASONS = sql`('overpayment', 'not_payable')`;

type PaymentRow = {
	id: string;
	installmentId: string;
	seq: number;
	kind: string;
	dueDate: string;
	installmentCents: number;
	amountCents: number;
	creditedCents: number;
	method: 'pix' | 'boleto' | 'manual';
	source: PaymentSource;
	paidAt: Date;
	externalId: string | null;
	createdAt: Date;
};

/** Every payment of an agreement, oldest recorded first, with what of it was credited to the debts. */
export async function paymentsOf(db: DbOrTx, agreementId: string): Promise<(PaymentRow & { appliedCents: number })[]> {
	const rows = await db
		.select({
			id: payments.id,
			installmentId: payments.installmentId,
			seq: installments.seq,
			kind: installments.kind,
			dueDate: installments.dueDate,
			installmentCents: installments.amountCents,
			amountCents: payments.amountCents,
			creditedCents: sql<string>`coalesce((select sum(c.amount_cents) from debt_credits c where c.payment_id = ${payments.id} and c.reason in ${CREDITED_REASONS}), 0)`,
			method: payments.method,
			source: payments.source,
			paidAt: payments.paidAt,
			externalId: payments.externalId,
			createdAt: payments.createdAt
		})
		.from(payments)
		.innerJoin(installments, eq(installments.id, payments.installmentId))
		.where(eq(installments.agreementId, agreementId))
		.orderBy(asc(payments.createdAt), asc(payments.id));
	return rows.map((r) => {
		const creditedCents = Number(r.creditedCents);
		return { ...r, creditedCents, appliedCents: r.amountCents - creditedCents };
	});
}

async function partiesOf(db: DbOrTx, agreementId: string) {
	const [row] = await db
		.select({ agreement: agreements, creditor: creditors, agency: agencies, debtor: { name: debtors.name, document: debtors.document } })
		.from(agreements)
		.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
		.innerJoin(agencies, eq(agencies.id, creditors.agencyId))
		.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
		.where(eq(agreements.id, agreementId));
	if (!row) return null;
	const c = row.creditor;
	return {
		agreement: row.agreement,
		portal: `${portalBase(c).portal}/acordos/${row.agreement.code}`,
		verify: `${portalBase(c).portal}/verificar`,
		parties: {
			creditor: { legalName: c.legalName, tradeName: c.displayName, cnpj: formatDocument(c.cnpj), address: c.address },
			agency: { name: row.agency.name, cnpj: formatDocument(row.agency.cnpj) },
			debtor: { name: row.debtor.name, document: maskDocument(row.debtor.document) }
		}
	};
}

/** A short code anyone holding the document can read to the creditor; only the server can make it. */
function verificationCode(purpose: string, id: string): string {
	return macHex(purpose, id).slice(0, 16).toUpperCase().match(/.{4}/g)!.join('-');
}

const methodOf = (p: Pick<PaymentRow, 'source' | 'method'>) => p.method;

/** The comprovante's figures for one payment of this agreement; null when the payment is not the agreement's. */
export async function receiptData(db: DbOrTx, agreementId: string, paymentId: string, now = new Date()): Promise<ReceiptData | null> {
	const [base, all, live] = await Promise.all([
		partiesOf(db, agreementId),
		paymentsOf(db, agreementId),
		db.select().from(installments).where(and(eq(installments.agreementId, agreementId), sql`${installments.supersededBy} is null`))
	]);
	const k = all.findIndex((p) => p.id === paymentId);
	if (!base || k < 0) return null;
	const p = all[k];
	const a = base.agreement;
	// Open now on the live slips, plus what later payments took: the balance right after this one
	// (a superseded slip's successor carries exactly the remainder it left).
	const openNow = live.filter((i) => i.status !== 'cancelled').reduce((s, i) => s + i.amountCents - (i.paidCents ?? 0), 0);
	const openAfterCents = openNow + all.slice(k + 1).reduce((s, q) => s + q.appliedCents, 0);
	const count = live.length;
	const label = p.kind === 'payoff' ? 'Quitação antecipada' : a.kind === 'cash' ? 'Pagamento à vista' : p.seq === 1 ? 'Entrada' : `Parcela ${p.seq}`;
	return {
		...base.parties,
		agreementCode: a.code,
		issuedAt: now.toISOString(),
		installment: { seq: p.seq, count: Math.max(count, p.seq), dueDate: p.dueDate, amountCents: p.installmentCents, label },
		payment: {
			amountCents: p.amountCents,
			appliedCents: p.appliedCents,
			creditedCents: p.creditedCents,
			method: methodOf(p),
			paidAt: p.paidAt.toISOString(),
			// A bank statement gives the day, not the hour (recorded at noon in São Paulo).
			dateOnly: p.source === 'manual' || p.source === 'statement',
			// Manual references are stored as "<staff id>:<reference>" to stay unique per source.
			// A statement entry without a Pix id is named by the bank's own id for it (FITID).
			reference: (p.externalId ?? '').replace(/^[0-9a-f-]{36}:/, '').replace(/^ofx:([^:]*):([^:]*):(.*)$/, 'extrato do banco $1, conta $2, lançamento $3') || p.id
		},
		openAfterCents,
		settled: a.status === 'settled' && openAfterCents === 0,
		verification: { code: verificationCode('receipt', p.id), url: base.verify }
	};
}

/** The termo de quitação's figures; null while the agreement is not settled. */
export async function quitacaoData(db: DbOrTx, agreementId: string, now = new Date()): Promise<QuitacaoData | null> {
	const [base, all, debtRows] = await Promise.all([
		partiesOf(db, agreementId),
		paymentsOf(db, agreementId),
		db
			.select({ contractId: debts.externalId, description: debts.description })
			.from(agreementDebts)
			.innerJoin(debts, eq(debts.id, agreementDebts.debtId))
			.where(eq(agreementDebts.agreementId, agreementId))
			.orderBy(asc(debts.dueDate), asc(debts.externalId))
	]);
	if (!base || base.agreement.status !== 'settled' || !base.agreement.settledAt) return null;
	const applied = all.filter((p) => p.appliedCents > 0);
	if (applied.length === 0) return null;
	// STJ Súmula 548 counted as the delisting webhook does: from the agreement's first payment.
	const fromDate = todayInSaoPaulo(applied.reduce((m, p) => (p.paidAt < m ? p.paidAt : m), applied[0].paidAt));
	return {
		...base.parties,
		agreementCode: base.agreement.code,
		issuedAt: now.toISOString(),
		settledAt: base.agreement.settledAt.toISOString(),
		debts: debtRows,
		payments: applied.map((p) => ({ seq: p.seq, paidAt: p.paidAt.toISOString(), dateOnly: p.source === 'manual', method: methodOf(p), appliedCents: p.appliedCents })),
		totalPaidCents: applied.reduce((s, p) => s + p.appliedCents, 0),
		delisting: { fromDate, deadline: delistingDeadline(fromDate) },
		verification: { code: verificationCode('quitacao', agreementId), url: base.verify }
	};
}

export type Verified =
	| { kind: 'receipt'; agreementCode: string; creditor: string; debtorName: string; debtorDocument: string; amountCents: number; paidAt: Date; dateOnly: boolean; label: string }
	| { kind: 'quitacao'; agreementCode: string; creditor: string; debtorName: string; debtorDocument: string; settledAt: Date; totalPaidCents: number };

/** "ABCD-EF01-2345-6789" however it was typed (spaces, lower case, no dashes); null when it cannot be one. */
export function normalizeVerificationCode(typed: string): string | null {
	const hex = typed.toUpperCase().replace(/[^0-9A-F]/g, '');
	return hex.length === 16 ? hex.match(/.{4}/g)!.join('-') : null;
}

/**
 * Whether a comprovante or termo de quitação of this creditor is genuine: its agreement code and
 * verification code, as printed on it. What it says comes back (the debtor named and masked as on
 * the document); anything else, including an agreement code that does not exist, is just null.
 */
export async function verify(db: DbOrTx, creditorId: string, agreementCode: string, typedCode: string): Promise<Verified | null> {
	const code = normalizeVerificationCode(typedCode);
	const agreementCodeNorm = agreementCode.trim().toUpperCase();
	if (!code || !/^[A-Z0-9-]{3,40}$/.test(agreementCodeNorm)) return null;
	const [a] = await db
		.select({ id: agreements.id, status: agreements.status })
		.from(agreements)
		.where(and(eq(agreements.creditorId, creditorId), eq(agreements.code, agreementCodeNorm)))
		.limit(1);
	if (!a) return null;
	const same = (x: string) => timingSafeEqual(Buffer.from(x), Buffer.from(code));
	if (a.status === 'settled' && same(verificationCode('quitacao', a.id))) {
		const q = await quitacaoData(db, a.id);
		if (q) return { kind: 'quitacao', agreementCode: q.agreementCode, creditor: q.creditor.tradeName ?? q.creditor.legalName, debtorName: q.debtor.name, debtorDocument: q.debtor.document, settledAt: new Date(q.settledAt), totalPaidCents: q.totalPaidCents };
	}
	const paid = (await paymentsOf(db, a.id)).find((p) => same(verificationCode('receipt', p.id)));
	if (!paid) return null;
	const r = await receiptData(db, a.id, paid.id);
	if (!r) return null;
	return { kind: 'receipt', agreementCode: r.agreementCode, creditor: r.creditor.tradeName ?? r.creditor.legalName, debtorName: r.debtor.name, debtorDocument: r.debtor.document, amountCents: r.payment.amountCents, paidAt: new Date(r.payment.paidAt), dateOnly: r.payment.dateOnly, label: r.installment.label };
}

export async function receiptPdf(db: DbOrTx, agreementId: string, paymentId: string): Promise<Buffer | null> {
	const data = await receiptData(db, agreementId, paymentId);
	return data ? renderReceiptPdf(data) : null;
}

export async function quitacaoPdf(db: DbOrTx, agreementId: string): Promise<Buffer | null> {
	const data = await quitacaoData(db, agreementId);
	return data ? renderQuitacaoPdf(data) : null;
}

/** What `recordPayment` says of a new payment (a duplicate never reaches here). */
export type Recorded = {
	payment: { id: string; amountCents: number; paidAt: Date; source: string };
	agreementId: string;
	agreementCode: string;
	installment: { seq: number };
	settled: boolean;
};

/** The words of the receipt message: plain, no threat, the creditor named (fraud: every message names it). */
export function receiptText(m: { creditor: string; amountCents: number; paidOn: string; code: string; seq: number; settled: boolean; link: string }): string {
	const paid = `recebemos seu pagamento de ${formatBRL(m.amountCents)} em ${formatDateBR(m.paidOn)} (acordo ${m.code}, parcela ${m.seq})`;
	return m.settled
		? `${m.creditor}: ${paid}. Seu acordo está quitado, obrigado! Comprovante e termo de quitação no portal: ${m.link}`
		: `${m.creditor}: ${paid}. Obrigado! Seu comprovante está no portal: ${m.link}`;
}

/**
 * Queues the receipt message of a payment just recorded, in the caller's transaction (the one that
 * recorded it). At settlement the same message says the agreement is settled: one message, not two.
 * Nothing is queued for a debtor without a mobile or an e-mail, or anonymised.
 */
/** Whom a receipt goes to, and from whom: read here, or handed over by a caller that already read it. */
export type ReceiptContact = {
	agencyId: string;
	creditorId: string;
	displayName: string;
	slug: string;
	host: string | null;
	debtorId: string;
	phone: string | null;
	email: string | null;
	anonymizedAt: Date | null;
};

export async function queue(tx: Tx, r: Recorded, contact?: ReceiptContact): Promise<string | null> {
	const [row] = contact
		? [contact]
		: await tx
				.select({
					agencyId: creditors.agencyId,
					creditorId: creditors.id,
					displayName: creditors.displayName,
					slug: creditors.slug,
					host: creditors.host,
					debtorId: debtors.id,
					phone: debtors.phone,
					email: debtors.email,
					anonymizedAt: debtors.anonymizedAt
				})
				.from(agreements)
				.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
				.innerJoin(debtors, eq(debtors.id, agreements.debtorId))
				.where(eq(agreements.id, r.agreementId));
	if (!row || row.anonymizedAt) return null;
	// The channel codes go to: a mobile by SMS, else the e-mail (e-mail also as the fallback).
	const mobile = row.phone && isMobileE164(row.phone) ? row.phone : null;
	const channel: messaging.Channel | null = mobile ? 'sms' : row.email ? 'email' : null;
	if (!channel) return null;
	const code = newShortCode();
	const now = new Date();
	const text = receiptText({
		creditor: row.displayName,
		amountCents: r.payment.amountCents,
		paidOn: todayInSaoPaulo(r.payment.paidAt),
		code: r.agreementCode,
		seq: r.installment.seq,
		settled: r.settled,
		link: `${portalBase(row).origin}/l/${code}`
	});
	const id = await messaging.enqueue(tx, {
		agencyId: row.agencyId,
		creditorId: row.creditorId,
		debtorId: row.debtorId,
		kind: 'receipt',
		channel,
		to: channel === 'sms' ? mobile! : row.email!,
		text,
		subject: channel === 'email' ? (r.settled ? `Acordo ${r.agreementCode} quitado` : `Comprovante de pagamento — acordo ${r.agreementCode}`) : null,
		fallback: channel === 'sms' && row.email ? ['email'] : []
	});
	await saveShortLinks(tx, [
		{
			code_hash: shortCodeHash(code),
			agency_id: row.agencyId,
			creditor_id: row.creditorId,
			debtor_id: row.debtorId,
			message_id: id,
			// A portal path (auth/cookies portalDestination): kept while the debtor types the code.
			target: `/acordos/${r.agreementCode}`,
			expires_at: new Date(now.getTime() + LINK_DAYS * 86_400_000).toISOString()
		}
	]);
	await jobs.enqueue(tx, 'deliver-messages', {}, { jobKey: 'deliver-messages' });
	return id;
}
