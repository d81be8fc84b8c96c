import { z } from 'zod';
import * as s from '../../schemas/api';
import { PROBLEM_TYPES, type ProblemType } from './problem';
import { WEBHOOK_EVENT_TYPES as WEBHOOK_TYPES } from '../../schemas/webhooks';

const WEBHOOK_SUMMARIES: Record<(typeof WEBHOOK_TYPES)[number], string> = {
	'agreement.created': 'Acordo feito: termos e parcelas.',
	'installment.paid': 'Parcela paga: a parcela e o pagamento.',
	'agreement.settled': 'Acordo quitado: todas as parcelas pagas.',
	'agreement.broken': 'Acordo quebrado: parcela vencida além da tolerância.',
	'agreement.cancelled': 'Acordo cancelado pela equipe.',
	'debtor.delisting_due': 'Primeiro pagamento do acordo: tire o nome do devedor dos cadastros de inadimplentes até deadline (5 dias úteis, Súmula 548 do STJ).'
};

/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the server parses with
 * (`z.toJSONSchema`, JSON Schema 2020-12, the dialect of OpenAPI 3.1), and the endpoint table
 * below. The reference page (`/api/v1/docs`) is rendered from this same document.
 */

type Param = { name: string; in: 'path' | 'query' | 'header'; schema: z.ZodType; required?: boolean; example?: string };

export type Endpoint = {
	method: 'get' | 'post' | 'delete';
	path: string;
	operationId: string;
	tag: string;
	summary: string;
	description: string;
	write: boolean;
	params?: Param[];
	/** Query parameters from a zod object, one per key. */
	query?: z.ZodObject;
	body?: { schema: z.ZodType; required: boolean; example: unknown; contentType?: string };
	ok: { status: number; schema: z.ZodType; description: string };
	problems: ProblemType[];
	/** For the curl example: a path with its parameters filled in, and a query string. */
	example: { path: string; query?: string };
};

const AUTH_PROBLEMS: ProblemType[] = ['nao-autenticado'];
const idempotencyHeader: Param = { name: 'Idempotency-Key', in: 'header', schema: s.idempotencyKeySchema, example: '6f1c2a4e-3b7d-4c55-9a10-2f3e4d5c6b7a' };
const debtIdParam: Param = { name: 'debt_id', in: 'path', required: true, schema: s.debtIdParamSchema, example: 'AUR-88120' };

const closeDescription = (what: string) =>
	`${what} A dívida sai do portal na hora (o portal só mostra dívidas abertas ou em acordo) e ` +
	'recebe status, closed_reason e closed_at. Uma dívida em acordo ativo é recusada com 409: cancele o acordo no painel primeiro. ' +
	'Repetir a chamada numa dívida já fechada do mesmo jeito devolve 200 sem mudar nada; fechada do outro jeito, 409.';

