import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client';
import { debtors, otpChallenges } from '../db/schema';
import * as messaging from '../messaging';
import * as rateLimit from './rate-limit';
import { macHex, equalHex } from './secrets';
import { createSession, generateSessionToken, type Session } from './session';
import { config } from '../config';
import { isMobileE164, isValidDdd, maskEmail, maskPhone } from '../../format/contact';
import { documentKind, normalizeDocument } from '../../format/document';
import * as audit from '../audit';
import * as funnel from '../funnel';

export const OTP_TTL_MINUTES = 10;
export const OTP_MAX_ATTEMPTS = 5;

export type Requested =
	| { ok: true; challengeId: string; destination: string }
	| { ok: false; status: 400 | 429; message: string };

const TOO_MANY = 'Muitas solicitações de código. Aguarde alguns minutos e tente novamente.';

function newCode(): string {
	const n = new Uint32Array(1);
	crypto.getRandomValues(n);
	return String(n[0] % 1_000_000).padStart(6, '0');
}

// Only area codes in use: an unused one fails to mask and shows `(**) *****-****`, which a
// known document never does.
const DECOY_DDDS = Array.from({ length: 89 }, (_, i) => 11 + i).filter(isValidDdd);

// For an unknown document we still show a plausible masked destination, stable for that
// document, so the page never tells whether a CPF/CNPJ is on file (no account enumeration).
function decoyDestination(agencyId: string, document: string): string {
	const h = macHex('otp-decoy', `${agencyId}:${document}`);
	const digits = String(parseInt(h.slice(0, 8), 16)).padStart(6, '0');
	const ddd = DECOY_DDDS[parseInt(h.slice(8, 10), 16) % DECOY_DDDS.length];
	return maskPhone(`+55${ddd}9${digits.slice(0, 4)}${digits.slice(-4)}`);
}

function contactOf(d: { phone: string | null; email: string | null }): { channel: messaging.Channel; to: string; masked: string } | null {
	if (d.phone && isMobileE164(d.phone)) return { channel: 'sms', to: d.phone, masked: maskPhone(d.phone) };
	if (d.email) return { channel: 'email', to: d.email, masked: maskEmail(d.email) };
	return null;
}

/**
 * Starts identification: sends a 6-digit code to the contact on file. Known and unknown
 * documents produce the same answer and the same work, apart from the message itself.
 * Sends are limited per document and per IP in PostgreSQL, so limits hold across processes.
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
	const result = await db.transaction(async (tx) => {
		const okDoc = await rateLimit.hit(tx, `otp:doc:${docKey}`, cfg.OTP_SENDS_PER_DOCUMENT_PER_HOUR, 3600);
		const okIp = await rateLimit.hit(tx, `otp:ip:${input.ip}`, cfg.OTP_SENDS_PER_IP_PER_HOUR, 3600);
		if (!okDoc || !okIp) return { ok: false as const, status: 429 as const, message: TOO_MANY };

		const debtor = await tx.query.debtors.findFirst({
			where: and(eq(debtors.agencyId, input.agencyId), eq(debtors.document, document))
		});
		const contact = debtor ? contactOf(debtor) : null;
		const code = newCode();
		const destination = contact?.masked ?? decoyDestination(input.agencyId, document);
		const [challenge] = await tx
			.insert(otpChallenges)
			.values({
				agencyId: input.agencyId,
				creditorId: input.creditorId,
				debtorId: contact ? debtor!.id : null,
				codeHash: 'pending',
				channel: contact?.channel ?? 'sms',
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
				channel: contact.channel,
				to: contact.to,
				text: `${code} é seu código de acesso ao portal de negociação ${input.creditorName}. Válido por ${OTP_TTL_MINUTES} minutos. Não compartilhe: nunca pedimos este código por telefone.`
			});
		}
		return { ok: true as const, challengeId: challenge.id, destination, messageId };
	});
	if (!result.ok) return result;
	// Delivery happens after the answer, so a known document takes no longer to answer than an
	// unknown one; the message is safe in the outbox whatever the driver does.
	if (result.messageId) {
		const id = result.messageId;
		setImmediate(() => messaging.deliver(db, [id]).catch((e) => console.error(JSON.stringify({ type: 'error', where: 'otp.deliver', error: String(e) }))));
	}
	return { ok: true, challengeId: result.challengeId, destination: result.destination };
}

export type Verified =
	| { ok: true; token: string; session: Session }
	| { ok: false; message: string; exhausted?: boolean };

/** Checks a code: at most 5 tries, 10 minutes; on success creates a session. */
export async function verifyCode(db: Db, input: { challengeId: string; code: string; ip: string }): Promise<Verified> {
	const code = input.code.replace(/\D/g, '');
	if (code.length !== 6) return { ok: false, message: 'Digite os 6 números do código.' };
	return db.transaction(async (tx) => {
		const rows = await tx.execute<{
			id: string;
			debtor_id: string | null;
			agency_id: string;
			creditor_id: string;
			code_hash: string;
			attempts: number;
			expires_at: string;
			consumed_at: string | null;
		}>(sql`select id, debtor_id, agency_id, creditor_id, code_hash, attempts, expires_at, consumed_at
			from otp_challenges where id = ${input.challengeId} for update`);
		const c = rows[0];
		if (!c || c.consumed_at || new Date(c.expires_at).getTime() <= Date.now()) {
			return { ok: false, message: 'Este código expirou. Peça um novo código.', exhausted: true };
		}
		if (c.attempts >= OTP_MAX_ATTEMPTS) {
			return { ok: false, message: 'Limite de tentativas atingido. Peça um novo código.', exhausted: true };
		}
		const attempts = c.attempts + 1;
		const right = equalHex(c.code_hash, macHex('otp-code', `${c.id}:${code}`)) && c.debtor_id !== null;
		await tx
			.update(otpChallenges)
			.set(right ? { attempts, consumedAt: new Date() } : { attempts })
			.where(eq(otpChallenges.id, c.id));
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
export async function challengeInfo(db: DbOrTx, id: string): Promise<{ destination: string; creditorId: string } | null> {
	if (!/^[0-9a-f-]{36}$/.test(id)) return null;
	const c = await db.query.otpChallenges.findFirst({ where: eq(otpChallenges.id, id) });
	if (!c || c.consumedAt || c.expiresAt.getTime() <= Date.now()) return null;
	return { destination: c.destinationMasked, creditorId: c.creditorId };
}
