// Bank-statement benchmark: an OFX statement of CREDITS credits (and as many debits) reconciled
// against CREDITS installments: half carry an installment's txid (recorded), a quarter only its
// amount (proposed in the review queue), a quarter match nothing. Reports credits/s and the peak
// memory of this process (the importer runs in it, as the CLI runs it).
//
//   npm run bench:extrato
//   env: CREDITS (20000), BATCH (500 credits per transaction), BENCH_DATABASE_URL
import postgres from 'postgres';
import { runMigrations } from '../src/lib/server/db/migrate';
import { closeDb, db } from '../src/lib/server/db/client';
import { resetConfig } from '../src/lib/server/config';
import { importStatement } from '../src/lib/server/payments/statement-import';
import { todayInSaoPaulo } from '../src/lib/format/dates';
import { ofxStatement, type Entry } from '../tests/support/ofx-files';
import { fmt, log, machineLine, peakRssMb, scratchDatabase, table, writeJson } from './lib';

const CREDITS = Math.max(100, Math.min(500_000, Number(process.env.CREDITS ?? 20_000)));
const BATCH = Math.max(1, Number(process.env.BATCH ?? 500));

async function seed(url: string): Promise<{ agencyId: string; installments: { txid: string; amount: number; due: string }[] }> {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		const [a] = await sql<{ id: string }[]>`insert into agencies (name, cnpj) values ('Assessoria Bench', '11222333000181') returning id`;
		const [c] = await sql<{ id: string }[]>`
			insert into creditors (agency_id, legal_name, cnpj, address, display_name, slug, pix_key, pix_merchant_name, pix_merchant_city)
			values (${a.id}, 'Credor Bench Ltda.', '43661268200607', 'Rua Teste, 1', 'Credor Bench', 'bench', 'pix@example.com', 'Credor', 'Sao Paulo') returning id`;
		const [d] = await sql<{ id: string }[]>`insert into debtors (agency_id, document, name, state) values (${a.id}, '52998224725', 'Devedor Bench', 'SP') returning id`;
		const [t] = await sql<{ id: string }[]>`insert into debts (creditor_id, debtor_id, external_id, description, due_date, principal_cents) values (${c.id}, ${d.id}, 'B-1', 'Bench', current_date - 60, 100000) returning id`;
		// One agreement per installment; amounts from R$ 50,00 to R$ 549,99, due within the next 15 days.
		await sql`
			with a as (
				insert into agreements (code, creditor_id, debtor_id, policy_version, status, kind, updated_total_cents, discount_cents, total_cents, installment_count, break_tolerance_days, terms)
				select 'AC-BENCH-' || g, ${c.id}::uuid, ${d.id}::uuid, 1, 'active', 'cash', 5000 + g % 50000, 0, 5000 + g % 50000, 1, 5, '{}'::jsonb from generate_series(1, ${CREDITS}) g returning id, code, total_cents),
			ad as (insert into agreement_debts (agreement_id, debt_id, original_cents, late_fee_cents, interest_cents, updated_cents) select id, ${t.id}::uuid, total_cents, 0, 0, total_cents from a)
			insert into installments (agreement_id, seq, due_date, amount_cents, txid, nosso_numero, pix_key, pix_merchant_name, pix_merchant_city, boleto_bank_code, boleto_agency, boleto_account, boleto_wallet)
			select a.id, 1, current_date + (a.total_cents % 15)::int, a.total_cents, upper(left(replace(a.code, '-', '') || md5(a.code), 25)), lpad(nextval('nosso_numero_seq')::text, 11, '0'), 'pix@example.com', 'Credor', 'Sao Paulo', '237', '0001', '0000001', '09' from a`;
		await sql`analyze`;
		const rows = await sql<{ txid: string; amount: string; due: string }[]>`select txid, amount_cents as amount, to_char(due_date, 'YYYY-MM-DD') as due from installments order by txid`;
		return { agencyId: a.id, installments: rows.map((r) => ({ txid: r.txid, amount: Number(r.amount), due: r.due })) };
	} finally {
		await sql.end({ timeout: 5 });
	}
}

async function main() {
	log(`Extrato OFX: ${fmt(CREDITS)} créditos (e ${fmt(CREDITS)} débitos) contra ${fmt(CREDITS)} parcelas, ${fmt(BATCH)} por transação. ${machineLine()}`);
	const scratch = await scratchDatabase('extrato');
	try {
		await runMigrations(scratch.url);
		process.env.DATABASE_URL = scratch.url;
		resetConfig();
		const t0 = performance.now();
		const { agencyId, installments } = await seed(scratch.url);
		log(`Base pronta em ${fmt((performance.now() - t0) / 1000, 1)} s.`);
		const today = todayInSaoPaulo();
		const entries: Entry[] = [];
		installments.forEach((i, k) => {
			const kind = k % 4;
			const memo = kind < 2 ? `PIX RECEBIDO FULANO ${i.txid}` : 'PIX RECEBIDO FULANO DE TAL';
			entries.push({ fitId: `C${k}`, postedOn: today, amountCents: kind === 3 ? 1 + (k % 4_999) : i.amount, memo });
			entries.push({ fitId: `D${k}`, postedOn: today, amountCents: -(100 + (k % 9_000)), memo: 'PAGAMENTO FORNECEDOR' });
		});
		const content = ofxStatement({ start: today, end: today, entries });
		log(`Arquivo de ${fmt(content.length / 1024 / 1024, 1)} MB.`);
		const started = performance.now();
		const result = await importStatement(db(), { agencyId, content, fileName: 'bench.ofx', actor: { type: 'system' }, batchSize: BATCH });
		const seconds = (performance.now() - started) / 1000;
		if (!result.ok) throw new Error(result.message);
		const c = result.report.counts;
		const out = { credits: CREDITS, batch: BATCH, seconds, creditsPerSecond: CREDITS / seconds, peakRssMb: peakRssMb(process.pid), counts: c };
		log(table(['créditos', 's', 'créditos/s', 'lançados', 'propostos', 'sem par', 'pico de memória (MB)'], [[fmt(CREDITS), fmt(seconds, 1), fmt(out.creditsPerSecond), fmt(c.recorded), fmt(c.proposed), fmt(c.unmatched), fmt(out.peakRssMb)]]));
		if (c.recorded !== Math.ceil(CREDITS / 2) || c.known !== 0) throw new Error(`contagens inesperadas: ${JSON.stringify(c)}`);
		const again = performance.now();
		const twice = await importStatement(db(), { agencyId, content, fileName: 'bench.ofx', actor: { type: 'system' }, batchSize: BATCH });
		if (!twice.ok || !twice.duplicate) throw new Error('o mesmo arquivo de novo deveria ser reconhecido');
		log(`O mesmo arquivo de novo: ${fmt((performance.now() - again) / 1000, 2)} s, nada mudou.`);
		log(`Resultado em ${writeJson('extrato', out)}`);
	} finally {
		await closeDb();
		await scratch.drop();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