export const ENDPOINTS: Endpoint[] = [
	{
		method: 'post',
		path: '/api/v1/debts:batch',
		operationId: 'upsertDebts',
		tag: 'Dívidas',
		summary: 'Enviar dívidas e devedores em lote (upsert)',
		description:
			`Cria ou atualiza até ${s.MAX_BATCH_ITEMS.toLocaleString('pt-BR')} dívidas por chamada, com as mesmas regras da importação CSV: ` +
			'devedores pelo CPF/CNPJ dentro da assessoria, dívidas pelo debt_id dentro do credor. Uma dívida que não está mais aberta ' +
			'(em acordo, quitada, baixada) nunca é reescrita; um telefone ou e-mail vazio mantém o já cadastrado; debt_id repetido no lote: vale o último. ' +
			'Um devedor que também deve a outro credor da assessoria mantém o nome e os contatos já cadastrados: a chave de um credor não altera o que outro credor usa. ' +
			'Cada item inválido vem em errors com index, field e message. Os itens válidos são gravados juntos, numa transação; ' +
			'com atomic=true, um item inválido recusa o lote inteiro (422). Se nenhum item for válido, a resposta é 422 e nada é gravado.',
		write: true,
		query: s.batchQuerySchema,
		params: [idempotencyHeader],
		body: {
			schema: s.batchRequestSchema,
			required: true,
			example: {
				items: [
					{
						debt_id: 'AUR-88120',
						debtor_document: '529.982.247-25',
						debtor_name: 'Maria Aparecida da Silva',
						debtor_phone: '(11) 98765-4321',
						debtor_email: 'maria@example.com',
						debtor_state: 'SP',
						description: 'Colchão casal; cama box - carnê',
						due_date: '2025-03-15',
						principal_cents: 123456,
						late_fee_percent: 2,
						interest_monthly_percent: 1
					}
				]
			}
		},
		ok: { status: 200, schema: s.batchResultSchema, description: 'Lote processado: contagens e os problemas de cada item inválido.' },
		problems: [...AUTH_PROBLEMS, 'sem-permissao', 'requisicao-invalida', 'tipo-de-conteudo', 'corpo-grande-demais', 'lote-grande-demais', 'validacao', 'chave-de-idempotencia'],
		example: { path: '/api/v1/debts:batch' }
	},
	{
		method: 'post',
		path: '/api/v1/debts/{debt_id}/settle',
		operationId: 'settleDebt',
		tag: 'Dívidas',
		summary: 'Quitar uma dívida paga fora do portal',
		description: closeDescription('Para a dívida paga diretamente ao credor (na loja, no banco): status settled.'),
		write: true,
		params: [debtIdParam, idempotencyHeader],
		body: { schema: s.closeDebtRequestSchema, required: false, example: { reason: 'Pago na loja em 10/03', closed_at: '2025-03-10T15:00:00Z' } },
		ok: { status: 200, schema: s.debtSchema, description: 'A dívida, já quitada.' },
		problems: [...AUTH_PROBLEMS, 'sem-permissao', 'nao-encontrado', 'requisicao-invalida', 'tipo-de-conteudo', 'corpo-grande-demais', 'validacao', 'conflito', 'chave-de-idempotencia'],
		example: { path: '/api/v1/debts/AUR-88120/settle' }
	},
	{
		method: 'post',
		path: '/api/v1/debts/{debt_id}/write-off',
		operationId: 'writeOffDebt',
		tag: 'Dívidas',
		summary: 'Baixar uma dívida',
		description: closeDescription('Para a dívida que o credor deixa de cobrar: status written_off.'),
		write: true,
		params: [debtIdParam, idempotencyHeader],
		body: { schema: s.closeDebtRequestSchema, required: false, example: { reason: 'Prescrita' } },
		ok: { status: 200, schema: s.debtSchema, description: 'A dívida, já baixada.' },
		problems: [...AUTH_PROBLEMS, 'sem-permissao', 'nao-encontrado', 'requisicao-invalida', 'tipo-de-conteudo', 'corpo-grande-demais', 'validacao', 'conflito', 'chave-de-idempotencia'],
		example: { path: '/api/v1/debts/AUR-88120/write-off' }
	},
	{
		method: 'get',
		path: '/api/v1/agreements',
		operationId: 'listAgreements',
		tag: 'Acordos e pagamentos',
		summary: 'Listar acordos',
		description:
			'Os acordos do credor em ordem de alteração (updated_at, id). Para sincronizar, guarde o instante da última sincronização ' +
			'e peça updated_since com alguns minutos de folga; siga next_cursor até null.',
		write: false,
		query: s.listQuerySchema,
		ok: { status: 200, schema: s.agreementPageSchema, description: 'Uma página de acordos.' },
		problems: [...AUTH_PROBLEMS, 'requisicao-invalida'],
		example: { path: '/api/v1/agreements', query: '?updated_since=2025-03-01T00:00:00Z&limit=100' }
	},
	{
		method: 'get',
		path: '/api/v1/installments',
		operationId: 'listInstallments',
		tag: 'Acordos e pagamentos',
		summary: 'Listar parcelas',
		description:
			'As parcelas dos acordos do credor em ordem de alteração. Uma parcela cujo vencimento mudou (ou que foi substituída por novos dados de ' +
			'pagamento ou pela quitação antecipada) fica cancelled, com superseded_by apontando a que a substituiu. Um pagamento menor que a parcela ' +
			'a deixa partially_paid (paid_cents mostra quanto foi pago); o que passar do valor vira crédito nas dívidas, nunca é perdido.',
		write: false,
		query: s.listQuerySchema,
		ok: { status: 200, schema: s.installmentPageSchema, description: 'Uma página de parcelas.' },
		problems: [...AUTH_PROBLEMS, 'requisicao-invalida'],
		example: { path: '/api/v1/installments', query: '?limit=500' }
	},
	{
		method: 'get',
		path: '/api/v1/payments',
		operationId: 'listPayments',
		tag: 'Acordos e pagamentos',
		summary: 'Listar pagamentos',
		description: 'Os pagamentos recebidos nos acordos do credor, em ordem de registro (pagamentos nunca mudam: updated_since filtra created_at).',
		write: false,
		query: s.listQuerySchema,
		ok: { status: 200, schema: s.paymentPageSchema, description: 'Uma página de pagamentos.' },
		problems: [...AUTH_PROBLEMS, 'requisicao-invalida'],
		example: { path: '/api/v1/payments', query: '?updated_since=2025-03-01T00:00:00Z' }
	},
	{
		method: 'post',
		path: '/api/v1/retornos',
		operationId: 'importReturnFile',
		tag: 'Acordos e pagamentos',
		summary: 'Importar um arquivo de retorno do banco (CNAB 240 ou 400)',
		description:
			'Envie o arquivo de retorno como veio do banco, no corpo (application/octet-stream). Liquidações lançam o pagamento na parcela ' +
			'pelo nosso número (uma vez só, mesmo que o mesmo pagamento venha em outro arquivo); entradas confirmadas, rejeitadas (com os motivos) ' +
			'e baixas ficam registradas na parcela; o que não casa com uma parcela em aberto (parcela cancelada, paga, acordo encerrado, código ' +
			'desconhecido) vai para a fila de pendências da equipe e nunca é contado como pago. O mesmo arquivo de novo não muda nada (duplicate: true). ' +
			'Só parcelas do credor da chave são consideradas.',
		write: true,
		body: { schema: s.returnFileReportSchema, required: true, example: null, contentType: 'application/octet-stream' },
		ok: { status: 200, schema: s.returnFileReportSchema, description: 'O arquivo foi lido e importado (ou já tinha sido).' },
		problems: [...AUTH_PROBLEMS, 'sem-permissao', 'requisicao-invalida', 'corpo-grande-demais', 'validacao'],
		example: { path: '/api/v1/retornos' }
	},
	{
		method: 'post',
		path: '/api/v1/extratos',
		operationId: 'importStatement',
		tag: 'Acordos e pagamentos',
		summary: 'Importar um extrato bancário (OFX)',
		description:
			'Para quem recebe pelo Pix do QR Code fixo, sem PSP. Envie o extrato OFX (1.x SGML ou 2.x XML) como o banco exportou, no corpo ' +
			'(application/octet-stream). Um crédito que traz o txid de uma parcela é lançado como pagamento Pix (o endToEndId, quando o banco o informa, ' +
			'é a referência: o mesmo Pix avisado pelo PSP conta uma vez só); um crédito que só bate no valor em aberto de uma parcela de vencimento ' +
			'próximo é proposto na fila de pendências da equipe e nunca é lançado sozinho; o que não casa também vai para a fila; débitos são ignorados. ' +
			'O mesmo arquivo de novo não muda nada (duplicate: true), e o mesmo lançamento em extratos sobrepostos conta uma vez. ' +
			'Só parcelas do credor da chave são consideradas.',
		write: true,
		body: { schema: s.statementFileReportSchema, required: true, example: null, contentType: 'application/octet-stream' },
		ok: { status: 200, schema: s.statementFileReportSchema, description: 'O extrato foi lido e importado (ou já tinha sido).' },
		problems: [...AUTH_PROBLEMS, 'sem-permissao', 'requisicao-invalida', 'corpo-grande-demais', 'validacao'],
		example: { path: '/api/v1/extratos' }
	},

	{
		method: 'get',
		path: '/api/v1/debtors/{document}',
		operationId: 'getDebtor',
		tag: 'Devedores',
		summary: 'Um devedor com tudo',
		description:
			'Dados do devedor e as suas dívidas, acordos, parcelas e pagamentos com este credor (nada de outros credores). ' +
			'Um documento sem dívidas neste credor dá 404, como um documento desconhecido.',
		write: false,
		params: [{ name: 'document', in: 'path', required: true, schema: s.documentParamSchema, example: '52998224725' }],
		ok: { status: 200, schema: s.debtorSchema, description: 'O devedor.' },
		problems: [...AUTH_PROBLEMS, 'nao-encontrado', 'requisicao-invalida'],
		example: { path: '/api/v1/debtors/52998224725' }
	}
];

