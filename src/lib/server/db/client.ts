import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema';
import { config } from '../config';

export type Db = PostgresJsDatabase<typeof schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

type Holder = { sql?: postgres.Sql; db?: Db };
// One pool per process even when the app bundle and the CLI/server wrapper load this module twice.
const holder: Holder = ((globalThis as Record<symbol, Holder>)[Symbol.for('acerto.db')] ??= {});

export function sqlClient(): postgres.Sql {
	if (!holder.sql) {
		const url = config().DATABASE_URL ?? process.env.DATABASE_URL;
		if (!url) throw new Error('DATABASE_URL não definido (o servidor embutido ainda não iniciou?)');
		const sql = postgres(url, {
			max: config().DATABASE_POOL_MAX,
			onnotice: () => {},
			connection: { application_name: 'acerto', timezone: 'UTC' }
		});
		// Drizzle runs every query through `unsafe(..., { prepare: false })` unless it is given a name,
		// which costs each query an extra round trip to describe it. The app's queries are a small,
		// fixed set of texts, so let postgres.js prepare and reuse them per connection.
		const unsafe = sql.unsafe.bind(sql);
		sql.unsafe = ((query: string, params?: unknown[], options?: { prepare?: boolean }) =>
			unsafe(query, params as never, { ...options, prepare: params !== undefined && params.length > 0 ? true : options?.prepare })) as typeof sql.unsafe;
		holder.sql = sql;
	}
	return holder.sql;
}

/**
 * A query whose SQL drizzle builds once per database handle instead of on every call (building
 * it was ~15 % of a portal page's CPU). `build` must use `sql.placeholder(...)` for every value;
 * the result is `.prepare(name)`'d. A transaction handle gets its own copy, dropped with it.
 */
export function preparedQuery<Q>(build: (db: DbOrTx) => Q): (db: DbOrTx) => Q {
	const byHandle = new WeakMap<DbOrTx, Q>();
	return (handle) => {
		let q = byHandle.get(handle);
		if (!q) {
			q = build(handle);
			byHandle.set(handle, q);
		}
		return q;
	};
}

/** The database, created lazily at first use so that building the app needs no connection. */
export function db(): Db {
	holder.db ??= drizzle(sqlClient(), { schema });
	return holder.db;
}

export async function closeDb(): Promise<void> {
	const sql = holder.sql;
	holder.sql = undefined;
	holder.db = undefined;
	if (sql) await sql.end({ timeout: 5 });
}

/** Whether a PostgreSQL server answers at `url` within a couple of seconds. */
export async function serverAnswers(url: string): Promise<boolean> {
	const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
	try {
		await sql`select 1`;
		return true;
	} catch {
		return false;
	} finally {
		await sql.end({ timeout: 1 });
	}
}
