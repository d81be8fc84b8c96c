/**
 * The security review's attacks, re-run against the portal as `npm start` serves it (the demo
 * data, no APP_SECRET, on a scratch database), over HTTP as an attacker would. Prints what each
 * attack got: `npm run review`. The 5xx count comes from `npm run fuzz`.
 *
 * 1. Enumeration: is a CPF/CNPJ on file? Ask for a code for known and unknown documents and try
 *    to tell them apart from the page: (a) recomputing the decoy destination with the secret that
 *    used to be in the repository, (b) "a masked e-mail means on file".
 * 2. Takeover: a manager of one creditor uploads a portfolio with another creditor's debtor and a
 *    phone of their own, then asks the portal for that debtor's code.
 * 3. Re-routing: a manager changes the Pix key and the bank account; do existing slips follow?
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { appEnv, ensureBuild, log, scratchDatabase, startServer, table } from '../bench/lib';
import { db, closeDb } from '../src/lib/server/db/client';
import { creditors, debtors, installments } from '../src/lib/server/db/schema';
import * as offers from '../src/lib/server/offers';
import * as agreements from '../src/lib/server/agreements';
import { pixFor, boletoFor } from '../src/lib/server/payments/instruments';
import { formatDocument, generateCnpj, generateCpf } from '../src/lib/format/document';
import { isValidDdd, maskPhone } from '../src/lib/format/contact';
import { todayInSaoPaulo } from '../src/lib/format/dates';

// The fixed value `config.ts` used when APP_SECRET was unset, public in the repository's history.
const FORMER_PUBLIC_SECRET = ['acerto', 'dev', 'secret', 'do', 'not', 'use', 'in', 'production', '0000'].join('-');

type Jar = Map<string, string>;
const cookieHeader = (jar: Jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
function keep(jar: Jar, res: Response) {
	for (const c of res.headers.getSetCookie()) {
		const [pair] = c.split(';');
		const i = pair.indexOf('=');
		jar.set(pair.slice(0, i), pair.slice(i + 1));
	}
}

ensureBuild();
const scratch = await scratchDatabase('review');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-review-'));
// This process reads the same database; its own configuration must not touch the project's .data.
process.env.DATA_DIR = dataDir;
const env = { ...appEnv(scratch.url), NODE_ENV: 'development', APP_SECRET: '', DATA_DIR: dataDir, OTP_SENDS_PER_IP_PER_HOUR: '100000' };
delete (env as Record<string, string>).APP_SECRET;
const server = await startServer('review', ['bin/acerto.js', 'serve', '--no-build'], env);
const base = `http://127.0.0.1:${server.port}`;
process.env.DATABASE_URL = scratch.url;

async function post(p: string, form: Record<string, string>, jar: Jar, extra: Record<string, string> = {}) {
	const res = await fetch(base + p, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar), ...extra },
		body: new URLSearchParams(form)
	});
	keep(jar, res);
	return res;
}

/** What the code page shows for a document (the masked destination). */
async function shown(document: string, ip: string): Promise<string> {
	const jar: Jar = new Map();
	await post('/c/aurora', { documento: document }, jar, { 'x-forwarded-for': ip });
	const html = await (await fetch(`${base}/c/aurora/codigo`, { headers: { cookie: cookieHeader(jar) } })).text();
	return html.match(/<strong>([^<]+)<\/strong>/)?.[1] ?? '?';
}

