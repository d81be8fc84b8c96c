import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { orNotFound, requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as creditors from '$lib/server/tenancy/creditors';
import * as policies from '$lib/server/tenancy/policies';
import { checkDraft, draftFromForm, draftFromPolicy } from '$lib/components/admin/policy-form';
import { DEFAULT_POLICY } from '$lib/schemas/policy';
import { parseAmountToCents } from '$lib/format/money';
import { isIsoDate, todayInSaoPaulo } from '$lib/format/dates';

export const load = async ({ url, params }) => {
	const me = requireStaff('read');
	const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
	const history = await policies.history(db(), c.id);
	const current = history[0]?.version ?? null;
	const version = async (param: string) => {
		const raw = url.searchParams.get(param);
		if (raw === null) return null;
		return (await policies.byVersion(db(), c.id, Number(raw))) ?? error(404, 'Versão da política não encontrada.');
	};
	const viewing = await version('versao');
	const base = (await version('base')) ?? (current ? await policies.byVersion(db(), c.id, current) : null);
	return {
		creditor: { id: c.id, displayName: c.displayName, slug: c.slug },
		history: history.map((h) => ({ version: h.version, at: h.createdAt.toISOString(), author: h.author })),
		current,
		viewing: viewing && { version: viewing.version, draft: draftFromPolicy(viewing.policy) },
		baseFrom: base?.version ?? null,
		draft: draftFromPolicy(base?.policy ?? DEFAULT_POLICY),
		canPublish: can(me, 'publish_policy'),
		published: Number(url.searchParams.get('publicada')) || null,
		today: todayInSaoPaulo()
	};
};

export const actions = {
	publicar: async ({ request, params, getClientAddress }) => {
		const me = requireStaff('publish_policy');
		const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
		const form = await request.formData();
		const draft = draftFromForm(form);
		const check = checkDraft(draft);
		if (!check.ok) return fail(400, { draft, errors: check.errors, formErrors: check.formErrors });
		const basedOn = Number(form.get('baseVersion')) || undefined;
		const result = await db().transaction((tx) =>
			policies.publish(tx, { creditorId: c.id, policy: check.policy, basedOn, scope: me, actor: { type: 'staff', id: me.id }, ip: getClientAddress() })
		);
		if (!result.ok) {
			if (result.reason === 'not_found') error(404, 'Credor não encontrado.');
			if (result.reason === 'conflict') {
				return fail(409, {
					draft,
					current: result.current,
					message: `Outra pessoa publicou a versão ${result.current} enquanto você editava. Confira essa versão no histórico; se ainda quiser publicar a sua, clique de novo em publicar.`
				});
			}
			return fail(400, { draft, formErrors: result.issues.map((i) => i.message) });
		}
		redirect(303, `/admin/credores/${c.id}/politica?publicada=${result.version}`);
	},

	/** The simulator: the offers for one debt under the draft as posted, by the portal's engine. */
	simular: async ({ request, params }) => {
		const me = requireStaff('read');
		const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
		const form = await request.formData();
		const check = checkDraft(draftFromForm(form));
		if (!check.ok) return fail(400, { message: 'Corrija os campos marcados na política para ver a simulação.' });
		const debtId = form.get('sim.divida');
		let debt: policies.SimulationDebt;
		if (typeof debtId === 'string' && debtId) debt = { debtId };
		else {
			const principalCents = parseAmountToCents(String(form.get('sim.valor') ?? ''));
			const dueDate = String(form.get('sim.vencimento') ?? '');
			if (principalCents === null || principalCents <= 0) return fail(400, { message: 'Informe o valor original da dívida, por exemplo 1.000,00.' });
			if (!isIsoDate(dueDate)) return fail(400, { message: 'Informe o vencimento original da dívida.' });
			debt = { principalCents, dueDate };
		}
		const result = await policies.simulate(db(), { creditorId: c.id, policy: check.policy, debt, today: todayInSaoPaulo() });
		if (!result.ok) return fail(400, { message: result.message });
		return { sim: { set: result.set, debt: result.debt } };
	}
};
