import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { config } from '../config';
import type { DbOrTx } from '../db/client';
import { messagingAccounts } from '../db/schema';
import { sealJson, unsealJson } from '../auth/secrets';
import * as whatsapp from './whatsapp';
import * as zenvia from './zenvia';
import * as twilio from './twilio';
import * as email from './email';
import type { Channel, SendOptions, SendResult, WireMessage } from './wire';

/**
 * Which provider account carries a message: the agency's own (entered in the admin area, stored
 * sealed) or the environment's default. `id` is the account's row id, or `env:{channel}`.
 */
export type Provider = 'console' | 'whatsapp' | 'zenvia' | 'twilio' | 'smtp';

export type Account = {
	id: string;
	channel: Channel;
	provider: Provider;
	ratePerSecond: number;
	costMillicents: number;
	send: (msg: WireMessage, opts: SendOptions) => Promise<SendResult>;
	/** Credentials, for the webhook routes (signature secrets). */
	credentials: Credentials;
};

export const credentialSchemas = {
	whatsapp: z.object({
		apiUrl: z.string().url(),
		token: z.string().min(1),
		phoneNumberId: z.string().min(1),
		appSecret: z.string().min(1),
		verifyToken: z.string().min(1)
	}),
	zenvia: z.object({ apiUrl: z.string().url(), token: z.string().min(1), from: z.string().min(1), callbackSecret: z.string().min(16) }),
	twilio: z.object({ apiUrl: z.string().url(), accountSid: z.string().min(1), authToken: z.string().min(1), from: z.string().min(1) }),
	smtp: z.object({ url: z.string().url(), from: z.string().min(3) })
} as const;

export type Credentials =
	| { provider: 'console' }
	| ({ provider: 'whatsapp' } & z.infer<typeof credentialSchemas.whatsapp>)
	| ({ provider: 'zenvia' } & z.infer<typeof credentialSchemas.zenvia>)
	| ({ provider: 'twilio' } & z.infer<typeof credentialSchemas.twilio>)
	| ({ provider: 'smtp' } & z.infer<typeof credentialSchemas.smtp>);

const SEAL_PURPOSE = 'messaging-account';

export function sealCredentials(c: Credentials): string {
	return sealJson(SEAL_PURPOSE, c);
}

export function openCredentials(sealed: string): Credentials {
	return unsealJson<Credentials>(SEAL_PURPOSE, sealed);
}

/** Development driver: one JSON line per message on stdout. */
async function consoleSend(msg: WireMessage): Promise<SendResult> {
	process.stdout.write(JSON.stringify({ type: 'message', channel: msg.channel, to: msg.to, text: msg.text }) + '\n');
	return { status: 'accepted', providerId: `console-${msg.id}` };
}

function transport(c: Credentials): Account['send'] {
	switch (c.provider) {
		case 'console':
			return (msg) => consoleSend(msg);
		case 'whatsapp':
			return (msg, opts) => whatsapp.send(msg, c, opts);
		case 'zenvia':
			return (msg, opts) => zenvia.send(msg, c, opts);
		case 'twilio':
			return (msg, opts) => twilio.send(msg, c, opts);
		case 'smtp':
			return (msg, opts) => email.send(msg, c, opts);
	}
}

function build(id: string, channel: Channel, credentials: Credentials, ratePerSecond: number, costMillicents: number): Account {
	return { id, channel, provider: credentials.provider, ratePerSecond, costMillicents, credentials, send: transport(credentials) };
}

const COST = { whatsapp: 'COST_WHATSAPP_MILLICENTS', sms: 'COST_SMS_MILLICENTS', email: 'COST_EMAIL_MILLICENTS' } as const;

