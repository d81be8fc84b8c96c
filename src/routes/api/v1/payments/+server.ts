import * as api from '$lib/server/api/http';
import * as reads from '$lib/server/api/reads';
import { problem } from '$lib/server/api/problem';
import { parseListQuery } from '$lib/server/api/list-query';

export const GET = api.read(async (db, { key, url }) => {
	const q = parseListQuery(url, 'payments');
	if (!q.ok) return problem(url, 'requisicao-invalida', q.message, q.errors);
	return { status: 200, body: await reads.payments(db, key, q.query) };
});

export const fallback = api.methodNotAllowed('GET');