const webhookIdParam: Param = { name: 'id', in: 'path', required: true, schema: s.webhookIdParamSchema, example: '0b6f1c9e-4f3a-4c8e-9d2b-7a1e5f3c2d10' };
const WH = '/api/v1/webhooks/0b6f1c9e-4f3a-4c8e-9d2b-7a1e5f3c2d10';
const whWrite: ProblemType[] = [...AUTH_PROBLEMS, 'sem-permissao', 'nao-encontrado', 'chave-de-idempotencia'];

ENDPOINTS.push(
	{
		method: 'get',
		path: '/api/v1/webhooks',
		operationId: 'listWebhookEndpoints',
		tag: 'Webhooks',
		summary: 'Listar endpoints de webhook',
		description: 'Os endpoints de webhook do credor da chave (nunca os de outros credores).',
		write: false,
		ok: { status: 200, schema: s.webhookEndpointListSchema, description: 'Os endpoints.' },
		problems: [...AUTH_PROBLEMS],
		example: { path: '/api/v1/webhooks' }
	},
	{
		method: 'post',
		path: '/api/v1/webhooks',
		operationId: 'createWebhookEndpoint',
		tag: 'Webhooks',
		summary: 'Criar um endpoint de webhook',
		description:
			'Cadastra um endereço do ERP para receber eventos. Em produção o endereço precisa ser https e público (endereços de redes internas são recusados). ' +
			'A resposta traz o segredo de assinatura (whsec_…) uma única vez.',
		write: true,
		params: [idempotencyHeader],
		body: { schema: s.webhookEndpointRequestSchema, required: true, example: { url: 'https://erp.exemplo.com.br/webhooks/acerto', description: 'ERP produção', events: ['installment.paid', 'debtor.delisting_due'] } },
		ok: { status: 200, schema: s.webhookEndpointCreatedSchema, description: 'O endpoint criado, com o segredo.' },
		problems: [...AUTH_PROBLEMS, 'sem-permissao', 'requisicao-invalida', 'tipo-de-conteudo', 'validacao', 'chave-de-idempotencia'],
		example: { path: '/api/v1/webhooks' }
	},
	{
		method: 'delete',
		path: '/api/v1/webhooks/{id}',
		operationId: 'deleteWebhookEndpoint',
		tag: 'Webhooks',
		summary: 'Excluir um endpoint',
		description: 'Exclui o endpoint e o histórico de entregas dele; nada mais é enviado para ele.',
		write: true,
		params: [webhookIdParam, idempotencyHeader],
		ok: { status: 200, schema: s.webhookDeletedSchema, description: 'Excluído.' },
		problems: whWrite,
		example: { path: WH }
	},
	{
		method: 'post',
		path: '/api/v1/webhooks/{id}/disable',
		operationId: 'disableWebhookEndpoint',
		tag: 'Webhooks',
		summary: 'Desativar um endpoint',
		description: 'O endpoint deixa de receber eventos novos; o que estava pendente espera a reativação.',
		write: true,
		params: [webhookIdParam, idempotencyHeader],
		ok: { status: 200, schema: s.webhookEndpointApiSchema, description: 'O endpoint, desativado.' },
		problems: whWrite,
		example: { path: `${WH}/disable` }
	},
	{
		method: 'post',
		path: '/api/v1/webhooks/{id}/enable',
		operationId: 'enableWebhookEndpoint',
		tag: 'Webhooks',
		summary: 'Reativar um endpoint',
		description: 'O endpoint volta a receber eventos, e as entregas pendentes seguem.',
		write: true,
		params: [webhookIdParam, idempotencyHeader],
		ok: { status: 200, schema: s.webhookEndpointApiSchema, description: 'O endpoint, ativo.' },
		problems: whWrite,
		example: { path: `${WH}/enable` }
	},
	{
		method: 'post',
		path: '/api/v1/webhooks/{id}/rotate-secret',
		operationId: 'rotateWebhookSecret',
		tag: 'Webhooks',
		summary: 'Gerar um novo segredo de assinatura',
		description: 'O segredo anterior deixa de assinar na hora. A resposta traz o novo segredo uma única vez.',
		write: true,
		params: [webhookIdParam, idempotencyHeader],
		ok: { status: 200, schema: s.webhookEndpointCreatedSchema, description: 'O endpoint e o novo segredo.' },
		problems: whWrite,
		example: { path: `${WH}/rotate-secret` }
	},
	{
		method: 'get',
		path: '/api/v1/webhooks/{id}/deliveries',
		operationId: 'listWebhookDeliveries',
		tag: 'Webhooks',
		summary: 'Histórico de entregas',
		description: 'As 50 entregas mais recentes do endpoint, com cada tentativa: status HTTP, tempo de resposta, erro e o início da resposta.',
		write: false,
		params: [webhookIdParam],
		ok: { status: 200, schema: s.webhookDeliveryListSchema, description: 'As entregas.' },
		problems: [...AUTH_PROBLEMS, 'nao-encontrado'],
		example: { path: `${WH}/deliveries` }
	},
	{
		method: 'post',
		path: '/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay',
		operationId: 'replayWebhookDelivery',
		tag: 'Webhooks',
		summary: 'Reenviar uma entrega',
		description: 'Põe a entrega de novo na fila, com o mesmo webhook-id e o mesmo corpo, assinada na hora do envio, e um novo prazo de 3 dias de tentativas.',
		write: true,
		params: [webhookIdParam, { name: 'delivery_id', in: 'path', required: true, schema: s.deliveryIdParamSchema, example: '5d2c7b1a-9e8f-4a3b-8c6d-1f2e3a4b5c6d' }, idempotencyHeader],
		ok: { status: 200, schema: s.webhookReplaySchema, description: 'Na fila.' },
		problems: whWrite,
		example: { path: `${WH}/deliveries/5d2c7b1a-9e8f-4a3b-8c6d-1f2e3a4b5c6d/replay` }
	}
);