/** The environment's account for a channel, or null when that channel is not configured. */
export function envAccount(channel: Channel): Account | null {
	const env = config();
	const cost = env[COST[channel]];
	if (env.MESSAGING_DRIVER === 'console') return build(`env:${channel}`, channel, { provider: 'console' }, 10_000, cost);
	if (channel === 'whatsapp') {
		if (!env.WHATSAPP_TOKEN || !env.WHATSAPP_PHONE_NUMBER_ID || !env.WHATSAPP_APP_SECRET || !env.WHATSAPP_VERIFY_TOKEN) return null;
		return build('env:whatsapp', channel, {
			provider: 'whatsapp',
			apiUrl: env.WHATSAPP_API_URL ?? whatsapp.DEFAULT_WHATSAPP_API_URL,
			token: env.WHATSAPP_TOKEN,
			phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
			appSecret: env.WHATSAPP_APP_SECRET,
			verifyToken: env.WHATSAPP_VERIFY_TOKEN
		}, env.WHATSAPP_RATE_PER_SECOND, cost);
	}
	if (channel === 'sms') {
		if (env.SMS_DRIVER === 'zenvia' && env.ZENVIA_API_TOKEN && env.ZENVIA_FROM && env.ZENVIA_CALLBACK_SECRET) {
			return build('env:sms', channel, {
				provider: 'zenvia',
				apiUrl: env.ZENVIA_API_URL ?? zenvia.DEFAULT_ZENVIA_API_URL,
				token: env.ZENVIA_API_TOKEN,
				from: env.ZENVIA_FROM,
				callbackSecret: env.ZENVIA_CALLBACK_SECRET
			}, env.SMS_RATE_PER_SECOND, cost);
		}
		if (env.SMS_DRIVER === 'twilio' && env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM) {
			return build('env:sms', channel, {
				provider: 'twilio',
				apiUrl: env.TWILIO_API_URL ?? twilio.DEFAULT_TWILIO_API_URL,
				accountSid: env.TWILIO_ACCOUNT_SID,
				authToken: env.TWILIO_AUTH_TOKEN,
				from: env.TWILIO_FROM
			}, env.SMS_RATE_PER_SECOND, cost);
		}
		return null;
	}
	if (!env.SMTP_URL || !env.MAIL_FROM) return null;
	return build('env:email', channel, { provider: 'smtp', url: env.SMTP_URL, from: env.MAIL_FROM }, env.EMAIL_RATE_PER_SECOND, cost);
}

/**
 * The accounts of the given agencies, per channel: each agency's own where it entered one, else the
 * environment's (null: the channel cannot be used). One query for a whole batch of messages.
 */
export async function accountsFor(db: DbOrTx, agencyIds: string[]): Promise<(agencyId: string, channel: Channel) => Account | null> {
	const own = new Map<string, Account>();
	// An agency's account that cannot be opened must not hand its messages to the environment's.
	const broken = new Set<string>();
	if (agencyIds.length > 0) {
		const rows = await db.select().from(messagingAccounts).where(inArray(messagingAccounts.agencyId, agencyIds));
		for (const r of rows) {
			try {
				own.set(`${r.agencyId}:${r.channel}`, build(r.id, r.channel, openCredentials(r.sealed), r.ratePerSecond, r.costMillicents));
			} catch (e) {
				// Sealed under another APP_SECRET: the channel is unusable for this agency until the
				// account is entered again (its messages fall back or fail "not configured"); the rest go on.
				broken.add(`${r.agencyId}:${r.channel}`);
				console.error(JSON.stringify({ type: 'error', where: 'messaging.accounts', account: r.id, error: String(e) }));
			}
		}
	}
	const env = new Map<Channel, Account | null>();
	return (agencyId, channel) => {
		const mine = own.get(`${agencyId}:${channel}`);
		if (mine) return mine;
		if (broken.has(`${agencyId}:${channel}`)) return null;
		if (!env.has(channel)) env.set(channel, envAccount(channel));
		return env.get(channel) ?? null;
	};
}

/** One account by id (`env:{channel}` or a row id): the webhook routes check signatures with it. */
export async function accountById(db: DbOrTx, id: string): Promise<Account | null> {
	const m = /^env:(sms|whatsapp|email)$/.exec(id);
	if (m) return envAccount(m[1] as Channel);
	if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
	const [r] = await db.select().from(messagingAccounts).where(eq(messagingAccounts.id, id));
	return r ? build(r.id, r.channel, openCredentials(r.sealed), r.ratePerSecond, r.costMillicents) : null;
}
