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

/**
 * One fresh database per test run on a real PostgreSQL: TEST_DATABASE_URL when given (CI has one
 * on 127.0.0.1:5432), otherwise an embedded server of our own under .data-test/.
 */
export default async function setup(project: TestProject) {
	let embedded: EmbeddedHandle | undefined;
	let admin = process.env.TEST_DATABASE_URL;
	if (!admin) {
		embedded = await startEmbedded(path.resolve('.data/test'), 54339);
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
		if (embedded) await embedded.stop();
	};
}
