import { REASON_LABELS, type DecisionReason } from './rules';

/**
 * Why a message did not go (yet), as the admin area says it: one table for every reason the
 * sending pipeline writes on an outbox row — the contact rules' (`REASON_LABELS`), the pipeline's
 * own and the composer's. A provider's error ("131026: …") has no label and is shown as it came.
 */
export const PIPELINE_REASON_LABELS = {
	campanha_cancelada: 'Campanha cancelada antes do envio',
	campanha_encerrada: 'A campanha terminou antes do envio',
	ritmo_da_campanha: 'Aguardando o ritmo de envio da campanha (mensagens por minuto)',
	limite_de_envio: 'Aguardando o limite de envio do provedor',
	canal_nao_configurado: 'Canal sem conta de provedor configurada',
	whatsapp_sem_modelo: 'Sem modelo aprovado do WhatsApp para esta mensagem',
	envio_interrompido: 'Envio interrompido: não sabemos se o provedor recebeu',
	sem_modelo_sms: 'Sem texto de SMS para este canal',
	sem_modelo_whatsapp: 'Sem modelo de WhatsApp para este canal',
	sem_modelo_email: 'Sem texto de e-mail para este canal',
	mensagem_sem_texto: 'Mensagem sem texto',
	campanha_inexistente: 'A campanha não existe mais',
	regua_inexistente: 'A régua não existe mais',
	devedor_inexistente: 'O devedor não existe mais'
} as const satisfies Record<string, string>;

export type Reason = DecisionReason | keyof typeof PIPELINE_REASON_LABELS;

const LABELS: Record<string, string> = { ...REASON_LABELS, ...PIPELINE_REASON_LABELS };

/** The pt-BR label of a reason; a reason nobody labelled (a provider's error text) as it is. */
export function reasonLabel(reason: string): string {
	return Object.hasOwn(LABELS, reason) ? LABELS[reason] : reason;
}
