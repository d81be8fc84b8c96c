import { error, fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { can } from '$lib/server/staff';
import * as creditors from '$lib/server/tenancy/creditors';
import * as queue from '$lib/server/messaging/queue';
import { CHANNELS, CHANNEL_LABELS, type CampaignChannel } from '$lib/schemas/campaign';

export const load = async ({ url }) => {
	const me = requireStaff('read');
	const q = url.searchParams;
	const view = queue.isQueueView(q.get('ver')) ? (q.get('ver') as queue.QueueView) : 'falhas';
	const before = queue.parseCursor(q.get('depois'));
	if (before === 'invalid') error(400, 'Página inválida. Volte ao início da lista.');
	const channel = (CHANNELS as readonly string[]).includes(q.get('canal') ?? '') ? (q.get('canal') as CampaignChannel) : null;
	const creditorId = q.get('credor') || null;
	const [result, counts, inReach] = await Promise.all([
		queue.page(db(), me, { view, before, channel, creditorId }),
		queue.counts(db(), me, { channel, creditorId }),
		creditors.creditorsInReach(db(), me)
	]);
	return {
		view,
		views: Object.entries(queue.QUEUE_VIEWS).map(([id, v]) => ({ id, label: v.label, count: counts[id as queue.QueueView] })),
		rows: result.rows,
		next: result.next,
		paged: before !== null,
		filter: { channel, creditorId },
		channels: CHANNELS.map((c) => ({ id: c, label: CHANNEL_LABELS[c] })),
		creditors: me.creditorId ? [] : inReach.map((c) => ({ id: c.id, displayName: c.displayName })),
		kinds: queue.KIND_LABELS,
		canRetry: can(me, 'manage_campaigns'),
		canManageAccounts: can(me, 'manage_messaging')
	};
};

export const actions = {
	reenviar: async ({ request, getClientAddress }) => {
		const me = requireStaff('manage_campaigns');
		const form = await request.formData();
		const id = String(form.get('id') ?? '');
		const result = await queue.retry(db(), me, id, { confirmUnknown: form.get('confirmar') === 'sim', actor: me, ip: getClientAddress() });
		if (!result.ok) return fail(result.reason === 'not_found' ? 404 : result.reason === 'needs_confirmation' ? 409 : 400, { id, message: result.message });
		return { retried: id };
	}
};
