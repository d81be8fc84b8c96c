import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { asc } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { creditors } from '../../db/schema';
import * as access from '../../access';
import { findInReach } from '../../tenancy/creditors';
import { accountById, credentialsSchema, envAccount, ofAgency, remove as removeAccount, save as saveAccount, type PspAccount } from './accounts';
import { checkConnection, type PspCredentials } from './client';
import { FINE_CAP_BP, INTEREST_CAP_MONTHLY_BP } from './cobv';

/**
 * The Pix PSP accounts in the admin area: the agency's (for its creditors without one) and each
 * creditor's. Entered in a form (certificates uploaded or pasted), stored sealed by `accounts.save`,
 * audited there without secrets; a secret is never shown again and a blank one on a replacement
 * keeps the stored one. The same shape as the messaging accounts page.
 */

type Scope = Parameters<typeof access.where.creditor>[0];
type Actor = { id: string; ip?: string | null };

export type FieldSpec = { name: string; label: string; secret: boolean; pem?: boolean; checkbox?: boolean; optional?: boolean; help?: string };

export const FIELDS: FieldSpec[] = [
	{ name: 'apiUrl', label: 'Endereço da API Pix', secret: false, help: 'A base da API v2 do PSP, como https://pix.seupsp.com.br/api/v2' },
	{ name: 'oauthUrl', label: 'Endereço do token OAuth', secret: false, help: 'Onde o PSP entrega o token, como https://pix.seupsp.com.br/oauth/token' },
	{ name: 'clientId', label: 'Client ID', secret: false },
	{ name: 'clientSecret', label: 'Client secret', secret: true },
	{ name: 'cert', label: 'Certificado do cliente (PEM)', secret: false, pem: true, help: 'O certificado que o PSP emitiu para a integração: envie o arquivo .pem/.crt ou cole o texto.' },
	{ name: 'key', label: 'Chave privada do certificado (PEM)', secret: true, pem: true, help: 'Sem senha. Envie o arquivo .key/.pem ou cole o texto.' },
	{ name: 'ca', label: 'Cadeia de certificação do PSP (PEM, opcional)', secret: false, pem: true, optional: true, help: 'Só quando o PSP usa uma autoridade certificadora própria.' },
	{ name: 'webhookSecret', label: 'Segredo do webhook', secret: true, help: 'Parte secreta do endereço que o PSP chama. Deixe em branco para gerarmos um (no mínimo 16 caracteres).' },
	{ name: 'fine', label: 'Multa por atraso, em %', secret: false, optional: true, help: 'De 0 a 2 (CDC art. 52 §1º). Em branco: sem multa.' },
	{ name: 'interest', label: 'Juros de mora ao mês, em %', secret: false, optional: true, help: 'De 0 a 1. Em branco: sem juros.' },
	{ name: 'pixAutomatico', label: 'O PSP oferece Pix Automático', secret: false, checkbox: true, optional: true, help: 'A entrada do acordo vira um QR que também autoriza o débito mensal das próximas parcelas no app do banco do devedor.' },
	{ name: 'automaticoConta', label: 'Conta recebedora do Pix Automático (agência/conta)', secret: false, optional: true, help: 'Como 0001/123456-7. Obrigatória com Pix Automático.' },
	{ name: 'automaticoTipoConta', label: 'Tipo da conta recebedora', secret: false, optional: true, help: 'CORRENTE, POUPANCA ou PAGAMENTO. Em branco: CORRENTE.' }
];

export const AGENCY = 'assessoria';

/** A PEM given inline, or read from a path (accounts entered by the CLI may name files). */
function pemText(value: string): string | null {
	if (value.includes('-----BEGIN')) return value;
	try {
		return fs.readFileSync(value, 'utf8');
	} catch {
		return null;
	}
}

function certificateInfo(value: string): { subject: string; validTo: string } | null {
	const text = pemText(value);
	if (!text) return null;
	try {
		const c = new X509Certificate(text);
		return { subject: c.subject.replace(/\n/g, ', '), validTo: new Date(c.validTo).toISOString() };
	} catch {
		return null;
	}
}

const percent = (bp: number) => (bp / 100).toFixed(2).replace('.', ',');
const hostOf = (url: string) => {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
};

/** What staff may see of an account: addresses, client id, certificate subject and expiry, never a secret. */
function summary(a: PspAccount) {
	const c = a.credentials;
	return {
		apiUrl: c.apiUrl,
		oauthUrl: c.oauthUrl,
		clientId: c.clientId,
		certificate: certificateInfo(c.cert),
		hasCa: !!c.ca,
		fine: percent(c.fineBp),
		interest: percent(c.interestMonthlyBp),
		pixAutomatico: c.pixAutomatico ? `sim, conta ${c.automaticoConta} (${(c.automaticoTipoConta ?? 'CORRENTE').toLowerCase()})` : 'não'
	};
}

