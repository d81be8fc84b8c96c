import { z } from 'zod';
import { MAX_AMOUNT_CENTS, MAX_AMOUNT_TEXT } from '../format/money';

/**
 * The offer policy a creditor writes (JSON, versioned in the database). Percentages are decimal
 * numbers with at most two decimals (`1.5` = 1,5 %); money is integer cents. The engine turns
 * percentages into basis points with `percentToBp`.
 */

/** Lei 14.181/2021 (superendividamento): repayment plans of up to 5 years. */
export const MAX_INSTALLMENTS = 60;
/** CDC art. 52 §1: late fee on consumer debts is capped at 2 %. */
export const CONSUMER_LATE_FEE_MAX_PERCENT = 2;
export const FIRST_DUE_DAYS_MAX = 60;

const hasAtMostTwoDecimals = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9;

const percent = (label: string) =>
	z
		.number({ error: `${label}: informe um percentual (número, ex.: 1.5).` })
		.min(0, `${label} não pode ser negativo.`)
		.max(100, `${label} não pode passar de 100%.`)
		.refine(hasAtMostTwoDecimals, `${label}: use no máximo 2 casas decimais.`);

const wholeNumber = (label: string) =>
	z.number({ error: `${label}: informe um número inteiro.` }).int(`${label}: informe um número inteiro.`);

/** Human-written JSON: a misspelt key must be an error, not a silently ignored rule (policies, campaigns, régua). */
export const strict = <T extends z.core.$ZodLooseShape>(shape: T) =>
	z.strictObject(shape, {
		error: (issue) =>
			issue.code === 'unrecognized_keys'
				? `Campo desconhecido: ${issue.keys.join(', ')}.`
				: issue.code === 'invalid_type'
					? 'Formato inválido: esperado um objeto JSON.'
					: undefined
	});

const bandSchema = strict({
	minDaysPastDue: wholeNumber('Início da faixa (minDaysPastDue)').min(0, 'O início da faixa não pode ser negativo.'),
	maxDaysPastDue: z
		.number({ error: 'Fim da faixa (maxDaysPastDue): informe um número inteiro, ou null na última faixa.' })
		.int('Fim da faixa (maxDaysPastDue): informe um número inteiro, ou null na última faixa.')
		.min(0, 'O fim da faixa não pode ser negativo.')
		.nullable(),
	cashDiscountMaxPercent: percent('Desconto máximo à vista'),
	installments: strict({
		min: wholeNumber('Mínimo de parcelas').min(
			2,
			'O parcelamento começa em 2 pagamentos; o pagamento único é a oferta à vista.'
		),
		max: wholeNumber('Máximo de parcelas').max(
			MAX_INSTALLMENTS,
			`No máximo ${MAX_INSTALLMENTS} parcelas (5 anos, Lei 14.181/2021).`
		)
	}).refine((i) => i.min <= i.max, {
		error: 'O mínimo de parcelas não pode passar do máximo.',
		path: ['min']
	}),
	minInstallmentCents: wholeNumber('Parcela mínima (minInstallmentCents, em centavos)')
		.min(0, 'A parcela mínima não pode ser negativa.')
		.max(MAX_AMOUNT_CENTS, `A parcela mínima não pode passar de ${MAX_AMOUNT_TEXT} (${MAX_AMOUNT_CENTS} centavos), o maior valor de um boleto.`),
	minEntryPercent: percent('Entrada mínima'),
	installmentInterestMonthlyPercent: percent('Juros mensais do parcelamento'),
	installmentDiscountMaxPercent: percent('Desconto máximo no parcelamento')
}).refine((b) => b.maxDaysPastDue === null || b.maxDaysPastDue >= b.minDaysPastDue, {
	error: 'O fim da faixa deve ser maior ou igual ao início.',
	path: ['maxDaysPastDue']
});

