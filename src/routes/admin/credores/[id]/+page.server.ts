import { error, fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { orNotFound, requireAccess, requireStaff } from '$lib/server/guards';
import * as staffAuth from '$lib/server/staff';
import * as creditors from '$lib/server/tenancy/creditors';
import * as tenancy from '$lib/server/tenancy';
import * as agreements from '$lib/server/agreements';
import { formatDocument } from '$lib/format/document';

export const load = async ({ locals, url, params }) => {
	const me = requireStaff('read');
	const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
	const values: Record<string, string> = Object.fromEntries(creditors.FORM_FIELDS.map((f) => [f, c[f] === null ? '' : String(c[f])]));
	values.cnpj = formatDocument(c.cnpj);
	const canEdit = staffAuth.can(me, 'manage_creditor');
	return {
		creditor: { id: c.id, slug: c.slug, host: c.host, displayName: c.displayName },
		values,
		// Its address, as the portal shows it: a PNG, whatever an older version stored.
		logo: tenancy.logoUrl(c),
		canEdit,
		needsTotp: Boolean(locals.staff?.hasTotp),
		// Installments issued before the payment settings last changed (they keep the old destination).
		outdated: canEdit ? await agreements.reissue.outdatedCount(db(), me, c.id) : null,
		created: url.searchParams.has('criado')
	};
};

/** Password (and TOTP code) typed to confirm a change of where the money goes; null when none was typed. */
async function identity(form: FormData, me: staffAuth.StaffPrincipal) {
	const password = String(form.get('senhaAtual') ?? '');
	if (!password) return undefined;
	return staffAuth.confirmIdentity(db(), me, { password, totp: String(form.get('codigoTotp') ?? '') });
}

export const actions = {
	salvar: async ({ request, params, getClientAddress }) => {
		const me = await requireAccess('manage_creditor', 'creditor', params.id);
		const form = await request.formData();
		const input = await creditors.inputFromForm(form);
		const confirmed = await identity(form, me);
		const result = await db().transaction((tx) =>
			creditors.updateCreditor(tx, params.id, input, { scope: me, actor: { type: 'staff', id: me.id }, ip: getClientAddress(), identity: confirmed })
		);
		if (!result.ok) {
			if (result.notFound) error(404, 'Credor não encontrado.');
			return fail(400, { errors: result.errors, values: creditors.echoForm(input, result.errors) });
		}
		return { saved: true, changed: result.changed.length };
	},

	/** Re-issues the pending installments still pointing at older payment settings (asks for the password). */
	reemitir: async ({ request, params, getClientAddress }) => {
		const me = await requireAccess('manage_creditor', 'creditor', params.id);
		const confirmed = (await identity(await request.formData(), me)) ?? { ok: false as const, field: 'senhaAtual' as const, message: 'Para reemitir, confirme com a sua senha.' };
		if (!confirmed.ok) return fail(400, { action: 'reemitir', field: confirmed.field, message: confirmed.message });
		const result = await db().transaction((tx) => agreements.reissue.reissue(tx, me, params.id, { ip: getClientAddress() }));
		if (!result.ok) error(404, result.message);
		return {
			action: 'reemitir',
			ok: true,
			message:
				result.installments === 0
					? 'Nenhuma parcela precisava ser reemitida.'
					: `${result.installments} ${result.installments === 1 ? 'parcela reemitida' : 'parcelas reemitidas'} com os novos dados de pagamento, em ${result.agreements} ${result.agreements === 1 ? 'acordo' : 'acordos'}. Os Pix e boletos anteriores foram cancelados e os devedores foram avisados.`
		};
	}
};
