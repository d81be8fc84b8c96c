import { describe, expect, it } from 'vitest';
import {
	DEFAULT_POLICY,
	percentToBp,
	policySchema,
	policyToJsonExample,
	type Policy
} from '../../src/lib/schemas/policy';

function withChanges(change: (p: Policy) => void): unknown {
	const copy = structuredClone(policyToJsonExample);
	change(copy);
	return copy;
}

function messages(input: unknown): string[] {
	const result = policySchema.safeParse(input);
	return result.success ? [] : result.error.issues.map((i) => i.message);
}

describe('creditor policy', () => {
	it('the documented example and the default policy are valid', () => {
		expect(policySchema.parse(policyToJsonExample)).toEqual(policyToJsonExample);
		expect(policySchema.parse(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
	});

	it('survives a round trip through JSON, as creditors write it', () => {
		expect(policySchema.parse(JSON.parse(JSON.stringify(policyToJsonExample)))).toEqual(policyToJsonExample);
	});

	it('caps the late fee of consumer debts at 2% (CDC art. 52 §1)', () => {
		expect(messages(withChanges((p) => (p.lateFeePercent = 2)))).toEqual([]);
		expect(messages(withChanges((p) => (p.lateFeePercent = 2.01)))).toEqual([
			'Multa acima de 2% não é permitida para dívidas de consumo (CDC art. 52 §1).'
		]);
	});

	it('lets a non-consumer debt carry a higher late fee', () => {
		expect(
			messages(
				withChanges((p) => {
					p.consumer = false;
					p.lateFeePercent = 10;
				})
			)
		).toEqual([]);
	});

	it('keeps the minimum installment within one boleto (R$ 99.999.999,99)', () => {
		expect(messages(withChanges((p) => (p.bands[0].minInstallmentCents = 9_999_999_999)))).toEqual([]);
		expect(messages(withChanges((p) => (p.bands[0].minInstallmentCents = 10 ** 15)))).toEqual([
			'A parcela mínima não pode passar de R$ 99.999.999,99 (9999999999 centavos), o maior valor de um boleto.'
		]);
	});

	it('rejects overlapping bands', () => {
		const result = messages(withChanges((p) => (p.bands[1].minDaysPastDue = 150)));
		expect(result).toEqual(['As faixas 1 e 2 se sobrepõem: a faixa 2 deve começar em 181 dias.']);
	});

	it('rejects a gap between bands', () => {
		const result = messages(withChanges((p) => (p.bands[1].minDaysPastDue = 200)));
		expect(result).toEqual(['Há um intervalo sem faixa entre as faixas 1 e 2: a faixa 2 deve começar em 181 dias.']);
	});

	it('rejects bands out of order', () => {
		const result = messages(withChanges((p) => p.bands.reverse()));
		expect(result.length).toBeGreaterThan(0);
	});

	it('starts the first band at 0 days past due', () => {
		expect(messages(withChanges((p) => (p.bands[0].minDaysPastDue = 1)))).toEqual([
			'A primeira faixa deve começar em 0 dia de atraso.'
		]);
	});

	it('leaves only the last band open-ended', () => {
		expect(messages(withChanges((p) => (p.bands[1].maxDaysPastDue = null)))).toContain(
			'Só a última faixa pode ficar sem limite de dias (maxDaysPastDue: null).'
		);
	});

	it('accepts a last band with an end', () => {
		expect(messages(withChanges((p) => (p.bands[2].maxDaysPastDue = 1825)))).toEqual([]);
	});

	it('rejects a band that ends before it starts', () => {
		expect(messages(withChanges((p) => (p.bands[1].maxDaysPastDue = 100)))).toContain(
			'O fim da faixa deve ser maior ou igual ao início.'
		);
	});

	it('allows at most 60 installments (Lei 14.181/2021)', () => {
		expect(messages(withChanges((p) => (p.bands[0].installments.max = 60)))).toEqual([]);
		expect(messages(withChanges((p) => (p.bands[0].installments.max = 61)))).toEqual([
			'No máximo 60 parcelas (5 anos, Lei 14.181/2021).'
		]);
	});

	it('starts installment plans at 2 payments', () => {
		expect(messages(withChanges((p) => (p.bands[0].installments.min = 1)))).toEqual([
			'O parcelamento começa em 2 pagamentos; o pagamento único é a oferta à vista.'
		]);
	});

	it('rejects a minimum number of installments above the maximum', () => {
		expect(messages(withChanges((p) => (p.bands[0].installments = { min: 8, max: 6 })))).toEqual([
			'O mínimo de parcelas não pode passar do máximo.'
		]);
	});

	it('keeps the first due date between tomorrow and 60 days', () => {
		expect(messages(withChanges((p) => (p.firstDueDays = { min: 0, max: 10 })))).toEqual([
			'O primeiro pagamento deve vencer a partir do dia seguinte (mínimo 1 dia).'
		]);
		expect(messages(withChanges((p) => (p.firstDueDays = { min: 1, max: 61 })))).toEqual([
			'O primeiro pagamento deve vencer em até 60 dias.'
		]);
		expect(messages(withChanges((p) => (p.firstDueDays = { min: 20, max: 10 })))).toEqual([
			'O prazo mínimo do primeiro pagamento não pode passar do máximo.'
		]);
	});

	it('accepts percentages with up to two decimals only', () => {
		expect(messages(withChanges((p) => (p.bands[0].installmentInterestMonthlyPercent = 1.99)))).toEqual([]);
		expect(messages(withChanges((p) => (p.bands[0].installmentInterestMonthlyPercent = 1.999)))).toEqual([
			'Juros mensais do parcelamento: use no máximo 2 casas decimais.'
		]);
		expect(messages(withChanges((p) => (p.bands[0].cashDiscountMaxPercent = -1)))).toEqual([
			'Desconto máximo à vista não pode ser negativo.'
		]);
		expect(messages(withChanges((p) => (p.bands[0].cashDiscountMaxPercent = 101)))).toEqual([
			'Desconto máximo à vista não pode passar de 100%.'
		]);
	});

	it('wants money in whole cents', () => {
		expect(messages(withChanges((p) => (p.bands[0].minInstallmentCents = 50.5)))).toEqual([
			'Parcela mínima (minInstallmentCents, em centavos): informe um número inteiro.'
		]);
	});

	it('points out misspelt fields instead of ignoring them', () => {
		const input = { ...policyToJsonExample, latefeePercent: 2 };
		expect(messages(input)).toEqual(['Campo desconhecido: latefeePercent.']);
	});

	it('explains missing fields and wrong shapes in Portuguese', () => {
		expect(messages(null)).toEqual(['Formato inválido: esperado um objeto JSON.']);
		expect(messages({ ...policyToJsonExample, bands: [] })).toEqual(['Cadastre ao menos uma faixa de atraso.']);
		const { consumer: _consumer, ...withoutConsumer } = policyToJsonExample;
		expect(messages(withoutConsumer)).toEqual(['Informe se a dívida é de consumo (consumer: true ou false).']);
	});

	it('turns percentages into basis points exactly', () => {
		expect(percentToBp(1.5)).toBe(150);
		expect(percentToBp(2)).toBe(200);
		expect(percentToBp(0.07)).toBe(7);
		expect(percentToBp(1.13)).toBe(113);
	});
});
