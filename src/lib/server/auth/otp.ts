import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/client';
import { debtors, otpChallenges } from '../db/schema';
import * as messaging from '../messaging';
import * as rateLimit from './rate-limit';
import * as decoy from './decoy';
import { macHex, equalHex } from './secrets';
import { createSession, generateSessionToken, type Session } from './session';
import { config } from '../config';
import { isMobileE164, maskEmail, maskPhone } from '../../format/contact';
import { formatTimeBR } from '../../format/dates';
import { documentKind, normalizeDocument } from '../../format/document';
import * as audit from '../audit';
import * as funnel from '../funnel';

export const OTP_TTL_MINUTES = 10;
export const OTP_MAX_ATTEMPTS = 5;
/** Past the per-document limit, the latest code may be answered from other browsers this many times an hour. */
export const REUSES_PER_DOCUMENT_PER_HOUR = 5;

export type Requested =
	| {
			ok: true;
			challengeId: string;
			destination: string;
			/**
			 * Set when no new code was sent because the document reached its hourly limit: the browser
			 * answers the code already sent (still valid), and a new one may be asked for from `nextAt`.
			 */
			reused?: { nextAt: Date };
	  }
	| { ok: false; status: 400 | 429; message: string };

const EXPIRED = 'Este código expirou. Peça um novo código.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const tooMany = (from: Date) => `Muitas solicitações de código. Você poderá pedir um novo código a partir das ${formatTimeBR(from)}.`;

function newCode(): string {
	const n = new Uint32Array(1);
	crypto.getRandomValues(n);
	return String(n[0] % 1_000_000).padStart(6, '0');
}

function contactOf(d: { phone: string | null; email: string | null }): { channel: messaging.Channel; to: string; masked: string } | null {
	if (d.phone && isMobileE164(d.phone)) return { channel: 'sms', to: d.phone, masked: maskPhone(d.phone) };
	if (d.email) return { channel: 'email', to: d.email, masked: maskEmail(d.email) };
	return null;
}

/**
 * Starts identification: sends a 6-digit code to the contact on file. Known and unknown documents
 * produce the same answer and the same work, apart from the message itself (for an unknown one a
 * decoy destination is shown, drawn like the agency's real ones: see ./decoy.ts).
 *
 * Sends are limited per client address (IPv6 by /64), per document, per agency and overall, in
 * PostgreSQL so the limits hold across processes. The per-document limit must not lock the owner
 * out when someone else spends it: past it, no new code is sent, and the browser is pointed at
 * the latest code already sent (with tries of its own), which the owner has on their phone.
 */
