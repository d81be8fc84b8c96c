import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakRuleText, renderTermoPdf, type TermoData } from '../../src/lib/server/agreements/termo-pdf';

/** Runs a poppler tool; a missing tool fails the test loudly instead of skipping it. */
function run(tool: string, args: string[]): string {
	const r = spawnSync(tool, args, { encoding: 'utf8' });
	if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
		throw new Error(`${tool} não está instalado: a verificação do PDF precisa de poppler-utils. apt-get install -y poppler-utils`);
	}
	if (r.error) throw r.error;
	return r.stdout;
}

function termo(count: number): TermoData {
	const debts = [
		{
			contractId: 'CT-2023-000145',
			description: 'Cartão Loja Exemplo — fatura de março/2024',
			originalDueDate: '2024-03-10',
			originalCents: 85000,
			lateFeeCents: 1700,
			interestCents: 27540,
			updatedCents: 114240
		},
		{
			contractId: 'CT-2023-000146',
			description: 'Crediário — eletrodomésticos',
			originalDueDate: '2024-05-15',
			originalCents: 42050,
			lateFeeCents: 841,
			interestCents: 11353,
			updatedCents: 54244
		}
	];
	const updatedCents = 168484;
	const discountCents = 33697;
	const installmentInterestCents = count > 1 ? 9850 : 0;
	const total = updatedCents - discountCents + installmentInterestCents;
	const base = Math.floor(total / count);
	const installments = Array.from({ length: count }, (_, i) => {
		const month = 11 + i; // December 2026 onwards
		const year = 2026 + Math.floor(month / 12);
		return {
			seq: i + 1,
			dueDate: `${year}-${String((month % 12) + 1).padStart(2, '0')}-10`,
			amountCents: i === 0 ? total - base * (count - 1) : base
		};
	});
	return {
		code: 'AC-7K3M-9QXF',
		// 02:30 UTC is still the 19th in São Paulo: the termo must say 19/11/2026.
		issuedAt: '2026-11-20T02:30:00Z',
		creditor: {
			legalName: 'Loja Exemplo Comércio de Roupas Ltda',
			tradeName: 'Loja Exemplo',
			cnpj: '12.345.678/0001-95',
			address: 'Av. Paulista, 1000, sala 12 — Bela Vista, São Paulo/SP, CEP 01310-100'
		},
		agency: { name: 'Recupera Assessoria de Cobrança Ltda', cnpj: '12.ABC.345/01DE-35' },
		debtor: { name: 'Maria da Conceição Souza', document: '123.456.789-09' },
		debts,
		totals: {
			updatedCents,
			discountCents,
			installmentInterestCents,
			agreementTotalCents: total,
			cetMonthly: count > 1 ? 0.0199 : null,
			cetYearly: count > 1 ? Math.pow(1.0199, 12) - 1 : null
		},
		installments,
		breakToleranceDays: 5,
		remainderNote: 'A 1ª parcela inclui o arredondamento de centavos.',
		acceptedAt: '2026-11-20T02:29:10Z',
		contact: 'atendimento@lojaexemplo.com.br'
	};
}

