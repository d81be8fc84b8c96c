import { z } from 'zod';
import { CHANNELS, templatesSchema } from './campaign';
import { strict } from './policy';

/**
 * The régua de cobrança of a creditor: steps relative to a debt's due date and to agreement
 * events, each with its channels (in order, with fallback) and templates. Written in the admin
 * area or set with `acerto regua set <credor> regua.json`.
 */

export const REGUA_EVENTS = ['debt_due', 'agreement_created', 'installment_due', 'agreement_broken'] as const;
export type ReguaEvent = (typeof REGUA_EVENTS)[number];

export const EVENT_LABELS: Record<ReguaEvent, string> = {
	debt_due: 'Vencimento da dívida',
	agreement_created: 'Acordo criado',
	installment_due: 'Vencimento da parcela',
	agreement_broken: 'Acordo quebrado'
};


export const reguaStepSchema = strict({
	/** Stable name of the step (it fires at most once per debt or installment, by this name). */
	key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'Identificador do passo: letras minúsculas, números e hífen (até 40).'),
	on: z.enum(REGUA_EVENTS, { error: 'Evento: use debt_due, agreement_created, installment_due ou agreement_broken.' }),
	/** Days after the event (negative: before it, e.g. -2 for two days before an installment is due). */
	offsetDays: z.number({ error: 'Dias em relação ao evento: informe um número inteiro.' }).int().min(-30, 'No máximo 30 dias antes.').max(365, 'No máximo 365 dias depois.'),
	channels: z
		.array(z.enum(CHANNELS))
		.min(1, 'Escolha ao menos um canal.')
		.refine((c) => new Set(c).size === c.length, 'Cada canal só pode aparecer uma vez.'),
	templates: templatesSchema
})
	.refine((s) => s.on !== 'debt_due' || s.offsetDays >= -10, { error: 'Lembretes antes do vencimento da dívida: até 10 dias antes.', path: ['offsetDays'] })
	.refine((s) => (s.on !== 'agreement_created' && s.on !== 'agreement_broken') || s.offsetDays >= 0, { error: 'Este evento só admite passos no dia ou depois dele.', path: ['offsetDays'] })
	.superRefine((s, ctx) => {
		for (const ch of s.channels) if (!s.templates[ch]) ctx.addIssue({ code: 'custom', path: ['templates', ch], message: `Escreva a mensagem de ${ch} deste passo.` });
	});

export const reguaSchema = strict({
	steps: z
		.array(reguaStepSchema)
		.max(30, 'No máximo 30 passos.')
		.refine((steps) => new Set(steps.map((s) => s.key)).size === steps.length, 'Cada passo precisa de um identificador único.')
});

export type Regua = z.infer<typeof reguaSchema>;
export type ReguaStep = z.infer<typeof reguaStepSchema>;

/** Offers invite a negotiation (never sent to a debtor in an agreement); the rest remind. */
export function stepPurpose(s: Pick<ReguaStep, 'on'>): 'offer' | 'reminder' {
	return s.on === 'debt_due' || s.on === 'agreement_broken' ? 'offer' : 'reminder';
}

/** "D-2", "D0", "D+15": days relative to an event. */
export function offsetLabel(offsetDays: number): string {
	return offsetDays === 0 ? 'D0' : offsetDays > 0 ? `D+${offsetDays}` : `D${offsetDays}`;
}

/** "Vencimento da parcela · D-2": the step's event and its day. */
export function stepLabel(s: Pick<ReguaStep, 'on' | 'offsetDays'>): string {
	return `${EVENT_LABELS[s.on]} · ${offsetLabel(s.offsetDays)}`;
}

