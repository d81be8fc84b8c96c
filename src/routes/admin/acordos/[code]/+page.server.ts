import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as backoffice from '$lib/server/backoffice';
import * as psp from '$lib/server/payments/psp';
import type { ActionResult } from '$lib/server/backoffice/agreements';
import type { Tx } from '$lib/server/db/client';
import type { StaffPrincipal } from '$lib/server/staff';
import type { RequestEvent } from './$types';

export const load = async ({ params }) => {
	const me = requireStaff('read');
	const found = await backoffice.agreements.view(db(), me, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	// Reached through the staff member's access above: the agreement's Pix Automático, if any.
	return { ...found, autoDebit: await psp.automatico.view(db(), found.agreement.id), can: { act: can(me, 'act_on_agreements') } };
};

type Run<I> = (tx: Tx, who: StaffPrincipal, code: string, input: I, ctx: { ip: string }) => Promise<ActionResult>;

/** Every agreement action: its own permission check, one schema, one domain call in one transaction. */
function action<S extends z.ZodType>(name: string, schema: S, run: Run<z.infer<S>>) {
	return async ({ locals, params, request, url, getClientAddress }: RequestEvent) => {
		const me = requireStaff('act_on_agreements');
		const values = Object.fromEntries([...(await request.formData())].map(([k, v]) => [k, String(v)]));
		const parcela = values.parcela ?? null;
		const parsed = schema.safeParse(values);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			return fail(400, { action: name, parcela, field: String(issue.path[0] ?? ''), message: issue.message, values });
		}
		const result = await db().transaction((tx) => run(tx, me, params.code, parsed.data, { ip: getClientAddress() }));
		// The agreement itself out of reach (or gone): 404, as for any page; a missing installment is a form error.
		if (!result.ok && result.status === 404 && !result.field) error(404, result.message);
		if (!result.ok) return fail(result.status, { action: name, parcela, field: result.field ?? '', message: result.message, values });
		return { action: name, parcela, ok: true, message: result.message };
	};
}

export const actions = {
	cancelar: action('cancelar', backoffice.agreements.cancelSchema, backoffice.agreements.cancel),
	vencimento: action('vencimento', backoffice.agreements.dueDateSchema, backoffice.agreements.changeDueDate),
	pagamento: action('pagamento', backoffice.agreements.manualPaymentSchema, backoffice.agreements.recordManualPayment),
	devolver: action('devolver', backoffice.agreements.refundSchema, backoffice.agreements.refund)
};
