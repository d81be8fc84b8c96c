import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { messagingAccounts } from '../db/schema';
import * as audit from '../audit';
import { config } from '../config';
import { isValidEmail } from '../../format/contact';
import { formatMillicents, parseMillicents } from '../../format/money';
import { credentialSchemas, envAccount, openCredentials, sealCredentials, type Credentials, type Provider } from './accounts';
import { DEFAULT_WHATSAPP_API_URL } from './whatsapp';
import { DEFAULT_ZENVIA_API_URL, callbackPath } from './zenvia';
import { DEFAULT_TWILIO_API_URL } from './twilio';
import type { Channel } from './wire';

/**
 * The agency's own provider accounts in the admin area (one per channel): entered in a form,
 * checked by `credentialSchemas`, stored sealed like TOTP keys. A secret is never shown again; an
 * edit that leaves a secret blank keeps the stored one. Audited without secrets.
 */

export type StoredProvider = Exclude<Provider, 'console'>;

export const CHANNEL_NAMES: Record<Channel, string> = { whatsapp: 'WhatsApp', sms: 'SMS', email: 'E-mail' };

export const PROVIDERS: Record<Channel, { provider: StoredProvider; label: string }[]> = {
	whatsapp: [{ provider: 'whatsapp', label: 'WhatsApp Cloud API (Meta)' }],
	sms: [
		{ provider: 'zenvia', label: 'Zenvia' },
		{ provider: 'twilio', label: 'Twilio' }
	],
	email: [{ provider: 'smtp', label: 'Servidor SMTP' }]
};

const PROVIDER_LABELS: Record<Provider, string> = {
	console: 'Console (desenvolvimento: as mensagens saem no log do servidor)',
	whatsapp: 'WhatsApp Cloud API (Meta)',
	zenvia: 'Zenvia',
	twilio: 'Twilio',
	smtp: 'Servidor SMTP'
};

export type FieldSpec = {
	name: string;
	label: string;
	/** Never shown again once stored; blank on an edit keeps it. */
	secret: boolean;
	help?: string;
	/** Used when left blank. */
	default?: string;
	/** Generated when left blank on the first save (a webhook's verify token or URL secret). */
	generate?: boolean;
};

/** The form of each provider: exactly the fields of its credential schema (a unit test holds them together). */
export const FIELDS: Record<StoredProvider, FieldSpec[]> = {
	whatsapp: [
		{ name: 'phoneNumberId', label: 'Identificador do número (phone number ID)', secret: false, help: 'No painel da Meta, em WhatsApp › Configuração da API. Só números.' },
		{ name: 'token', label: 'Token de acesso permanente', secret: true, help: 'O token de um usuário do sistema, com a permissão whatsapp_business_messaging.' },
		{ name: 'appSecret', label: 'Chave secreta do aplicativo (app secret)', secret: true, help: 'Confere a assinatura dos avisos que a Meta envia.' },
		{ name: 'verifyToken', label: 'Token de verificação do webhook', secret: false, generate: true, help: 'Deixe em branco para gerarmos um.' },
		{ name: 'apiUrl', label: 'Endereço da API', secret: false, default: DEFAULT_WHATSAPP_API_URL, help: `Deixe em branco para usar ${DEFAULT_WHATSAPP_API_URL}.` }
	],
	zenvia: [
		{ name: 'from', label: 'Remetente (identificador da integração de SMS)', secret: false },
		{ name: 'token', label: 'Token da API (X-API-TOKEN)', secret: true },
		{ name: 'callbackSecret', label: 'Segredo do endereço de retorno', secret: true, generate: true, help: 'Deixe em branco para gerarmos um (no mínimo 16 caracteres).' },
		{ name: 'apiUrl', label: 'Endereço da API', secret: false, default: DEFAULT_ZENVIA_API_URL, help: `Deixe em branco para usar ${DEFAULT_ZENVIA_API_URL}.` }
	],
	twilio: [
		{ name: 'accountSid', label: 'Account SID', secret: false, help: 'Começa com AC, seguido de 32 letras e números.' },
		{ name: 'from', label: 'Número remetente', secret: false, help: 'No formato +5511999999999.' },
		{ name: 'authToken', label: 'Auth token', secret: true },
		{ name: 'apiUrl', label: 'Endereço da API', secret: false, default: DEFAULT_TWILIO_API_URL, help: `Deixe em branco para usar ${DEFAULT_TWILIO_API_URL}.` }
	],
	smtp: [
		{ name: 'url', label: 'Endereço do servidor SMTP', secret: true, help: 'Com usuário e senha: smtps://usuario:senha@smtp.exemplo.com.br:465' },
		{ name: 'from', label: 'Remetente', secret: false, help: 'Nome e endereço, por exemplo: Cobrança <cobranca@assessoria.com.br>' }
	]
};

