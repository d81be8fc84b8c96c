import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { orNotFound, requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as creditors from '$lib/server/tenancy/creditors';
import * as regua from '$lib/server/regua';
import { DEFAULT_REGUA } from '$lib/schemas/regua';
import { parseJson, pathIssues } from '$lib/messaging/regua-preview';

/** A 30-step régua with every template at its longest is about 250 KB of JSON. */
const MAX_TEXT = 400_000;

export const load = async ({ params }) => {
	const me = requireStaff('read');
	const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
	const current = await regua.get(db(), c.id);
	return {
		creditor: { id: c.id, displayName: c.displayName },
		regua: current?.regua ?? DEFAULT_REGUA,
		version: current?.version ?? null,
		updatedAt: current?.updatedAt.toISOString() ?? null,
		canEdit: can(me, 'manage_campaigns'),
		canOverride: can(me, 'override_template_lint')
	};
};

export const actions = {
	salvar: async ({ request, params }) => {
		const me = requireStaff('manage_campaigns');
		const c = orNotFound(await creditors.findInReach(db(), me, params.id), 'creditor');
		const form = await request.formData();
		const text = String(form.get('regua') ?? '');
		// Saving over the lint is the agency's decision (CDC art. 42), taken knowingly and audited.
		const overrideLint = form.get('ignorarLint') === 'on';
		if (overrideLint) requireStaff('override_template_lint');
		if (text.length > MAX_TEXT) return fail(400, { text: '', message: 'A régua é grande demais: no máximo 30 passos, com textos dentro dos limites de cada canal.' });
		const parsed = parseJson(text);
		if (!parsed.ok) return fail(400, { text, message: parsed.message });
		const result = await regua.set(db(), { creditorId: c.id, agencyId: c.agencyId, body: parsed.value, actor: { type: 'staff', id: me.id }, overrideLint });
		if (!result.ok) return fail(400, { text, message: result.message, issues: pathIssues(result.errors ?? {}, parsed.value), findings: result.findings ?? [] });
		return { saved: result.version, findings: result.findings };
	}
};
