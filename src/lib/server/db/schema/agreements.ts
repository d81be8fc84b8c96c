import { sql } from 'drizzle-orm';
import { pgSequence, pgTable, uuid, text, timestamp, integer, bigint, date, jsonb, uniqueIndex, index, primaryKey, check, boolean } from 'drizzle-orm/pg-core';
import { creditors } from './tenancy';
import { debtors, debts } from './debts';

/** Boleto nosso número: one sequence for the deployment keeps it unique per creditor too. */
export const nossoNumeroSeq = pgSequence('nosso_numero_seq', { startWith: 1000 });

import type { AgreementStatus, InstallmentStatus } from '../../../agreements/status';
export type { AgreementStatus, InstallmentStatus };
/** See `$lib/agreements/status` for what each means and its label; changes go through `agreements/lifecycle`. */
/** 'payoff': the one installment that replaced the open ones when the debtor paid early (CDC art. 52 §2). */
export type InstallmentKind = 'regular' | 'payoff';

export const agreements = pgTable(
	'agreements',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** Human-facing unique code, e.g. AC-7K3M-9QXF. */
		code: text('code').notNull().unique(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		policyVersion: integer('policy_version').notNull(),
		status: text('status').$type<AgreementStatus>().notNull().default('active'),
		kind: text('kind').$type<'cash' | 'installments'>().notNull(),
		updatedTotalCents: bigint('updated_total_cents', { mode: 'number' }).notNull(),
		discountCents: bigint('discount_cents', { mode: 'number' }).notNull(),
		interestCents: bigint('interest_cents', { mode: 'number' }).notNull().default(0),
		totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
		installmentCount: integer('installment_count').notNull(),
		/** Monthly interest on installments, basis points. */
		interestMonthlyBp: integer('interest_monthly_bp').notNull().default(0),
		/** Effective monthly rate (CET) in millionths, e.g. 15000 = 1.5 %. */
		cetMonthlyPpm: integer('cet_monthly_ppm'),
		breakToleranceDays: integer('break_tolerance_days').notNull(),
		/** Whether the tolerance counts business days (no weekends, no national holidays) or calendar days. */
		breakToleranceBusinessDays: boolean('break_tolerance_business_days').notNull().default(false),
		/** Interest waived by an early payoff (CDC art. 52 §2): paid + credited + open + this = total. */
		payoffRebateCents: bigint('payoff_rebate_cents', { mode: 'number' }).notNull().default(0),
		brokenAt: timestamp('broken_at', { withTimezone: true }),
		/** The whole offer as computed by the server when accepted. */
		terms: jsonb('terms').notNull(),
		acceptedIp: text('accepted_ip'),
		cancelReason: text('cancel_reason'),
		cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
		settledAt: timestamp('settled_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('agreements_debtor').on(t.debtorId),
		index('agreements_creditor_updated').on(t.creditorId, t.updatedAt),
		index('agreements_active_status').on(t.status).where(sql`${t.status} = 'active'`),
		// Every agreement total fits one boleto and one Pix amount (see MAX_AMOUNT_CENTS).
		check('agreements_total_range', sql`${t.totalCents} between 1 and 9999999999`)
	]
);

export const agreementDebts = pgTable(
	'agreement_debts',
	{
		agreementId: uuid('agreement_id')
			.notNull()
			.references(() => agreements.id),
		debtId: uuid('debt_id')
			.notNull()
			.references(() => debts.id),
		originalCents: bigint('original_cents', { mode: 'number' }).notNull(),
		lateFeeCents: bigint('late_fee_cents', { mode: 'number' }).notNull(),
		interestCents: bigint('interest_cents', { mode: 'number' }).notNull(),
		/** Credit from earlier payments the agreement used (an 'applied' debt credit). */
		creditCents: bigint('credit_cents', { mode: 'number' }).notNull().default(0),
		/** original + late fee + interest − credit. */
		updatedCents: bigint('updated_cents', { mode: 'number' }).notNull()
	},
	(t) => [primaryKey({ columns: [t.agreementId, t.debtId] }), index('agreement_debts_debt').on(t.debtId)]
);

export const installments = pgTable(
	'installments',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agreementId: uuid('agreement_id')
			.notNull()
			.references(() => agreements.id),
		seq: integer('seq').notNull(),
		dueDate: date('due_date', { mode: 'string' }).notNull(),
		amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
		status: text('status').$type<InstallmentStatus>().notNull().default('pending'),
		kind: text('kind').$type<InstallmentKind>().notNull().default('regular'),
		/** Pix txid: 25 alphanumerics (static BR Code field 62-05 limit), unique per installment. */
		txid: text('txid').notNull().unique(),
		/** Boleto nosso número, unique per creditor. */
		nossoNumero: text('nosso_numero').notNull(),
		// Where the money goes, frozen when the installment is issued: a later change of the
		// creditor's settings never re-routes a slip the debtor already holds.
		pixKey: text('pix_key').notNull(),
		pixMerchantName: text('pix_merchant_name').notNull(),
		pixMerchantCity: text('pix_merchant_city').notNull(),
		boletoBankCode: text('boleto_bank_code').notNull(),
		boletoAgency: text('boleto_agency').notNull(),
		boletoAccount: text('boleto_account').notNull(),
		boletoWallet: text('boleto_wallet').notNull(),
		// The dynamic Pix charge (cobv) at the PSP, when the creditor has one: created the first time
		// the debtor opens the installment. API txids are 26–35 characters, the static one 25.
		pspAccount: text('psp_account'),
		/** Which kind of charge `pspTxid` is: `cobv` (null, the default) or `cob`, the entry of a Pix Automático plan (JORNADA_3). */
		pspKind: text('psp_kind').$type<'cob' | 'cobv'>(),
		pspTxid: text('psp_txid').unique(),
		/** The charge's payload URL (`loc.location`): the dynamic BR Code points at it. */
		pspLocation: text('psp_location'),
		pspStatus: text('psp_status').$type<'ATIVA' | 'CONCLUIDA' | 'REMOVIDA_PELO_USUARIO_RECEBEDOR' | 'REMOVIDA_PELO_PSP'>(),
		/** What the charge asks (`valor.original`): the code is shown only while it equals the open amount. */
		pspAmountCents: bigint('psp_amount_cents', { mode: 'number' }),
		paidAt: timestamp('paid_at', { withTimezone: true }),
		/** What payments applied to this installment (at most its amount; any excess is a credit). */
		paidCents: bigint('paid_cents', { mode: 'number' }),
		/** When a due date changes, the old slip is cancelled and points to its replacement. */
		supersededBy: uuid('superseded_by'),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		// One live installment per position; cancelled (superseded) ones stay for the record.
		uniqueIndex('installments_agreement_seq_live').on(t.agreementId, t.seq).where(sql`status <> 'cancelled'`),
		check('installments_amount_range', sql`${t.amountCents} between 1 and 9999999999`)
	]
);