export const policySchema = strict({
	consumer: z.boolean({ error: 'Informe se a dívida é de consumo (consumer: true ou false).' }),
	lateFeePercent: percent('Multa'),
	interestMonthlyPercent: percent('Juros de mora mensais'),
	firstDueDays: strict({
		min: wholeNumber('Prazo mínimo do primeiro pagamento').min(
			1,
			'O primeiro pagamento deve vencer a partir do dia seguinte (mínimo 1 dia).'
		),
		max: wholeNumber('Prazo máximo do primeiro pagamento').max(
			FIRST_DUE_DAYS_MAX,
			`O primeiro pagamento deve vencer em até ${FIRST_DUE_DAYS_MAX} dias.`
		)
	}).refine((w) => w.min <= w.max, {
		error: 'O prazo mínimo do primeiro pagamento não pode passar do máximo.',
		path: ['min']
	}),
	breakToleranceDays: wholeNumber('Tolerância para quebra do acordo')
		.min(0, 'A tolerância para quebra do acordo não pode ser negativa.')
		.max(60, 'A tolerância para quebra do acordo deve ser de até 60 dias.'),
	/** Whether breakToleranceDays counts calendar days (the default, also for older policies) or business days (no weekends, no national holidays). */
	breakToleranceUnit: z
		.enum(['calendar', 'business'], { error: 'Unidade da tolerância (breakToleranceUnit): use "calendar" (dias corridos) ou "business" (dias úteis).' })
		.optional(),
	/** After an agreement on a debt broke, a new one may ask for a larger entry (none: the bands' own). */
	afterBreak: strict({
		minEntryPercent: percent('Entrada mínima após quebra de acordo')
	}).optional(),
	bands: z
		.array(bandSchema, { error: 'Informe as faixas de atraso (bands) como uma lista.' })
		.min(1, 'Cadastre ao menos uma faixa de atraso.'),
	/**
	 * How far a campaign's special offer may go beyond the bands (set by whoever may publish
	 * policies). Without it, a campaign cannot offer more than the policy already does.
	 */
	campaignLimits: strict({
		cashDiscountMaxPercent: percent('Desconto máximo à vista em campanhas'),
		installmentDiscountMaxPercent: percent('Desconto máximo no parcelamento em campanhas'),
		installmentsMax: wholeNumber('Máximo de parcelas em campanhas')
			.min(2, 'O máximo de parcelas em campanhas deve ser de ao menos 2.')
			.max(MAX_INSTALLMENTS, `No máximo ${MAX_INSTALLMENTS} parcelas (5 anos, Lei 14.181/2021).`),
		minEntryPercent: percent('Entrada mínima em campanhas')
	}).optional()
}).superRefine((policy, ctx) => {
	if (policy.consumer && policy.lateFeePercent > CONSUMER_LATE_FEE_MAX_PERCENT) {
		ctx.addIssue({
			code: 'custom',
			path: ['lateFeePercent'],
			message: 'Multa acima de 2% não é permitida para dívidas de consumo (CDC art. 52 §1).'
		});
	}
	// Contiguous from 0 so every debt, whatever its age, falls in exactly one band.
	policy.bands.forEach((band, i) => {
		const n = i + 1;
		if (i === 0) {
			if (band.minDaysPastDue !== 0) {
				ctx.addIssue({
					code: 'custom',
					path: ['bands', 0, 'minDaysPastDue'],
					message: 'A primeira faixa deve começar em 0 dia de atraso.'
				});
			}
			return;
		}
		const previous = policy.bands[i - 1];
		if (previous.maxDaysPastDue === null) {
			ctx.addIssue({
				code: 'custom',
				path: ['bands', i - 1, 'maxDaysPastDue'],
				message: 'Só a última faixa pode ficar sem limite de dias (maxDaysPastDue: null).'
			});
			return;
		}
		if (band.minDaysPastDue < previous.minDaysPastDue) {
			ctx.addIssue({
				code: 'custom',
				path: ['bands', i, 'minDaysPastDue'],
				message: 'As faixas devem estar em ordem crescente de dias de atraso.'
			});
		} else if (band.minDaysPastDue <= previous.maxDaysPastDue) {
			ctx.addIssue({
				code: 'custom',
				path: ['bands', i, 'minDaysPastDue'],
				message: `As faixas ${n - 1} e ${n} se sobrepõem: a faixa ${n} deve começar em ${previous.maxDaysPastDue + 1} dias.`
			});
		} else if (band.minDaysPastDue > previous.maxDaysPastDue + 1) {
			ctx.addIssue({
				code: 'custom',
				path: ['bands', i, 'minDaysPastDue'],
				message: `Há um intervalo sem faixa entre as faixas ${n - 1} e ${n}: a faixa ${n} deve começar em ${previous.maxDaysPastDue + 1} dias.`
			});
		}
	});
});

