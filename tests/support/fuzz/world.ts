import { generateHOTP } from '@oslojs/otp';
import { db } from '../../../src/lib/server/db/client';
import { staffSessions } from '../../../src/lib/server/db/schema';
import * as staffAuth from '../../../src/lib/server/staff';
import { openTotpKey } from '../../../src/lib/server/staff/totp';
import { createSession, generateSessionToken, sessionIdFromToken, SESSION_COOKIE } from '../../../src/lib/server/auth/session';
import { OTP_COOKIE } from '../../../src/lib/server/auth/cookies';
import * as otp from '../../../src/lib/server/auth/otp';
import { createLinkToken } from '../../../src/lib/server/auth/links';
import * as keys from '../../../src/lib/server/api/keys';
import * as offers from '../../../src/lib/server/offers';
import * as agreements from '../../../src/lib/server/agreements';
import * as uploads from '../../../src/lib/server/uploads';
import { todayInSaoPaulo } from '../../../src/lib/format/dates';
import type { StaffRole } from '../../../src/lib/server/db/schema';
import * as factory from '../factory';

/**
 * The data the fuzzer aims at, and the ways in: a debtor with an agreement at a portal creditor
 * (its own agency, so that staff fuzzing a creditor's settings never moves the portal), staff of
 * each role with TOTP on at another agency, and API keys of the portal creditor.
 */

export const ROLES: StaffRole[] = ['agency_admin', 'creditor_manager', 'operator', 'viewer'];
export type Auth =
	| 'none'
	| 'debtor'
	| 'debtor-otp'
	| 'staff-pending'
	| `staff:${StaffRole}`
	| 'api:read'
	| 'api:rw'
	| 'api:revoked';

const PASSWORD = 'fuzz senha longa e boa 2026';
const today = todayInSaoPaulo();

async function cashAgreement(debtor: { id: string; agencyId: string }, debtIds: string[]) {
	const sel = await offers.forSelection(db(), { agencyId: debtor.agencyId, debtorId: debtor.id, debtIds, today });
	if (!sel.ok) throw new Error(sel.message);
	const r = await db().transaction((tx) => agreements.accept(tx, { debtor, debtIds, kind: 'cash', count: 1, firstDueDate: sel.set.firstDueDate, today }));
	if (!r.ok) throw new Error(r.message);
	return r.agreement;
}

