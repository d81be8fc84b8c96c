/**
 * Why a message waits, was skipped or failed, in the words the admin area shows: one table for the
 * contact rules' decisions (rules.ts), the sending pipeline's own codes (messaging/index.ts) and
 * the composers' (campaigns, régua). Provider error texts are already pt-BR sentences and are
 * shown as they are. Pure, for the server and the browser alike.
 */
import type { DecisionReason } from '../server/messaging/rules';

/** The contact rules' reasons (rules.ts `decide`). */
export const DECISION_REASON_LABELS: Record<DecisionReason, string> = {
	opt_out: 'O devedor pediu para não receber mensagens neste canal',
	in_agreement: 'Devedor em acordo: ofertas suspensas, só lembretes',
	cap_day: 'Limite diário de mensagens atingido',
	cap_week: 'Limite semanal de mensagens atingido',
	outside_hours: 'Fora do horário permitido no estado do devedor',
	sunday: 'Domingo: não enviamos cobranças',
	holiday: 'Feriado nacional ou estadual',
	saturday: 'Sábado: a lei do estado do devedor não permite'
};

/** The pipeline's and the composers' codes. */
export const PIPELINE_REASON_LABELS = {
	envio_interrompido: 'O envio foi interrompido antes de sabermos se o provedor aceitou a mensagem',
	canal_nao_configurado: 'Canal sem conta de provedor configurada',
	whatsapp_sem_modelo: 'Fora da janela de 24 horas do WhatsApp e sem modelo aprovado',
	mensagem_sem_texto: 'Mensagem sem texto',
	modelo_invalido: 'O modelo tem variáveis que esta mensagem não sabe preencher',
	limite_de_envio: 'Aguardando o limite de envios por segundo da conta',
	ritmo_da_campanha: 'Aguardando o ritmo de envio da campanha',
	campanha_cancelada: 'Campanha cancelada',
	campanha_encerrada: 'Campanha encerrada antes do envio',
	regua_inexistente: 'O credor não tem mais régua',
	campanha_inexistente: 'A campanha não existe mais',
	devedor_inexistente: 'O devedor não existe mais',
	passo_removido: 'O passo da régua foi removido',
	assunto_inexistente: 'A dívida, o acordo ou a parcela da mensagem não existe mais',
	sem_modelo_sms: 'Sem texto de SMS para esta mensagem',
	sem_modelo_whatsapp: 'Sem modelo de WhatsApp para esta mensagem',
	sem_modelo_email: 'Sem texto de e-mail para esta mensagem'
} as const satisfies Record<string, string>;

export const REASON_LABELS: Readonly<Record<string, string>> = { ...DECISION_REASON_LABELS, ...PIPELINE_REASON_LABELS };

/** The label of a reason code; a provider's error text (or any code we do not know) as it is. */
export function reasonLabel(reason: string | null | undefined): string {
	if (!reason) return '';
	return Object.hasOwn(REASON_LABELS, reason) ? REASON_LABELS[reason] : reason;
}
