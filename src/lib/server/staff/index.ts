import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client';
import { creditors, staff, staffSessions, type StaffRole } from '../db/schema';
import { generateSessionToken, sessionIdFromToken } from '../auth/session';
import * as rateLimit from '../auth/rate-limit';
import * as audit from '../audit';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords';
import { newTotpKey, openTotpKey, sealTotpKey, totpStep, totpUri } from './totp';
import { ROLES, type StaffPrincipal } from './roles';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';

export * from './roles';
export type { StaffRole } from '../db/schema';

export const STAFF_COOKIE = 'acerto_staff';
export const ABSOLUTE_HOURS = 8;
export const IDLE_MINUTES = 30;
const INVITE_DAYS = 7;

export type StaffSession = typeof staffSessions.$inferSelect;

function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

/** Invites a person: creates the account without a password and returns the one-time token. */
export async function invite(
	tx: DbOrTx,
	input: { agencyId: string; email: string; name?: string; role: StaffRole; creditorId?: string | null },
	actor: { type: 'staff' | 'cli'; id?: string | null }
): Promise<{ ok: true; token: string; staffId: string } | { ok: false; message: string }> {
	const email = normalizeEmail(input.email);
	if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { ok: false, message: 'E-mail inválido.' };
	if (!ROLES.includes(input.role)) return { ok: false, message: 'Papel inválido.' };
	if (input.role === 'creditor_manager' && !input.creditorId) {
		return { ok: false, message: 'Um gestor de credor precisa de um credor.' };
	}
	if (input.role === 'agency_admin' && input.creditorId) {
		return { ok: false, message: 'Um administrador da assessoria não se limita a um credor.' };
	}
	if (input.creditorId) {
		const c = await tx.query.creditors.findFirst({ where: and(eq(creditors.id, input.creditorId), eq(creditors.agencyId, input.agencyId)) });
		if (!c) return { ok: false, message: 'Credor não encontrado nesta assessoria.' };
	}
	const existing = await tx.query.staff.findFirst({ where: eq(staff.email, email) });
	if (existing && existing.passwordHash) return { ok: false, message: 'Já existe uma conta com este e-mail.' };
	const token = generateSessionToken();
	const values = {
		agencyId: input.agencyId,
		email,
		name: input.name?.trim() ?? '',
		role: input.role,
		creditorId: input.creditorId ?? null,
		inviteTokenHash: sessionIdFromToken(token),
		inviteExpiresAt: new Date(Date.now() + INVITE_DAYS * 86_400_000)
	};
	const [row] = existing
		? await tx.update(staff).set(values).where(eq(staff.id, existing.id)).returning()
		: await tx.insert(staff).values(values).returning();
	await audit.record(tx, {
		agencyId: input.agencyId,
		actorType: actor.type,
		actorId: actor.id ?? null,
		action: 'staff.invite',
		entity: 'staff',
		entityId: row.id,
		data: { after: { email, role: input.role, creditorId: values.creditorId } }
	});
	return { ok: true, token, staffId: row.id };
}

export async function inviteFor(db: DbOrTx, token: string) {
	const person = await db.query.staff.findFirst({ where: eq(staff.inviteTokenHash, sessionIdFromToken(token)) });
	if (!person || !person.inviteExpiresAt || person.inviteExpiresAt.getTime() < Date.now() || person.disabledAt) return null;
	return person;
}

/** The invited person sets a password; the invitation cannot be used again. */
export async function acceptInvite(
	db: Db,
	input: { token: string; name: string; password: string; confirm: string }
): Promise<{ ok: true; staffId: string } | { ok: false; message: string }> {
	return db.transaction(async (tx) => {
		const person = await inviteFor(tx, input.token);
		if (!person) return { ok: false, message: 'Este convite expirou ou já foi usado. Peça um novo convite.' };
		if (input.password !== input.confirm) return { ok: false, message: 'As senhas não conferem.' };
		const problem = passwordProblem(input.password, person.email);
		if (problem) return { ok: false, message: problem };
		if (input.name.trim().length < 2) return { ok: false, message: 'Informe seu nome.' };
		await tx
			.update(staff)
			.set({ passwordHash: await hashPassword(input.password), name: input.name.trim(), inviteTokenHash: null, inviteExpiresAt: null })
			.where(eq(staff.id, person.id));
		await audit.record(tx, { agencyId: person.agencyId, actorType: 'staff', actorId: person.id, action: 'staff.accept_invite', entity: 'staff', entityId: person.id });
		return { ok: true, staffId: person.id };
	});
}