async function staffPerson(agencyId: string, role: StaffRole, creditorId: string | null) {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 6)}@fuzz.example`;
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId, email, role, creditorId }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: `Pessoa ${role}`, password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	const principal = { id: acc.staffId, agencyId, role, creditorId, email, name: role };
	// TOTP on, as the security page does it, then a real sign-in: password, then the next code.
	const started = staffAuth.beginTotp(email);
	const key = openTotpKey(started.sealed);
	const step = Math.floor(Date.now() / 30_000);
	const on = await staffAuth.confirmTotp(db(), principal, started.sealed, generateHOTP(key, BigInt(step - 1), 6));
	if (!on.ok) throw new Error(on.message);
	const login = await staffAuth.login(db(), { email, password: PASSWORD, ip: `198.51.100.${Math.floor(Math.random() * 250)}` });
	if (!login.ok || !login.needsTotp) throw new Error('login sem pedir TOTP');
	const second = await staffAuth.verifySecondFactor(db(), login.session, generateHOTP(key, BigInt(step), 6), '198.51.100.1');
	if (!second.ok) throw new Error(second.message);
	return { id: acc.staffId, email, token: login.token };
}

export type World = Awaited<ReturnType<typeof createWorld>>;

export async function createWorld() {
	// The portal: one creditor, one debtor with three debts, one of them in an agreement.
	const pAgency = await factory.agency();
	const pCreditor = await factory.creditor(pAgency.id, { boletoBankCode: '237', boletoAgency: '1229', boletoAccount: '0000469', boletoWallet: '09' });
	const pDebtor = await factory.debtor(pAgency.id, { email: 'devedora@fuzz.example' });
	const pDebts = [await factory.debt(pCreditor.id, pDebtor.id), await factory.debt(pCreditor.id, pDebtor.id, { daysPastDue: 200 }), await factory.debt(pCreditor.id, pDebtor.id)];
	const pAgreement = await cashAgreement(pDebtor, [pDebts[2].id]);

	// The back office: two creditors, a debtor of each, an agreement, staff of every role.
	const sAgency = await factory.agency();
	const s1 = await factory.creditor(sAgency.id);
	const s2 = await factory.creditor(sAgency.id);
	const sDebtor = await factory.debtor(sAgency.id);
	const sDebt = await factory.debt(s1.id, sDebtor.id);
	await factory.debt(s2.id, sDebtor.id);
	const sAgreement = await cashAgreement(sDebtor, [sDebt.id]);
	const people = {} as Record<StaffRole, { id: string; email: string; token: string }>;
	for (const role of ROLES) people[role] = await staffPerson(sAgency.id, role, role === 'creditor_manager' ? s1.id : null);
	const pending = await staffAuth.login(db(), { email: people.operator.email, password: PASSWORD, ip: '198.51.100.200' });
	if (!pending.ok) throw new Error(pending.message);
	const admin = { id: people.agency_admin.id, agencyId: sAgency.id, role: 'agency_admin' as const, creditorId: null, email: people.agency_admin.email, name: 'admin' };
	const upload = await db().transaction((tx) => uploads.start(tx, admin, { creditorId: s1.id, fileName: 'carteira.csv', fileBytes: 1000 }));
	if (!upload.ok) throw new Error(upload.message);
	// A key the fuzzer may revoke through /admin/api/[id]/revogar; the API's own keys are never in reach.
	const sacrificial = await keys.create(db(), { creditorId: s1.id, name: 'descartável', scope: 'read' }, { type: 'cli' });
	const invite = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: sAgency.id, email: `convite${Date.now()}@fuzz.example`, role: 'viewer' }, { type: 'cli' }));
	if (!invite.ok) throw new Error(invite.message);

	const apiRw = await keys.create(db(), { creditorId: pCreditor.id, name: 'fuzz rw', scope: 'read_write' }, { type: 'cli' });
	const apiRead = await keys.create(db(), { creditorId: pCreditor.id, name: 'fuzz r', scope: 'read' }, { type: 'cli' });

	return {
		pAgency,
		pCreditor,
		pDebtor,
		pDebts,
		pAgreement,
		sAgency,
		s1,
		s2,
		sDebtor,
		sAgreement,
		people,
		pendingToken: pending.token,
		api: { rw: apiRw.key, read: apiRead.key, revoked: 'ak_live_' + 'x'.repeat(32) },
		/** Values each route parameter may take besides garbage: what reaches real rows. */
		params: {
			slug: [pCreditor.slug, s1.slug],
			code: [pAgreement.code, sAgreement.code],
			seq: ['1', '2', '0'],
			token: [createLinkToken(pCreditor.id, pDebtor.id, 30), invite.token],
			id: [s1.id, s2.id, sDebtor.id, upload.id, sacrificial.id, pCreditor.id, pDebtor.id],
			size: ['192', '512', '180'],
			document: [pDebtor.document, sDebtor.document],
			debt_id: pDebts.map((d) => d.externalId),
			rest: ['x', 'debts', 'agreements/1'],
			// The webhooks' provider account (`env`: the environment's) and Zenvia's URL secret.
			account: ['env'],
			secret: ['segredo-que-nao-confere-123'],
			// A webhook delivery (ERP webhooks): none of these exists, so only the refusals are reached.
			delivery_id: ['00000000-0000-4000-8000-000000000000', 'x']
		} as Record<string, string[]>,
		/** Field values that pass, so some cases get past the first check. */
		fieldValues: {
			documento: [pDebtor.document],
			email: [people.viewer.email],
			divida: pDebts.map((d) => d.id),
			dividas: pDebts.map((d) => d.id),
			creditorId: [s1.id],
			q: [sDebtor.document, 'Pessoa']
		} as Record<string, string[]>
	};
}

/**
 * The cookies or key of one way in, for one fuzz target: created on first use and again after a
 * request ended it (a fuzzed `sair` or an expired OTP), so one target never signs another out.
 */
export class Doors {
	private debtorToken: string | null = null;
	private otpChallenge: string | null = null;
	private staffTokens = new Map<StaffRole, string>();
	constructor(private w: World) {}

	async headers(auth: Auth): Promise<Record<string, string>> {
		if (auth === 'none') return {};
		if (auth === 'api:read') return { authorization: `Bearer ${this.w.api.read}` };
		if (auth === 'api:rw') return { authorization: `Bearer ${this.w.api.rw}` };
		if (auth === 'api:revoked') return { authorization: `Bearer ${this.w.api.revoked}` };
		if (auth === 'debtor') return { cookie: `${SESSION_COOKIE}=${await this.debtor()}` };
		if (auth === 'debtor-otp') return { cookie: `${OTP_COOKIE}=${await this.otp()}` };
		if (auth === 'staff-pending') return { cookie: `${staffAuth.STAFF_COOKIE}=${this.w.pendingToken}` };
		const role = auth.slice('staff:'.length) as StaffRole;
		return { cookie: `${staffAuth.STAFF_COOKIE}=${await this.staff(role)}` };
	}

	/** After a response: forget a cookie the server deleted, so the next case gets a fresh one. */
	saw(auth: Auth, setCookies: string[]) {
		const gone = (name: string) => setCookies.some((c) => c.startsWith(`${name}=;`) || (c.startsWith(`${name}=`) && /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)));
		if (auth === 'debtor' && gone(SESSION_COOKIE)) this.debtorToken = null;
		if (auth === 'debtor-otp' && (gone(OTP_COOKIE) || setCookies.some((c) => c.startsWith(`${SESSION_COOKIE}=`)))) this.otpChallenge = null;
		if (auth.startsWith('staff:') && gone(staffAuth.STAFF_COOKIE)) this.staffTokens.delete(auth.slice(6) as StaffRole);
	}

	private async debtor() {
		if (!this.debtorToken) {
			const token = generateSessionToken();
			await createSession(db(), token, this.w.pDebtor, 60);
			this.debtorToken = token;
		}
		return this.debtorToken;
	}

	private async otp() {
		if (!this.otpChallenge) {
			const r = await otp.requestCode(db(), {
				agencyId: this.w.pAgency.id,
				creditorId: this.w.pCreditor.id,
				creditorName: this.w.pCreditor.displayName,
				document: this.w.pDebtor.document,
				ip: `203.0.113.${Math.floor(Math.random() * 250)}`
			});
			if (!r.ok) throw new Error(`código não pedido: ${r.message}`);
			this.otpChallenge = r.challengeId;
		}
		return this.otpChallenge;
	}

	/** A session of the person already signed in with password and TOTP, as `login` writes it. */
	private async staff(role: StaffRole) {
		let token = this.staffTokens.get(role);
		if (!token) {
			token = generateSessionToken();
			const now = Date.now();
			await db()
				.insert(staffSessions)
				.values({
					id: sessionIdFromToken(token),
					staffId: this.w.people[role].id,
					twoFactorVerified: true,
					expiresAt: new Date(now + staffAuth.IDLE_MINUTES * 60_000),
					absoluteExpiresAt: new Date(now + staffAuth.ABSOLUTE_HOURS * 3_600_000)
				});
			this.staffTokens.set(role, token);
		}
		return token;
	}
}