export async function requestCode(
	db: Db,
	input: { agencyId: string; creditorId: string; creditorName: string; document: string; ip: string }
): Promise<Requested> {
	const document = normalizeDocument(input.document);
	if (!documentKind(document)) {
		return { ok: false, status: 400, message: 'CPF ou CNPJ inválido. Confira os números digitados.' };
	}
	const cfg = config();
	const docKey = macHex('otp-doc', `${input.agencyId}:${document}`);
	const mix = await decoy.mixOf(db, input.agencyId);
	const result = await db.transaction(async (tx): Promise<Requested & { messageId?: string }> => {
		const perIp = await rateLimit.count(tx, `otp:ip:${rateLimit.clientKey(input.ip)}`, cfg.OTP_SENDS_PER_IP_PER_HOUR, 3600);
		if (!perIp.ok) return { ok: false, status: 429, message: tooMany(perIp.resetAt) };
		const perDoc = await rateLimit.count(tx, `otp:doc:${docKey}`, cfg.OTP_SENDS_PER_DOCUMENT_PER_HOUR, 3600);
		if (!perDoc.ok) return reuseLatest(tx, input.agencyId, docKey, perDoc.resetAt);
		// Budgets against SMS pumping: whoever spends them, no more messages leave this hour.
		for (const [key, limit] of [
			[`otp:agency:${input.agencyId}`, cfg.OTP_SENDS_PER_AGENCY_PER_HOUR],
			['otp:all', cfg.OTP_SENDS_PER_HOUR]
		] as const) {
			const budget = await rateLimit.count(tx, key, limit, 3600);
			if (!budget.ok) return { ok: false, status: 429, message: tooMany(budget.resetAt) };
		}

		const debtor = await tx.query.debtors.findFirst({
			where: and(eq(debtors.agencyId, input.agencyId), eq(debtors.document, document))
		});
		const contact = debtor ? contactOf(debtor) : null;
		const code = newCode();
		const destination = contact?.masked ?? decoy.destination(mix, macHex('otp-decoy', `${input.agencyId}:${document}`));
		const [challenge] = await tx
			.insert(otpChallenges)
			.values({
				agencyId: input.agencyId,
				creditorId: input.creditorId,
				debtorId: contact ? debtor!.id : null,
				documentKey: docKey,
				codeHash: 'pending',
				channel: contact?.channel ?? (destination.includes('@') ? 'email' : 'sms'),
				destinationMasked: destination,
				expiresAt: new Date(Date.now() + OTP_TTL_MINUTES * 60_000)
			})
			.returning({ id: otpChallenges.id });
		await tx
			.update(otpChallenges)
			.set({ codeHash: macHex('otp-code', `${challenge.id}:${code}`) })
			.where(eq(otpChallenges.id, challenge.id));
		let messageId: string | undefined;
		if (contact && debtor) {
			// Codes are never asked for by a person: the message says so, to protect against fraud.
			messageId = await messaging.enqueue(tx, {
				agencyId: input.agencyId,
				creditorId: input.creditorId,
				debtorId: debtor.id,
				kind: 'otp',
				channel: contact.channel,
				to: contact.to,
				text: `${code} é seu código de acesso ao portal de negociação ${input.creditorName}. Válido por ${OTP_TTL_MINUTES} minutos. Não compartilhe: nunca pedimos este código por telefone.`
			});
		}
		return { ok: true, challengeId: challenge.id, destination, messageId };
	});
	if (!result.ok) return result;
	// Delivery happens after the answer, so a known document takes no longer to answer than an
	// unknown one; the message is safe in the outbox whatever the driver does.
	if (result.messageId) {
		const id = result.messageId;
		setImmediate(() => messaging.deliver(db, [id]).catch((e) => console.error(JSON.stringify({ type: 'error', where: 'otp.deliver', error: String(e) }))));
	}
	return { ok: true, challengeId: result.challengeId, destination: result.destination, ...(result.reused && { reused: result.reused }) };
}

/**
 * Past the per-document limit: a new challenge that answers to the latest code already sent for
 * this document (known or not: decoys have challenges too), with tries of its own, so whoever
 * spent the limit can neither lock the owner out nor use up the owner's tries. Bounded per hour,
 * so the guesses at one code stay few.
 */
async function reuseLatest(tx: Tx, agencyId: string, docKey: string, nextAt: Date): Promise<Requested> {
	const [latest] = await tx
		.select()
		.from(otpChallenges)
		.where(
			and(
				eq(otpChallenges.agencyId, agencyId),
				eq(otpChallenges.documentKey, docKey),
				isNull(otpChallenges.codeChallengeId),
				isNull(otpChallenges.consumedAt),
				gt(otpChallenges.expiresAt, new Date())
			)
		)
		.orderBy(desc(otpChallenges.createdAt))
		.limit(1);
	if (!latest) return { ok: false, status: 429, message: tooMany(nextAt) };
	const reuses = await rateLimit.count(tx, `otp:reuse:${docKey}`, REUSES_PER_DOCUMENT_PER_HOUR, 3600);
	if (!reuses.ok) return { ok: false, status: 429, message: tooMany(nextAt) };
	const [alias] = await tx
		.insert(otpChallenges)
		.values({
			agencyId,
			creditorId: latest.creditorId,
			debtorId: latest.debtorId,
			documentKey: docKey,
			codeChallengeId: latest.id,
			codeHash: latest.codeHash,
			channel: latest.channel,
			destinationMasked: latest.destinationMasked,
			expiresAt: latest.expiresAt
		})
		.returning({ id: otpChallenges.id });
	return { ok: true, challengeId: alias.id, destination: latest.destinationMasked, reused: { nextAt } };
}

export type Verified =
	| { ok: true; token: string; session: Session }
	| { ok: false; message: string; exhausted?: boolean };

