/**
 * A second app process asking for one-time codes, for the test that checks send limits hold
 * across processes. Run: `node bin/run-ts.js tests/support/otp-client.ts <agencyId> <creditorId>
 * <ip> <document>...` with DATABASE_URL (and APP_SECRET, limits) in the environment. It connects,
 * prints `{"type":"ready"}`, waits for a line on stdin so that every process starts together, asks
 * for one code per document given (all at once), then prints `{"type":"results","results":[…]}`.
 */
import { createInterface } from 'node:readline';
import { requestCode } from '../../src/lib/server/auth/otp';
import { closeDb, db } from '../../src/lib/server/db/client';
import { sql } from 'drizzle-orm';

const [agencyId, creditorId, ip, ...documents] = process.argv.slice(2);
if (!agencyId || !creditorId || !ip || documents.length === 0) {
	console.error('uso: otp-client <agencyId> <creditorId> <ip> <documento>...');
	process.exit(2);
}

// Open the pool's connections before the start signal, so the requests race for real.
await Promise.all(documents.map(() => db().execute(sql`select 1`)));
process.stdout.write(JSON.stringify({ type: 'ready' }) + '\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));

const results = await Promise.all(
	documents.map(async (document) => {
		const r = await requestCode(db(), { agencyId, creditorId, creditorName: 'Credor Teste', document, ip });
		return r.ok ? { ok: true as const, destination: r.destination, reused: Boolean(r.reused) } : { ok: false as const, status: r.status, message: r.message };
	})
);
process.stdout.write(JSON.stringify({ type: 'results', results }) + '\n');
// Messages are handed to the driver just after each answer: let that finish before closing.
await new Promise((r) => setTimeout(r, 300));
await closeDb();
process.exit(0);
