import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, timestamp, integer, bigint, date, uniqueIndex, index, check } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';

/** A debtor is identified per agency by document (CPF 11 digits or CNPJ 14 chars, no punctuation, upper case). */
export const debtors = pgTable(
	'debtors',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		document: text('document').notNull(),
		name: text('name').notNull(),
		/** E.164, e.g. +5511987654321 */
		phone: text('phone'),
		email: text('email'),
		state: text('state'),
		/** Postal address, needed to register a boleto (the payer's segment Q); null until imported or typed. UF is `state`. */
		addressStreet: text('address_street'),
		addressNumber: text('address_number'),
		addressComplement: text('address_complement'),
		addressDistrict: text('address_district'),
		/** 8 digits. */
		addressCep: text('address_cep'),
		addressCity: text('address_city'),
		/**
		 * The creditor whose portfolio last set the name and contacts (null: the agency itself). Staff
		 * of another creditor see these contacts masked: a debt placed by one creditor never opens
		 * what another creditor placed.
		 */
		dataCreditorId: uuid('data_creditor_id').references(() => creditors.id),
		/** LGPD: set when personal data was replaced by placeholders. */
		anonymizedAt: timestamp('anonymized_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('debtors_agency_document').on(t.agencyId, t.document),
		index('debtors_agency_name').on(t.agencyId, t.name),
		index('debtors_agency_phone').on(t.agencyId, t.phone)
	]
);

export type DebtStatus = 'open' | 'in_agreement' | 'settled' | 'written_off';

export const debts = pgTable(
	'debts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		debtorId: uuid('debtor_id')
			.notNull()
			.references(() => debtors.id),
		/** The creditor's own contract id (CSV column debt_id). */
		externalId: text('external_id').notNull(),
		description: text('description').notNull(),
		dueDate: date('due_date', { mode: 'string' }).notNull(),
		principalCents: bigint('principal_cents', { mode: 'number' }).notNull(),
		/** Basis points (200 = 2 %); null means the creditor policy's default. */
		lateFeeBp: integer('late_fee_bp'),
		/** Basis points per month (100 = 1 % a.m.); null means the creditor policy's default. */
		interestMonthlyBp: integer('interest_monthly_bp'),
		status: text('status').$type<DebtStatus>().notNull().default('open'),
		/** Why a debt left the portal outside an agreement (paid elsewhere, written off). */
		closedReason: text('closed_reason'),
		closedAt: timestamp('closed_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('debts_creditor_external').on(t.creditorId, t.externalId),
		index('debts_debtor_status').on(t.debtorId, t.status),
		// One debt fits one boleto (R$ 99.999.999,99): see MAX_AMOUNT_CENTS.
		check('debts_principal_range', sql`${t.principalCents} between 1 and 9999999999`)
	]
);
