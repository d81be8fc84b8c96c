import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { Logger, runMigrations as jobMigrations } from 'graphile-worker';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const quietLogger = new Logger(() => (level, message) => {
	if (level === 'error') console.error(JSON.stringify({ type: 'error', where: 'jobs.migrate', message }));
});

/** Where the committed migrations live, found from this file or from the working directory. */
export function migrationsFolder(): string {
	return process.env.ACERTO_MIGRATIONS_DIR ?? path.resolve(here, '../../../../drizzle');
}

/** Applies pending migrations with a single-connection client (drizzle's migrator needs `max: 1`). */
export async function runMigrations(url: string, folder = migrationsFolder()): Promise<void> {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		// Several app processes may start at once: serialise migrations with an advisory lock.
		await sql`select pg_advisory_lock(815243)`;
		await migrate(drizzle(sql), { migrationsFolder: folder });
		// The job runner's own schema (graphile_worker), so jobs can be queued before any runner starts.
		await jobMigrations({ connectionString: url, logger: quietLogger });
		await sql`select pg_advisory_unlock(815243)`;
	} finally {
		await sql.end({ timeout: 5 });
	}
}