/** How a receiver checks a webhook: the text of the reference's Webhooks section and of the tag. */
export const WEBHOOK_SIGNATURE_DOC =
	'Cada evento chega por POST em JSON, no padrão Standard Webhooks (standardwebhooks.com), com três cabeçalhos: webhook-id (o id do evento, ' +
	'o mesmo em todas as tentativas: use-o para não processar um evento duas vezes), webhook-timestamp (segundos desde 1970, o instante do envio) e ' +
	'webhook-signature ("v1," e o HMAC-SHA256 em base64). A assinatura é calculada sobre o texto "{webhook-id}.{webhook-timestamp}.{corpo}", com a ' +
	'chave que é o base64 depois de "whsec_" no segredo, decodificado. Confira a assinatura com o corpo exato recebido (antes de interpretar o JSON), ' +
	'compare em tempo constante e recuse timestamps a mais de 5 minutos do seu relógio. Responda 2xx em até 10 segundos; qualquer outra resposta, ' +
	'ou nenhuma, é repetida com intervalos crescentes (30 s, 1 min, 2 min… até 6 h) durante 3 dias. As bibliotecas oficiais do Standard Webhooks ' +
	'(npm standardwebhooks, PyPI standardwebhooks e outras) fazem a verificação.';

export const WEBHOOK_VERIFY_EXAMPLE = `import { createHmac, timingSafeEqual } from 'node:crypto';

// secret: "whsec_…" mostrado ao criar o endpoint; body: o corpo cru (string), antes do JSON.parse
export function verify(secret, headers, body) {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(\`\${id}.\${ts}.\${body}\`).digest('base64'));
  return headers['webhook-signature'].split(' ').some((s) => {
    const given = Buffer.from(s.slice(s.indexOf(',') + 1));
    return s.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}`;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function idOf(schema: z.ZodType): string {
	const id = s.apiSchemas.get(schema)?.id;
	if (!id) throw new Error('esquema sem id no registro da API');
	return id;
}