const results: (string | number)[][] = [];
try {
	// ---------------------------------------------------------------- 1. enumeration
	const [agency] = await db().execute<{ id: string }>(await import('drizzle-orm').then(({ sql }) => sql`select id from agencies limit 1`));
	const known = (await db().select({ document: debtors.document }).from(debtors)).map((d) => d.document);
	// More real debtors in the demo agency's proportions (mostly mobiles, some e-mail only).
	const rng = () => Math.random();
	const [aurora] = await db().select().from(creditors).where(eq(creditors.slug, 'aurora'));
	const { debt: debtsTable } = { debt: (await import('../src/lib/server/db/schema')).debts };
	for (let i = 0; i < 12; i++) {
		const emailOnly = i % 4 === 0;
		const [d] = await db()
			.insert(debtors)
			.values({ agencyId: agency.id, document: generateCpf(rng), name: `Pessoa ${i}`, phone: emailOnly ? null : `+55119${String(80000000 + i * 7919).slice(0, 8)}`, email: emailOnly ? `pessoa${i}@gmail.com` : null, state: 'SP', dataCreditorId: aurora.id })
			.returning();
		await db().insert(debtsTable).values({ creditorId: aurora.id, debtorId: d.id, externalId: `REV-${i}`, description: 'Compra', dueDate: '2026-01-10', principalCents: 10_000 });
		known.push(d.document);
	}
	const unknown = Array.from({ length: known.length }, (_, i) => (i % 5 === 4 ? generateCnpj(rng) : generateCpf(rng)));
	const oldDecoy = (document: string) => {
		const h = createHmac('sha256', `otp-decoy:${FORMER_PUBLIC_SECRET}`).update(`${agency.id}:${document}`).digest('hex');
		const digits = String(parseInt(h.slice(0, 8), 16)).padStart(6, '0');
		const ddds = Array.from({ length: 89 }, (_, i) => 11 + i).filter(isValidDdd);
		const ddd = ddds[parseInt(h.slice(8, 10), 16) % ddds.length];
		return maskPhone(`+55${ddd}9${digits.slice(0, 4)}${digits.slice(-4)}`);
	};
	let ip = 1;
	const page = new Map<string, string>();
	for (const d of [...known, ...unknown]) page.set(d, await shown(formatDocument(d), `198.51.100.${ip++ % 250}`));
	const byOldSecret = [...known.filter((d) => page.get(d) !== oldDecoy(d)), ...unknown.filter((d) => page.get(d) === oldDecoy(d))].length;
	const byEmail = [...known.filter((d) => page.get(d)!.includes('@')), ...unknown.filter((d) => !page.get(d)!.includes('@'))].length;
	const total = known.length + unknown.length;
	results.push(['Enumeration: recompute the decoy with the former public secret', `${byOldSecret} of ${total} documents classified right (chance: ${total / 2})`]);
	results.push(['Enumeration: "a masked e-mail means on file"', `${byEmail} of ${total} classified right; e-mail masks: ${known.filter((d) => page.get(d)!.includes('@')).length} of ${known.length} known, ${unknown.filter((d) => page.get(d)!.includes('@')).length} of ${unknown.length} unknown`]);

	// ---------------------------------------------------------------- 2. takeover
	const { runAcerto } = await import('../tests/support/cli');
	const invited = await runAcerto(['staff', 'add', '--email', 'gestor.aurora@review.example', '--role', 'creditor_manager', '--creditor', 'aurora'], { DATABASE_URL: scratch.url, DATA_DIR: dataDir, PUBLIC_BASE_URL: base });
	const token = invited.stdout.match(/convite\/([a-z2-7]+)/)![1];
	const manager: Jar = new Map();
	const PASSWORD = 'revisão de segurança 2026';
	await post(`/admin/convite/${token}`, { nome: 'Gestor Aurora', senha: PASSWORD, confirmacao: PASSWORD }, manager);
	await post('/admin/entrar', { email: 'gestor.aurora@review.example', senha: PASSWORD }, manager);
	const [victim] = await db().select().from(debtors).where(eq(debtors.document, '12ABC34501DE35')); // owes Horizonte only
	const before = await shown('12.ABC.345/01DE-35', '203.0.113.1');
	const csv = Buffer.from(
		'creditor_cnpj;debtor_document;debtor_name;debtor_phone;debtor_email;debtor_state;debt_id;description;due_date;principal\r\n' +
			`${formatDocument(aurora.cnpj)};12.ABC.345/01DE-35;Tech Nova;(11) 99999-0000;invasor@example.com;SP;TAKE-1;Centavo;10/01/2026;0,01\r\n`
	);
	const start = await fetch(`${base}/admin/importacoes/enviar`, {
		method: 'POST',
		headers: { origin: base, cookie: cookieHeader(manager), 'content-type': 'application/json' },
		body: JSON.stringify({ creditorId: aurora.id, fileName: 'carteira.csv', fileBytes: csv.length })
	});
	const started = await start.json();
	if (!start.ok) throw new Error(`upload refused: ${start.status} ${JSON.stringify(started)}`);
	const id = started.id;
	const piece = await fetch(`${base}/admin/importacoes/${id}/partes/0`, { method: 'PUT', headers: { origin: base, cookie: cookieHeader(manager), 'content-type': 'application/octet-stream' }, body: new Uint8Array(csv) });
	if (!piece.ok) throw new Error(`piece refused: ${piece.status} ${await piece.text()}`);
	const waitFor = async (status: string) => {
		for (let i = 0; i < 120; i++) {
			const s = await (await fetch(`${base}/admin/importacoes/${id}/estado`, { headers: { cookie: cookieHeader(manager) } })).json();
			if (s.status === status || s.status === 'failed') return s.status;
			await new Promise((r) => setTimeout(r, 500));
		}
		return 'timeout';
	};
	await waitFor('validated');
	await post(`/admin/importacoes/${id}?/importar`, { soValidas: 'on' }, manager);
	const imported = await waitFor('done');
	const after = await shown('12.ABC.345/01DE-35', '203.0.113.2');
	const [row] = await db().select().from(debtors).where(eq(debtors.id, victim.id));
	const taken = after === '(11) *****-0000' || row.phone === '+5511999990000';
	results.push(['Takeover through an upload (manager of Aurora, debtor of Horizonte)', `${taken ? 'SUCCEEDED' : 'refused'}: import ${imported}; code page shows ${after} (before: ${before}); phone on file ${maskPhone(row.phone!)}`]);

	// ---------------------------------------------------------------- 3. re-routing
	const today = todayInSaoPaulo();
	const [maria] = await db().select().from(debtors).where(eq(debtors.document, '52998224725'));
	const sel = await offers.forSelection(db(), { agencyId: agency.id, debtorId: maria.id, debtIds: (await db().select().from(debtsTable).where(eq(debtsTable.externalId, 'AUR-88120'))).map((d) => d.id), today });
	if (!sel.ok) throw new Error(sel.message);
	const plan = sel.set.plans.at(-1)!;
	const made = await db().transaction((tx) => agreements.accept(tx, { debtor: { id: maria.id, agencyId: agency.id }, debtIds: sel.debtIds, kind: 'installments', count: plan.count, firstDueDate: sel.set.firstDueDate, today }));
	if (!made.ok) throw new Error(made.message);
	const slips = async () => (await db().select().from(installments).where(eq(installments.agreementId, made.agreement.id))).filter((i) => i.status === 'pending').map((i) => pixFor(i) + boletoFor(i).linha);
	const slipsBefore = await slips();
	const html = await (await fetch(`${base}/admin/credores/${aurora.id}`, { headers: { cookie: cookieHeader(manager) } })).text();
	const form: Record<string, string> = {};
	for (const m of html.matchAll(/<input id="cf-[^"]*" name="([^"]+)" type="text" value="([^"]*)"/g)) form[m[1]] = m[2].replace(/&amp;/g, '&');
	const attack = { ...form, pixKey: 'golpista@example.com', boletoAccount: '9999999' };
	const noPassword = await post(`/admin/credores/${aurora.id}?/salvar`, attack, manager);
	const [still] = await db().select().from(creditors).where(eq(creditors.id, aurora.id));
	const withPassword = await post(`/admin/credores/${aurora.id}?/salvar`, { ...attack, senhaAtual: PASSWORD }, manager);
	const [changed] = await db().select().from(creditors).where(eq(creditors.id, aurora.id));
	const slipsAfter = await slips();
	const rerouted = slipsBefore.filter((s, i) => s !== slipsAfter[i]).length;
	results.push(['Re-routing: change Pix key and account without the password', `HTTP ${noPassword.status}; settings changed: ${still.pixKey === 'golpista@example.com' ? 'YES' : 'no'}`]);
	results.push(['Re-routing: with the password, existing slips that changed', `HTTP ${withPassword.status}; key now ${changed.pixKey}; ${rerouted} of ${slipsBefore.length} pending installments re-routed`]);
} finally {
	await closeDb();
	await server.stop();
	await scratch.drop();
}

log(table(['attack', 'result'], results));
