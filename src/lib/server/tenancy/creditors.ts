import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DbOrTx } from '../db/client';
import { agencies, creditors, policies } from '../db/schema';
import * as audit from '../audit';
import * as access from '../access';
import { forgetCache, publishPolicy, type Creditor } from './index';
import { DESTINATION_FIELDS } from '../payments/instruments';
import { DEFAULT_POLICY } from '../../schemas/policy';
import { creditorSchema, logoDataUrl, logoProblem, type CreditorInput, type NewCreditor } from '../../schemas/creditor';
import * as logos from '../brand/logo';

export type CreditorErrors = Partial<Record<keyof NewCreditor | 'agencyCnpj' | 'agencyName' | 'senhaAtual' | 'codigoTotp', string[]>>;

export type CreateCreditorResult =
	| { ok: true; creditor: Creditor; agencyCreated: boolean; policyVersion: number }
	| { ok: false; errors: CreditorErrors };

export type Actor = { type: 'cli' | 'staff' | 'system'; id?: string | null };

export type CreateCreditorOptions = {
	/** The agency of the staff member creating it (admin UI); without it, see `createCreditor`. */
	agencyId?: string;
	actor?: Actor;
	ip?: string | null;
};

/**
 * Registers a creditor with policy version 1 (DEFAULT_POLICY, no discounts until the creditor
 * decides) and an audit record. The agency is `options.agencyId`, else the one whose CNPJ is
 * `agencyCnpj` (created, named `agencyName`, when new), else the only agency there is.
 * Expected problems (invalid field, slug or CNPJ taken) come back as field errors, with
 * nothing written: the writes happen in a savepoint.
 */
export async function createCreditor(
	tx: DbOrTx,
	input: CreditorInput | Record<string, unknown>,
	options: CreateCreditorOptions = {}
): Promise<CreateCreditorResult> {
	const parsed = await parseCreditor(input);
	if (!parsed.ok) return parsed;
	const data = parsed.data;

	let agencyId = options.agencyId;
	let newAgency: { cnpj: string; name: string } | undefined;
	if (!agencyId && data.agencyCnpj) {
		const [found] = await tx.select({ id: agencies.id }).from(agencies).where(eq(agencies.cnpj, data.agencyCnpj));
		if (found) agencyId = found.id;
		else if (!data.agencyName) {
			return { ok: false, errors: { agencyName: ['Assessoria nova: informe também o nome dela.'] } };
		} else newAgency = { cnpj: data.agencyCnpj, name: data.agencyName };
	} else if (!agencyId) {
		const found = await tx.select({ id: agencies.id }).from(agencies).limit(2);
		if (found.length === 0) {
			return { ok: false, errors: { agencyCnpj: ['Nenhuma assessoria cadastrada: informe o CNPJ e o nome da assessoria.'] } };
		}
		if (found.length > 1) {
			return { ok: false, errors: { agencyCnpj: ['Há mais de uma assessoria cadastrada: informe o CNPJ da assessoria do credor.'] } };
		}
		agencyId = found[0].id;
	}

	const taken = await takenFields(tx, data, agencyId);
	if (taken) return { ok: false, errors: taken };

	try {
		return await tx.transaction(async (sp) => {
			let agency = agencyId;
			if (newAgency) {
				const [created] = await sp.insert(agencies).values(newAgency).returning({ id: agencies.id });
				agency = created.id;
			}
			const [creditor] = await sp
				.insert(creditors)
				.values({ agencyId: agency!, ...columnsOf(data), logo: data.logo ?? null })
				.returning();
			const policyVersion = await publishPolicy(sp, creditor.id, DEFAULT_POLICY);
			await audit.record(sp, {
				agencyId: creditor.agencyId,
				actorType: options.actor?.type ?? 'system',
				actorId: options.actor?.id ?? null,
				action: 'creditor.create',
				entity: 'creditor',
				entityId: creditor.id,
				ip: options.ip ?? null,
				data: { before: null, after: auditView(creditor, EDITABLE), agencyCreated: Boolean(newAgency), policyVersion }
			});
			forgetCache();
			return { ok: true as const, creditor, agencyCreated: Boolean(newAgency), policyVersion };
		});
	} catch (e) {
		// Another request registered the same slug, CNPJ or domain between our check and the insert.
		const field = uniqueViolationField(e);
		if (field) return { ok: false, errors: { [field]: [TAKEN[field]] } };
		throw e;
	}
}

