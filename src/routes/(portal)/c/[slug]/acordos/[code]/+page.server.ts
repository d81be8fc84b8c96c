import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import * as agreements from '$lib/server/agreements';
import { payableView, paymentView } from '$lib/server/payments/view';
import * as receipts from '$lib/server/payments/receipts';
import * as psp from '$lib/server/payments/psp';
import { requireDebtor } from '$lib/server/guards';
import { isOpenInstallment } from '$lib/agreements/status';
import { todayInSaoPaulo } from '$lib/format/dates';

const payoffSchema = z.object({ valor: z.coerce.number({ error: 'Valor inválido.' }).int('Valor inválido.').positive('Valor inválido.') });

export const load = async ({ locals, params, url }) => {
	const { debtor } = requireDebtor(locals);
	const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
	if (!found) error(404, 'Acordo não encontrado.');
	const next = found.installments.find((i) => isOpenInstallment(i.status));
	// CDC art. 52 §2: the whole balance today, with the interest of the remaining installments reduced.
	const preview = found.agreement.status === 'active' ? await agreements.lifecycle.previewPayoff(db(), found.agreement.id, todayInSaoPaulo()) : null;
	const payments = await Promise.all(found.installments.map((i) => (i === next ? payableView(db(), i, true) : paymentView(i, false))));
	// One comprovante per payment received, listed under its installment's number.
	const received = (await receipts.paymentsOf(db(), found.agreement.id)).map((p) => ({ id: p.id, seq: p.seq, amountCents: p.amountCents }));
	return {
		agreement: {
			code: found.agreement.code,
			status: found.agreement.status,
			kind: found.agreement.kind,
			totalCents: found.agreement.totalCents,
			updatedTotalCents: found.agreement.updatedTotalCents,
			discountCents: found.agreement.discountCents,
			interestCents: found.agreement.interestCents,
			createdAt: found.agreement.createdAt.toISOString(),
			breakToleranceDays: found.agreement.breakToleranceDays
		},
		offerCreditor: { displayName: found.creditor.displayName, legalName: found.creditor.legalName, cnpj: found.creditor.cnpj },
		debts: found.debts.map((d) => ({ description: d.debt.description, externalId: d.debt.externalId })),
		payments,
		received,
		autoDebit: await psp.automatico.view(db(), found.agreement.id),
		nextSeq: next?.seq ?? null,
		payoff: preview?.ok && !preview.existing && found.installments.filter((i) => isOpenInstallment(i.status)).length > 0 ? preview.quote : null,
		justCreated: url.searchParams.has('novo'),
		payoffCreated: url.searchParams.has('quitacao'),
		alreadyExisted: url.searchParams.has('existente')
	};
};

export const actions = {
	/** Early payoff: the amount shown must still be the amount (recomputed on the server); asking twice makes one payoff. */
	quitar: async ({ locals, params, request, getClientAddress }) => {
		const { debtor } = requireDebtor(locals);
		const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
		if (!found) error(404, 'Acordo não encontrado.');
		const parsed = payoffSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { payoffMessage: parsed.error.issues[0].message });
		const r = await db().transaction((tx) =>
			agreements.lifecycle.payoff(tx, found.agreement.id, { today: todayInSaoPaulo(), actor: { type: 'debtor', id: debtor.id }, ip: getClientAddress(), expectedCents: parsed.data.valor })
		);
		if (!r.ok) return fail(409, { payoffMessage: r.message });
		redirect(303, `/c/${params.slug}/acordos/${found.agreement.code}?quitacao`);
	},
	/** Pix Automático: the debtor stops the automatic debits (asked to confirm first); the installments stay payable by Pix and boleto. */
	cancelarDebito: async ({ locals, params, request, getClientAddress }) => {
		const { debtor } = requireDebtor(locals);
		const found = await agreements.byCode(db(), debtor.agencyId, debtor.id, params.code);
		if (!found) error(404, 'Acordo não encontrado.');
		const confirmed = (await request.formData()).get('confirmar') === 'sim';
		if (!confirmed) return { autoDebitConfirm: true };
		const r = await psp.automatico.cancelByDebtor(db(), found.agreement.id, { debtorId: debtor.id, agencyId: debtor.agencyId, ip: getClientAddress() }, todayInSaoPaulo());
		if (!r.ok) return fail(409, { autoDebitMessage: r.message });
		return { autoDebitCancelled: true };
	}
};
