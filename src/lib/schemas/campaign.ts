import { z } from 'zod';
import { UFS } from '../format/contact';
import { isIsoDate } from '../format/dates';
import { MAX_AMOUNT_CENTS } from '../format/money';
import { MAX_INSTALLMENTS, strict } from './policy';

/**
 * A campaign as staff write it (admin form) or as `acerto campaign create <credor> campanha.json`
 * reads it: one schema for both. Money in integer cents, percentages as decimals (`1.5` = 1,5 %),
 * dates as `AAAA-MM-DD` (America/Sao_Paulo), instants as ISO 8601 with offset.
 */

export const CHANNELS = ['whatsapp', 'sms', 'email'] as const;
export type CampaignChannel = (typeof CHANNELS)[number];

export const CHANNEL_LABELS: Record<CampaignChannel, string> = { whatsapp: 'WhatsApp', sms: 'SMS', email: 'E-mail' };


const whole = (label: string) => z.number({ error: `${label}: informe um número inteiro.` }).int(`${label}: informe um número inteiro.`);
const percent = (label: string) =>
	z
		.number({ error: `${label}: informe um percentual (número, ex.: 1.5).` })
		.min(0, `${label} não pode ser negativo.`)
		.max(100, `${label} não pode passar de 100%.`)
		.refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9, `${label}: use no máximo 2 casas decimais.`);

const range = (label: string, max: number) =>
	strict({
		min: whole(`${label} (mínimo)`).min(0, `${label}: o mínimo não pode ser negativo.`).max(max).optional(),
		max: whole(`${label} (máximo)`).min(0, `${label}: o máximo não pode ser negativo.`).max(max).optional()
	}).refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { error: `${label}: o mínimo não pode passar do máximo.`, path: ['min'] });

const isoDate = (label: string) => z.string({ error: `${label}: informe uma data AAAA-MM-DD.` }).refine(isIsoDate, `${label}: informe uma data válida (AAAA-MM-DD).`);
const instant = (label: string) =>
	z.iso.datetime({ offset: true, error: `${label}: informe data e hora com fuso (ex.: 2026-12-07T09:00:00-03:00).` });

export const segmentSchema = strict({
	/** Days past due of the debtor's oldest open debt with the creditor. */
	daysPastDue: range('Dias de atraso', 36_500).optional(),
	/** Sum of the principal of the debtor's open debts with the creditor, in cents. */
	balanceCents: range('Saldo em aberto', MAX_AMOUNT_CENTS * 100).optional(),
	ufs: z.array(z.enum(UFS, { error: 'UF inválida: use a sigla do estado (ex.: SP).' })).min(1, 'Escolha ao menos uma UF, ou omita o filtro.').optional(),
	/** `none`: without an active agreement with the creditor; `active`: in one (reminders only); `broken`: had one broken and none active. */
	agreement: z.enum(['any', 'none', 'active', 'broken'], { error: 'Acordo: use any, none, active ou broken.' }).default('none'),
	/** Not contacted by a campaign or the régua in the last N days. */
	notContactedForDays: whole('Sem contato há (dias)').min(1).max(365).optional(),
	neverContacted: z.boolean().optional(),
	/** Only debtors reachable on at least one of these channels (default: the campaign's channels). */
	channelsAvailable: z.array(z.enum(CHANNELS)).min(1).optional()
});

/** A temporary, better offer for the campaign's debtors, within the policy's `campaignLimits`. */
export const campaignOfferSchema = strict({
	cashDiscountMaxPercent: percent('Desconto à vista da campanha').optional(),
	installmentDiscountMaxPercent: percent('Desconto no parcelamento da campanha').optional(),
	installmentsMax: whole('Máximo de parcelas da campanha').min(2).max(MAX_INSTALLMENTS, `No máximo ${MAX_INSTALLMENTS} parcelas.`).optional(),
	minEntryPercent: percent('Entrada mínima da campanha').optional(),
	/** Last day the offer may be accepted (inclusive). */
	validUntil: isoDate('Oferta válida até')
}).refine((o) => o.cashDiscountMaxPercent !== undefined || o.installmentDiscountMaxPercent !== undefined || o.installmentsMax !== undefined || o.minEntryPercent !== undefined, {
	error: 'A oferta especial precisa mudar ao menos uma condição (desconto, parcelas ou entrada).'
});

const text = (label: string, max: number) =>
	z.string({ error: `${label}: informe o texto.` }).trim().min(1, `${label}: informe o texto.`).max(max, `${label}: no máximo ${max} caracteres.`);

export const templatesSchema = strict({
	sms: strict({ body: text('Texto do SMS', 1000) }).optional(),
	/** An approved Cloud API template: its name, language and the body parameters, each a text with placeholders. */
	whatsapp: strict({
		name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'Nome do modelo do WhatsApp: letras minúsculas, números e _ (como aprovado na Meta).'),
		language: z.string().regex(/^[a-z]{2}(_[A-Z]{2})?$/, 'Idioma do modelo: ex. pt_BR.').default('pt_BR'),
		/** The approved body, with {{1}}, {{2}}… where the parameters go (for previews and the lint). */
		body: text('Texto aprovado do modelo', 1024),
		params: z.array(text('Parâmetro do modelo', 200)).max(10, 'No máximo 10 parâmetros.')
	})
		.refine((w) => (w.body.match(/\{\{\d+\}\}/g) ?? []).length === w.params.length, {
			error: 'O número de parâmetros deve ser igual ao de marcadores {{1}}, {{2}}… no texto aprovado.',
			path: ['params']
		})
		.optional(),
	email: strict({ subject: text('Assunto do e-mail', 150), body: text('Texto do e-mail', 5000) }).optional()
});

export const campaignSchema = strict({
	name: text('Nome da campanha', 120),
	segment: segmentSchema.default({ agreement: 'none' }),
	offer: campaignOfferSchema.optional(),
	/** Channel order: the first the debtor can be reached on is used; the next ones are the fallback. */
	channels: z
		.array(z.enum(CHANNELS, { error: 'Canal inválido: use whatsapp, sms ou email.' }))
		.min(1, 'Escolha ao menos um canal.')
		.refine((c) => new Set(c).size === c.length, 'Cada canal só pode aparecer uma vez na ordem.'),
	templates: templatesSchema,
	startsAt: instant('Início'),
	endsAt: instant('Fim'),
	/** Messages per minute at most (the providers' own limits apply on top). */
	ratePerMinute: whole('Mensagens por minuto').min(1, 'Ao menos 1 mensagem por minuto.').max(600_000).default(6000)
})
	.refine((c) => Date.parse(c.endsAt) > Date.parse(c.startsAt), { error: 'O fim deve ser depois do início.', path: ['endsAt'] })
	.superRefine((c, ctx) => {
		for (const ch of c.channels) {
			if (!c.templates[ch]) ctx.addIssue({ code: 'custom', path: ['templates', ch], message: `Escreva a mensagem de ${CHANNEL_LABELS[ch]} (o canal está na ordem de envio).` });
		}
		if (c.offer && Date.parse(`${c.offer.validUntil}T23:59:59-03:00`) < Date.parse(c.startsAt)) {
			ctx.addIssue({ code: 'custom', path: ['offer', 'validUntil'], message: 'A oferta especial termina antes do início da campanha.' });
		}
	});

export type CampaignInput = z.input<typeof campaignSchema>;
export type Campaign = z.infer<typeof campaignSchema>;
export type Segment = z.infer<typeof segmentSchema>;
export type CampaignOffer = z.infer<typeof campaignOfferSchema>;
