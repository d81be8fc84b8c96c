import { pgTable, uuid, text, timestamp, integer, jsonb, uniqueIndex, index } from 'drizzle-orm/pg-core';

export const agencies = pgTable('agencies', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull(),
	cnpj: text('cnpj').notNull().unique(),
	/** Collection contacts per debtor across the agency's creditors and channels (within the law). */
	contactPerDay: integer('contact_per_day').notNull().default(1),
	contactPerWeek: integer('contact_per_week').notNull().default(3),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
});

export const creditors = pgTable(
	'creditors',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		legalName: text('legal_name').notNull(),
		cnpj: text('cnpj').notNull(),
		address: text('address').notNull(),
		displayName: text('display_name').notNull(),
		/** A data: URL of the PNG drawn from the upload; older rows may hold an SVG or JPEG (served as a PNG drawn from it). */
		logo: text('logo'),
		primaryColor: text('primary_color').notNull().default('#1d4ed8'),
		slug: text('slug').notNull().unique(),
		host: text('host').unique(),
		pixKey: text('pix_key').notNull(),
		pixMerchantName: text('pix_merchant_name').notNull(),
		pixMerchantCity: text('pix_merchant_city').notNull(),
		boletoBankCode: text('boleto_bank_code').notNull().default('237'),
		boletoAgency: text('boleto_agency').notNull().default('0001'),
		boletoAccount: text('boleto_account').notNull().default('0000001'),
		boletoWallet: text('boleto_wallet').notNull().default('09'),
		/** Sender shown on SMS/WhatsApp and the From name of e-mails. */
		smsSender: text('sms_sender'),
		emailSenderName: text('email_sender_name'),
		/** The creditor's own WhatsApp number (Cloud API phone number id); null: the agency's. */
		whatsappPhoneNumberId: text('whatsapp_phone_number_id'),
		/** LGPD: days after the last debt is closed before the debtor's data may be anonymised. */
		retentionDays: integer('retention_days').notNull().default(1825),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('creditors_agency_cnpj').on(t.agencyId, t.cnpj), index('creditors_agency').on(t.agencyId)]
);

/** Offer policies are versioned: the newest version is in force; agreements keep the one they used. */
export const policies = pgTable(
	'policies',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		creditorId: uuid('creditor_id')
			.notNull()
			.references(() => creditors.id),
		version: integer('version').notNull(),
		body: jsonb('body').notNull(),
		/** Staff who published it; null for the CLI and the demo seed. */
		createdBy: uuid('created_by'),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('policies_creditor_version').on(t.creditorId, t.version)]
);