function inline(schema: z.ZodType): Record<string, unknown> {
	const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
	return rest;
}

function parameters(e: Endpoint) {
	const list: Record<string, unknown>[] = [];
	for (const p of e.params ?? []) {
		const { description, ...schema } = inline(p.schema);
		list.push({ name: p.name, in: p.in, required: p.required ?? false, description, schema, ...(p.example && { example: p.example }) });
	}
	if (e.query) {
		for (const [name, field] of Object.entries(e.query.shape)) {
			const { description, ...schema } = inline(field as z.ZodType);
			list.push({ name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, description, schema });
		}
	}
	return list;
}

function responses(e: Endpoint) {
	const out: Record<string, unknown> = {
		[e.ok.status]: {
			description: e.ok.description,
			...(e.write && { headers: { 'Idempotent-Replayed': { description: 'true quando a resposta é a guardada de uma requisição anterior com a mesma Idempotency-Key.', schema: { type: 'string', enum: ['true'] } } } }),
			content: { 'application/json': { schema: ref(idOf(e.ok.schema)) } }
		}
	};
	const byStatus = new Map<number, string[]>();
	for (const p of [...e.problems, 'erro-interno' as const]) {
		const t = PROBLEM_TYPES[p];
		byStatus.set(t.status, [...(byStatus.get(t.status) ?? []), `${t.title}: ${t.about}`]);
	}
	for (const [status, texts] of [...byStatus].sort((a, b) => a[0] - b[0])) {
		out[status] = { description: texts.join(' — '), content: { 'application/problem+json': { schema: ref('Problem') } } };
	}
	return out;
}

