import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { config, resetConfig } from '../../src/lib/server/config';
import * as decoy from '../../src/lib/server/auth/decoy';
import { debtors, debtorSessions, otpChallenges, outbox } from '../../src/lib/server/db/schema';
import * as otp from '../../src/lib/server/auth/otp';
import { invalidateSession, sessionIdFromToken, validateSessionToken } from '../../src/lib/server/auth/session';
import { macHex } from '../../src/lib/server/auth/secrets';
import { generateCpf } from '../../src/lib/format/document';
import * as factory from '../support/factory';

const MASKED_MOBILE = /^\(\d{2}\) \*{5}-\d{4}$/;
let ipSeq = 0;
/** Each test asks from its own address, so the per-IP limit of one never touches another. */
const freshIp = () => `198.51.${Math.floor(Math.random() * 200)}.${(ipSeq++ % 250) + 1}`;
const freshCpf = () => generateCpf(Math.random);

type Portal = { agency: { id: string }; creditor: { id: string; displayName: string } };

function ask(p: Portal, document: string, ip = freshIp()) {
	return otp.requestCode(db(), { agencyId: p.agency.id, creditorId: p.creditor.id, creditorName: p.creditor.displayName, document, ip });
}

async function outboxOf(agencyId: string) {
	return db().select().from(outbox).where(eq(outbox.agencyId, agencyId)).orderBy(desc(outbox.createdAt));
}

