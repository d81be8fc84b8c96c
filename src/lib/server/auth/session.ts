import { createHash } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { eq, sql } from 'drizzle-orm';
import { preparedQuery, type DbOrTx } from '../db/client';
import { debtorSessions, debtors } from '../db/schema';

// Sessions as the Lucia guide teaches: a random token goes to the cookie; only its SHA-256 is stored.
export const SESSION_COOKIE = 'acerto_session';

export type SessionDebtor = { id: string; agencyId: string; name: string; document: string };
export type Session = { id: string; debtorId: string; agencyId: string; expiresAt: Date };

export function generateSessionToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** The token's SHA-256 in hex (node's native hash: every portal request computes it). */
export function sessionIdFromToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

export async function createSession(
	db: DbOrTx,
	token: string,
	debtor: { id: string; agencyId: string },
	idleMinutes: number,
	now = new Date()
): Promise<Session> {
	const session: Session = {
		id: sessionIdFromToken(token),
		debtorId: debtor.id,
		agencyId: debtor.agencyId,
		expiresAt: new Date(now.getTime() + idleMinutes * 60_000)
	};
	await db.insert(debtorSessions).values(session);
	return session;
}

/**
 * The columns that validate a session, for a query that selects them with its own data (the
 * portal's busiest pages check the session in their page's statement: see `guards.requireDebtorIn`).
 */
export const sessionColumns = {
	session: { id: debtorSessions.id, debtorId: debtorSessions.debtorId, agencyId: debtorSessions.agencyId, expiresAt: debtorSessions.expiresAt },
	debtor: { id: debtors.id, agencyId: debtors.agencyId, name: debtors.name, document: debtors.document }
};

export type SessionRow = { session: Session; debtor: SessionDebtor };
export type ValidSession = SessionRow & { refreshed: boolean };

// Every portal request that does not check the session in its own query runs it: built once.
const sessionById = preparedQuery((db) =>
	db
		.select(sessionColumns)
		.from(debtorSessions)
		.innerJoin(debtors, eq(debtors.id, debtorSessions.debtorId))
		.where(eq(debtorSessions.id, sql.placeholder('id')))
		.limit(1)
		.prepare('debtor_session_by_id')
);

/**
 * Looks the session up by the token's hash; expired sessions are deleted; an active one slides
 * forward (idle timeout) at most once a minute so that reads do not each cost a write.
 */
export async function validateSessionToken(db: DbOrTx, token: string, idleMinutes: number, now = new Date()): Promise<ValidSession | null> {
	const rows = await sessionById(db).execute({ id: sessionIdFromToken(token) });
	return settleSession(db, rows[0], idleMinutes, now);
}

/**
 * What a session row found (by `validateSessionToken` or a page's own query) means now: `null` when
 * there is none or it expired (then deleted); an active one slides forward at most once a minute.
 */
export async function settleSession(db: DbOrTx, row: SessionRow | null | undefined, idleMinutes: number, now = new Date()): Promise<ValidSession | null> {
	if (!row) return null;
	const session: Session = { ...row.session };
	if (now.getTime() >= session.expiresAt.getTime()) {
		await db.delete(debtorSessions).where(eq(debtorSessions.id, session.id));
		return null;
	}
	const idleMs = idleMinutes * 60_000;
	const refreshed = session.expiresAt.getTime() - now.getTime() < idleMs - 60_000;
	if (refreshed) {
		session.expiresAt = new Date(now.getTime() + idleMs);
		await db.update(debtorSessions).set({ expiresAt: session.expiresAt }).where(eq(debtorSessions.id, session.id));
	}
	return { session, debtor: row.debtor, refreshed };
}

export async function invalidateSession(db: DbOrTx, sessionId: string): Promise<void> {
	await db.delete(debtorSessions).where(eq(debtorSessions.id, sessionId));
}
