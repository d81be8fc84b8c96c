import { describe, expect, it } from 'vitest';
import { entryTitle, feesFromPolicy, missingAddress, settingsProblems, type EntryCandidate } from '../../src/lib/server/payments/registration-titles';

const CANDIDATE: EntryCandidate = {
	installmentId: '00000000-0000-4000-8000-000000000001',
	agreementCode: 'AC-7K3M-9QXF',
	seq: 12,
	dueDate: '2026-12-10',
	amountCents: 45_678,
	txid: 'ACERTO7K3M9QXF0000000012',
	nossoNumero: '00000001234',
	destination: { bankCode: '237', agency: '1234', account: '0056789', wallet: '09' },
	policy: { lateFeePercent: 2, interestMonthlyPercent: 1 },
	debtor: {
		document: '52998224725',
		name: 'Maria da Silva',
		anonymized: false,
		address: { street: 'Rua das Palmeiras', number: '120', complement: 'ap 31', district: 'Centro', cep: '01310100', city: 'São Paulo', state: 'SP' }
	}
};

describe('fees printed on the slip', () => {
	it('come from the policy in basis points, within the CDC caps (fine 2 %, interest 1 % a month)', () => {
		expect(feesFromPolicy({ lateFeePercent: 2, interestMonthlyPercent: 1 })).toEqual({ lateFeeBp: 200, interestMonthlyBp: 100 });
		expect(feesFromPolicy({ lateFeePercent: 10, interestMonthlyPercent: 5.5 })).toEqual({ lateFeeBp: 200, interestMonthlyBp: 100 });
		expect(feesFromPolicy({ lateFeePercent: 1.5, interestMonthlyPercent: 0.33 })).toEqual({ lateFeeBp: 150, interestMonthlyBp: 33 });
		expect(feesFromPolicy(null)).toEqual({ lateFeeBp: 0, interestMonthlyBp: 0 });
	});
});

describe('an installment as a title', () => {
	it('carries our nosso número, txid, amount, due date, the document number and the payer address', () => {
		const r = entryTitle(CANDIDATE, '2026-11-20');
		expect(r).toEqual({
			ok: true,
			title: {
				nossoNumero: '00000001234',
				documentNumber: 'AC-7K3M-9QXF/12',
				reference: 'ACERTO7K3M9QXF0000000012',
				destination: CANDIDATE.destination,
				issueDate: '2026-11-20',
				dueDate: '2026-12-10',
				amountCents: 45_678,
				lateFeeBp: 200,
				interestMonthlyBp: 100,
				discount: null,
				payer: {
					document: '52998224725',
					name: 'Maria da Silva',
					address: { street: 'Rua das Palmeiras, 120 ap 31', district: 'Centro', cep: '01310100', city: 'São Paulo', state: 'SP' }
				}
			}
		});
	});

	it('is refused in pt-BR without a full address, after the due date, or for an anonymised debtor', () => {
		const noAddress = { ...CANDIDATE, debtor: { ...CANDIDATE.debtor, address: { ...CANDIDATE.debtor.address, district: ' ', cep: null } } };
		expect(missingAddress(noAddress.debtor.address)).toEqual(['bairro', 'CEP']);
		expect(entryTitle(noAddress, '2026-11-20')).toEqual({ ok: false, message: 'Devedor sem endereço completo (falta bairro, CEP): cadastre o endereço para registrar o boleto.' });
		expect(entryTitle(CANDIDATE, '2026-12-11')).toEqual({ ok: false, message: 'Vencimento em 10/12/2026 já passou: altere o vencimento para registrar um novo boleto.' });
		expect(entryTitle({ ...CANDIDATE, debtor: { ...CANDIDATE.debtor, anonymized: true } }, '2026-11-20').ok).toBe(false);
	});
});

describe('bank settings', () => {
	const base = { bankCode: '001', convenio: '1234567', agency: '1234', account: '56789', wallet: '17', walletVariation: '019', companyDocument: '11222333000181', companyName: 'Credor', writeOffAfterDays: 30 };
	it('are checked against the bank layout', () => {
		expect(settingsProblems(base)).toEqual([]);
		expect(settingsProblems({ ...base, convenio: '1234' }).map((p) => p.message)).toContain('Banco do Brasil: o convênio de cobrança deve ter 7 dígitos (convênios de 4 ou 6 dígitos não são suportados).');
		expect(settingsProblems({ ...base, bankCode: '237' })).toEqual([{ path: 'bankName', message: 'Informe o nome do banco.' }]);
	});
});
