import { pgTable, uuid, text, timestamp, boolean, bigint, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { agencies, creditors } from './tenancy';

/**
 * Roles, widest first:
 * - agency_admin: every creditor of the agency, staff, audit log;
 * - creditor_manager: one creditor (brand, policy, uploads, API keys);
 * - operator: reads, and acts on agreements (cancel, due date, manual payment);
 * - viewer: reads.
 * A creditor_id scopes creditor_manager always, and operator/viewer when set.
 */
export type StaffRole = 'agency_admin' | 'creditor_manager' | 'operator' | 'viewer';

export const staff = pgTable(
	'staff',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agencyId: uuid('agency_id')
			.notNull()
			.references(() => agencies.id),
		creditorId: uuid('creditor_id').references(() => creditors.id),
		email: text('email').notNull(),
		name: text('name').notNull().default(''),
		role: text('role').$type<StaffRole>().notNull(),
		/** argon2id; null until the invitation is accepted. */
		passwordHash: text('password_hash'),
		/** TOTP secret (base32), set once the person confirms a first code. */
		totpKey: text('totp_key'),
		/** The last TOTP time step accepted: a code is good once (RFC 6238 §5.2). */
		totpLastStep: bigint('totp_last_step', { mode: 'number' }),
		/** SHA-256 hex of the one-time invitation token. */
		inviteTokenHash: text('invite_token_hash'),
		inviteExpiresAt: timestamp('invite_expires_at', { withTimezone: true }),
		disabledAt: timestamp('disabled_at', { withTimezone: true }),
		lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [uniqueIndex('staff_email').on(t.email), index('staff_agency').on(t.agencyId)]
);

/** Staff sessions (Lucia guide): only the token's SHA-256 is stored; 8 h absolute, 30 min idle. */
export const staffSessions = pgTable(
	'staff_sessions',
	{
		id: text('id').primaryKey(),
		staffId: uuid('staff_id')
			.notNull()
			.references(() => staff.id),
		/** False between the password and the TOTP code for people with a second factor. */
		twoFactorVerified: boolean('two_factor_verified').notNull().default(false),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		absoluteExpiresAt: timestamp('absolute_expires_at', { withTimezone: true }).notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('staff_sessions_staff').on(t.staffId)]
);
