import { pgTable, uuid, text, timestamp, bigint, uniqueIndex, primaryKey, index, date } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { agencies, creditors } from './tenancy';
import { staff } from './staff';
import { agreements, installments } from './agreements';

/**
 * Pix PSP accounts (Pix API v2: OAuth2 client credentials over mTLS) of an agency, or of one of its
 * creditors: credentials sealed as messaging accounts are. A creditor's own account comes first,
 * then its agency's, then the environment's; with none, Pix stays the static BR Code.
 */
export const pspAccounts = pgTable(
	'psp_accounts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		/** null: the agency's account, for its creditors without their own. */
		creditorId: uuid('creditor_id').references(() => creditors.id),
		sealed: text('sealed').notNull(),
		/** What staff may see of it (the PSP's name, the client id), never a secret. */
		label: text('label').notNull(),
		createdBy: uuid('created_by').references(() => staff.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('psp_accounts_agency').on(t.agencyId).where(sql`creditor_id is null`),
		uniqueIndex('psp_accounts_creditor').on(t.creditorId).where(sql`creditor_id is not null`)
	]
);

/** Webhook URLs registered with a PSP per Pix key (`PUT /webhook/{chave}`): registered once per URL. */
export const pspWebhooks = pgTable(
	'psp_webhooks',
	{
		/** `env` or a psp_accounts id. */
		accountId: text('account_id').notNull(),
		chave: text('chave').notNull(),
		/** SHA-256 of the URL (it holds the webhook secret): a new URL or secret registers again. */
		urlHash: text('url_hash').notNull(),
		registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [primaryKey({ columns: [t.accountId, t.chave] })]
);

/** How far each account's received Pix have been swept (`GET /pix?inicio&fim`). */
export const pspSweeps = pgTable('psp_sweeps', {
	accountId: text('account_id').primaryKey(),
	sweptUntil: timestamp('swept_until', { withTimezone: true }).notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

/** Status of a Pix Automático recurrence at the PSP (Pix API 2.9.0, RecStatus); null before it exists there. */
export type RecurrenceStatus = 'CRIADA' | 'APROVADA' | 'REJEITADA' | 'EXPIRADA' | 'CANCELADA';
/** Status of a recurring charge (CobRStatus). */
export type RecurringChargeStatus = 'CRIADA' | 'ATIVA' | 'CONCLUIDA' | 'EXPIRADA' | 'REJEITADA' | 'CANCELADA';

/**
 * Pix Automático (JORNADA_3): the entry of an agreement is an immediate charge (`cob`) whose QR code
 * also asks the payer to authorise monthly debits of the remaining installments (`rec`). One per
 * agreement. Its status is the PSP's, confirmed with `GET /rec/{idRec}`, never a webhook's word alone.
 */
export const pixRecurrences = pgTable(
	'pix_recurrences',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agreementId: uuid('agreement_id')
			.notNull()
			.unique()
			.references(() => agreements.id),
		/** `env` or a psp_accounts id. */
		accountId: text('account_id').notNull(),
		entryInstallmentId: uuid('entry_installment_id')
			.notNull()
			.references(() => installments.id),
		/** The entry's cob, `ativacao.dadosJornada.txid`. */
		entryTxid: text('entry_txid').notNull(),
		/** The recurrence's payload location (`POST /locrec`), kept before `POST /rec` so a retry finds the rec made. */
		locrecId: text('locrec_id'),
		idRec: text('id_rec').unique(),
		status: text('status').$type<RecurrenceStatus>(),
		/** The composite QR (`dadosQR.pixCopiaECola`, JORNADA_3): the entry's charge plus the authorisation. */
		copiaECola: text('copia_e_cola'),
		politicaRetentativa: text('politica_retentativa').$type<'NAO_PERMITE' | 'PERMITE_3R_7D'>().notNull(),
		/** Who asked for the cancellation: `debtor`, or `agreement` (settled, broken or cancelled). */
		cancelledBy: text('cancelled_by'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('pix_recurrences_status').on(t.status)]
);

/** A recurring charge (`cobr`) of one installment under an approved recurrence: created once, 10 to 2 days before its due date. */
export const pixRecurringCharges = pgTable(
	'pix_recurring_charges',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		recurrenceId: uuid('recurrence_id')
			.notNull()
			.references(() => pixRecurrences.id),
		installmentId: uuid('installment_id')
			.notNull()
			.references(() => installments.id),
		/** Fixed before `PUT /cobr/{txid}`, so a retry sends the same PUT. */
		txid: text('txid').notNull().unique(),
		dueDate: date('due_date', { mode: 'string' }).notNull(),
		amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
		/** null: not yet accepted by the PSP. */
		status: text('status').$type<RecurringChargeStatus>(),
		/** The debit's Pix once recorded: a replayed notification then asks the PSP nothing. */
		endToEndId: text('end_to_end_id'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('pix_recurring_charges_once').on(t.recurrenceId, t.installmentId)]
);