const RATE_DEFAULTS = (): Record<Channel, number> => ({
	whatsapp: config().WHATSAPP_RATE_PER_SECOND,
	sms: config().SMS_RATE_PER_SECOND,
	email: config().EMAIL_RATE_PER_SECOND
});
const COST_DEFAULTS = (): Record<Channel, number> => ({
	whatsapp: config().COST_WHATSAPP_MILLICENTS,
	sms: config().COST_SMS_MILLICENTS,
	email: config().COST_EMAIL_MILLICENTS
});

export function isChannel(v: unknown): v is Channel {
	return v === 'whatsapp' || v === 'sms' || v === 'email';
}

/** What staff may see of an account: the sender, never a secret. */
function labelOf(c: Credentials): string {
	switch (c.provider) {
		case 'console':
			return 'console';
		case 'whatsapp':
			return `phone number ID ${c.phoneNumberId}`;
		case 'zenvia':
			return `remetente ${c.from}`;
		case 'twilio':
			return `${c.from} (conta ${c.accountSid.slice(0, 8)}…)`;
		case 'smtp':
			return `${c.from} via ${hostOf(c.url)}`;
	}
}

function hostOf(url: string): string {
	try {
		const u = new URL(url);
		return u.port ? `${u.hostname}:${u.port}` : u.hostname;
	} catch {
		return '?';
	}
}

export type Webhook = { label: string; value: string; url: boolean };

/** What to configure at the provider so statuses and replies come back to this account. */
function webhooksOf(id: string, c: Credentials, base: string): { items: Webhook[]; note: string } {
	switch (c.provider) {
		case 'whatsapp':
			return {
				items: [
					{ label: 'URL de retorno (Callback URL)', value: `${base}/webhooks/whatsapp/${id}`, url: true },
					{ label: 'Token de verificação (Verify token)', value: c.verifyToken, url: false }
				],
				note: 'No painel da Meta, em WhatsApp › Configuração › Webhook: informe os dois valores e assine o campo "messages".'
			};
		case 'zenvia':
			return {
				items: [{ label: 'URL das assinaturas MESSAGE_STATUS e MESSAGE', value: `${base}${callbackPath(c.callbackSecret, id)}`, url: true }],
				note: 'Na Zenvia, crie as duas assinaturas (status e mensagens recebidas) do canal SMS com esta URL. A Zenvia não assina os avisos: o segredo no endereço é a proteção, não o divulgue.'
			};
		case 'twilio':
			return {
				items: [{ label: 'Webhook do número em "A message comes in" (respostas)', value: `${base}/webhooks/twilio/${id}`, url: true }],
				note: 'O retorno de status vai automaticamente em cada mensagem; para receber as respostas (como SAIR), configure o endereço acima no número da Twilio.'
			};
		default:
			return { items: [], note: 'O e-mail não tem avisos de entrega por webhook.' };
	}
}

export type AccountView = {
	channel: Channel;
	channelLabel: string;
	providers: { provider: StoredProvider; label: string }[];
	defaults: { ratePerSecond: number; cost: string };
	own: {
		id: string;
		provider: StoredProvider;
		providerLabel: string;
		label: string;
		ratePerSecond: number;
		cost: string;
		updatedAt: string;
		/** The fields that are not secret, to fill the form again. */
		values: Record<string, string>;
		webhooks: Webhook[];
		webhookNote: string;
	} | null;
	/** The environment's account, used when the agency has none of its own. */
	env: { providerLabel: string; label: string } | null;
};