const LOGIN_REFUSED = 'E-mail ou senha incorretos.';
/** Wrong passwords per (e-mail, place) and per place, every 15 minutes. */
const LOGIN_TRIES_PER_PLACE = 10;
const LOGIN_TRIES_PER_ADDRESS = 50;
const TOO_MANY = 'Muitas tentativas. Aguarde alguns minutos e tente de novo.';

/**
 * Password step. The same message, and the same argon2 work, whether the e-mail exists or not.
 * Wrong passwords are limited per (e-mail, client address) and per client address, in PostgreSQL
 * so across processes: a run of wrong passwords from one place never refuses the right password
 * from another, and the right password clears that place's count.
 */
export async function login(
	db: Db,
	input: { email: string; password: string; ip: string }
): Promise<{ ok: true; token: string; session: StaffSession; needsTotp: boolean } | { ok: false; message: string }> {
	const email = normalizeEmail(input.email);
	const source = rateLimit.clientKey(input.ip);
	const pairKey = `staff-login:${source}:${email}`;
	const okPair = await rateLimit.hit(db, pairKey, LOGIN_TRIES_PER_PLACE, 900);
	const sourceKey = `staff-login:ip:${source}`;
	const okSource = await rateLimit.hit(db, sourceKey, LOGIN_TRIES_PER_ADDRESS, 900);
	if (!okPair || !okSource) return { ok: false, message: TOO_MANY };
	const person = await db.query.staff.findFirst({ where: and(eq(staff.email, email), isNull(staff.disabledAt)) });
	const valid = await verifyPassword(person?.passwordHash ?? (await decoyHash()), input.password);
	if (!person || !person.passwordHash || !valid) {
		if (person) await audit.record(db, { agencyId: person.agencyId, actorType: 'staff', actorId: person.id, action: 'staff.login_failed', ip: input.ip });
		return { ok: false, message: LOGIN_REFUSED };
	}
	// Only wrong passwords count against the place: an office of many people behind one address
	// signs in every morning without spending the guesses the limit is there to stop.
	await rateLimit.clear(db, pairKey);
	await rateLimit.giveBack(db, sourceKey, 900);
	const token = generateSessionToken();
	const now = Date.now();
	const needsTotp = person.totpKey !== null;
	const [session] = await db
		.insert(staffSessions)
		.values({
			id: sessionIdFromToken(token),
			staffId: person.id,
			twoFactorVerified: !needsTotp,
			expiresAt: new Date(now + IDLE_MINUTES * 60_000),
			absoluteExpiresAt: new Date(now + ABSOLUTE_HOURS * 3_600_000)
		})
		.returning();
	if (!needsTotp) await recordLogin(db, person, input.ip);
	return { ok: true, token, session, needsTotp };
}

async function recordLogin(db: DbOrTx, person: { id: string; agencyId: string }, ip: string) {
	await db.update(staff).set({ lastLoginAt: new Date() }).where(eq(staff.id, person.id));
	await audit.record(db, { agencyId: person.agencyId, actorType: 'staff', actorId: person.id, action: 'staff.login', ip });
}

/**
 * Second step for people with TOTP: at most 5 codes per person per 15 minutes, however many
 * sessions ask (a stolen password cannot buy more guesses by signing in again), and each code
 * is accepted once: its time step is stored, and only a later one is accepted after it.
 */
export async function verifySecondFactor(db: Db, session: StaffSession, code: string, ip: string): Promise<{ ok: true } | { ok: false; message: string }> {
	if (!(await rateLimit.hit(db, `staff-totp:${session.staffId}`, 5, 900))) return { ok: false, message: TOO_MANY };
	const person = await db.query.staff.findFirst({ where: eq(staff.id, session.staffId) });
	const step = person?.totpKey ? totpStep(openTotpKey(person.totpKey), code.replace(/\s/g, '')) : null;
	if (!person || step === null || !(await spendStep(db, person.id, step))) {
		return { ok: false, message: 'Código incorreto. Confira o aplicativo autenticador.' };
	}
	await db.update(staffSessions).set({ twoFactorVerified: true }).where(eq(staffSessions.id, session.id));
	await recordLogin(db, person, ip);
	return { ok: true };
}

export type Confirmed = { ok: true } | { ok: false; field: 'senhaAtual' | 'codigoTotp'; message: string };

/**
 * Asks a signed-in person to prove it is them again before a sensitive change (where the money
 * goes): their password and, when they use TOTP, a fresh code (spent like a sign-in code).
 * Tries are limited per person, as the second factor's are.
 */
