import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import * as offers from '$lib/server/offers';
import * as agreements from '$lib/server/agreements';
import { findOffer } from '$lib/server/offers/engine';
import { withCet } from '$lib/offers/engine';
import { requireDebtor } from '$lib/server/guards';
import { parseDateInput, todayInSaoPaulo } from '$lib/format/dates';

const choiceSchema = z.object({
	d: z.array(z.string().uuid()).min(1, 'Selecione ao menos uma dívida.').max(50),
	tipo: z.enum(['cash', 'installments'], { message: 'Escolha à vista ou parcelado.' }),
	parcelas: z.coerce.number().int().min(1).max(60).default(1),
	vencimento: z.string().transform((s, ctx) => {
		const d = parseDateInput(s);
		if (!d) ctx.addIssue({ code: 'custom', message: 'Data do primeiro pagamento inválida.' });
		return d ?? '';
	})
});

function readChoice(params: URLSearchParams | FormData) {
	return choiceSchema.safeParse({
		d: params.getAll('d'),
		tipo: params.get('tipo'),
		parcelas: params.get('tipo') === 'cash' ? 1 : (params.get('parcelas') ?? undefined),
		vencimento: params.get('vencimento') ?? ''
	});
}

const CENTS = /^\d{1,13}$/;

function readExpected(form: FormData): { totalCents: number; installments: number[] } | null {
	const total = form.get('total');
	const values = form.get('valores');
	if (typeof total !== 'string' || typeof values !== 'string' || !CENTS.test(total)) return null;
	const installments = values.split(',');
	if (installments.length > 60 || !installments.every((v) => CENTS.test(v))) return null;
	return { totalCents: Number(total), installments: installments.map(Number) };
}

export const load = async ({ locals, url }) => {
	const { debtor } = requireDebtor(locals);
	const choice = readChoice(url.searchParams);
	if (!choice.success) return { ok: false as const, message: choice.error.issues[0].message };
	const c = choice.data;
	const sel = await offers.forSelection(db(), {
		agencyId: debtor.agencyId,
		debtorId: debtor.id,
		debtIds: c.d,
		today: todayInSaoPaulo(),
		firstDueDate: c.vencimento,
		plans: 'no-cet'
	});
	if (!sel.ok) return { ok: false as const, message: sel.message };
	const found = sel.dateRefused ? null : findOffer(sel.set, c.tipo, c.parcelas);
	if (!found) return { ok: false as const, message: 'Esta condição não está disponível. Volte às ofertas e escolha outra.' };
	// Only the offer under review goes to the page (with its CET), not the whole set.
	return {
		ok: true as const,
		choice: c,
		offer: withCet(found, sel.set.today),
		updatedTotalCents: sel.set.updatedTotalCents,
		breakdown: sel.set.breakdown.map((b) => ({ id: b.id, principalCents: b.principalCents, totalCents: b.totalCents })),
		breakToleranceDays: sel.breakToleranceDays,
		debts: sel.descriptions,
		offerCreditor: { displayName: sel.creditor.displayName, legalName: sel.creditor.legalName, cnpj: sel.creditor.cnpj, address: sel.creditor.address },
		debtorName: debtor.name,
		debtorDocument: debtor.document
	};
};

export const actions = {
	default: async ({ request, locals, getClientAddress }) => {
		const { debtor, creditor: portal } = requireDebtor(locals);
		const form = await request.formData();
		const choice = readChoice(form);
		if (!choice.success) return fail(400, { message: choice.error.issues[0].message });
		if (form.get('aceite') !== 'sim') return fail(400, { message: 'Para continuar, marque que leu e concorda com os termos.' });
		// What the debtor saw: the server recomputes the offer and refuses any difference, so both
		// must be there and be whole cents (no value seen, no agreement).
		const expected = readExpected(form);
		if (!expected) return fail(400, { message: 'Não conseguimos confirmar os valores que você viu. Volte às ofertas e escolha a condição de novo.' });
		const c = choice.data;
		const result = await db().transaction((tx) =>
			agreements.accept(tx, {
				debtor,
				debtIds: c.d,
				kind: c.tipo,
				count: c.parcelas,
				firstDueDate: c.vencimento,
				expected,
				ip: getClientAddress(),
				today: todayInSaoPaulo()
			})
		);
		if (result.ok) redirect(303, `/c/${portal.slug}/acordos/${result.agreement.code}?novo=1`);
		if (result.reason === 'exists' && result.code) redirect(303, `/c/${portal.slug}/acordos/${result.code}?existente=1`);
		return fail(409, { message: result.message });
	}
};
