// Return-file benchmark: a CNAB 400 (Bradesco) return file of LINES records reconciled against
// as many installments, in the importer's bounded transactions. Reports lines/s and the peak
// memory of this process (the importer runs in it, as the CLI runs it).
//
//   npm run bench:retorno
//   env: LINES (100000), BATCH (1000 records per transaction), BENCH_DATABASE_URL
//   Half the records are payments, half entry confirmations.
import postgres from 'postgres';
import { runMigrations } from '../src/lib/server/db/migrate';
import { closeDb, db } from '../src/lib/server/db/client';
import { resetConfig } from '../src/lib/server/config';
import { importRetorno } from '../src/lib/server/payments/retorno-import';
import { cnab400Bradesco, type Movement } from '../tests/support/retorno-files';
import { fmt, log, machineLine, peakRssMb, scratchDatabase, table, writeJson } from './lib';

const LINES = Math.max(100, Math.min(1_000_000, Number(process.env.LINES ?? 100_000)));
const BATCH = Math.max(1, Number(process.env.BATCH ?? 1_000));

async function seed(url: string): Promise<{ agencyId: string; creditorId: string; nossoNumeros: string[] }> {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		const [a] = await sql<{ id: string }[]>`insert into agencies (name, cnpj) values ('Assessoria Bench', '11222333000181') returning id`;
		const [c] = await sql<{ id: string }[]>`
			insert into creditors (agency_id, legal_name, cnpj, address, display_name, slug, pix_key, pix_merchant_name, pix_merchant_city)
			values (${a.id}, 'Credor Bench Ltda.', '43661268200607', 'Rua Teste, 1', 'Credor Bench', 'bench', 'pix@example.com', 'Credor', 'Sao Paulo') returning id`;
		// One debtor, debt and agreement per installment, as many as there are lines: a file pays many
		// people, each once (one debtor paying everything would make one row the hot spot), each with a
		// mobile, so every payment also queues its receipt message.
		await sql`
			with d as (
				insert into debtors (agency_id, document, name, state, phone)
				select ${a.id}::uuid, lpad(g::text, 11, '0'), 'Devedor Bench ' || g, 'SP', '+55119' || lpad(g::text, 8, '0') from generate_series(1, ${LINES}) g returning id, document),
			t as (
				insert into debts (creditor_id, debtor_id, external_id, description, due_date, principal_cents)
				select ${c.id}::uuid, d.id, 'B-' || d.document, 'Bench', current_date - 60, 100000 from d returning id, debtor_id, external_id),
			a as (
				insert into agreements (code, creditor_id, debtor_id, policy_version, status, kind, updated_total_cents, discount_cents, total_cents, installment_count, break_tolerance_days, terms)
				select 'AC-BENCH-' || t.external_id, ${c.id}::uuid, t.debtor_id, 1, 'active', 'cash', 1000, 0, 1000, 1, 5, '{}'::jsonb from t returning id, code, debtor_id),
			ad as (insert into agreement_debts (agreement_id, debt_id, original_cents, late_fee_cents, interest_cents, updated_cents) select a.id, t.id, 1000, 0, 0, 1000 from a join t on t.debtor_id = a.debtor_id)
			insert into installments (agreement_id, seq, due_date, amount_cents, txid, nosso_numero, pix_key, pix_merchant_name, pix_merchant_city, boleto_bank_code, boleto_agency, boleto_account, boleto_wallet)
			select a.id, 1, current_date + 10, 1000, left(replace(a.code, '-', '') || md5(a.code), 25), lpad(nextval('nosso_numero_seq')::text, 11, '0'), 'pix@example.com', 'Credor', 'Sao Paulo', '237', '0001', '0000001', '09' from a`;
		await sql`update debts set status = 'in_agreement'`;
		await sql`analyze`;
		const rows = await sql<{ n: string }[]>`select nosso_numero as n from installments order by nosso_numero`;
		return { agencyId: a.id, creditorId: c.id, nossoNumeros: rows.map((r) => r.n) };
	} finally {
		await sql.end({ timeout: 5 });
	}
}

async function main() {
	log(`Retorno: ${fmt(LINES)} registros contra ${fmt(LINES)} parcelas, ${fmt(BATCH)} por transação. ${machineLine()}`);
	const scratch = await scratchDatabase('retorno');
	try {
		await runMigrations(scratch.url);
		process.env.DATABASE_URL = scratch.url;
		resetConfig();
		const t0 = performance.now();
		const { agencyId, nossoNumeros } = await seed(scratch.url);
		log(`Base pronta em ${fmt((performance.now() - t0) / 1000, 1)} s.`);
		const today = new Date().toISOString().slice(0, 10);
		const movements: Movement[] = nossoNumeros.map((n, k) => (k % 2 === 0 ? { code: '06', nossoNumero: n, paidCents: 1000, occurredOn: today } : { code: '02', nossoNumero: n, faceValueCents: 1000 }));
		const content = cnab400Bradesco({ agency: '0001', account: '0000001', generatedOn: today, movements });
		const started = performance.now();
		const result = await importRetorno(db(), { agencyId, content, fileName: 'bench.ret', actor: { type: 'system' }, batchSize: BATCH });
		const seconds = (performance.now() - started) / 1000;
		if (!result.ok) throw new Error(result.message);
		const c = result.report.counts;
		const out = { lines: LINES, batch: BATCH, seconds, linesPerSecond: LINES / seconds, peakRssMb: peakRssMb(process.pid), counts: c };
		log(table(['registros', 's', 'linhas/s', 'pagos', 'confirmados', 'pendências', 'pico de memória (MB)'], [[fmt(LINES), fmt(seconds, 1), fmt(out.linesPerSecond), fmt(c.paid), fmt(c.registered), fmt(c.review), fmt(out.peakRssMb)]]));
		if (c.paid !== Math.ceil(LINES / 2) || c.review !== 0) throw new Error(`contagens inesperadas: ${JSON.stringify(c)}`);
		log(`Resultado em ${writeJson('retorno', out)}`);
	} finally {
		await closeDb();
		await scratch.drop();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