/**
 * The input checked by the schema, with the logo as it will be stored: the PNG drawn from the
 * upload (brand/logo.ts), never the upload itself.
 */
async function parseCreditor(input: unknown): Promise<{ ok: true; data: NewCreditor } | { ok: false; errors: CreditorErrors }> {
	const parsed = creditorSchema.safeParse(input);
	if (!parsed.success) return { ok: false, errors: z.flattenError(parsed.error).fieldErrors as CreditorErrors };
	const data = parsed.data;
	if (typeof data.logo !== 'string') return { ok: true, data };
	const logo = await logos.toStoredLogo(data.logo);
	if (!logo.ok) return { ok: false, errors: { logo: [logo.message] } };
	return { ok: true, data: { ...data, logo: logo.dataUrl } };
}

const TAKEN = {
	slug: 'Este identificador (slug) já é usado por outro credor.',
	cnpj: 'Este CNPJ já está cadastrado como credor desta assessoria.',
	host: 'Este domínio já é usado por outro credor.',
	agencyCnpj: 'Esta assessoria acabou de ser cadastrada em outra operação: tente de novo.'
} as const;

/** Slug, CNPJ (per agency) and host name already used by another creditor (`exceptId`: the one being edited). */
async function takenFields(tx: DbOrTx, data: NewCreditor, agencyId: string | undefined, exceptId?: string): Promise<CreditorErrors | null> {
	const errors: CreditorErrors = {};
	const other = exceptId ? ne(creditors.id, exceptId) : undefined;
	const [slug] = await tx.select({ id: creditors.id }).from(creditors).where(and(eq(creditors.slug, data.slug), other));
	if (slug) errors.slug = [TAKEN.slug];
	if (agencyId) {
		const [cnpj] = await tx
			.select({ slug: creditors.slug })
			.from(creditors)
			.where(and(eq(creditors.agencyId, agencyId), eq(creditors.cnpj, data.cnpj), other));
		if (cnpj) errors.cnpj = [`${TAKEN.cnpj} (credor "${cnpj.slug}")`];
	}
	if (data.host) {
		const [host] = await tx.select({ id: creditors.id }).from(creditors).where(and(eq(creditors.host, data.host), other));
		if (host) errors.host = [TAKEN.host];
	}
	return Object.keys(errors).length > 0 ? errors : null;
}

function uniqueViolationField(e: unknown): keyof typeof TAKEN | null {
	for (let err = e as { code?: string; constraint_name?: string; cause?: unknown } | undefined; err; err = err.cause as typeof err) {
		if (err.code === '23505') {
			const c = err.constraint_name ?? '';
			if (c.startsWith('agencies')) return 'agencyCnpj';
			if (c.includes('slug')) return 'slug';
			if (c.includes('host')) return 'host';
			if (c.includes('cnpj')) return 'cnpj';
			return null;
		}
	}
	return null;
}

/**
 * The creditor's columns from a validated form or CLI input. Blank optional fields fall back to the
 * column defaults (boleto settings, retention); the logo is included only when given, so an edit
 * without a file keeps the stored one (a new creditor without one gets `null`).
 */
function columnsOf(data: z.infer<typeof creditorSchema>) {
	return {
		legalName: data.legalName,
		cnpj: data.cnpj,
		address: data.address,
		displayName: data.displayName,
		primaryColor: data.primaryColor,
		slug: data.slug,
		host: data.host ?? null,
		pixKey: data.pixKey,
		pixMerchantName: data.pixMerchantName,
		pixMerchantCity: data.pixMerchantCity,
		smsSender: data.smsSender ?? null,
		whatsappPhoneNumberId: data.whatsappPhoneNumberId ?? null,
		emailSenderName: data.emailSenderName ?? null,
		...(data.logo !== undefined ? { logo: data.logo } : {}),
		...(data.boletoBankCode ? { boletoBankCode: data.boletoBankCode } : {}),
		...(data.boletoAgency ? { boletoAgency: data.boletoAgency } : {}),
		...(data.boletoAccount ? { boletoAccount: data.boletoAccount } : {}),
		...(data.boletoWallet ? { boletoWallet: data.boletoWallet } : {}),
		...(data.retentionDays !== undefined ? { retentionDays: data.retentionDays } : {})
	} satisfies Partial<Pick<Creditor, EditableField | 'smsSender' | 'whatsappPhoneNumberId' | 'emailSenderName' | 'retentionDays'>>;
}

