import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHOTP } from '@oslojs/otp';
import { eq } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { staff, staffSessions } from '../../src/lib/server/db/schema';
import * as staffAuth from '../../src/lib/server/staff';
import { openTotpKey } from '../../src/lib/server/staff/totp';
import { clientKey } from '../../src/lib/server/auth/rate-limit';
import * as factory from '../support/factory';

/**
 * Staff sign-in limits that cannot be turned against the person they protect: wrong passwords
 * are counted per (e-mail, place) and per place, so someone guessing from one place never locks
 * the owner out from another; TOTP tries are counted per person, and a TOTP code works once.
 */

const PASSWORD = 'uma senha longa de verdade 7';
let agencyId = '';
let n = 0;

async function person(): Promise<{ id: string; email: string }> {
	const email = `equipe${Date.now()}${n++}@signin.example`;
	const inv = await db().transaction((tx) => staffAuth.invite(tx, { agencyId, email, role: 'operator' }, { type: 'cli' }));
	if (!inv.ok) throw new Error(inv.message);
	const acc = await staffAuth.acceptInvite(db(), { token: inv.token, name: 'Pessoa', password: PASSWORD, confirm: PASSWORD });
	if (!acc.ok) throw new Error(acc.message);
	return { id: acc.staffId, email };
}

const step = () => Math.floor(Date.now() / 30_000);
const code = (key: Uint8Array, s: number) => generateHOTP(key, BigInt(s), 6);

/** Turns TOTP on for a person, as the security page does; returns the raw key. */
async function withTotp(p: { id: string; email: string }): Promise<Uint8Array> {
	const started = staffAuth.beginTotp(p.email);
	const key = openTotpKey(started.sealed);
	const principal = { id: p.id, agencyId, role: 'operator' as const, creditorId: null, email: p.email, name: 'Pessoa' };
	expect(await staffAuth.confirmTotp(db(), principal, started.sealed, code(key, step() - 1))).toEqual({ ok: true });
	return key;
}

async function passwordStep(p: { email: string }, ip = '198.51.100.1') {
	const r = await staffAuth.login(db(), { email: p.email, password: PASSWORD, ip });
	if (!r.ok) throw new Error(r.message);
	return r.session;
}

beforeAll(async () => {
	agencyId = (await factory.agency()).id;
});

afterAll(() => closeDb());

describe('wrong passwords', () => {
	it('a run of wrong passwords from one place never refuses the right password from another', async () => {
		const p = await person();
		for (let i = 0; i < 10; i++) {
			expect(await staffAuth.login(db(), { email: p.email, password: 'errada', ip: '203.0.113.10' })).toEqual({ ok: false, message: 'E-mail ou senha incorretos.' });
		}
		// That place is stopped, right password or not…
		expect(await staffAuth.login(db(), { email: p.email, password: PASSWORD, ip: '203.0.113.10' })).toMatchObject({ ok: false, message: expect.stringContaining('Muitas tentativas') });
		// …the owner, elsewhere, is not.
		expect(await staffAuth.login(db(), { email: p.email, password: PASSWORD, ip: '198.51.100.77' })).toMatchObject({ ok: true });
	});

	it('the right password clears the count of its place: a few typos a day never add up to a lock-out', async () => {
		const p = await person();
		for (let round = 0; round < 3; round++) {
			for (let i = 0; i < 4; i++) await staffAuth.login(db(), { email: p.email, password: 'errada', ip: '198.51.100.90' });
			expect(await staffAuth.login(db(), { email: p.email, password: PASSWORD, ip: '198.51.100.90' })).toMatchObject({ ok: true });
		}
	});

	it('an office behind one address signs in all day: only wrong passwords count against the address', async () => {
		const office = '198.51.100.120';
		const people = await Promise.all(Array.from({ length: 6 }, () => person()));
		// The limit's windows are 15 minutes on the clock: start well inside one, so all of it counts in one.
		const left = 900_000 - (Date.now() % 900_000);
		if (left < 90_000) await new Promise((r) => setTimeout(r, left + 1_000));
		// 60 right passwords from one address (more than its 50 guesses in 15 minutes): all let in.
		for (let i = 0; i < 60; i++) expect(await staffAuth.login(db(), { email: people[i % 6].email, password: PASSWORD, ip: office })).toMatchObject({ ok: true });
		// Guesses still run out: 50 wrong passwords across the people, then even the right one waits.
		for (let i = 0; i < 50; i++) await staffAuth.login(db(), { email: `ninguem${i}@signin.example`, password: 'errada', ip: office });
		expect(await staffAuth.login(db(), { email: people[0].email, password: PASSWORD, ip: office })).toMatchObject({ ok: false, message: expect.stringContaining('Muitas tentativas') });
	});

	it('an IPv6 place is its /64: rotating addresses inside it buys no extra guesses', async () => {
		const p = await person();
		for (let i = 0; i < 10; i++) await staffAuth.login(db(), { email: p.email, password: 'errada', ip: `2001:db8:aa:bb::${(i + 1).toString(16)}` });
		expect(await staffAuth.login(db(), { email: p.email, password: PASSWORD, ip: '2001:db8:aa:bb:1234:5678:9abc:def0' })).toMatchObject({ ok: false });
		expect(await staffAuth.login(db(), { email: p.email, password: PASSWORD, ip: '2001:db8:aa:cc::1' })).toMatchObject({ ok: true });
	});
});

describe('the second factor', () => {
	it('a TOTP code is accepted once: replayed in another session, it is refused', async () => {
		const p = await person();
		const key = await withTotp(p);
		const first = await passwordStep(p);
		const now = code(key, step());
		expect(await staffAuth.verifySecondFactor(db(), first, now, '198.51.100.1')).toEqual({ ok: true });
		const second = await passwordStep(p);
		expect(await staffAuth.verifySecondFactor(db(), second, now, '198.51.100.2')).toMatchObject({ ok: false });
		const [row] = await db().select({ verified: staffSessions.twoFactorVerified }).from(staffSessions).where(eq(staffSessions.id, second.id));
		expect(row.verified).toBe(false);
		// The step used is stored: only a later one is accepted from now on.
		const [me] = await db().select({ last: staff.totpLastStep }).from(staff).where(eq(staff.id, p.id));
		expect(me.last).toBe(step());
	});

	it('tries are counted per person, not per session: signing in again buys no more guesses', async () => {
		const p = await person();
		const key = await withTotp(p);
		const wrong = String((Number(code(key, step())) + 1) % 1_000_000).padStart(6, '0');
		for (let i = 0; i < 5; i++) {
			const s = await passwordStep(p, `198.51.100.${10 + i}`);
			expect(await staffAuth.verifySecondFactor(db(), s, wrong, '198.51.100.9')).toMatchObject({ ok: false, message: expect.stringContaining('Código incorreto') });
		}
		const fresh = await passwordStep(p, '198.51.100.30');
		expect(await staffAuth.verifySecondFactor(db(), fresh, code(key, step() + 1), '198.51.100.30')).toMatchObject({ ok: false, message: expect.stringContaining('Muitas tentativas') });
	});
});

describe('client addresses', () => {
	it('IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
		expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
		expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
		expect(clientKey('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
		expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
		expect(clientKey('::1')).toBe('0:0:0:0::/64');
		expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
	});
});