describe('termo de acordo PDF', () => {
	let dir: string;

	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'acerto-termo-'));
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	async function renderText(data: TermoData): Promise<{ pdf: Buffer; text: string; pages: number }> {
		const pdf = await renderTermoPdf(data);
		const path = join(dir, `termo-${data.installments.length}.pdf`);
		writeFileSync(path, pdf);
		const text = run('pdftotext', [path, '-']).replace(/\s+/g, ' ');
		const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [path]))![1]);
		return { pdf, text, pages };
	}

	it('states parties, debts, totals, schedule and conditions', async () => {
		const data = termo(6);
		const { pdf, text, pages } = await renderText(data);
		expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
		expect(pages).toBe(1);
		expect(text).toContain('Termo de acordo');
		expect(text).toContain('AC-7K3M-9QXF');
		expect(text).toContain('Emitido em 19/11/2026');
		// CDC art. 42-A: creditor with CNPJ and address.
		expect(text).toContain('Loja Exemplo Comércio de Roupas Ltda');
		expect(text).toContain('CNPJ 12.345.678/0001-95');
		expect(text).toContain('Av. Paulista, 1000');
		expect(text).toContain('123.456.789-09');
		expect(text).toContain('CT-2023-000145');
		expect(text).toContain('10/03/2024');
		expect(text).toContain('R$ 1.684,84'); // updated total
		expect(text).toContain('-R$ 336,97'); // discount
		expect(text).toContain('R$ 1.446,37'); // agreement total
		expect(text).toContain('1,99% ao mês');
		expect(text).toContain('10/12/2026');
		expect(text).toContain('R$ 241,07');
		expect(text).toContain(breakRuleText(5));
		expect(text).toContain('reduz os juros proporcionalmente');
		expect(text).toContain('23:29');
		expect(text).toContain('página 1 de 1');
	});

	it('words the break rule with the tolerance given', () => {
		expect(breakRuleText(5)).toBe(
			'Se uma parcela ficar sem pagamento por mais de 5 dias após o vencimento, o acordo poderá ser desfeito; os valores pagos serão abatidos da dívida, que poderá ser renegociada.'
		);
		expect(breakRuleText(1)).toContain('mais de 1 dia após');
	});

	it('omits the CET when the plan charges no interest', async () => {
		const { text } = await renderText(termo(1));
		expect(text).not.toContain('CET');
		expect(text).toContain('parcela única de R$ 1.347,87');
	});

	it('lays out a 60-installment plan over numbered pages', async () => {
		const { text, pages } = await renderText(termo(60));
		expect(pages).toBeGreaterThanOrEqual(2);
		expect(text).toContain(`página ${pages} de ${pages}`);
		expect(text).toContain('10/11/2031'); // the 60th installment
	});

	it('refuses figures that do not add up', async () => {
		const bad = termo(6);
		bad.installments[2].amountCents += 1;
		await expect(renderTermoPdf(bad)).rejects.toThrow(/soma das parcelas/);
		const bad2 = termo(6);
		bad2.debts[0].interestCents += 1;
		await expect(renderTermoPdf(bad2)).rejects.toThrow(/CT-2023-000145/);
	});

	it('shows the credit of earlier payments as its own line, and still adds up to the cent', async () => {
		// 123,45 paid before on the first debt: its updated value 1.142,40 − 123,45 = 1.018,95.
		const data = withCredit(termo(1), 12345);
		const { text } = await renderText(data);
		expect(text).toContain('Crédito de pagamentos anteriores: R$ 123,45, já abatidos do valor atualizado');
		expect(text).toContain('-R$ 123,45');
		expect(text).toContain('R$ 1.018,95'); // the first debt, net
		expect(text).toContain('R$ 1.561,39'); // updated total: 1.684,84 − 123,45
		expect(text).toContain(`parcela única de ${'R$ 1.249,12'}`); // 1.561,39 − 312,27 discount
	});

	it('refuses a credit line that does not reconcile with the debt', async () => {
		const bad = withCredit(termo(1), 12345);
		bad.debts[0].creditCents = 12346;
		await expect(renderTermoPdf(bad)).rejects.toThrow(/CT-2023-000145: valor atualizado não confere/);
	});
});

/** The same termo with `credit` cents paid before on the first debt (discount 20 % of the new updated total, floored). */
function withCredit(t: TermoData, credit: number): TermoData {
	const debts = t.debts.map((d, k) => (k === 0 ? { ...d, creditCents: credit, updatedCents: d.updatedCents - credit } : d));
	const updatedCents = debts.reduce((s, d) => s + d.updatedCents, 0);
	const discountCents = Math.floor(updatedCents * 0.2);
	const total = updatedCents - discountCents;
	return { ...t, debts, totals: { ...t.totals, updatedCents, discountCents, installmentInterestCents: 0, agreementTotalCents: total }, installments: [{ ...t.installments[0], amountCents: total }] };
}
