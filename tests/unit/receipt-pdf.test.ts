import { describe, expect, it } from 'vitest';
import { renderQuitacaoPdf, renderReceiptPdf, type QuitacaoData, type ReceiptData } from '../../src/lib/server/payments/receipt-pdf';
import { receiptText } from '../../src/lib/server/payments/receipts';
import { pdfText } from '../support/tools';

const parties = {
	creditor: { legalName: 'Loja Exemplo Comércio de Roupas Ltda', tradeName: 'Loja Exemplo', cnpj: '12.345.678/0001-95', address: 'Av. Paulista, 1000, São Paulo/SP' },
	agency: { name: 'Assessoria Boa Conversa', cnpj: '11.222.333/0001-81' },
	debtor: { name: 'Maria da Silva Souza', document: '***.456.789-**' }
};

const receipt = (over: Partial<ReceiptData['payment']> = {}, rest: Partial<ReceiptData> = {}): ReceiptData => ({
	...parties,
	agreementCode: 'AC-7K3M-9QXF',
	issuedAt: '2026-12-08T15:00:00Z',
	installment: { seq: 2, count: 6, dueDate: '2026-12-10', amountCents: 23_457, label: 'Parcela 2' },
	payment: {
		amountCents: 23_457,
		appliedCents: 23_457,
		creditedCents: 0,
		method: 'pix',
		// 02:05 UTC on the 8th is 23:05 on the 7th in São Paulo.
		paidAt: '2026-12-08T02:05:00Z',
		dateOnly: false,
		reference: 'E18236120202612080205s0123456789',
		...over
	},
	openAfterCents: 93_828,
	settled: false,
	verification: { code: 'ABCD-EF01-2345-6789', url: 'https://acordo.lojaexemplo.com.br/c/loja/verificar' },
	...rest
});

describe('comprovante de pagamento', () => {
	it('states the creditor, the masked debtor, the installment, the exact amounts and the São Paulo time', async () => {
		const text = pdfText(await renderReceiptPdf(receipt()));
		expect(text).toContain('Comprovante de pagamento');
		expect(text).toContain('Loja Exemplo Comércio de Roupas Ltda');
		expect(text).toContain('CNPJ 12.345.678/0001-95');
		expect(text).toContain('Maria da Silva Souza');
		expect(text).toContain('***.456.789-**');
		expect(text).toContain('AC-7K3M-9QXF');
		expect(text).toMatch(/Parcela 2 \(2 de 6\)/);
		expect(text).toContain('10/12/2026');
		expect(text).toMatch(/Valor pago\s+R\$\s*234,57/);
		expect(text).toContain('Pix');
		expect(text).toContain('07/12/2026 às 23:05');
		expect(text).toContain('E18236120202612080205s0123456789');
		expect(text).toMatch(/após este pagamento\s+R\$\s*938,28/);
		expect(text).toContain('ABCD-EF01-2345-6789');
		expect(text).not.toContain('quitado');
	});

	it('a manual payment shows its date only; an overpayment shows what went to the debts', async () => {
		const text = pdfText(
			await renderReceiptPdf(receipt({ method: 'manual', dateOnly: true, amountCents: 30_000, appliedCents: 23_457, creditedCents: 6_543, paidAt: '2026-12-05T03:00:00Z', reference: 'DEP-991' }, { openAfterCents: 0, settled: true }))
		);
		expect(text).toContain('Data do pagamento');
		expect(text).toContain('05/12/2026');
		expect(text).not.toMatch(/05\/12\/2026 às/);
		expect(text).toMatch(/Valor pago\s+R\$\s*300,00/);
		expect(text).toMatch(/Aplicado à parcela\s+R\$\s*234,57/);
		expect(text).toMatch(/Crédito lançado nas dívidas do acordo\s+R\$\s*65,43/);
		expect(text).toContain('o acordo está quitado');
	});

	it('refuses figures that do not add up', async () => {
		await expect(renderReceiptPdf(receipt({ appliedCents: 23_456 }))).rejects.toThrow(/aplicado \+ crédito/);
		await expect(renderReceiptPdf(receipt({ reference: ' ' }))).rejects.toThrow(/referência/);
	});
});

const quitacao = (over: Partial<QuitacaoData> = {}): QuitacaoData => ({
	...parties,
	agreementCode: 'AC-7K3M-9QXF',
	issuedAt: '2027-02-11T12:00:00Z',
	settledAt: '2027-02-10T13:30:00Z',
	debts: [
		{ contractId: 'CT-2023-000145', description: 'Cartão Loja Exemplo — fatura de março/2024' },
		{ contractId: 'CT-2023-000146', description: 'Crediário — eletrodomésticos' }
	],
	payments: [
		{ seq: 1, paidAt: '2026-12-10T14:00:00Z', dateOnly: false, method: 'boleto', appliedCents: 50_001 },
		{ seq: 2, paidAt: '2027-01-10T14:00:00Z', dateOnly: false, method: 'pix', appliedCents: 50_000 },
		{ seq: 3, paidAt: '2027-02-10T13:30:00Z', dateOnly: true, method: 'manual', appliedCents: 49_999 }
	],
	totalPaidCents: 150_000,
	delisting: { fromDate: '2026-12-10', deadline: '2026-12-17' },
	verification: { code: '0A1B-2C3D-4E5F-6071', url: 'https://acordo.lojaexemplo.com.br/c/loja/verificar' },
	...over
});

describe('termo de quitação', () => {
	it('names the debts settled, the payments and their exact total, the date and the bureau deadline', async () => {
		const text = pdfText(await renderQuitacaoPdf(quitacao()));
		expect(text).toContain('Termo de quitação');
		expect(text).toContain('CT-2023-000145');
		expect(text).toContain('Crediário — eletrodomésticos');
		expect(text).toMatch(/R\$\s*500,01/);
		expect(text).toMatch(/R\$\s*499,99/);
		expect(text).toMatch(/Total pago\s+R\$\s*1\.500,00/);
		expect(text).toContain('quitado em 10/02/2027');
		expect(text).toMatch(/plena\s+quitação\s+das\s+dívidas/);
		expect(text).toMatch(/Súmula\s+548/);
		expect(text).toContain('17/12/2026');
		expect(text).toContain('***.456.789-**');
	});

	it('refuses a total that is not the sum of the payments', async () => {
		await expect(renderQuitacaoPdf(quitacao({ totalPaidCents: 150_001 }))).rejects.toThrow(/soma dos pagamentos/);
	});
});

describe('receipt message', () => {
	it('is plain, names the creditor, the amount and the link; at settlement says so', () => {
		const base = { creditor: 'Loja Exemplo', amountCents: 23_457, paidOn: '2026-12-07', code: 'AC-7K3M-9QXF', seq: 2, link: 'https://x.example/l/AbCdEfGhJk' };
		expect(receiptText({ ...base, settled: false })).toBe(
			'Loja Exemplo: recebemos seu pagamento de R$ 234,57 em 07/12/2026 (acordo AC-7K3M-9QXF, parcela 2). Obrigado! Seu comprovante está no portal: https://x.example/l/AbCdEfGhJk'
		);
		expect(receiptText({ ...base, settled: true })).toContain('Seu acordo está quitado, obrigado! Comprovante e termo de quitação no portal: https://x.example/l/AbCdEfGhJk');
		expect(receiptText({ ...base, settled: true })).not.toMatch(/protesto|negativa|cobrança judicial|urgente/i);
	});
});
