import type { MessageKind, MessageStatus } from '../server/db/schema';
import { CHANNEL_LABELS } from '../schemas/campaign';

/** How staff read a message's state, kind and reasons (the timeline, the message lists). Browser-usable. */

export { CHANNEL_LABELS };

export type Tone = 'ok' | 'warn' | 'err' | '';

export const MESSAGE_STATUS: Record<MessageStatus, { label: string; tone: Tone }> = {
	queued: { label: 'na fila', tone: '' },
	sending: { label: 'enviando', tone: '' },
	sent: { label: 'enviada', tone: '' },
	delivered: { label: 'entregue', tone: 'ok' },
	read: { label: 'lida', tone: 'ok' },
	failed: { label: 'falhou', tone: 'err' },
	unknown: { label: 'sem confirmação', tone: 'warn' },
	skipped: { label: 'retida pelas regras', tone: 'warn' },
	fallen_back: { label: 'trocou de canal', tone: '' }
};

export const MESSAGE_KIND_LABELS: Record<MessageKind, string> = {
	otp: 'Código de acesso',
	notice: 'Aviso',
	receipt: 'Comprovante',
	campaign: 'Campanha',
	regua: 'Régua'
};

/** Reasons the sending pipeline itself writes (the contact rules' own are REASON_LABELS in messaging/rules). */
export const PIPELINE_REASON_LABELS: Record<string, string> = {
	campanha_encerrada: 'A campanha já tinha terminado',
	campanha_cancelada: 'A campanha foi cancelada',
	canal_nao_configurado: 'Canal sem conta de envio configurada',
	whatsapp_sem_modelo: 'Fora da janela de 24 horas do WhatsApp e sem modelo aprovado',
	envio_interrompido: 'O envio foi interrompido antes da resposta do provedor',
	ritmo_da_campanha: 'Aguardando o ritmo de envio da campanha',
	limite_de_envio: 'Aguardando o limite de envio da conta',
	// Composing the text when it was due (campaigns/compose.ts, regua/index.ts, messaging/compose.ts).
	mensagem_sem_texto: 'A mensagem ficou sem texto',
	sem_modelo_sms: 'A campanha ou o passo não tem texto de SMS',
	sem_modelo_whatsapp: 'A campanha ou o passo não tem modelo de WhatsApp',
	sem_modelo_email: 'A campanha ou o passo não tem texto de e-mail',
	campanha_inexistente: 'A campanha não existe mais',
	devedor_inexistente: 'O devedor não existe mais',
	regua_inexistente: 'O credor não tem mais régua',
	passo_removido: 'O passo foi retirado da régua antes do envio',
	assunto_inexistente: 'A dívida, o acordo ou a parcela da mensagem não existe mais'
};

export const OPT_OUT_SOURCE_LABELS: Record<'reply' | 'unsubscribe' | 'preferences' | 'staff', string> = {
	reply: 'respondeu pedindo para parar',
	unsubscribe: 'pelo link de descadastro do e-mail',
	preferences: 'pelas preferências de contato no portal',
	staff: 'registrado pela equipe'
};