export type AccountView = {
	target: string;
	scope: string;
	label: string;
	updatedAt: string;
	/** null: sealed under another APP_SECRET; it must be entered again. */
	details: ReturnType<typeof summary> | null;
	values: Record<string, string>;
};

export type CreditorView = { id: string; name: string; pixKey: string; uses: 'own' | 'agency' | 'env' | 'none' };

/** The agency's and its creditors' accounts, the environment's, and which one each creditor's charges use. */
export async function list(db: DbOrTx, who: Scope & { agencyId: string }) {
	const [rows, people] = await Promise.all([
		ofAgency(db, who.agencyId),
		db.select({ id: creditors.id, name: creditors.displayName, pixKey: creditors.pixKey }).from(creditors).where(access.where.creditor(who)).orderBy(asc(creditors.displayName))
	]);
	const env = envAccount();
	const agencyRow = rows.find((r) => r.row.creditorId === null);
	const view = (r: (typeof rows)[number], scope: string): AccountView => ({
		target: r.row.creditorId ?? AGENCY,
		scope,
		label: r.row.label,
		updatedAt: r.row.updatedAt.toISOString(),
		details: r.account && summary(r.account),
		values: r.account
			? {
					apiUrl: r.account.credentials.apiUrl,
					oauthUrl: r.account.credentials.oauthUrl,
					clientId: r.account.credentials.clientId,
					fine: percent(r.account.credentials.fineBp),
					interest: percent(r.account.credentials.interestMonthlyBp),
					pixAutomatico: r.account.credentials.pixAutomatico ? 'on' : '',
					automaticoConta: r.account.credentials.automaticoConta ?? '',
					automaticoTipoConta: r.account.credentials.automaticoTipoConta ?? ''
				}
			: {}
	});
	const accounts: AccountView[] = [
		...(agencyRow ? [view(agencyRow, 'Assessoria (credores sem conta própria)')] : []),
		...people.flatMap((p) => rows.filter((r) => r.row.creditorId === p.id).map((r) => view(r, p.name)))
	];
	const list: CreditorView[] = people.map((p) => ({
		...p,
		uses: rows.some((r) => r.row.creditorId === p.id) ? 'own' : agencyRow ? 'agency' : env ? 'env' : 'none'
	}));
	return {
		accounts,
		creditors: list,
		env: env ? { label: `${hostOf(env.credentials.apiUrl)} · cliente ${env.credentials.clientId}`, ...summary(env) } : null
	};
}

/** The form's fields as text: an uploaded file wins over pasted text. */
export async function formValues(form: FormData): Promise<Record<string, string>> {
	const out: Record<string, string> = {};
	for (const f of FIELDS) {
		const file = form.get(`${f.name}Arquivo`);
		const typed = form.get(f.name);
		const fromFile = file instanceof File && file.size > 0 ? await file.text() : '';
		// A form sends a textarea's lines ending in CRLF: PEM is kept with plain newlines.
		out[f.name] = (fromFile || (typeof typed === 'string' ? typed : '')).replace(/\r\n/g, '\n').trim();
	}
	out.para = String(form.get('para') ?? '');
	return out;
}

export type SaveErrors = Record<string, string[]>;
export type SaveResult = { ok: true; label: string } | { ok: false; errors: SaveErrors };

/** "2", "2,5", "1.25" → basis points; null when not a percentage with up to two decimals. */
function toBp(text: string): number | null {
	if (text === '') return 0;
	const m = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text);
	return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

/** Whose account a form names: the agency's, or one of its creditors' (null: neither). */
async function targetOf(db: DbOrTx, who: Scope & { agencyId: string }, para: string): Promise<{ creditorId: string | null; name: string } | null> {
	if (para === AGENCY) return { creditorId: null, name: 'assessoria' };
	const c = await findInReach(db, who, para);
	return c ? { creditorId: c.id, name: c.displayName } : null;
}

function pemProblem(name: string, text: string): string | null {
	const pem = pemText(text);
	try {
		if (!pem) throw new Error();
		if (name === 'key') createPrivateKey(pem);
		else new X509Certificate(pem);
		return null;
	} catch {
		return name === 'key' ? 'não é uma chave privada PEM sem senha.' : 'não é um certificado PEM válido.';
	}
}

/**
 * Creates or replaces the agency's or a creditor's account. Blank secrets (and a blank certificate)
 * keep what is stored; a blank webhook secret is generated the first time. Bad input changes nothing.
 */
