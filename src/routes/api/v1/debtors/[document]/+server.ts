import * as api from '$lib/server/api/http';
import * as reads from '$lib/server/api/reads';
import { problem } from '$lib/server/api/problem';

export const GET = api.read(async (db, { key, url, params }) => {
	const debtor = await reads.debtor(db, key, params.document);
	if (!debtor) return problem(url, 'nao-encontrado', 'Nenhum devedor com este documento neste credor.');
	return { status: 200, body: debtor };
});

export const fallback = api.methodNotAllowed('GET');
