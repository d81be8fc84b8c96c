import { z } from 'zod';

export const WEBHOOK_EVENT_TYPES = ['agreement.created', 'installment.paid', 'agreement.settled', 'agreement.broken', 'agreement.cancelled', 'debtor.delisting_due'] as const;

/** A webhook endpoint as the admin form and the API send it (the URL's own rules are checked on the server). */
export const webhookEndpointSchema = z.object({
	url: z
		.string({ error: 'Informe o endereço que vai receber os eventos.' })
		.trim()
		.min(1, { error: 'Informe o endereço que vai receber os eventos.' })
		.max(2000, { error: 'Endereço longo demais (máximo de 2.000 caracteres).' })
		.describe('Endereço https que recebe os eventos por POST.'),
	description: z
		.string()
		.trim()
		.max(200, { error: 'Descrição com mais de 200 caracteres.' })
		.default('')
		.describe('Para reconhecer o endpoint depois, até 200 caracteres.'),
	events: z
		.array(z.enum(WEBHOOK_EVENT_TYPES, { error: 'Evento desconhecido.' }), { error: 'Escolha ao menos um evento.' })
		.min(1, { error: 'Escolha ao menos um evento.' })
		.transform((list) => [...new Set(list)])
		.describe('Os tipos de evento que este endpoint recebe.')
});
export type WebhookEndpointInput = z.infer<typeof webhookEndpointSchema>;

export const webhookEndpointFormSchema = webhookEndpointSchema.extend({ creditorId: z.uuid({ error: 'Escolha o credor.' }) });
