// Baseline for bench/journey.ts: a bare node:http server that, for the portal's debts and offers
// URLs, runs the same SQL the app's hooks and load functions run (the statements drizzle
// generates, copied verbatim) with postgres.js directly, and answers the rows as JSON.
// No SvelteKit, no zod, no offer math, no rendering: what is left is the floor the app stands on.
//
// Env: DATABASE_URL (required), PORT (0 = any), HOST (127.0.0.1), DATABASE_POOL_MAX (10, as the app),
// BARE_WORKERS (1): processes sharing the port (node:cluster), as the app's WEB_CONCURRENCY,
// BARE_PREPARE=0 to send unnamed statements like drizzle does (default: postgres.js named prepared),
// BARE_FUNNEL=1 to also record the offers_viewed funnel step as the offers page does once it has
// src/lib/server/funnel.ts recordOncePerDay (bench/journey.ts sets it when the build does that).
import cluster from 'node:cluster';
import http from 'node:http';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

const workers = Number(process.env.BARE_WORKERS ?? 1);
if (workers > 1 && cluster.isPrimary) {
	// Workers run this file again through tsx, as this process was started.
	const self = fileURLToPath(import.meta.url);
	cluster.setupPrimary({ exec: path.join(path.dirname(self), '..', 'bin', 'run-ts.js'), args: [self] });
	let listening = 0;
	cluster.on('listening', (_w, addr) => {
		if (++listening === workers) console.log(JSON.stringify({ type: 'listening', port: addr.port }));
	});
	for (let i = 0; i < workers; i++) cluster.fork();
	const stopAll = () => {
		for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
		cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
	};
	process.once('SIGTERM', stopAll);
	process.once('SIGINT', stopAll);
} else {
	await worker();
}

