import postgres from 'postgres';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../src/lib/server/db/migrate';
import { startEmbedded, type EmbeddedHandle } from '../../src/lib/server/db/embedded';

declare module 'vitest' {
	export interface ProvidedContext {
		databaseUrl: string;
		adminDatabaseUrl: string;
	}
}

// The integration and e2e projects both run this setup in one process: they share one embedded
// server (two would fight over its data folder and port), stopped when the last one is done.
type SharedEmbedded = { handle: Promise<EmbeddedHandle>; users: number };
const SHARED = Symbol.for('acerto.test.embedded');
const registry = globalThis as { [SHARED]?: SharedEmbedded };

async function useEmbedded(): Promise<{ url: string; release: () => Promise<void> }> {
	const shared = (registry[SHARED] ??= { handle: startEmbedded(path.resolve('.data/test'), 54339), users: 0 });
	shared.users++;
	const handle = await shared.handle;
	return {
		url: handle.url,
		release: async () => {
			if (--shared.users > 0) return;
			delete registry[SHARED];
			await handle.stop();
		}
	};
}

/**
 * One fresh database per test run on a real PostgreSQL: TEST_DATABASE_URL when given (CI has one
 * on 127.0.0.1:5432), otherwise an embedded server of our own under .data-test/.
 */
export default async function setup(project: TestProject) {
	let embedded: Awaited<ReturnType<typeof useEmbedded>> | undefined;
	let admin = process.env.TEST_DATABASE_URL;
	if (!admin) {
		embedded = await useEmbedded();
		admin = embedded.url;
	}
	const name = `acerto_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
	const sql = postgres(admin, { max: 1, onnotice: () => {} });
	await sql.unsafe(`create database ${name}`);
	const url = new URL(admin);
	url.pathname = `/${name}`;
	await runMigrations(url.toString());
	project.provide('databaseUrl', url.toString());
	project.provide('adminDatabaseUrl', admin);
	return async () => {
		await sql.unsafe(`drop database if exists ${name} with (force)`);
		await sql.end({ timeout: 5 });
		if (embedded) await embedded.release();
	};
}