export type Policy = z.infer<typeof policySchema>;
export type PolicyBand = Policy['bands'][number];

/**
 * The policy for debts that were in an agreement that broke: each band's entry at least
 * `afterBreak.minEntryPercent` (the cash offer is a whole payment anyway). Unchanged without it.
 */
export function policyAfterBreak(policy: Policy, brokenBefore: boolean): Policy {
	const min = policy.afterBreak?.minEntryPercent;
	if (!brokenBefore || min === undefined) return policy;
	return { ...policy, bands: policy.bands.map((b) => ({ ...b, minEntryPercent: Math.max(b.minEntryPercent, min) })) };
}

export { percentToBp } from '../format/money';

/** A complete, valid policy: for documentation, the admin editor's placeholder and seeds. */
export const policyToJsonExample: Policy = {
	consumer: true,
	lateFeePercent: 2,
	interestMonthlyPercent: 1,
	firstDueDays: { min: 1, max: 10 },
	breakToleranceDays: 5,
	breakToleranceUnit: 'calendar',
	afterBreak: { minEntryPercent: 20 },
	bands: [
		{
			minDaysPastDue: 0,
			maxDaysPastDue: 180,
			cashDiscountMaxPercent: 10,
			installments: { min: 2, max: 6 },
			minInstallmentCents: 5000,
			minEntryPercent: 10,
			installmentInterestMonthlyPercent: 1.5,
			installmentDiscountMaxPercent: 5
		},
		{
			minDaysPastDue: 181,
			maxDaysPastDue: 720,
			cashDiscountMaxPercent: 30,
			installments: { min: 2, max: 12 },
			minInstallmentCents: 5000,
			minEntryPercent: 10,
			installmentInterestMonthlyPercent: 1.5,
			installmentDiscountMaxPercent: 15
		},
		{
			minDaysPastDue: 721,
			maxDaysPastDue: null,
			cashDiscountMaxPercent: 60,
			installments: { min: 2, max: 24 },
			minInstallmentCents: 5000,
			minEntryPercent: 5,
			installmentInterestMonthlyPercent: 1,
			installmentDiscountMaxPercent: 40
		}
	]
};

/**
 * The starting policy of a new creditor, to be reviewed by it. It grants no discount: a discount
 * is the creditor's money and must be its own decision. The default-interest rate is a
 * placeholder too: the contract's rate or, without one, the legal rate (Lei 14.905/2024,
 * Selic − IPCA), which the creditor keeps current.
 */
export const DEFAULT_POLICY: Policy = {
	consumer: true,
	lateFeePercent: 2,
	interestMonthlyPercent: 1,
	firstDueDays: { min: 1, max: 10 },
	breakToleranceDays: 5,
	breakToleranceUnit: 'calendar',
	bands: [
		{
			minDaysPastDue: 0,
			maxDaysPastDue: null,
			cashDiscountMaxPercent: 0,
			installments: { min: 2, max: 12 },
			minInstallmentCents: 5000,
			minEntryPercent: 10,
			installmentInterestMonthlyPercent: 1,
			installmentDiscountMaxPercent: 0
		}
	]
};
