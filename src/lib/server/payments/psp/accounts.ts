import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { config } from '../../config';
import type { DbOrTx } from '../../db/client';
import { agencies, pspAccounts } from '../../db/schema';
import { sealJson, unsealJson } from '../../auth/secrets';
import * as audit from '../../audit';
import type { PspCredentials } from './client';
import { FINE_CAP_BP, INTEREST_CAP_MONTHLY_BP } from './cobv';

/**
 * A PSP account: `env` (the environment's) or a psp_accounts row id, with its credentials and, for a
 * row, whose it is (the environment's owner is resolved by `owner()`).
 */
export type PspAccount = { id: string; credentials: PspCredentials; owner?: { agencyId: string; creditorId: string | null } };

const pemOrPath = z.string().min(1);
export const credentialsSchema = z.object({
	apiUrl: z.string().url(),
	oauthUrl: z.string().url(),
	clientId: z.string().min(1),
	clientSecret: z.string().min(1),
	cert: pemOrPath,
	key: pemOrPath,
	ca: pemOrPath.optional(),
	webhookSecret: z.string().min(16),
	fineBp: z.number().int().min(0).max(FINE_CAP_BP).default(0),
	interestMonthlyBp: z.number().int().min(0).max(INTEREST_CAP_MONTHLY_BP).default(0),
	pixAutomatico: z.boolean().default(false),
	/** The account Pix Automático debits are paid into, `agência/conta` (a recurring charge names it). */
	automaticoConta: z.string().regex(/^(\d{1,4}\/)?[0-9A-Za-z-]{1,20}$/).optional(),
	automaticoTipoConta: z.enum(['CORRENTE', 'POUPANCA', 'PAGAMENTO']).default('CORRENTE')
}).refine((c) => !c.pixAutomatico || !!c.automaticoConta, { path: ['automaticoConta'], message: 'Pix Automático pede a conta recebedora (agência/conta).' });

const SEAL_PURPOSE = 'psp-account';

let warned = false;
let warnedAutomatico = false;

/** The environment's account, or null when PIX_PSP_* is not (fully) set. */
export function envAccount(): PspAccount | null {
	const env = config();
	const { PIX_PSP_API_URL: apiUrl, PIX_PSP_OAUTH_URL: oauthUrl, PIX_PSP_CLIENT_ID: clientId, PIX_PSP_CLIENT_SECRET: clientSecret } = env;
	const { PIX_PSP_CERT: cert, PIX_PSP_KEY: key, PIX_PSP_WEBHOOK_SECRET: webhookSecret } = env;
	const given = { PIX_PSP_API_URL: apiUrl, PIX_PSP_OAUTH_URL: oauthUrl, PIX_PSP_CLIENT_ID: clientId, PIX_PSP_CLIENT_SECRET: clientSecret, PIX_PSP_CERT: cert, PIX_PSP_KEY: key, PIX_PSP_WEBHOOK_SECRET: webhookSecret };
	const missing = Object.entries(given).filter(([, v]) => !v).map(([k]) => k);
	if (missing.length > 0) {
		// Half a configuration is a mistake to say out loud (once), not a reason to charge through a PSP.
		if (missing.length < Object.keys(given).length && !warned) {
			warned = true;
			console.error(JSON.stringify({ type: 'warning', where: 'psp.accounts', message: `PSP Pix do ambiente desativado: faltam ${missing.join(', ')}` }));
		}
		return null;
	}
	if (!apiUrl || !oauthUrl || !clientId || !clientSecret || !cert || !key || !webhookSecret) return null; // narrows the types
	if (env.PIX_PSP_AUTOMATICO && !env.PIX_PSP_AUTOMATICO_CONTA && !warnedAutomatico) {
		warnedAutomatico = true;
		console.error(JSON.stringify({ type: 'warning', where: 'psp.accounts', message: 'Pix Automático desativado: PIX_PSP_AUTOMATICO=true sem PIX_PSP_AUTOMATICO_CONTA' }));
	}
	return {
		id: 'env',
		credentials: {
			apiUrl,
			oauthUrl,
			clientId,
			clientSecret,
			cert,
			key,
			...(env.PIX_PSP_CA && { ca: env.PIX_PSP_CA }),
			webhookSecret,
			fineBp: env.PIX_PSP_FINE_BP,
			interestMonthlyBp: env.PIX_PSP_INTEREST_MONTHLY_BP,
			// Without the receiving account a recurring charge cannot be sent: the flag alone turns nothing on.
			pixAutomatico: env.PIX_PSP_AUTOMATICO && !!env.PIX_PSP_AUTOMATICO_CONTA,
			...(env.PIX_PSP_AUTOMATICO_CONTA && { automaticoConta: env.PIX_PSP_AUTOMATICO_CONTA }),
			automaticoTipoConta: env.PIX_PSP_AUTOMATICO_TIPO_CONTA
		}
	};
}