function components() {
	const { schemas } = z.toJSONSchema(s.apiSchemas, { target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
	const out: Record<string, unknown> = {};
	for (const [id, schema] of Object.entries(schemas)) {
		// Inside an OpenAPI document each component is a plain subschema: no $schema, and a
		// fragment-only $id is not allowed by JSON Schema 2020-12.
		const { $schema: _a, $id: _b, ...rest } = schema as Record<string, unknown>;
		out[id] = rest;
	}
	return out;
}

let cached: Record<string, unknown> | undefined;

/** The document, without `servers` (that depends on the host the request came to). */
export function document(): Record<string, unknown> {
	if (cached) return cached;
	const paths: Record<string, Record<string, unknown>> = {};
	for (const e of ENDPOINTS) {
		paths[e.path] ??= {};
		paths[e.path][e.method] = {
			operationId: e.operationId,
			tags: [e.tag],
			summary: e.summary,
			description: e.description + (e.write ? ' Exige uma chave de leitura e escrita.' : ''),
			parameters: parameters(e),
			...(e.body && {
				requestBody: {
					required: e.body.required,
					content: e.body.contentType
						? { [e.body.contentType]: { schema: { type: 'string', contentMediaType: e.body.contentType } } }
						: { 'application/json': { schema: ref(idOf(e.body.schema)), example: e.body.example } }
				}
			}),
			responses: responses(e)
		};
	}
	cached = {
		openapi: '3.1.0',
		jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
		info: {
			title: 'Acerto — API de integração',
			version: '1.0.0',
			summary: 'Envie a carteira de um credor e leia de volta acordos, parcelas e pagamentos.',
			description:
				'API JSON para o ERP de um credor. Cada chave de API pertence a um credor e só enxerga e altera os dados dele. ' +
				'Autenticação: Authorization: Bearer <chave> (crie a chave no painel, em API, ou com acerto apikey create). ' +
				'Valores em centavos (inteiros); datas de calendário AAAA-MM-DD; instantes em ISO 8601 (UTC). ' +
				'Erros em application/problem+json (RFC 9457), com detail em português. ' +
				'Todo POST aceita Idempotency-Key: repetir a mesma requisição com a mesma chave devolve a mesma resposta sem executar de novo.'
		},
		tags: [
			{ name: 'Dívidas', description: 'A carteira: enviar, quitar e baixar dívidas.' },
			{ name: 'Acordos e pagamentos', description: 'O que os devedores negociaram e pagaram no portal.' },
			{ name: 'Devedores', description: 'Um devedor com tudo o que tem com o credor.' },
			{ name: 'Webhooks', description: 'Avisos ao ERP na hora em que algo acontece. ' + WEBHOOK_SIGNATURE_DOC }
		],
		security: [{ chaveDeApi: [] }],
		paths,
		webhooks: Object.fromEntries(
			WEBHOOK_TYPES.map((type) => [
				type,
				{
					post: {
						summary: WEBHOOK_SUMMARIES[type],
						description: WEBHOOK_SIGNATURE_DOC,
						parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } })),
						requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookEvent') } } },
						responses: { '200': { description: 'Recebido (qualquer 2xx). Outra resposta, ou nenhuma em 10 s, é repetida com intervalos crescentes por 3 dias.' } }
					}
				}
			])
		),
		components: {
			securitySchemes: {
				chaveDeApi: {
					type: 'http',
					scheme: 'bearer',
					bearerFormat: 'ak_live_…',
					description: 'Chave de API do credor (ak_live_ e 40 caracteres), mostrada uma única vez ao ser criada.'
				}
			},
			schemas: components()
		}
	};
	return cached;
}

/** The document as served to a client on `origin`. */
export function documentFor(origin: string): Record<string, unknown> {
	return { ...document(), servers: [{ url: origin, description: 'Este servidor' }] };
}

export { PROBLEM_TYPES };