/** The code as the debtor reads it in the message that was sent. */
async function codeSentTo(agencyId: string, to: string): Promise<string> {
	const [msg] = await db()
		.select()
		.from(outbox)
		.where(and(eq(outbox.agencyId, agencyId), eq(outbox.to, to)))
		.orderBy(desc(outbox.createdAt))
		.limit(1);
	const code = msg?.text.match(/\b(\d{6})\b/)?.[1];
	if (!code) throw new Error(`nenhum código enviado para ${to}`);
	return code;
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function sessionsOf(debtorId: string) {
	return db().select().from(debtorSessions).where(eq(debtorSessions.debtorId, debtorId));
}

/** Identifies a debtor the way the portal does: code by SMS, then the code back. */
async function login(p: Portal & { debtor: { id: string; document: string; phone: string | null } }) {
	const asked = await ask(p, p.debtor.document);
	if (!asked.ok) throw new Error(asked.message);
	const code = await codeSentTo(p.agency.id, p.debtor.phone!);
	const verified = await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' });
	if (!verified.ok) throw new Error(verified.message);
	return verified;
}

afterAll(async () => {
	await closeDb();
});

/** Fixed one-hour windows: a run straddling the hour would count in two windows. */
async function clearOfHourBoundary(marginMs = 20_000) {
	const left = 3_600_000 - (Date.now() % 3_600_000);
	if (left < marginMs) await new Promise((r) => setTimeout(r, left + 1_000));
}

describe('asking for a code', () => {
	it('a debtor with a mobile gets a 6-digit code by SMS, and that code lets them in', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const asked = await ask(w, w.debtor.document);
		expect(asked).toMatchObject({ ok: true, destination: '(11) *****-4321' });
		if (!asked.ok) return;

		const sent = await outboxOf(w.agency.id);
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({ channel: 'sms', to: '+5511987654321' });
		// Handed to the driver right after the answer.
		await expect.poll(async () => (await outboxOf(w.agency.id))[0].status, { timeout: 5_000 }).toBe('sent');
		expect(sent[0].text).toMatch(/^\d{6} é seu código de acesso ao portal de negociação /);
		expect(sent[0].text).toContain(w.creditor.displayName);
		expect(sent[0].text).toContain('nunca pedimos este código');

		const code = await codeSentTo(w.agency.id, '+5511987654321');
		const verified = await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' });
		expect(verified.ok).toBe(true);
	});

	it('a debtor with only an e-mail gets the code by e-mail', async () => {
		const a = await factory.agency();
		const c = await factory.creditor(a.id);
		const d = await factory.debtor(a.id, { phone: null, email: 'maria.souza@example.com' });
		const asked = await ask({ agency: a, creditor: c }, d.document);
		expect(asked.ok).toBe(true);
		if (!asked.ok) return;
		expect(asked.destination).toContain('@');
		expect(asked.destination).not.toContain('maria.souza');
		const sent = await outboxOf(a.id);
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({ channel: 'email', to: 'maria.souza@example.com' });
		const code = await codeSentTo(a.id, 'maria.souza@example.com');
		expect((await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' })).ok).toBe(true);
	});

	it('a landline is not a channel: with a landline and an e-mail, the code goes by e-mail', async () => {
		const a = await factory.agency();
		const c = await factory.creditor(a.id);
		const d = await factory.debtor(a.id, { phone: '+551133334444', email: 'jose@example.com' });
		expect((await ask({ agency: a, creditor: c }, d.document)).ok).toBe(true);
		expect((await outboxOf(a.id)).map((m) => m.channel)).toEqual(['email']);
	});

	it('an invalid CPF is refused with a pt-BR message and nothing is sent', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		expect(await ask(w, '123.456.789-00')).toEqual({ ok: false, status: 400, message: 'CPF ou CNPJ inválido. Confira os números digitados.' });
		expect(await outboxOf(w.agency.id)).toEqual([]);
	});

	it('an unknown document gets an answer of the same shape, no message is sent, and no code can ever open it', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const known = await ask(w, w.debtor.document);
		const unknownCpf = freshCpf();
		const unknown = await ask(w, unknownCpf);

		expect(known.ok && unknown.ok).toBe(true);
		if (!known.ok || !unknown.ok) return;
		expect(Object.keys(unknown).sort()).toEqual(Object.keys(known).sort());
		expect(known.destination).toMatch(MASKED_MOBILE);
		expect(unknown.destination).toMatch(MASKED_MOBILE);
		expect(unknown.challengeId).toMatch(/^[0-9a-f-]{36}$/);
		// Asking again shows the same destination, as it would for a real person.
		const again = await ask(w, unknownCpf);
		expect(again.ok && again.destination).toBe(unknown.destination);
		expect(await otp.challengeInfo(db(), unknown.challengeId)).toMatchObject({ destination: unknown.destination, creditorId: w.creditor.id, reused: null });

		// Only the known debtor's code was sent.
		expect((await outboxOf(w.agency.id)).map((m) => m.to)).toEqual(['+5511987654321']);

		// Even the challenge's own code, forced to one we know, opens nothing: there is no one behind it.
		const [row] = await db().select().from(otpChallenges).where(eq(otpChallenges.id, unknown.challengeId));
		expect(row.debtorId).toBeNull();
		const code = '246810';
		await db()
			.update(otpChallenges)
			.set({ codeHash: macHex('otp-code', `${row.id}:${code}`) })
			.where(eq(otpChallenges.id, row.id));
		const tried = await otp.verifyCode(db(), { challengeId: row.id, code, ip: '203.0.113.5' });
		expect(tried).toEqual({ ok: false, message: 'Código incorreto. Você ainda tem 4 tentativas.' });
		const [{ n }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from debtor_sessions where agency_id = ${w.agency.id}`);
		expect(n).toBe(0);
	});

	it('decoys follow the agency’s real mix: all mobiles from the same area codes where every debtor has a mobile', async () => {
		const a = await factory.agency();
		const c = await factory.creditor(a.id);
		for (let i = 0; i < 10; i++) await factory.debtor(a.id, { phone: `+55119${String(87654300 + i)}`, email: null });
		decoy.forget();
		const shown = await Promise.all(Array.from({ length: 40 }, async () => {
			const r = await ask({ agency: a, creditor: c }, freshCpf());
			return r.ok ? r.destination : r.message;
		}));
		expect(shown.filter((d) => !/^\(11\) \*{5}-\d{4}$/.test(d))).toEqual([]);
		expect(await outboxOf(a.id)).toEqual([]);
	});

	it('decoys follow the agency’s real mix: an e-mail mask as often as real debtors have only e-mail', async () => {
		const a = await factory.agency();
		const c = await factory.creditor(a.id);
		// Half the debtors with a mobile, half with only an e-mail (at two providers).
		for (let i = 0; i < 20; i++) {
			await factory.debtor(a.id, i % 2 ? { phone: `+55219${String(91234500 + i)}`, email: null } : { phone: null, email: `pessoa${i}@${i % 4 ? 'gmail.com' : 'uol.com.br'}` });
		}
		decoy.forget();
		const shown: string[] = [];
		for (let i = 0; i < 200; i++) {
			const r = await ask({ agency: a, creditor: c }, freshCpf());
			if (!r.ok) throw new Error(r.message);
			shown.push(r.destination);
		}
		const emails = shown.filter((d) => d.includes('@'));
		expect(emails.length).toBeGreaterThan(60);
		expect(emails.length).toBeLessThan(140);
		// Shaped exactly like the masks of real addresses, at the providers real debtors use.
		expect(emails.filter((d) => !/^p\*{3}\d@(g\*{3}\.com|u\*{3}\.com\.br)$/.test(d))).toEqual([]);
		expect(shown.filter((d) => !d.includes('@') && !/^\(21\) \*{5}-\d{4}$/.test(d))).toEqual([]);
		// A masked e-mail no longer proves a document is on file: the page looks alike either way.
		const known = await ask({ agency: a, creditor: c }, (await db().select().from(debtors).where(and(eq(debtors.agencyId, a.id), isNotNull(debtors.email))).limit(1))[0].document);
		expect(known.ok && known.destination).toMatch(/^p\*{3}\d@(g\*{3}\.com|u\*{3}\.com\.br)$/);
	});
});

describe('limits that do not lock the owner out', () => {
	it('past the per-document limit, the owner still gets in with the latest code already sent, and the page says when to ask again', async () => {
		const limit = config().OTP_SENDS_PER_DOCUMENT_PER_HOUR;
		const w = await factory.world({ principalCents: 100_000 });
		await clearOfHourBoundary();
		// Someone else asks for the owner's document until the limit is spent.
		for (let i = 0; i < limit; i++) expect((await ask(w, w.debtor.document, '203.0.113.66')).ok).toBe(true);
		const attacker = await ask(w, w.debtor.document, '203.0.113.66');
		expect(attacker).toMatchObject({ ok: true, reused: { nextAt: expect.any(Date) } });
		// The owner, elsewhere, is not refused: pointed at the code already on their phone.
		const owner = await ask(w, w.debtor.document, '198.51.100.200');
		expect(owner).toMatchObject({ ok: true, destination: '(11) *****-4321', reused: { nextAt: expect.any(Date) } });
		if (!owner.ok || !attacker.ok) return;
		expect(owner.reused!.nextAt.getTime() % 3_600_000).toBe(0);
		expect(owner.reused!.nextAt.getTime()).toBeGreaterThan(Date.now());
		expect(await outboxOf(w.agency.id)).toHaveLength(limit); // nothing more was sent
		// The attacker's guesses spend their own tries, not the owner's.
		const code = await codeSentTo(w.agency.id, w.debtor.phone!);
		for (let i = 0; i < 5; i++) await otp.verifyCode(db(), { challengeId: attacker.challengeId, code: otherCode(code), ip: '203.0.113.66' });
		expect((await otp.verifyCode(db(), { challengeId: attacker.challengeId, code, ip: '203.0.113.66' })).ok).toBe(false);
		const info = await otp.challengeInfo(db(), owner.challengeId);
		expect(info).toMatchObject({ destination: '(11) *****-4321', reused: { nextAt: owner.reused!.nextAt } });
		expect((await otp.verifyCode(db(), { challengeId: owner.challengeId, code, ip: '198.51.100.200' })).ok).toBe(true);
		// The code is spent, through whichever browser it was typed.
		expect(await otp.verifyCode(db(), { challengeId: attacker.challengeId, code, ip: '203.0.113.66' })).toMatchObject({ ok: false, exhausted: true });
	});

	it('an unknown document behaves the same past its limit, and the reuses themselves are bounded', async () => {
		const limit = config().OTP_SENDS_PER_DOCUMENT_PER_HOUR;
		const w = await factory.world({ principalCents: 100_000 });
		await clearOfHourBoundary();
		const cpf = freshCpf();
		const first = await ask(w, cpf);
		for (let i = 1; i < limit; i++) await ask(w, cpf);
		const answers = [];
		for (let i = 0; i < otp.REUSES_PER_DOCUMENT_PER_HOUR + 1; i++) answers.push(await ask(w, cpf));
		expect(answers.slice(0, -1).every((r) => r.ok && r.reused && first.ok && r.destination === first.destination)).toBe(true);
		expect(answers.at(-1)).toMatchObject({ ok: false, status: 429, message: expect.stringMatching(/^Muitas solicitações de código\. Você poderá pedir um novo código a partir das \d{2}:00\.$/) });
	});

	it('an IPv6 client is counted by its /64, not by each of its addresses', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		await clearOfHourBoundary();
		const prefix = `2001:db8:${(ipSeq++ % 65000).toString(16)}:1`;
		const limit = config().OTP_SENDS_PER_IP_PER_HOUR;
		const answers = [];
		for (let i = 0; i <= limit; i++) answers.push(await ask(w, freshCpf(), `${prefix}::${(i + 1).toString(16)}`));
		expect(answers.slice(0, limit).every((r) => r.ok)).toBe(true);
		expect(answers[limit]).toMatchObject({ ok: false, status: 429 });
		// Another /64 is another client.
		expect((await ask(w, freshCpf(), `2001:db8:ffff:2::1`)).ok).toBe(true);
	});

	it('per-agency and overall budgets stop code sends, whoever spends them', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const other = await factory.world({ principalCents: 100_000 });
		await clearOfHourBoundary();
		const saved = { ...process.env };
		try {
			process.env.OTP_SENDS_PER_AGENCY_PER_HOUR = '3';
			resetConfig();
			for (let i = 0; i < 3; i++) expect((await ask(w, freshCpf())).ok).toBe(true);
			expect(await ask(w, w.debtor.document)).toMatchObject({ ok: false, status: 429 });
			expect(await outboxOf(w.agency.id)).toEqual([]);
			expect((await ask(other, other.debtor.document)).ok).toBe(true); // another agency's budget is its own

			const [{ n }] = await db().execute<{ n: number }>(sql`select coalesce(max(count), 0)::int as n from rate_limits where key = 'otp:all' and window_start = date_trunc('hour', now())`);
			process.env.OTP_SENDS_PER_AGENCY_PER_HOUR = '1000';
			process.env.OTP_SENDS_PER_HOUR = String(n + 1);
			resetConfig();
			expect((await ask(other, freshCpf())).ok).toBe(true);
			expect(await ask(other, freshCpf())).toMatchObject({ ok: false, status: 429 });
		} finally {
			process.env = saved;
			resetConfig();
		}
	});
});

describe('checking a code', () => {
	it('five wrong codes lock the challenge: the sixth try is refused even with the right code', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const asked = await ask(w, w.debtor.document);
		if (!asked.ok) throw new Error(asked.message);
		const code = await codeSentTo(w.agency.id, w.debtor.phone!);
		const wrong = otherCode(code);

		const answers = [];
		for (let i = 0; i < 5; i++) answers.push(await otp.verifyCode(db(), { challengeId: asked.challengeId, code: wrong, ip: '203.0.113.5' }));
		expect(answers.map((a) => a.ok)).toEqual([false, false, false, false, false]);
		expect(answers.map((a) => (a as { message: string }).message)).toEqual([
			'Código incorreto. Você ainda tem 4 tentativas.',
			'Código incorreto. Você ainda tem 3 tentativas.',
			'Código incorreto. Você ainda tem 2 tentativas.',
			'Código incorreto. Você ainda tem 1 tentativa.',
			'Código incorreto. Limite de tentativas atingido: peça um novo código.'
		]);

		const sixth = await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' });
		expect(sixth).toEqual({ ok: false, message: 'Limite de tentativas atingido. Peça um novo código.', exhausted: true });
		expect(await sessionsOf(w.debtor.id)).toEqual([]);
	});

	it('tries on several connections at once still stop at five', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const asked = await ask(w, w.debtor.document);
		if (!asked.ok) throw new Error(asked.message);
		const wrong = otherCode(await codeSentTo(w.agency.id, w.debtor.phone!));
		const answers = await Promise.all(
			Array.from({ length: 8 }, () => otp.verifyCode(db(), { challengeId: asked.challengeId, code: wrong, ip: '203.0.113.5' }))
		);
		expect(answers.filter((a) => (a as { message: string }).message.startsWith('Código incorreto'))).toHaveLength(5);
		const [row] = await db().select().from(otpChallenges).where(eq(otpChallenges.id, asked.challengeId));
		expect(row.attempts).toBe(5);
	});

	it('an expired code is refused, right as it is', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const asked = await ask(w, w.debtor.document);
		if (!asked.ok) throw new Error(asked.message);
		const code = await codeSentTo(w.agency.id, w.debtor.phone!);
		await db().execute(sql`update otp_challenges set expires_at = now() - interval '1 second' where id = ${asked.challengeId}`);

		expect(await otp.challengeInfo(db(), asked.challengeId)).toBeNull();
		const tried = await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' });
		expect(tried).toEqual({ ok: false, message: 'Este código expirou. Peça um novo código.', exhausted: true });
		expect(await sessionsOf(w.debtor.id)).toEqual([]);
	});

	it('a code opens one session only: used again, it is refused', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const asked = await ask(w, w.debtor.document);
		if (!asked.ok) throw new Error(asked.message);
		const code = await codeSentTo(w.agency.id, w.debtor.phone!);
		expect((await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' })).ok).toBe(true);
		const replay = await otp.verifyCode(db(), { challengeId: asked.challengeId, code, ip: '203.0.113.5' });
		expect(replay.ok).toBe(false);
		expect(await sessionsOf(w.debtor.id)).toHaveLength(1);
	});

	it('the right code creates a session stored only as the SHA-256 of its token', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const { token, session } = await login(w);

		const sha = createHash('sha256').update(token).digest('hex');
		expect(session.id).toBe(sha);
		expect(sessionIdFromToken(token)).toBe(sha);
		const rows = await sessionsOf(w.debtor.id);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ id: sha, debtorId: w.debtor.id, agencyId: w.agency.id });
		// The token is nowhere in the table: not as an id, not in any column.
		const [{ n }] = await db().execute<{ n: number }>(
			sql`select count(*)::int as n from debtor_sessions s where position(${token} in s::text) > 0`
		);
		expect(n).toBe(0);
		expect(JSON.stringify(rows)).not.toContain(token);
		// About 30 minutes of idle life.
		const life = rows[0].expiresAt.getTime() - Date.now();
		expect(life).toBeGreaterThan((config().SESSION_IDLE_MINUTES - 1) * 60_000);
		expect(life).toBeLessThanOrEqual(config().SESSION_IDLE_MINUTES * 60_000);
	});
});

describe('send limits hold across processes', () => {
	type ClientResult = { ok: true; destination: string; reused: boolean } | { ok: false; status: number; message: string };

	/** Another app process asking for codes; resolves its results once `go()` has been called. */
	function client(args: string[], env: Record<string, string> = {}) {
		const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/support/otp-client.ts', ...args], {
			env: { ...process.env, ...env },
			stdio: ['pipe', 'pipe', 'pipe']
		});
		let out = '';
		let err = '';
		let onReady: () => void;
		const ready = new Promise<void>((r) => (onReady = r));
		child.stderr.on('data', (d) => (err += d));
		child.stdout.on('data', (d) => {
			out += d;
			if (out.includes('{"type":"ready"}')) onReady();
		});
		const results = new Promise<ClientResult[]>((resolve, reject) => {
			child.on('exit', (code) => {
				const line = out.split('\n').find((l) => l.startsWith('{"type":"results"'));
				if (code !== 0 || !line) reject(new Error(`otp-client saiu com ${code}:\n${out}\n${err}`));
				else resolve(JSON.parse(line).results);
			});
		});
		return { ready, results, go: () => child.stdin.end('go\n') };
	}

	async function race(clients: ReturnType<typeof client>[]) {
		await Promise.all(clients.map((c) => c.ready));
		for (const c of clients) c.go();
		return (await Promise.all(clients.map((c) => c.results))).flat();
	}

	it('two processes asking for the same document get exactly the per-document limit of codes, then only reuses of the last one', async () => {
		const limit = config().OTP_SENDS_PER_DOCUMENT_PER_HOUR;
		const reuses = otp.REUSES_PER_DOCUMENT_PER_HOUR;
		const w = await factory.world({ principalCents: 100_000 });
		await clearOfHourBoundary();
		const ip = freshIp();
		const perProcess = limit + reuses;
		const args = [w.agency.id, w.creditor.id, ip, ...Array<string>(perProcess).fill(w.debtor.document)];
		const results = await race([client(args), client(args)]);

		expect(results).toHaveLength(2 * perProcess);
		expect(results.filter((r) => r.ok && !r.reused)).toHaveLength(limit);
		expect(results.filter((r) => r.ok && r.reused)).toHaveLength(reuses);
		for (const r of results.filter((r) => !r.ok)) {
			expect(r).toMatchObject({ ok: false, status: 429, message: expect.stringContaining('Você poderá pedir um novo código a partir das') });
		}
		expect(await outboxOf(w.agency.id)).toHaveLength(limit);
		expect(await db().select().from(otpChallenges).where(eq(otpChallenges.debtorId, w.debtor.id))).toHaveLength(limit + reuses);
		// And this process, a third one, is refused too.
		expect(await ask(w, w.debtor.document, ip)).toMatchObject({ ok: false, status: 429 });
	}, 90_000);

	it('two processes asking from the same IP get exactly the per-IP limit of codes, whatever the documents', async () => {
		const limit = 7;
		const w = await factory.world({ principalCents: 100_000 });
		await clearOfHourBoundary();
		const ip = freshIp();
		const perProcess = 6;
		const docs = Array.from({ length: 2 * perProcess }, () => freshCpf());
		docs[0] = w.debtor.document; // known and unknown documents count alike
		const env = { OTP_SENDS_PER_IP_PER_HOUR: String(limit) };
		const results = await race([
			client([w.agency.id, w.creditor.id, ip, ...docs.slice(0, perProcess)], env),
			client([w.agency.id, w.creditor.id, ip, ...docs.slice(perProcess)], env)
		]);

		expect(results).toHaveLength(2 * perProcess);
		expect(results.filter((r) => r.ok)).toHaveLength(limit);
		expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.status === 429)).toBe(true);
		const [{ n }] = await db().execute<{ n: number }>(sql`select count(*)::int as n from otp_challenges where agency_id = ${w.agency.id}`);
		expect(n).toBe(limit);
	}, 90_000);
});

describe('sessions', () => {
	const idle = () => config().SESSION_IDLE_MINUTES;
	const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000);

	it('a session left idle for 31 minutes is over, and its row is deleted', async () => {
		expect(idle()).toBe(30);
		const w = await factory.world({ principalCents: 100_000 });
		const { token } = await login(w);
		expect(await validateSessionToken(db(), token, idle())).not.toBeNull();

		expect(await validateSessionToken(db(), token, idle(), minutesFromNow(31))).toBeNull();
		expect(await sessionsOf(w.debtor.id)).toEqual([]);
		expect(await validateSessionToken(db(), token, idle())).toBeNull();
	});

	it('activity keeps a session alive: each use restarts the 30 minutes', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const { token } = await login(w);
		const at20 = await validateSessionToken(db(), token, idle(), minutesFromNow(20));
		expect(at20?.debtor.id).toBe(w.debtor.id);
		// 45 minutes after login but only 25 after the last use.
		expect(await validateSessionToken(db(), token, idle(), minutesFromNow(45))).not.toBeNull();
		expect(await validateSessionToken(db(), token, idle(), minutesFromNow(45 + 31))).toBeNull();
	});

	it('logging out removes the session from the server', async () => {
		const w = await factory.world({ principalCents: 100_000 });
		const { token, session } = await login(w);
		await invalidateSession(db(), session.id);
		expect(await sessionsOf(w.debtor.id)).toEqual([]);
		expect(await validateSessionToken(db(), token, idle())).toBeNull();
	});

	it('a made-up token is no session', async () => {
		expect(await validateSessionToken(db(), 'a'.repeat(32), idle())).toBeNull();
	});

	it('a session belongs to the agency where the debtor identified: it says so, so other agencies refuse it', async () => {
		// Same CPF at two agencies: two different debtors.
		const a = await factory.world({ principalCents: 100_000 });
		const b = await factory.agency();
		const bCreditor = await factory.creditor(b.id);
		const bDebtor = await factory.debtor(b.id, { document: a.debtor.document, phone: '+5521999990000' });

		const { token } = await login(a);
		const found = await validateSessionToken(db(), token, idle());
		expect(found?.session.agencyId).toBe(a.agency.id);
		expect(found?.debtor).toMatchObject({ id: a.debtor.id, agencyId: a.agency.id });
		// hooks.server.ts only accepts a session whose agencyId is the portal creditor's agency:
		// for creditor B this one does not match, so the debtor is not logged in there
		// (checked end to end in http.test.ts).
		expect(found?.session.agencyId).not.toBe(bCreditor.agencyId);
		expect(found?.debtor.id).not.toBe(bDebtor.id);
	});
});