/** Each channel: the agency's own account (what may be shown of it), else the environment's, else nothing. */
export async function list(db: DbOrTx, agencyId: string): Promise<AccountView[]> {
	const rows = await db.select().from(messagingAccounts).where(eq(messagingAccounts.agencyId, agencyId));
	const base = config().baseUrl;
	return (['whatsapp', 'sms', 'email'] as const).map((channel): AccountView => {
		const row = rows.find((r) => r.channel === channel);
		const env = envAccount(channel);
		let own: AccountView['own'] = null;
		if (row) {
			const c = openCredentials(row.sealed);
			const provider = row.provider;
			const spec = FIELDS[provider];
			const hooks = webhooksOf(row.id, c, base);
			own = {
				id: row.id,
				provider,
				providerLabel: PROVIDER_LABELS[provider],
				label: row.label,
				ratePerSecond: row.ratePerSecond,
				cost: formatMillicents(row.costMillicents),
				updatedAt: row.updatedAt.toISOString(),
				values: Object.fromEntries(spec.filter((f) => !f.secret).map((f) => [f.name, String((c as Record<string, unknown>)[f.name] ?? '')])),
				webhooks: hooks.items,
				webhookNote: hooks.note
			};
		}
		return {
			channel,
			channelLabel: CHANNEL_NAMES[channel],
			providers: PROVIDERS[channel],
			defaults: { ratePerSecond: RATE_DEFAULTS()[channel], cost: formatMillicents(COST_DEFAULTS()[channel]).replace('R$ ', '') },
			own,
			env: env ? { providerLabel: PROVIDER_LABELS[env.provider], label: labelOf(env.credentials) } : null
		};
	});
}

export type SaveInput = { channel: unknown; provider: unknown; fields: Record<string, unknown>; ratePerSecond: unknown; cost: unknown };
export type SaveErrors = Record<string, string[]>;
export type SaveResult = { ok: true; id: string; label: string } | { ok: false; errors: SaveErrors };

