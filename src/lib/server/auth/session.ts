import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
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

export function sessionIdFromToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
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

// Every portal request runs it: built once.
const sessionById = preparedQuery((db) =>
	db
		.select({ session: debtorSessions, debtor: { id: debtors.id, agencyId: debtors.agencyId, name: debtors.name, document: debtors.document } })
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
export async function validateSessionToken(
	db: DbOrTx,
	token: string,
	idleMinutes: number,
	now = new Date()
): Promise<{ session: Session; debtor: SessionDebtor; refreshed: boolean } | null> {
	const id = sessionIdFromToken(token);
	const rows = await sessionById(db).execute({ id });
	const row = rows[0];
	if (!row) return null;
	const session: Session = row.session;
	if (now.getTime() >= session.expiresAt.getTime()) {
		await db.delete(debtorSessions).where(eq(debtorSessions.id, id));
		return null;
	}
	const idleMs = idleMinutes * 60_000;
	const refreshed = session.expiresAt.getTime() - now.getTime() < idleMs - 60_000;
	if (refreshed) {
		session.expiresAt = new Date(now.getTime() + idleMs);
		await db.update(debtorSessions).set({ expiresAt: session.expiresAt }).where(eq(debtorSessions.id, id));
	}
	return { session, debtor: row.debtor, refreshed };
}

export async function invalidateSession(db: DbOrTx, sessionId: string): Promise<void> {
	await db.delete(debtorSessions).where(eq(debtorSessions.id, sessionId));
}