type ChallengeRow = {
	id: string;
	debtor_id: string | null;
	agency_id: string;
	creditor_id: string;
	code_challenge_id: string | null;
	code_hash: string;
	attempts: number;
	expires_at: string;
	consumed_at: string | null;
};

/** Checks a code: at most 5 tries per challenge, 10 minutes; on success creates a session. */
export async function verifyCode(db: Db, input: { challengeId: string; code: string; ip: string }): Promise<Verified> {
	const code = input.code.replace(/\D/g, '');
	if (code.length !== 6) return { ok: false, message: 'Digite os 6 números do código.' };
	if (!UUID.test(input.challengeId)) return { ok: false, message: EXPIRED, exhausted: true };
	return db.transaction(async (tx) => {
		// The challenge and, when it answers to an earlier one's code, that one too: locked in id order.
		const rows = await tx.execute<ChallengeRow>(sql`select id, debtor_id, agency_id, creditor_id, code_challenge_id, code_hash, attempts, expires_at, consumed_at
			from otp_challenges
			where id = ${input.challengeId} or id = (select code_challenge_id from otp_challenges where id = ${input.challengeId})
			order by id for update`);
		const c = rows.find((r) => r.id === input.challengeId);
		const root = c?.code_challenge_id ? rows.find((r) => r.id === c.code_challenge_id) : c;
		if (!c || !root || c.consumed_at || root.consumed_at || new Date(c.expires_at).getTime() <= Date.now()) {
			return { ok: false, message: EXPIRED, exhausted: true };
		}
		if (c.attempts >= OTP_MAX_ATTEMPTS) {
			return { ok: false, message: 'Limite de tentativas atingido. Peça um novo código.', exhausted: true };
		}
		const attempts = c.attempts + 1;
		const right = equalHex(root.code_hash, macHex('otp-code', `${root.id}:${code}`)) && c.debtor_id !== null;
		await tx
			.update(otpChallenges)
			.set(right ? { attempts, consumedAt: new Date() } : { attempts })
			.where(eq(otpChallenges.id, c.id));
		// A code is good once, through whichever challenge it was typed.
		if (right && root.id !== c.id) await tx.update(otpChallenges).set({ consumedAt: new Date() }).where(eq(otpChallenges.id, root.id));
		if (!right) {
			const left = OTP_MAX_ATTEMPTS - attempts;
			return left > 0
				? { ok: false, message: `Código incorreto. Você ainda tem ${left} ${left === 1 ? 'tentativa' : 'tentativas'}.` }
				: { ok: false, message: 'Código incorreto. Limite de tentativas atingido: peça um novo código.', exhausted: true };
		}
		const token = generateSessionToken();
		const session = await createSession(tx, token, { id: c.debtor_id!, agencyId: c.agency_id }, config().SESSION_IDLE_MINUTES);
		await audit.record(tx, {
			agencyId: c.agency_id,
			actorType: 'debtor',
			actorId: c.debtor_id,
			action: 'debtor.login',
			ip: input.ip,
			// The portal it went through: the back office's timeline shows it long after the code is gone.
			data: { creditorId: c.creditor_id }
		});
		// The portal's creditor: the KPI funnel counts who identified at which brand.
		await funnel.record(tx, { agencyId: c.agency_id, creditorId: c.creditor_id, debtorId: c.debtor_id!, step: 'identified', channel: 'portal' });
		return { ok: true, token, session };
	});
}

/** What the code page shows: the masked destination, if the challenge is still usable. */
export async function challengeInfo(
	db: DbOrTx,
	id: string
): Promise<{ destination: string; creditorId: string; expiresAt: Date; reused: { nextAt: Date } | null } | null> {
	if (!UUID.test(id)) return null;
	const c = await db.query.otpChallenges.findFirst({ where: eq(otpChallenges.id, id) });
	if (!c || c.consumedAt || c.expiresAt.getTime() <= Date.now()) return null;
	// The per-document window is an hour aligned to the epoch: it resets on the hour after the request.
	const nextAt = new Date((Math.floor(c.createdAt.getTime() / 3_600_000) + 1) * 3_600_000);
	return { destination: c.destinationMasked, creditorId: c.creditorId, expiresAt: c.expiresAt, reused: c.codeChallengeId ? { nextAt } : null };
}
