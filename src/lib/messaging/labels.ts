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

// The reasons a message waits, was held back or failed: messaging/reasons.ts.

export const OPT_OUT_SOURCE_LABELS: Record<'reply' | 'unsubscribe' | 'preferences' | 'staff', string> = {
	reply: 'respondeu pedindo para parar',
	unsubscribe: 'pelo link de descadastro do e-mail',
	preferences: 'pelas preferências de contato no portal',
	staff: 'registrado pela equipe'
};
