import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireCreditor } from '$lib/server/guards';
import * as rateLimit from '$lib/server/auth/rate-limit';
import * as receipts from '$lib/server/payments/receipts';
import { formatBRL } from '$lib/format/money';
import { formatDateBR, formatDateTimeBR, todayInSaoPaulo } from '$lib/format/dates';

export const load = async ({ locals }) => {
	requireCreditor(locals);
	return {};
};

const schema = z.object({
	acordo: z.string().trim().min(3, { error: 'Informe o código do acordo, como está no documento (por exemplo, AC-7K3M-9QXF).' }).max(40, { error: 'Código do acordo longo demais.' }),
	codigo: z
		.string()
		.trim()
		.refine((v) => receipts.normalizeVerificationCode(v) !== null, { error: 'O código de verificação tem 16 letras e números, em 4 grupos (por exemplo, 1A2B-3C4D-5E6F-7A8B).' })
});

export const actions = {
	default: async ({ request, locals, getClientAddress }) => {
		const creditor = requireCreditor(locals);
		const raw = Object.fromEntries(await request.formData());
		const typed = { acordo: String(raw.acordo ?? '').slice(0, 40), codigo: String(raw.codigo ?? '').slice(0, 40) };
		const parsed = schema.safeParse(typed);
		if (!parsed.success) return fail(400, { ...typed, message: parsed.error.issues[0].message });
		if (!(await rateLimit.hit(db(), `verificar:${rateLimit.clientKey(getClientAddress())}`, 30, 3600))) {
			return fail(429, { ...typed, message: 'Muitas consultas seguidas. Tente de novo em uma hora.' });
		}
		const v = await receipts.verify(db(), creditor.id, parsed.data.acordo, parsed.data.codigo);
		if (!v) return { ...typed, genuine: false as const };
		const facts =
			v.kind === 'receipt'
				? [
						['Documento', 'Comprovante de pagamento'],
						['Acordo', v.agreementCode],
						['Pagamento', v.label],
						['Valor pago', formatBRL(v.amountCents)],
						['Pago em', v.dateOnly ? formatDateBR(todayInSaoPaulo(v.paidAt)) : formatDateTimeBR(v.paidAt)],
						['Devedor', `${v.debtorName} (${v.debtorDocument})`]
					]
				: [
						['Documento', 'Termo de quitação'],
						['Acordo', v.agreementCode],
						['Quitado em', formatDateBR(todayInSaoPaulo(v.settledAt))],
						['Total pago', formatBRL(v.totalPaidCents)],
						['Devedor', `${v.debtorName} (${v.debtorDocument})`]
					];
		return { ...typed, genuine: true as const, creditorName: v.creditor, facts };
	}
};