/** The columns a person edits in the admin form (and that the audit log compares). */
export const EDITABLE = [
	'legalName',
	'cnpj',
	'address',
	'displayName',
	'logo',
	'primaryColor',
	'slug',
	'host',
	// Where installments are paid: frozen into each installment at issue.
	...DESTINATION_FIELDS,
	'smsSender',
	'whatsappPhoneNumberId',
	'emailSenderName',
	'retentionDays'
] as const satisfies readonly (keyof Creditor)[];
export type EditableField = (typeof EDITABLE)[number];

/** A logo in the audit log: its type, size and a short hash, not 200 KB of base64 per entry. */
function logoSummary(logo: string | null): string | null {
	if (!logo) return null;
	const m = /^data:([^;,]+);base64,(.*)$/.exec(logo);
	if (!m) return `texto, ${logo.length} caracteres`;
	const bytes = Buffer.from(m[2], 'base64');
	return `${m[1]}, ${Math.ceil(bytes.length / 1024)} KB, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

function auditView(c: Creditor, fields: readonly EditableField[]): Record<string, unknown> {
	return Object.fromEntries(fields.map((f) => [f, f === 'logo' ? logoSummary(c.logo) : c[f]]));
}

type Scope = access.Reach;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The creditors this person reaches, for pickers and lists (id, names, brand colour). */
export function creditorsInReach(db: DbOrTx, who: Scope) {
	return db
		.select({ id: creditors.id, slug: creditors.slug, displayName: creditors.displayName, legalName: creditors.legalName, cnpj: creditors.cnpj, primaryColor: creditors.primaryColor })
		.from(creditors)
		.where(access.where.creditor(who))
		.orderBy(asc(creditors.displayName));
}

/** One creditor, only if this person reaches it (same agency; their creditor when scoped). */
export async function findInReach(db: DbOrTx, who: Scope, id: string): Promise<Creditor | null> {
	if (!UUID.test(id)) return null;
	const [row] = await db.select().from(creditors).where(and(eq(creditors.id, id), access.where.creditor(who)));
	return row ?? null;
}

/** The creditors this person reaches, with the policy version in force. */
export function listInReach(db: DbOrTx, who: Scope) {
	return db
		.select({
			id: creditors.id,
			slug: creditors.slug,
			host: creditors.host,
			displayName: creditors.displayName,
			legalName: creditors.legalName,
			cnpj: creditors.cnpj,
			primaryColor: creditors.primaryColor,
			// Qualified by hand: drizzle leaves columns unqualified in a one-table select.
			policyVersion: sql<number | null>`(select max(p.version) from ${policies} p where p.creditor_id = ${creditors}.id)`
		})
		.from(creditors)
		.where(access.where.creditor(who))
		.orderBy(asc(creditors.displayName));
}

/** Where the money goes: changing any of these asks the person to confirm who they are. */
export const PAYMENT_FIELDS = DESTINATION_FIELDS;

export type UpdateCreditorResult =
	| { ok: true; creditor: Creditor; changed: EditableField[] }
	| { ok: false; notFound: true }
	| { ok: false; notFound?: undefined; errors: CreditorErrors };

/**
 * Edits a creditor's legal data, brand, payment and messaging settings, validated by the same
 * schema as `createCreditor`. Only a creditor in `scope` can be changed (a creditor manager,
 * only theirs): any other is "not found", revealing nothing. The change and its audit record
 * (only the fields that changed, before and after) commit together; nothing is written when
 * nothing changed. Absent optional fields: logo and boleto settings are kept, retention kept,
 * host and sender names cleared.
 */
export async function updateCreditor(
	tx: DbOrTx,
	id: string,
	input: CreditorInput | Record<string, unknown>,
	options: {
		scope: Scope;
		actor: Actor;
		ip?: string | null;
		/**
		 * Whether the person confirmed who they are (password, TOTP): required to change where the
		 * money goes. Otherwise the reason, shown on that field.
		 */
		identity?: { ok: true } | { ok: false; field: 'senhaAtual' | 'codigoTotp'; message: string };
	}
): Promise<UpdateCreditorResult> {
	if (!UUID.test(id)) return { ok: false, notFound: true };
	const [before] = await tx
		.select()
		.from(creditors)
		.where(and(eq(creditors.id, id), access.where.creditor(options.scope)))
		.for('update');
	if (!before) return { ok: false, notFound: true };

	// The agency of a creditor is not edited here.
	const { agencyCnpj: _c, agencyName: _n, ...fields } = input as Record<string, unknown>;
	const parsed = await parseCreditor(fields);
	if (!parsed.ok) return parsed;
	const data = parsed.data;
	const taken = await takenFields(tx, data, before.agencyId, before.id);
	if (taken) return { ok: false, errors: taken };

	const next = columnsOf(data);
	const changed = EDITABLE.filter((f) => f in next && next[f] !== before[f]);
	if (changed.length === 0) return { ok: true, creditor: before, changed };
	// A changed Pix key or bank account re-routes the money of every new installment: only the
	// person, proven again, may do it (existing installments keep theirs: see payments/instruments).
	const payment = changed.filter((f) => (PAYMENT_FIELDS as readonly string[]).includes(f));
	if (payment.length > 0 && options.actor.type === 'staff' && !options.identity?.ok) {
		const refusal = options.identity && !options.identity.ok ? options.identity : { field: 'senhaAtual' as const, message: 'Para mudar os dados de pagamento, confirme com a sua senha.' };
		return { ok: false, errors: { [refusal.field]: [refusal.message] } as CreditorErrors };
	}

	try {
		return await tx.transaction(async (sp) => {
			const [after] = await sp
				.update(creditors)
				.set({ ...Object.fromEntries(changed.map((f) => [f, next[f]])), updatedAt: new Date() })
				.where(eq(creditors.id, before.id))
				.returning();
			await audit.record(sp, {
				agencyId: before.agencyId,
				actorType: options.actor.type,
				actorId: options.actor.id ?? null,
				action: 'creditor.update',
				entity: 'creditor',
				entityId: before.id,
				ip: options.ip ?? null,
				data: { before: auditView(before, changed), after: auditView(after, changed), ...(payment.length > 0 && { identityConfirmed: true }) }
			});
			forgetCache();
			return { ok: true as const, creditor: after, changed };
		});
	} catch (e) {
		const field = uniqueViolationField(e);
		if (field && field !== 'agencyCnpj') return { ok: false, errors: { [field]: [TAKEN[field]] } };
		throw e;
	}
}

/** The text fields of the admin creditor form, named as the schema's fields: all but the logo (a file). */
export const FORM_FIELDS = EDITABLE.filter((f): f is Exclude<EditableField, 'logo'> => f !== 'logo');

/**
 * The admin form as the schema's input: its text fields, and the logo as a data: URL typed by
 * its magic bytes (`logo` file), `null` when "remove" is ticked, or the already uploaded one
 * carried over a failed attempt (`logoAtual`). The schema checks the logo whichever way it came.
 */
export async function inputFromForm(form: FormData): Promise<Record<string, unknown>> {
	const input: Record<string, unknown> = {};
	for (const f of FORM_FIELDS) {
		const v = form.get(f);
		if (typeof v === 'string') input[f] = v;
	}
	const file = form.get('logo');
	const carried = form.get('logoAtual');
	if (file instanceof File && file.size > 0) input.logo = logoDataUrl(new Uint8Array(await file.arrayBuffer()));
	else if (form.get('removerLogo')) input.logo = null;
	else if (typeof carried === 'string' && carried) input.logo = carried;
	return input;
}

/** What a failed form may show again: the text typed, and the logo only when it was acceptable. */
export function echoForm(input: Record<string, unknown>, errors: CreditorErrors = {}): Record<string, string> {
	const out: Record<string, string> = {};
	for (const f of FORM_FIELDS) if (typeof input[f] === 'string') out[f] = input[f] as string;
	if (typeof input.logo === 'string' && !logoProblem(input.logo) && !errors.logo) out.logo = input.logo;
	return out;
}