export async function confirmIdentity(db: Db, who: Pick<StaffPrincipal, 'id'>, input: { password: string; totp?: string }): Promise<Confirmed> {
	if (!input.password) return { ok: false, field: 'senhaAtual', message: 'Para mudar os dados de pagamento, confirme com a sua senha.' };
	if (!(await rateLimit.hit(db, `staff-confirm:${who.id}`, 5, 900))) return { ok: false, field: 'senhaAtual', message: TOO_MANY };
	const person = await db.query.staff.findFirst({ where: and(eq(staff.id, who.id), isNull(staff.disabledAt)) });
	if (!person?.passwordHash || !(await verifyPassword(person.passwordHash, input.password))) {
		return { ok: false, field: 'senhaAtual', message: 'Senha incorreta. Nada foi alterado.' };
	}
	if (person.totpKey) {
		const step = totpStep(openTotpKey(person.totpKey), (input.totp ?? '').replace(/\s/g, ''));
		if (step === null || !(await spendStep(db, person.id, step))) {
			return { ok: false, field: 'codigoTotp', message: 'Código do aplicativo autenticador incorreto. Nada foi alterado.' };
		}
	}
	return { ok: true };
}

/** Records `step` as the last one used, unless it (or a later one) already was: false then. */
async function spendStep(db: DbOrTx, staffId: string, step: number): Promise<boolean> {
	const rows = await db
		.update(staff)
		.set({ totpLastStep: step })
		.where(and(eq(staff.id, staffId), or(isNull(staff.totpLastStep), lt(staff.totpLastStep, step))))
		.returning({ id: staff.id });
	return rows.length === 1;
}

/**
 * Validates a staff session: 8 h absolute, 30 min idle (sliding, written at most once a minute).
 * Returns the person too; a disabled account's sessions stop working at once.
 */
export async function validateSession(db: DbOrTx, token: string, now = new Date()): Promise<{ session: StaffSession; staff: StaffPrincipal & { hasTotp: boolean } } | null> {
	const id = sessionIdFromToken(token);
	const rows = await db.select({ session: staffSessions, person: staff }).from(staffSessions).innerJoin(staff, eq(staff.id, staffSessions.staffId)).where(eq(staffSessions.id, id)).limit(1);
	const row = rows[0];
	if (!row) return null;
	const t = now.getTime();
	if (t >= row.session.expiresAt.getTime() || t >= row.session.absoluteExpiresAt.getTime() || row.person.disabledAt) {
		await db.delete(staffSessions).where(eq(staffSessions.id, id));
		return null;
	}
	const idle = IDLE_MINUTES * 60_000;
	if (row.session.expiresAt.getTime() - t < idle - 60_000) {
		row.session.expiresAt = new Date(Math.min(t + idle, row.session.absoluteExpiresAt.getTime()));
		await db.update(staffSessions).set({ expiresAt: row.session.expiresAt }).where(eq(staffSessions.id, id));
	}
	const p = row.person;
	return {
		session: row.session,
		staff: { id: p.id, agencyId: p.agencyId, role: p.role, creditorId: p.creditorId, email: p.email, name: p.name, hasTotp: p.totpKey !== null }
	};
}

export async function logout(db: DbOrTx, sessionId: string): Promise<void> {
	await db.delete(staffSessions).where(eq(staffSessions.id, sessionId));
}

/** Starts TOTP enrolment: a new key, kept by the caller (sealed) until a first code confirms it. */
export function beginTotp(email: string): { sealed: string; uri: string; secret: string } {
	const key = newTotpKey();
	const secret = encodeBase32UpperCaseNoPadding(key);
	return { sealed: sealTotpKey(key), uri: totpUri(email, key), secret };
}

export async function confirmTotp(db: Db, who: StaffPrincipal, sealed: string, code: string): Promise<{ ok: true } | { ok: false; message: string }> {
	let key: Uint8Array;
	try {
		key = openTotpKey(sealed);
	} catch {
		return { ok: false, message: 'A configuração expirou. Comece de novo.' };
	}
	const step = totpStep(key, code.replace(/\s/g, ''));
	if (step === null) return { ok: false, message: 'Código incorreto. Confira o aplicativo autenticador e tente de novo.' };
	await db.transaction(async (tx) => {
		// The confirming code is spent too: it cannot be replayed to sign in.
		await tx.update(staff).set({ totpKey: sealed, totpLastStep: step }).where(eq(staff.id, who.id));
		await audit.record(tx, { agencyId: who.agencyId, actorType: 'staff', actorId: who.id, action: 'staff.totp_enable', entity: 'staff', entityId: who.id });
	});
	return { ok: true };
}