/** A sensible régua for a new creditor and the demo: reminders around due dates and agreement events. */
export const DEFAULT_REGUA: Regua = {
	steps: [
		{
			key: 'vencida-d5',
			on: 'debt_due',
			offsetDays: 5,
			channels: ['whatsapp', 'sms', 'email'],
			templates: {
				whatsapp: {
					name: 'acerto_divida_em_aberto',
					language: 'pt_BR',
					body: 'Olá, {{1}}. {{2}} informa que há uma conta em aberto no seu nome. Veja as condições e negocie pelo portal: {{3}}. Confira se a mensagem é verdadeira: {{4}}',
					params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}']
				},
				sms: { body: '{{credor}}: ha uma conta em aberto no seu nome. Negocie pelo portal: {{link}} Confira: {{golpe}}' },
				email: {
					subject: '{{credor}}: uma conta em aberto no seu nome',
					body: 'Olá, {{primeiro_nome}}.\n\n{{credor}} informa que há uma conta em aberto no seu nome. No portal você vê o valor atualizado e escolhe uma condição que caiba no seu bolso: {{link}}\n\nConfira se este e-mail é verdadeiro em {{golpe}}.'
				}
			}
		},
		{
			key: 'vencida-d15',
			on: 'debt_due',
			offsetDays: 15,
			channels: ['whatsapp', 'sms'],
			templates: {
				whatsapp: {
					name: 'acerto_condicoes_especiais',
					language: 'pt_BR',
					body: 'Olá, {{1}}. {{2}} tem condições para você regularizar sua conta, com desconto à vista. Veja no portal: {{3}}. Confira se a mensagem é verdadeira: {{4}}',
					params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}']
				},
				sms: { body: '{{credor}}: condicoes para regularizar sua conta, com desconto a vista. Veja: {{link}} Confira: {{golpe}}' }
			}
		},
		{
			key: 'vencida-d30',
			on: 'debt_due',
			offsetDays: 30,
			channels: ['email', 'sms'],
			templates: {
				email: {
					subject: '{{credor}}: negocie sua conta pelo portal',
					body: 'Olá, {{primeiro_nome}}.\n\nSua conta com {{credor}} continua em aberto. Pelo portal você pode pagar à vista com desconto ou parcelar: {{link}}\n\nConfira se este e-mail é verdadeiro em {{golpe}}.'
				},
				sms: { body: '{{credor}}: sua conta segue em aberto. Pague a vista com desconto ou parcele: {{link}} Confira: {{golpe}}' }
			}
		},
		{
			key: 'acordo-boas-vindas',
			on: 'agreement_created',
			offsetDays: 0,
			channels: ['email', 'whatsapp'],
			templates: {
				email: {
					subject: '{{credor}}: seu acordo foi registrado',
					body: 'Olá, {{primeiro_nome}}.\n\nSeu acordo com {{credor}} foi registrado. O termo do acordo e as formas de pagamento estão no portal: {{link}}\n\nConfira se este e-mail é verdadeiro em {{golpe}}.'
				},
				whatsapp: {
					name: 'acerto_acordo_registrado',
					language: 'pt_BR',
					body: 'Olá, {{1}}. Seu acordo com {{2}} foi registrado. O termo e as formas de pagamento estão no portal: {{3}}. Confira se a mensagem é verdadeira: {{4}}',
					params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}']
				}
			}
		},
		{
			key: 'parcela-d-2',
			on: 'installment_due',
			offsetDays: -2,
			channels: ['whatsapp', 'email', 'sms'],
			templates: {
				whatsapp: {
					name: 'acerto_parcela_vence',
					language: 'pt_BR',
					body: 'Olá, {{1}}. A parcela {{2}} do seu acordo com {{3}} vence em breve. Pix copia e cola: {{4}} Boleto e comprovantes no portal: {{5}}. Confira se a mensagem é verdadeira: {{6}}',
					params: ['{{primeiro_nome}}', '{{parcela}}', '{{credor}}', '{{pix}}', '{{boleto}}', '{{golpe}}']
				},
				email: {
					subject: '{{credor}}: sua parcela vence em breve',
					body: 'Olá, {{primeiro_nome}}.\n\nA parcela {{parcela}} do seu acordo com {{credor}} vence em breve.\n\nPix copia e cola:\n{{pix}}\n\nBoleto e comprovantes no portal: {{boleto}}\n\nConfira se este e-mail é verdadeiro em {{golpe}}.'
				},
				sms: { body: '{{credor}}: sua parcela vence em breve. Pague pelo portal com Pix ou boleto: {{boleto}} Confira: {{golpe}}' }
			}
		},
		{
			key: 'parcela-d0',
			on: 'installment_due',
			offsetDays: 0,
			channels: ['whatsapp', 'sms'],
			templates: {
				whatsapp: {
					name: 'acerto_parcela_vence_hoje',
					language: 'pt_BR',
					body: 'Olá, {{1}}. A parcela {{2}} do seu acordo com {{3}} vence hoje. Pix copia e cola: {{4}} Boleto no portal: {{5}}. Confira se a mensagem é verdadeira: {{6}}',
					params: ['{{primeiro_nome}}', '{{parcela}}', '{{credor}}', '{{pix}}', '{{boleto}}', '{{golpe}}']
				},
				sms: { body: '{{credor}}: sua parcela vence hoje. Pague com Pix ou boleto pelo portal: {{boleto}} Confira: {{golpe}}' }
			}
		},
		{
			key: 'parcela-atrasada-d1',
			on: 'installment_due',
			offsetDays: 1,
			channels: ['whatsapp', 'sms', 'email'],
			templates: {
				whatsapp: {
					name: 'acerto_parcela_em_aberto',
					language: 'pt_BR',
					body: 'Olá, {{1}}. Não identificamos o pagamento da parcela {{2}} do seu acordo com {{3}}. Se já pagou, desconsidere. Para pagar: {{4}}. Confira se a mensagem é verdadeira: {{5}}',
					params: ['{{primeiro_nome}}', '{{parcela}}', '{{credor}}', '{{boleto}}', '{{golpe}}']
				},
				sms: { body: '{{credor}}: nao identificamos o pagamento da sua parcela. Se ja pagou, desconsidere. Para pagar: {{boleto}} Confira: {{golpe}}' },
				email: {
					subject: '{{credor}}: parcela do acordo em aberto',
					body: 'Olá, {{primeiro_nome}}.\n\nNão identificamos o pagamento da parcela {{parcela}} do seu acordo com {{credor}}. Se você já pagou, desconsidere esta mensagem.\n\nPara pagar com Pix ou boleto: {{boleto}}\n\nConfira se este e-mail é verdadeiro em {{golpe}}.'
				}
			}
		},
		{
			key: 'acordo-quebrado',
			on: 'agreement_broken',
			offsetDays: 1,
			channels: ['whatsapp', 'email'],
			templates: {
				whatsapp: {
					name: 'acerto_acordo_encerrado',
					language: 'pt_BR',
					body: 'Olá, {{1}}. Seu acordo com {{2}} foi encerrado por falta de pagamento. Você pode negociar de novo pelo portal: {{3}}. Confira se a mensagem é verdadeira: {{4}}',
					params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}']
				},
				email: {
					subject: '{{credor}}: você pode negociar de novo',
					body: 'Olá, {{primeiro_nome}}.\n\nSeu acordo com {{credor}} foi encerrado por falta de pagamento. Você pode fazer uma nova negociação pelo portal: {{link}}\n\nConfira se este e-mail é verdadeiro em {{golpe}}.'
				}
			}
		}
	]
};