/** Extra checks beyond the credential schemas, where a typo is common and the provider would only refuse later. */
const EXTRA: Partial<Record<string, (v: string) => string | null>> = {
	'whatsapp.phoneNumberId': (v) => (/^\d{5,20}$/.test(v) ? null : 'Identificador do número: só números, como aparece no painel da Meta.'),
	'twilio.accountSid': (v) => (/^AC[0-9a-fA-F]{32}$/.test(v) ? null : 'Account SID: começa com AC, seguido de 32 letras de a a f e números.'),
	'twilio.from': (v) => (/^\+[1-9]\d{7,14}$/.test(v) ? null : 'Número remetente: use o formato internacional, como +5511999999999.'),
	'smtp.url': (v) => (/^smtps?:\/\//i.test(v) ? null : 'Endereço do servidor SMTP: comece com smtp:// ou smtps://.'),
	'smtp.from': (v) => {
		const address = /<([^<>]+)>\s*$/.exec(v)?.[1] ?? v;
		return isValidEmail(address) && !/[\r\n]/.test(v) ? null : 'Remetente: informe um e-mail válido, com ou sem nome (Cobrança <cobranca@assessoria.com.br>).';
	}
};

function issueMessage(f: FieldSpec, code: string): string {
	if (code === 'invalid_format' && (f.name === 'apiUrl' || f.name === 'url')) return `${f.label}: informe um endereço completo, como https://…`;
	if (code === 'too_small' && f.name === 'callbackSecret') return `${f.label}: no mínimo 16 caracteres (ou deixe em branco para gerarmos um).`;
	return `${f.label}: preencha este campo.`;
}

/**
 * Saves the agency's account for a channel (replacing the one it had), sealed, with an audit
 * record naming what changed but never a value. Bad input changes nothing.
 */
export async function save(db: DbOrTx, agencyId: string, input: SaveInput, actor: { id: string; ip?: string | null }): Promise<SaveResult> {
	if (!isChannel(input.channel)) return { ok: false, errors: { canal: ['Canal inválido: escolha WhatsApp, SMS ou e-mail.'] } };
	const channel = input.channel;
	const choice = PROVIDERS[channel].find((p) => p.provider === input.provider);
	if (!choice) return { ok: false, errors: { provedor: [`Provedor inválido para ${CHANNEL_NAMES[channel]}: use ${PROVIDERS[channel].map((p) => p.label).join(' ou ')}.`] } };
	const provider = choice.provider;

	const errors: SaveErrors = {};
	const rateText = typeof input.ratePerSecond === 'string' ? input.ratePerSecond.trim() : '';
	const rate = rateText === '' ? RATE_DEFAULTS()[channel] : /^\d{1,5}$/.test(rateText) ? Number(rateText) : Number.NaN;
	if (!(rate >= 1 && rate <= 10_000)) errors.ritmo = ['Envios por segundo: um número inteiro de 1 a 10000.'];
	const costText = typeof input.cost === 'string' ? input.cost.trim() : '';
	const cost = costText === '' ? COST_DEFAULTS()[channel] : parseMillicents(costText);
	if (cost === null) errors.custo = ['Custo por mensagem: informe um valor em reais, como 0,35 ou 0,035 (até 5 casas decimais).'];

	return db.transaction(async (tx) => {
		const [existing] = await tx
			.select()
			.from(messagingAccounts)
			.where(and(eq(messagingAccounts.agencyId, agencyId), eq(messagingAccounts.channel, channel)))
			.for('update');
		const before = existing && existing.provider === provider ? (openCredentials(existing.sealed) as Record<string, unknown>) : null;

		const values: Record<string, string> = {};
		for (const f of FIELDS[provider]) {
			const raw = input.fields[f.name];
			const typed = typeof raw === 'string' ? raw.trim() : '';
			const kept = before && typeof before[f.name] === 'string' ? (before[f.name] as string) : '';
			values[f.name] = typed || (f.secret || f.generate ? kept : '') || (f.generate ? randomBytes(24).toString('base64url') : '') || (f.default ?? '');
		}
		const parsed = credentialSchemas[provider].safeParse(values);
		if (!parsed.success) {
			for (const i of parsed.error.issues) {
				const f = FIELDS[provider].find((x) => x.name === i.path[0]);
				if (f) (errors[f.name] ??= []).push(issueMessage(f, i.code));
			}
		}
		for (const f of FIELDS[provider]) {
			const check = EXTRA[`${provider}.${f.name}`];
			const problem = !errors[f.name] && values[f.name] && check ? check(values[f.name]) : null;
			if (problem) (errors[f.name] ??= []).push(problem);
		}
		if (!parsed.success || Object.keys(errors).length > 0) return { ok: false as const, errors };

		const credentials = { provider, ...parsed.data } as Credentials;
		const label = labelOf(credentials);
		const row = { provider, sealed: sealCredentials(credentials), label, ratePerSecond: rate, costMillicents: cost!, updatedAt: new Date() };
		const [saved] = await tx
			.insert(messagingAccounts)
			.values({ agencyId, channel, createdBy: actor.id, ...row })
			.onConflictDoUpdate({ target: [messagingAccounts.agencyId, messagingAccounts.channel], set: row })
			.returning({ id: messagingAccounts.id });
		await audit.record(tx, {
			agencyId,
			actorType: 'staff',
			actorId: actor.id,
			action: 'messaging_account.save',
			entity: 'messaging_account',
			entityId: saved.id,
			ip: actor.ip ?? null,
			data: {
				channel,
				provider,
				label,
				ratePerSecond: rate,
				costMillicents: cost,
				// Which credentials changed, by name only: never a value.
				changed: FIELDS[provider].filter((f) => !before || before[f.name] !== values[f.name]).map((f) => f.name),
				...(existing && existing.provider !== provider && { replaced: existing.provider })
			}
		});
		return { ok: true as const, id: saved.id, label };
	});
}

/** Removes the agency's account for a channel: its messages go through the environment's account again, if any. */
export async function remove(db: DbOrTx, agencyId: string, channel: unknown, actor: { id: string; ip?: string | null }): Promise<boolean> {
	if (!isChannel(channel)) return false;
	return db.transaction(async (tx) => {
		const [gone] = await tx
			.delete(messagingAccounts)
			.where(and(eq(messagingAccounts.agencyId, agencyId), eq(messagingAccounts.channel, channel)))
			.returning({ id: messagingAccounts.id, provider: messagingAccounts.provider, label: messagingAccounts.label });
		if (!gone) return false;
		await audit.record(tx, {
			agencyId,
			actorType: 'staff',
			actorId: actor.id,
			action: 'messaging_account.remove',
			entity: 'messaging_account',
			entityId: gone.id,
			ip: actor.ip ?? null,
			data: { channel, provider: gone.provider, label: gone.label }
		});
		return true;
	});
}