function open(row: typeof pspAccounts.$inferSelect): PspAccount | null {
	try {
		return { id: row.id, credentials: credentialsSchema.parse(unsealJson(SEAL_PURPOSE, row.sealed)), owner: { agencyId: row.agencyId, creditorId: row.creditorId } };
	} catch (e) {
		// Sealed under another APP_SECRET: unusable until entered again; never fall back to another account.
		console.error(JSON.stringify({ type: 'error', where: 'psp.accounts', account: row.id, error: String(e) }));
		return null;
	}
}

/**
 * The account a creditor's charges go through: its own, else its agency's, else the environment's.
 * null: no PSP (the static BR Code stays), including when the account found cannot be opened.
 */
export async function accountFor(db: DbOrTx, creditor: { id: string; agencyId: string }): Promise<PspAccount | null> {
	const [own] = await db.select().from(pspAccounts).where(eq(pspAccounts.creditorId, creditor.id));
	if (own) return open(own);
	const [agency] = await db
		.select()
		.from(pspAccounts)
		.where(and(eq(pspAccounts.agencyId, creditor.agencyId), isNull(pspAccounts.creditorId)));
	if (agency) return open(agency);
	return envAccount();
}

/**
 * Whose money arrives on an account: a row's agency (and creditor), or for the environment's the
 * agency `PIX_PSP_AGENCY_CNPJ` names, else the oldest agency. null only when there is no agency.
 */
export async function owner(db: DbOrTx, account: PspAccount): Promise<{ agencyId: string; creditorId: string | null } | null> {
	if (account.owner) return account.owner;
	const cnpj = config().PIX_PSP_AGENCY_CNPJ;
	const [named] = cnpj ? await db.select({ id: agencies.id }).from(agencies).where(eq(agencies.cnpj, cnpj)).limit(1) : [];
	if (named) return { agencyId: named.id, creditorId: null };
	if (cnpj) console.error(JSON.stringify({ type: 'warning', where: 'psp.accounts', message: `PIX_PSP_AGENCY_CNPJ ${cnpj} não é de nenhuma agência; usando a mais antiga` }));
	const [oldest] = await db.select({ id: agencies.id }).from(agencies).orderBy(asc(agencies.createdAt), asc(agencies.id)).limit(1);
	return oldest ? { agencyId: oldest.id, creditorId: null } : null;
}

/** One account by the id a webhook URL or an installment names. */
export async function accountById(db: DbOrTx, id: string): Promise<PspAccount | null> {
	if (id === 'env') return envAccount();
	if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
	const [row] = await db.select().from(pspAccounts).where(eq(pspAccounts.id, id));
	return row ? open(row) : null;
}

/** Every account that can be opened: the sweep asks each for what it received. */
export async function allAccounts(db: DbOrTx): Promise<PspAccount[]> {
	const rows = await db.select().from(pspAccounts);
	const env = envAccount();
	return [...(env ? [env] : []), ...rows.map(open).filter((a): a is PspAccount => a !== null)];
}

