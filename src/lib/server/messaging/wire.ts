/**
 * The contract between the sending pipeline (messaging/index.ts, on the job runner) and the
 * channel drivers (whatsapp.ts, zenvia.ts, twilio.ts, email.ts). A driver puts one message on the
 * wire and says what happened; a provider's callback is parsed into status and inbound events.
 * Drivers hold no state and never touch the database.
 */

export type Channel = 'sms' | 'whatsapp' | 'email';

/** What a driver needs to put one message on the wire. */
export type WireMessage = {
	/** Our message id (uuid), echoed back by the provider in its status callbacks where it can be. */
	id: string;
	channel: Channel;
	/** E.164 phone (+5511987654321) or e-mail address. */
	to: string;
	/** Plain text: the SMS body, WhatsApp free text (inside the 24-hour window), the e-mail's text part. */
	text: string;
	/** WhatsApp outside the 24-hour window: an approved template and its body parameters, in order. */
	template?: { name: string; language: string; params: string[] };
	/** E-mail only. */
	email?: { subject: string; html: string; unsubscribeUrl?: string };
	/** Who speaks: the creditor's name, and its own senders where it has them. */
	sender: { name: string; smsFrom?: string | null; whatsappPhoneNumberId?: string | null; emailFromName?: string | null };
};

export type SendResult =
	/** The provider took the message; `providerId` is its id (callbacks refer to it). */
	| { status: 'accepted'; providerId: string }
	/** Nothing was sent (connection refused, 429, 5xx): try again later. */
	| { status: 'retry'; reason: string; retryAfterMs?: number }
	/**
	 * The provider refused it for good. `fallback`: this destination cannot receive on this channel
	 * (not a WhatsApp number, a landline for SMS, a mailbox that does not exist): try the next channel.
	 */
	| { status: 'failed'; reason: string; code?: string; fallback: boolean }
	/** The request went out and no answer came (timeout, connection reset): it may have been sent. */
	| { status: 'unknown'; reason: string };

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** One status from a provider's callback. */
export type StatusEvent = {
	providerId: string;
	/** Our id when the provider echoes it (WhatsApp `biz_opaque_callback_data`, a callback URL's query). */
	messageId?: string;
	status: DeliveryStatus;
	at: Date;
	code?: string;
	reason?: string;
	/** For `failed`: the destination cannot receive on this channel (e.g. WhatsApp 131026). */
	fallback?: boolean;
};

/** A message the debtor sent us (a reply: "SAIR", "PARAR", "STOP" opt out of that channel). */
export type InboundEvent = { channel: Channel; from: string; text: string; at: Date; providerId?: string };

export type Callback = { statuses: StatusEvent[]; inbound: InboundEvent[] };

export type WhatsAppAccount = { apiUrl: string; token: string; phoneNumberId: string; appSecret: string; verifyToken: string };
export type ZenviaAccount = { apiUrl: string; token: string; from: string; callbackSecret: string };
export type TwilioAccount = { apiUrl: string; accountSid: string; authToken: string; from: string };
export type SmtpAccount = { url: string; from: string };

/** Options every wire call takes: where callbacks come back, and how long to wait. */
export type SendOptions = {
	/** Absolute URL of our callback endpoint for this account (Twilio takes it per message). */
	statusCallbackUrl?: string;
	timeoutMs?: number;
};

/** Replies that stop messages on the channel they came from (case, accents and spaces ignored). */
export const OPT_OUT_WORDS = ['SAIR', 'PARAR', 'STOP', 'CANCELAR', 'DESCADASTRAR'] as const;

export function isOptOut(text: string): boolean {
	const word = text
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.trim()
		.replace(/[.!]+$/, '')
		.toUpperCase();
	return (OPT_OUT_WORDS as readonly string[]).includes(word);
}
