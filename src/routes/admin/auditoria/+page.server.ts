import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as auditQuery from '$lib/server/audit/query';
import { parseDateInput } from '$lib/format/dates';

export const load = async ({ url }) => {
	const me = requireStaff('read_audit');
	const q = url.searchParams;
	// The cursor is the id of the last entry seen: a positive integer, or no cursor at all.
	const before = q.get('antes') || null;
	if (before !== null && !/^[1-9]\d{0,14}$/.test(before)) error(400, 'Página inválida: o parâmetro "antes" deve ser o número de um registro. Volte à primeira página.');
	const filter = {
		agencyId: me.agencyId,
		action: q.get('acao') || undefined,
		actor: q.get('pessoa')?.trim() || undefined,
		entityId: q.get('registro')?.trim() || undefined,
		from: parseDateInput(q.get('de') ?? '') ?? undefined,
		to: parseDateInput(q.get('ate') ?? '') ?? undefined,
		before: before === null ? undefined : Number(before)
	};
	const [result, actions] = await Promise.all([auditQuery.page(db(), filter), auditQuery.actions(db(), me.agencyId)]);
	return {
		filter,
		actions,
		next: result.next,
		entries: result.rows.map(({ entry, email }) => ({
			id: entry.id,
			at: entry.at.toISOString(),
			who: entry.actorType === 'staff' ? (email ?? 'equipe') : entry.actorType === 'debtor' ? 'devedor' : entry.actorType === 'cli' ? 'linha de comando' : 'sistema',
			action: entry.action,
			entity: entry.entity,
			entityId: entry.entityId,
			ip: entry.ip,
			data: entry.data === null ? null : JSON.stringify(entry.data, null, 2)
		}))
	};
};