export type SaveInput = {
	agencyId: string;
	creditorId: string | null;
	label: string;
	credentials: z.input<typeof credentialsSchema>;
	actor: { type: 'staff' | 'cli'; id?: string | null; ip?: string | null };
};

/** Enters (or replaces) an agency's or a creditor's account, sealed and audited (never its secrets). Bad credentials change nothing. */
export async function save(tx: DbOrTx, input: SaveInput): Promise<{ ok: true; id: string } | { ok: false; message: string }> {
	const parsed = credentialsSchema.safeParse(input.credentials);
	if (!parsed.success) return { ok: false, message: 'Dados da conta do PSP inválidos: ' + z.prettifyError(parsed.error) };
	const sealed = sealJson(SEAL_PURPOSE, parsed.data);
	const where = input.creditorId ? eq(pspAccounts.creditorId, input.creditorId) : and(eq(pspAccounts.agencyId, input.agencyId), isNull(pspAccounts.creditorId));
	const [existing] = await tx.select({ id: pspAccounts.id }).from(pspAccounts).where(where);
	let id: string;
	if (existing) {
		await tx.update(pspAccounts).set({ sealed, label: input.label, updatedAt: new Date() }).where(eq(pspAccounts.id, existing.id));
		id = existing.id;
	} else {
		const createdBy = input.actor.type === 'staff' ? (input.actor.id ?? null) : null;
		const [row] = await tx
			.insert(pspAccounts)
			.values({ agencyId: input.agencyId, creditorId: input.creditorId, sealed, label: input.label, createdBy })
			.returning({ id: pspAccounts.id });
		id = row.id;
	}
	await audit.record(tx, {
		agencyId: input.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		ip: input.actor.ip ?? null,
		action: 'psp_account.save',
		entity: 'psp_account',
		entityId: id,
		data: { label: input.label, creditorId: input.creditorId, apiUrl: parsed.data.apiUrl, clientId: parsed.data.clientId, fineBp: parsed.data.fineBp, interestMonthlyBp: parsed.data.interestMonthlyBp, pixAutomatico: parsed.data.pixAutomatico, replaced: !!existing }
	});
	return { ok: true, id };
}

/** The agency's accounts (its own and its creditors'), opened; `account` is null for one sealed under another APP_SECRET. */
export async function ofAgency(db: DbOrTx, agencyId: string): Promise<{ row: typeof pspAccounts.$inferSelect; account: PspAccount | null }[]> {
	const rows = await db.select().from(pspAccounts).where(eq(pspAccounts.agencyId, agencyId));
	return rows.map((row) => ({ row, account: open(row) }));
}

/**
 * Removes an agency's (creditorId null) or a creditor's account, audited. Charges it created are no
 * longer confirmed through it: the sweep and the webhook stop knowing its id.
 */
export async function remove(tx: DbOrTx, input: { agencyId: string; creditorId: string | null; actor: SaveInput['actor'] }): Promise<boolean> {
	const where = input.creditorId
		? and(eq(pspAccounts.agencyId, input.agencyId), eq(pspAccounts.creditorId, input.creditorId))
		: and(eq(pspAccounts.agencyId, input.agencyId), isNull(pspAccounts.creditorId));
	const [gone] = await tx.delete(pspAccounts).where(where).returning({ id: pspAccounts.id, label: pspAccounts.label });
	if (!gone) return false;
	await audit.record(tx, {
		agencyId: input.agencyId,
		actorType: input.actor.type,
		actorId: input.actor.id ?? null,
		ip: input.actor.ip ?? null,
		action: 'psp_account.remove',
		entity: 'psp_account',
		entityId: gone.id,
		data: { label: gone.label, creditorId: input.creditorId }
	});
	return true;
}

/** The URL we give the PSP; it appends `/pix` when it calls. */
export function webhookUrl(account: PspAccount, baseUrl: string): string {
	return `${baseUrl.replace(/\/$/, '')}/webhooks/pix/${account.id}/${account.credentials.webhookSecret}`;
}
