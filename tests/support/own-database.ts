import { inject } from 'vitest';
import postgres from 'postgres';
import { runMigrations } from '../../src/lib/server/db/migrate';
import { closeDb } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';

/**
 * A database of this test file's own, migrated, for tests that run the sending pipeline or the
 * régua over everything due: in the run's shared database the other files' queued messages would
 * be theirs to send too. Points the app's client (and `process.env.DATABASE_URL`, for the apps a
 * test starts) at it; `drop()` removes it.
 */
export async function ownDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
	const admin = inject('adminDatabaseUrl');
	const name = `acerto_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
	const sql = postgres(admin, { max: 1, onnotice: () => {} });
	await sql.unsafe(`create database ${name}`);
	const u = new URL(admin);
	u.pathname = `/${name}`;
	const url = u.toString();
	await runMigrations(url);
	await closeDb();
	process.env.DATABASE_URL = url;
	resetConfig();
	return {
		url,
		drop: async () => {
			await closeDb();
			await sql.unsafe(`drop database if exists ${name} with (force)`);
			await sql.end({ timeout: 5 });
		}
	};
}