async function worker() {
	const url = process.env.DATABASE_URL;
	if (!url) {
		console.error('DATABASE_URL is required');
		process.exit(2);
	}
	const prepare = process.env.BARE_PREPARE !== '0';
	const sql = postgres(url, {
		max: Number(process.env.DATABASE_POOL_MAX ?? 10),
		onnotice: () => {},
		connection: { application_name: 'acerto-bare', timezone: 'UTC' }
	});
	const q = (text: string, params: unknown[]) => sql.unsafe(text, params as never[], { prepare }).values();

	const IDLE_MS = 30 * 60_000; // SESSION_IDLE_MINUTES default, as the app
	const CREDITOR_TTL_MS = 10_000; // the app's per-process brand cache (src/lib/server/tenancy/index.ts)

	// src/lib/server/tenancy/index.ts bySlug
	const CREDITOR_BY_SLUG = `select "id", "agency_id", "legal_name", "cnpj", "address", "display_name", "logo", "primary_color", "slug", "host", "pix_key", "pix_merchant_name", "pix_merchant_city", "boleto_bank_code", "boleto_agency", "boleto_account", "boleto_wallet", "created_at" from "creditors" "creditors" where "creditors"."slug" = $1 limit $2`;
	// src/lib/server/auth/session.ts validateSessionToken
	const SESSION = `select "debtor_sessions"."id", "debtor_sessions"."debtor_id", "debtor_sessions"."agency_id", "debtor_sessions"."expires_at", "debtor_sessions"."created_at", "debtors"."id", "debtors"."agency_id", "debtors"."name", "debtors"."document" from "debtor_sessions" inner join "debtors" on "debtors"."id" = "debtor_sessions"."debtor_id" where "debtor_sessions"."id" = $1 limit $2`;
	const SESSION_SLIDE = `update "debtor_sessions" set "expires_at" = $1 where "debtor_sessions"."id" = $2`;
	// src/lib/server/debts/index.ts forDebtor
	const DEBTS = `select "debts"."id", "debts"."creditor_id", "debts"."debtor_id", "debts"."external_id", "debts"."description", "debts"."due_date", "debts"."principal_cents", "debts"."late_fee_bp", "debts"."interest_monthly_bp", "debts"."status", "debts"."closed_reason", "debts"."closed_at", "debts"."created_at", "debts"."updated_at", "creditors"."id", "creditors"."display_name", "creditors"."legal_name", "creditors"."cnpj", "creditors"."slug", (select p.id from "policies" p where p.creditor_id = "creditors"."id" order by p.version desc limit 1) from "debts" inner join "creditors" on "creditors"."id" = "debts"."creditor_id" where ("debts"."debtor_id" = $1 and "creditors"."agency_id" = $2 and "debts"."status" in ($3, $4)) order by "creditors"."display_name" asc, "debts"."due_date" asc`;
	// src/lib/server/offers/index.ts selectedDebts (the ids as one uuid[] parameter; the newest policy's
// id and version come along, its body parsed once per process as the app caches it)
	const SELECTION = `select "debts"."id", "debts"."creditor_id", "debts"."debtor_id", "debts"."external_id", "debts"."description", "debts"."due_date", "debts"."principal_cents", "debts"."late_fee_bp", "debts"."interest_monthly_bp", "debts"."status", "debts"."closed_reason", "debts"."closed_at", "debts"."created_at", "debts"."updated_at", "creditors"."id", "creditors"."agency_id", "creditors"."legal_name", "creditors"."cnpj", "creditors"."address", "creditors"."display_name", "creditors"."logo", "creditors"."primary_color", "creditors"."slug", "creditors"."host", "creditors"."pix_key", "creditors"."pix_merchant_name", "creditors"."pix_merchant_city", "creditors"."boleto_bank_code", "creditors"."boleto_agency", "creditors"."boleto_account", "creditors"."boleto_wallet", "creditors"."sms_sender", "creditors"."email_sender_name", "creditors"."retention_days", "creditors"."updated_at", "creditors"."created_at", (select p.id from "policies" p where p.creditor_id = "creditors"."id" order by p.version desc limit 1), (select p.version from "policies" p where p.creditor_id = "creditors"."id" order by p.version desc limit 1) from "debts" inner join "creditors" on "creditors"."id" = "debts"."creditor_id" where ("debts"."id" = any($1::uuid[]) and "debts"."debtor_id" = $2 and "creditors"."agency_id" = $3 and "debts"."status" = $4)`;
	
	// src/lib/server/funnel.ts recordOncePerDay: one read when the step is already there today (the
	// steady state of this benchmark), else the locked insert in a transaction
	const FUNNEL_RECORDED_TODAY = `select "id" from "funnel_events" where ("funnel_events"."debtor_id" = $1 and "funnel_events"."step" = $2 and "funnel_events"."creditor_id" is not distinct from $3::uuid and "funnel_events"."at" >= ((now() at time zone 'America/Sao_Paulo')::date::timestamp at time zone 'America/Sao_Paulo')) limit $4`;
	const FUNNEL_LOCK = `select pg_advisory_xact_lock(815247, hashtext($1 || $2 || $3))`;
	const FUNNEL_INSERT = `
			insert into funnel_events (agency_id, creditor_id, debtor_id, step, channel)
			select $1::uuid, $2::uuid, $3::uuid, $4, $5
			where not exists (
				select 1 from funnel_events
				where debtor_id = $6::uuid and step = $7
					and creditor_id is not distinct from $8::uuid
					and at >= ((now() at time zone 'America/Sao_Paulo')::date::timestamp at time zone 'America/Sao_Paulo'))
			returning id`;
	const funnel = process.env.BARE_FUNNEL === '1';

	const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
	const creditorCache = new Map<string, { at: number; row: unknown[] | null }>();

	async function creditorBySlug(slug: string): Promise<unknown[] | null> {
		const hit = creditorCache.get(slug);
		if (hit && Date.now() - hit.at < CREDITOR_TTL_MS) return hit.row;
		const rows = await q(CREDITOR_BY_SLUG, [slug, 1]);
		const row = (rows[0] as unknown[] | undefined) ?? null;
		creditorCache.set(slug, { at: Date.now(), row });
		return row;
	}

	function cookie(header: string | undefined, name: string): string | null {
		if (!header) return null;
		for (const part of header.split(';')) {
			const eq = part.indexOf('=');
			if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
		}
		return null;
	}

	/** The session row (debtor id at 1, agency id at 2, name at 7), sliding it as the app does; null when absent or expired. */
	async function session(token: string): Promise<unknown[] | null> {
		const id = createHash('sha256').update(token).digest('hex');
		const rows = await q(SESSION, [id, 1]);
		const row = rows[0] as unknown[] | undefined;
		if (!row) return null;
		const expires = new Date(row[3] as string | Date).getTime();
		const now = Date.now();
		if (now >= expires) return null;
		if (expires - now < IDLE_MS - 60_000) await q(SESSION_SLIDE, [new Date(now + IDLE_MS).toISOString(), id]);
		return row;
	}

	function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
		res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
		res.end(body);
	}

	const server = http.createServer(async (req, res) => {
		try {
			const u = new URL(req.url ?? '/', 'http://127.0.0.1');
			const m = /^\/c\/([^/]+)\/(dividas|ofertas)$/.exec(u.pathname);
			if (!m) return send(res, 404, '{"error":"not found"}');
			const [, slug, page] = m;
			const creditor = await creditorBySlug(slug);
			if (!creditor) return send(res, 404, '{"error":"portal not found"}');
			const token = cookie(req.headers.cookie, 'acerto_session');
			const s = token ? await session(token) : null;
			if (!s || s[2] !== creditor[1]) return send(res, 303, '', { location: `/c/${slug}?expirou=1` });
			const debtorId = s[1] as string;
			const agencyId = s[2] as string;
			if (page === 'dividas') {
				const rows = await q(DEBTS, [debtorId, agencyId, 'open', 'in_agreement']);
				return send(res, 200, JSON.stringify({ debtor: s[7], debts: rows }));
			}
			const ids = [...new Set(u.searchParams.getAll('d'))].filter((id) => UUID.test(id));
			if (ids.length === 0) return send(res, 200, '{"ok":false}');
			const rows = (await q(SELECTION, [ids, debtorId, agencyId, 'open'])) as unknown[][];
			if (rows.length !== ids.length || rows.some((r) => r[14] !== rows[0][14])) return send(res, 200, '{"ok":false}');
				if (funnel) {
				const creditorId = rows[0][14] as string;
				const recorded = await q(FUNNEL_RECORDED_TODAY, [debtorId, 'offers_viewed', creditorId, 1]);
				if (recorded.length === 0) await sql.begin(async (tx) => {
					await tx.unsafe(FUNNEL_LOCK, [debtorId, creditorId, 'offers_viewed'], { prepare });
					await tx.unsafe(FUNNEL_INSERT, [agencyId, creditorId, debtorId, 'offers_viewed', 'portal', debtorId, 'offers_viewed', creditorId], { prepare });
				});
			}
			return send(res, 200, JSON.stringify({ ok: true, debtor: s[7], debts: rows }));
		} catch (e) {
			console.error(e);
			if (!res.headersSent) send(res, 500, '{"error":"internal"}');
		}
	});
	server.keepAliveTimeout = 5_000;
	server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
		const addr = server.address();
		if (!cluster.isWorker) console.log(JSON.stringify({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 }));
	});

	const stop = () => {
		server.close();
		server.closeIdleConnections();
		setTimeout(() => server.closeAllConnections(), 2_000).unref();
		void sql.end({ timeout: 5 }).then(() => process.exit(0));
	};
	process.once('SIGTERM', stop);
	process.once('SIGINT', stop);
}
