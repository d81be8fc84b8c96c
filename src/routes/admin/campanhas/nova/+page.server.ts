import { requireStaff } from '$lib/server/guards';
import { emptyValues } from '$lib/components/admin/campaign-form';
import { editorData, saveFromForm } from '../form.server';

export const load = async ({ url }) => {
	const me = requireStaff('manage_campaigns');
	const editor = await editorData(me);
	const asked = url.searchParams.get('credor');
	const creditorId = editor.creditors.find((c) => c.id === asked)?.id ?? editor.creditors[0]?.id ?? '';
	return { ...editor, values: emptyValues(creditorId) };
};

export const actions = {
	default: async ({ request }) => saveFromForm(requireStaff('manage_campaigns'), request)
};