export async function save(db: Db, who: Scope & { agencyId: string }, values: Record<string, string>, actor: Actor): Promise<SaveResult> {
	const target = await targetOf(db, who, values.para);
	if (!target) return { ok: false, errors: { para: ['Escolha a assessoria ou um dos credores.'] } };
	const errors: SaveErrors = {};
	const add = (name: string, message: string) => (errors[name] ??= []).push(message);
	const label = (name: string) => FIELDS.find((f) => f.name === name)?.label ?? name;

	return db.transaction(async (tx) => {
		const stored = (await ofAgency(tx, who.agencyId)).find((r) => r.row.creditorId === target.creditorId)?.account?.credentials;
		const kept = (name: keyof PspCredentials) => (stored && typeof stored[name] === 'string' ? (stored[name] as string) : '');
		const v = (name: string) => values[name] ?? '';
		const credentials = {
			apiUrl: v('apiUrl'),
			oauthUrl: v('oauthUrl'),
			clientId: v('clientId'),
			clientSecret: v('clientSecret') || kept('clientSecret'),
			cert: v('cert') || kept('cert'),
			key: v('key') || kept('key'),
			...((v('ca') || kept('ca')) && { ca: v('ca') || kept('ca') }),
			webhookSecret: v('webhookSecret') || kept('webhookSecret') || randomBytes(24).toString('base64url'),
			fineBp: toBp(v('fine')) ?? Number.NaN,
			interestMonthlyBp: toBp(v('interest')) ?? Number.NaN,
			pixAutomatico: v('pixAutomatico') === 'on',
			...(v('automaticoConta') && { automaticoConta: v('automaticoConta') }),
			automaticoTipoConta: (v('automaticoTipoConta') || 'CORRENTE').toUpperCase().replace('Ç', 'C') as 'CORRENTE'
		};
		for (const name of ['cert', 'key', 'ca'] as const) {
			const text = credentials[name as 'cert'];
			if (text) {
				const p = pemProblem(name, text);
				if (p) add(name, `${label(name)}: ${p}`);
			}
		}
		if (!(credentials.fineBp <= FINE_CAP_BP)) add('fine', `${label('fine')}: um número de 0 a ${percent(FINE_CAP_BP)}.`);
		if (!(credentials.interestMonthlyBp <= INTEREST_CAP_MONTHLY_BP)) add('interest', `${label('interest')}: um número de 0 a ${percent(INTEREST_CAP_MONTHLY_BP)}.`);
		const parsed = credentialsSchema.safeParse(credentials);
		if (!parsed.success) {
			for (const i of parsed.error.issues) {
				const name = String(i.path[0]);
				if (errors[name] || name === 'fineBp' || name === 'interestMonthlyBp') continue;
				if (name === 'automaticoConta') add(name, `${label(name)}: ${credentials.pixAutomatico && !credentials.automaticoConta ? 'preencha para usar o Pix Automático' : 'use agência/conta, como 0001/123456-7'}.`);
				else if (name === 'automaticoTipoConta') add(name, `${label(name)}: CORRENTE, POUPANCA ou PAGAMENTO.`);
				else add(name, i.code === 'invalid_format' ? `${label(name)}: informe um endereço completo, como https://…` : name === 'webhookSecret' ? `${label(name)}: no mínimo 16 caracteres (ou deixe em branco para gerarmos um).` : `${label(name)}: preencha este campo.`);
			}
		}
		if (Object.keys(errors).length > 0) return { ok: false as const, errors };

		const accountLabel = `${hostOf(credentials.apiUrl)} · cliente ${credentials.clientId}`;
		const r = await saveAccount(tx, { agencyId: who.agencyId, creditorId: target.creditorId, label: accountLabel, credentials, actor: { type: 'staff', id: actor.id, ip: actor.ip ?? null } });
		if (!r.ok) return { ok: false as const, errors: { para: [r.message] } };
		return { ok: true as const, label: `${target.name}: ${accountLabel}` };
	});
}

/** Removes the agency's or a creditor's account. */
export async function remove(db: Db, who: Scope & { agencyId: string }, para: string, actor: Actor): Promise<boolean> {
	const target = await targetOf(db, who, para);
	if (!target) return false;
	return db.transaction((tx) => removeAccount(tx, { agencyId: who.agencyId, creditorId: target.creditorId, actor: { type: 'staff', id: actor.id, ip: actor.ip ?? null } }));
}

/** Gets an OAuth token from the account's PSP through mutual TLS: the answer, in pt-BR. */
export async function test(db: Db, who: Scope & { agencyId: string }, para: string): Promise<{ ok: boolean; message: string }> {
	const target = await targetOf(db, who, para);
	const row = target && (await ofAgency(db, who.agencyId)).find((r) => r.row.creditorId === target.creditorId);
	if (!row) return { ok: false, message: 'Não há conta do PSP cadastrada para esta escolha.' };
	const account = await accountById(db, row.row.id);
	if (!account) return { ok: false, message: 'A conta não pôde ser aberta (foi guardada com outra chave do servidor): cadastre-a de novo.' };
	const r = await checkConnection(account.credentials);
	return r.ok
		? { ok: true, message: `Conexão funcionando: o PSP (${hostOf(account.credentials.oauthUrl)}) entregou um token com o certificado da conta.` }
		: { ok: false, message: `Não foi possível conectar ao PSP: ${r.message}.` };
}
