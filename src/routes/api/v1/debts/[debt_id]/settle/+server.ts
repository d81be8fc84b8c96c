import * as api from '$lib/server/api/http';
import * as apiDebts from '$lib/server/api/debts';
import { problem } from '$lib/server/api/problem';
import { parse, toErrors } from '$lib/server/api/validation';
import { closeDebtRequestSchema } from '$lib/schemas/api';

export const POST = api.write(async (tx, { key, url, params, body }) => {
	const input = parse(closeDebtRequestSchema, body ?? {});
	if (!input.success) return problem(url, 'validacao', 'Corpo inválido.', toErrors(input.error));
	const outcome = await apiDebts.close(tx, key, params.debt_id, 'settled', input.data);
	if (outcome.ok) return { status: 200, body: outcome.debt };
	if (outcome.reason === 'not_found') return problem(url, 'nao-encontrado', `Nenhuma dívida com debt_id "${params.debt_id}" neste credor.`);
	if (outcome.reason === 'invalid') return problem(url, 'validacao', 'Corpo inválido.', outcome.errors);
	return problem(url, 'conflito', outcome.message);
});

export const fallback = api.methodNotAllowed('POST');
