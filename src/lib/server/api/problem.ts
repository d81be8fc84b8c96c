import type { ItemError, Problem } from '../../schemas/api';

/**
 * Errors of the API as `application/problem+json` (RFC 9457). Each kind has a `type` URI that
 * leads to its explanation in the reference page (`/api/v1/docs#erro-<slug>`), a fixed title and
 * a pt-BR `detail` about this occurrence.
 */

export const PROBLEM_TYPES = {
	'nao-autenticado': { status: 401, title: 'Não autenticado', about: 'Falta o cabeçalho Authorization: Bearer <chave>, ou a chave é desconhecida ou foi revogada.' },
	'sem-permissao': { status: 403, title: 'Sem permissão', about: 'A chave é só de leitura e a operação escreve. Crie uma chave de leitura e escrita.' },
	'nao-encontrado': { status: 404, title: 'Não encontrado', about: 'O recurso não existe para o credor da chave (dados de outros credores nunca aparecem).' },
	'metodo-nao-permitido': { status: 405, title: 'Método não permitido', about: 'O caminho existe, mas não com este método HTTP.' },
	'requisicao-invalida': { status: 400, title: 'Requisição inválida', about: 'Corpo que não é JSON, ou parâmetros de consulta inválidos (a lista errors diz quais).' },
	'tipo-de-conteudo': { status: 415, title: 'Tipo de conteúdo não suportado', about: 'Envie o corpo como application/json.' },
	'corpo-grande-demais': { status: 413, title: 'Corpo grande demais', about: 'O corpo da requisição passa do limite do servidor (BODY_SIZE_LIMIT): divida o envio em chamadas menores.' },
	'lote-grande-demais': { status: 413, title: 'Lote grande demais', about: 'Um lote tem no máximo 10.000 itens: divida-o em chamadas menores.' },
	validacao: { status: 422, title: 'Dados inválidos', about: 'O corpo tem a forma certa, mas dados inválidos; a lista errors diz quais, item a item e campo a campo.' },
	'chave-de-idempotencia': {
		status: 422,
		title: 'Idempotency-Key reutilizada',
		about: 'A mesma Idempotency-Key já foi usada, nas últimas 24 horas, com outro corpo ou outro caminho. Use uma chave nova para uma operação nova.'
	},
	conflito: { status: 409, title: 'Conflito', about: 'O estado do recurso não permite a operação (por exemplo, uma dívida em acordo ativo).' },
	'erro-interno': { status: 500, title: 'Erro interno', about: 'Algo deu errado do nosso lado; nada foi gravado. Tente de novo; se persistir, informe o código do erro.' }
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const MAX_REPORTED_ERRORS = 1000;

export type ApiResult = { status: number; body: unknown; headers?: Record<string, string> };

export function problemBody(url: URL, type: ProblemType, detail: string, errors?: ItemError[]): Problem {
	const t = PROBLEM_TYPES[type];
	return {
		type: `${url.origin}/api/v1/docs#erro-${type}`,
		title: t.title,
		status: t.status,
		detail,
		instance: url.pathname,
		...(errors && { errors: errors.slice(0, MAX_REPORTED_ERRORS) })
	};
}

export function problem(url: URL, type: ProblemType, detail: string, errors?: ItemError[], headers?: Record<string, string>): ApiResult {
	return { status: PROBLEM_TYPES[type].status, body: problemBody(url, type, detail, errors), headers };
}

/** The HTTP response for a result: JSON, or problem+json for 4xx/5xx. */
export function toResponse(result: ApiResult, extra: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(result.body), {
		status: result.status,
		headers: {
			'content-type': result.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json',
			'cache-control': 'no-store',
			...result.headers,
			...extra
		}
	});
}
