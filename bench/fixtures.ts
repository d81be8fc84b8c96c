// Benchmark debtors: written with the app's own db client and session functions.
import { eq } from 'drizzle-orm';

export type BenchUser = { debtorId: string; name: string; token: string; cookie: string; debtIds: string[] };

/**
 * Adds `count` debtors to the agency of creditor `slug`, each with `debtsEach` open debts on that
 * creditor (due 30, 200, 500… days ago, so several policy bands show up) and a session.
 * The database is the one at `databaseUrl`; the app's client is closed again on return.
 */
export async function addDebtorsWithSessions(databaseUrl: string, slug: string, count: number, debtsEach: number): Promise<BenchUser[]> {
	process.env.DATABASE_URL = databaseUrl;
	const { resetConfig } = await import('../src/lib/server/config');
	resetConfig();
	const { db, closeDb } = await import('../src/lib/server/db/client');
	const { creditors, debtors, debts } = await import('../src/lib/server/db/schema');
	const { createSession, generateSessionToken, SESSION_COOKIE } = await import('../src/lib/server/auth/session');
	const { generateCpf } = await import('../src/lib/format/document');
	const { addDays, todayInSaoPaulo } = await import('../src/lib/format/dates');
	const { seededRandom } = await import('../src/lib/server/import/generate');
	try {
		const [creditor] = await db().select().from(creditors).where(eq(creditors.slug, slug)).limit(1);
		if (!creditor) throw new Error(`creditor ${slug} not found (was the demo seeded?)`);
		const rng = seededRandom(42);
		const today = todayInSaoPaulo();
		const people = await db()
			.insert(debtors)
			.values(
				Array.from({ length: count }, (_, i) => ({
					agencyId: creditor.agencyId,
					document: generateCpf(rng),
					name: `Cliente Bench ${String(i + 1).padStart(3, '0')} da Silva`,
					phone: `+55119${String(10000000 + i).slice(-8)}`,
					email: `bench${i + 1}@example.com`,
					state: 'SP'
				}))
			)
			.returning({ id: debtors.id, agencyId: debtors.agencyId, name: debtors.name });
		const ages = [30, 200, 500, 90, 1000];
		const rows = people.flatMap((p, i) =>
			Array.from({ length: debtsEach }, (_, k) => ({
				creditorId: creditor.id,
				debtorId: p.id,
				externalId: `BENCH-${String(i + 1).padStart(3, '0')}-${k + 1}`,
				description: `Carnê de compra ${k + 1} — loja ${1 + (i % 17)}`,
				dueDate: addDays(today, -ages[k % ages.length]),
				principalCents: 10_000 + ((i * 7919 + k * 104_729) % 500_000)
			}))
		);
		const created = await db().insert(debts).values(rows).returning({ id: debts.id, debtorId: debts.debtorId, externalId: debts.externalId });
		const byDebtor = new Map<string, string[]>();
		for (const d of created.sort((a, b) => a.externalId.localeCompare(b.externalId))) {
			byDebtor.set(d.debtorId, [...(byDebtor.get(d.debtorId) ?? []), d.id]);
		}
		const users: BenchUser[] = [];
		for (const p of people) {
			const token = generateSessionToken();
			await createSession(db(), token, { id: p.id, agencyId: p.agencyId }, 30);
			users.push({ debtorId: p.id, name: p.name, token, cookie: `${SESSION_COOKIE}=${token}`, debtIds: byDebtor.get(p.id) ?? [] });
		}
		return users;
	} finally {
		await closeDb();
	}
}
