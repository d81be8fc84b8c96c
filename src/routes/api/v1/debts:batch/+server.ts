import * as api from '$lib/server/api/http';
import * as apiDebts from '$lib/server/api/debts';
import { problem } from '$lib/server/api/problem';
import { parse, toErrors } from '$lib/server/api/validation';
import { batchEnvelopeSchema, batchQuerySchema, MAX_BATCH_ITEMS } from '$lib/schemas/api';
import { todayInSaoPaulo } from '$lib/format/dates';

export const POST = api.write(async (tx, { key, url, body }) => {
	const query = parse(batchQuerySchema, Object.fromEntries(url.searchParams));
	if (!query.success) return problem(url, 'requisicao-invalida', 'Parâmetros de consulta inválidos.', toErrors(query.error));
	const envelope = parse(batchEnvelopeSchema, body);
	if (!envelope.success) return problem(url, 'validacao', 'O corpo deve ser um objeto {"items": [...]}.', toErrors(envelope.error));
	const { items } = envelope.data;
	if (items.length > MAX_BATCH_ITEMS) {
		return problem(
			url,
			'lote-grande-demais',
			`O lote tem ${items.length.toLocaleString('pt-BR')} itens; o máximo é ${MAX_BATCH_ITEMS.toLocaleString('pt-BR')} por chamada. Divida-o em lotes menores.`
		);
	}
	if (items.length === 0) return problem(url, 'validacao', 'O lote está vazio.', [{ field: 'items', message: 'A lista não pode ser vazia.' }]);
	const outcome = await apiDebts.upsertBatch(tx, key, items, { atomic: query.data.atomic === 'true', today: todayInSaoPaulo() });
	if (!outcome.ok) return problem(url, 'validacao', outcome.message, outcome.errors);
	return { status: 200, body: outcome.result };
});

export const fallback = api.methodNotAllowed('POST');
