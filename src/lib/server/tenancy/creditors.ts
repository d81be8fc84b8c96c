import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../db/client';
import { agencies, creditors } from '../db/schema';
import * as audit from '../audit';
import { forgetCache, publishPolicy, type Creditor } from './index';
import { DEFAULT_POLICY } from '../../schemas/policy';
import { creditorSchema, type CreditorInput, type NewCreditor } from '../../schemas/creditor';

export type CreditorErrors = Partial<Record<keyof NewCreditor | 'agencyCnpj' | 'agencyName', string[]>>;

export type CreateCreditorResult =
	| { ok: true; creditor: Creditor; agencyCreated: boolean; policyVersion: number }
	| { ok: false; errors: CreditorErrors };

export type CreateCreditorOptions = {
	/** The agency of the staff member creating it (admin UI); without it, see `createCreditor`. */
	agencyId?: string;
	actor?: { type: 'cli' | 'staff' | 'system'; id?: string | null };
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
	const parsed = creditorSchema.safeParse(input);
	if (!parsed.success) return { ok: false, errors: z.flattenError(parsed.error).fieldErrors as CreditorErrors };
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
				.values({
					agencyId: agency!,
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
					...(data.boletoBankCode ? { boletoBankCode: data.boletoBankCode } : {}),
					...(data.boletoAgency ? { boletoAgency: data.boletoAgency } : {}),
					...(data.boletoAccount ? { boletoAccount: data.boletoAccount } : {}),
					...(data.boletoWallet ? { boletoWallet: data.boletoWallet } : {})
				})
				.returning();
			const policyVersion = await publishPolicy(sp, creditor.id, DEFAULT_POLICY);
			await audit.record(sp, {
				agencyId: creditor.agencyId,
				actorType: options.actor?.type ?? 'system',
				actorId: options.actor?.id ?? null,
				action: 'creditor.create',
				entity: 'creditor',
				entityId: creditor.id,
				data: { slug: creditor.slug, cnpj: creditor.cnpj, agencyCreated: Boolean(newAgency), policyVersion }
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

const TAKEN = {
	slug: 'Este identificador (slug) já é usado por outro credor.',
	cnpj: 'Este CNPJ já está cadastrado como credor desta assessoria.',
	host: 'Este domínio já é usado por outro credor.',
	agencyCnpj: 'Esta assessoria acabou de ser cadastrada em outra operação: tente de novo.'
} as const;

async function takenFields(tx: DbOrTx, data: NewCreditor, agencyId: string | undefined): Promise<CreditorErrors | null> {
	const errors: CreditorErrors = {};
	const [slug] = await tx.select({ id: creditors.id }).from(creditors).where(eq(creditors.slug, data.slug));
	if (slug) errors.slug = [TAKEN.slug];
	if (agencyId) {
		const [cnpj] = await tx
			.select({ slug: creditors.slug })
			.from(creditors)
			.where(and(eq(creditors.agencyId, agencyId), eq(creditors.cnpj, data.cnpj)));
		if (cnpj) errors.cnpj = [`${TAKEN.cnpj} (credor "${cnpj.slug}")`];
	}
	if (data.host) {
		const [host] = await tx.select({ id: creditors.id }).from(creditors).where(eq(creditors.host, data.host));
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
