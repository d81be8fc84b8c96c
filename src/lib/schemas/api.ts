import { AGREEMENT_STATUS_VALUES, INSTALLMENT_STATUS_VALUES } from '../agreements/status';
import { z } from 'zod';
import { MAX_AMOUNT_CENTS, MAX_AMOUNT_TEXT } from '../format/money';
import { WEBHOOK_EVENT_TYPES, webhookEndpointSchema } from './webhooks';

/**
 * The JSON API v1: every request and response body, as zod schemas. The server parses requests
 * with them, and the OpenAPI document (`/api/v1/openapi.json`) is generated from them, so the
 * reference can never drift from what the server does.
 *
 * Field names follow the CSV layout of the portfolio importer (snake_case); money is integer
 * cents; dates that matter are calendar dates (`AAAA-MM-DD`); instants are ISO 8601 in UTC.
 */

/** Named schemas: each becomes `#/components/schemas/<id>` in the OpenAPI document. */
export const apiSchemas = z.registry<{ id: string }>();

function named<T extends z.ZodType>(id: string, schema: T): T {
	apiSchemas.add(schema, { id });
	return schema;
}

export const MAX_BATCH_ITEMS = 10_000;
export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 100;

const instant = () => z.iso.datetime({ offset: true });
const cents = (description: string) => z.int().min(0).describe(description);

// ---------------------------------------------------------------- requests

/**
 * One debt and its debtor, as one line of the CSV. Only the types are checked here; the rules
 * (CPF/CNPJ check digits, phone, UF, dates, the 2 % consumer late fee…) are the importer's own,
 * applied to every item after this shape check.
 */
export const debtItemSchema = named(
	'DebtItem',
	z
		.strictObject({
			debt_id: z.string().describe('Identificador da dívida no credor (número do contrato), até 100 caracteres. Chave do upsert.'),
			debtor_document: z.string().describe('CPF ou CNPJ (numérico ou alfanumérico) do devedor, com ou sem pontuação.'),
			debtor_name: z.string().describe('Nome do devedor, até 200 caracteres.'),
			debtor_phone: z
				.string()
				.nullable()
				.optional()
				.describe('Telefone com DDD, por exemplo "(11) 98765-4321" ou "+5511987654321". Vazio ou ausente mantém o já cadastrado.'),
			debtor_email: z.string().nullable().optional().describe('E-mail. Vazio ou ausente mantém o já cadastrado. Telefone ou e-mail: ao menos um.'),
			debtor_state: z.string().describe('UF do devedor, por exemplo "SP".'),
			description: z.string().describe('O que o devedor vai reconhecer, até 500 caracteres.'),
			due_date: z.string().describe('Vencimento, AAAA-MM-DD (também aceita DD/MM/AAAA); não pode estar no futuro.'),
			principal_cents: z
				.int({ error: (issue) => (issue.input === undefined ? 'Campo obrigatório.' : 'Informe o valor em centavos, um número inteiro (123456 = R$ 1.234,56).') })
				.min(1, { error: 'O valor principal deve ser maior que zero (em centavos).' })
				.max(MAX_AMOUNT_CENTS, { error: `O valor principal passa de ${MAX_AMOUNT_TEXT} (${MAX_AMOUNT_CENTS} centavos), o maior que um boleto comporta.` })
				.describe(`Valor principal em centavos, de 1 a ${MAX_AMOUNT_CENTS} (${MAX_AMOUNT_TEXT}, o maior valor de um boleto).`),
			late_fee_percent: z
				.number()
				.nullable()
				.optional()
				.describe('Multa em %, até 2 casas decimais (2 = 2 %). Ausente: a da política do credor. Acima de 2 % é recusada em dívidas de consumo (CDC art. 52 §1).'),
			interest_monthly_percent: z
				.number()
				.nullable()
				.optional()
				.describe('Juros de mora ao mês em %, até 2 casas decimais. Ausente: os da política do credor.'),
			debtor_street: z.string().nullable().optional().describe('Logradouro do devedor (para registrar o boleto). O endereço vai completo (logradouro, número, bairro, CEP, cidade) ou ausente; ausente mantém o já cadastrado.'),
			debtor_number: z.string().nullable().optional().describe('Número do endereço (ou "S/N").'),
			debtor_complement: z.string().nullable().optional().describe('Complemento do endereço, opcional.'),
			debtor_district: z.string().nullable().optional().describe('Bairro.'),
			debtor_cep: z.string().nullable().optional().describe('CEP, 8 dígitos, com ou sem hífen.'),
			debtor_city: z.string().nullable().optional().describe('Cidade. A UF é debtor_state.')
		})
		.describe('Uma dívida e seu devedor: as mesmas colunas e as mesmas regras da importação CSV (sem creditor_cnpj: o credor é o da chave).')
);

export const batchRequestSchema = named(
	'DebtBatchRequest',
	z.strictObject({
		items: z.array(debtItemSchema).min(1).max(MAX_BATCH_ITEMS).describe(`De 1 a ${MAX_BATCH_ITEMS.toLocaleString('pt-BR')} dívidas.`)
	})
);

/** What the server parses first: the envelope, before each item is checked on its own. */
export const batchEnvelopeSchema = z.strictObject({ items: z.array(z.unknown()) });

export const closeDebtRequestSchema = named(
	'CloseDebtRequest',
	z
		.strictObject({
			reason: z.string().trim().min(1).max(500).optional().describe('Motivo, até 500 caracteres (por exemplo "Pago na loja em 10/03").'),
			closed_at: instant().optional().describe('Quando a dívida foi paga ou baixada; padrão: agora. Não pode estar no futuro.')
		})
		.describe('Corpo opcional: pode ser vazio ou {}.')
);

export const listQuerySchema = z.strictObject({
	limit: z.coerce
		.number()
		.int()
		.min(1)
		.max(MAX_PAGE_LIMIT)
		.default(DEFAULT_PAGE_LIMIT)
		.describe(`Itens por página, de 1 a ${MAX_PAGE_LIMIT} (padrão ${DEFAULT_PAGE_LIMIT}).`),
	cursor: z.string().max(300).optional().describe('O next_cursor da página anterior (opaco). Ausente: a primeira página.'),
	updated_since: instant()
		.optional()
		.describe('Só registros alterados neste instante ou depois (ISO 8601 com fuso, por exemplo 2025-03-01T00:00:00Z).')
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export const batchQuerySchema = z.strictObject({
	atomic: z
		.enum(['true', 'false'])
		.default('false')
		.describe('true: um item inválido recusa o lote inteiro (nada é gravado). false (padrão): grava os válidos e lista os inválidos.')
});

export const idempotencyKeySchema = z
	.string()
	.regex(/^[\x21-\x7e]{1,255}$/)
	.describe('Opcional em todo POST: de 1 a 255 caracteres visíveis (um UUID, por exemplo). Repetir a requisição com a mesma chave e o mesmo corpo, em até 24 horas, devolve a resposta guardada sem executar de novo; com outro corpo, 422.');

export const debtIdParamSchema = z.string().min(1).max(100).describe('O debt_id da dívida (codificado para URL).');
export const documentParamSchema = z.string().min(11).max(18).describe('CPF ou CNPJ do devedor, com ou sem pontuação.');

// ---------------------------------------------------------------- responses

export const itemErrorSchema = named(
	'ItemError',
	z
		.object({
			index: z.int().min(0).optional().describe('Posição do item em items (a partir de 0), nos erros de lote.'),
			field: z.string().nullable().describe('Campo com problema; null quando o problema é do item inteiro.'),
			message: z.string().describe('O problema, em português.')
		})
		.describe('Um problema de validação.')
);

export const problemSchema = named(
	'Problem',
	z
		.object({
			type: z.string().describe('URI do tipo de problema (leva à seção desta referência que o explica).'),
			title: z.string().describe('Resumo do tipo de problema.'),
			status: z.int().describe('O status HTTP.'),
			detail: z.string().describe('Explicação desta ocorrência, em português.'),
			instance: z.string().describe('O caminho da requisição.'),
			errors: z.array(itemErrorSchema).optional().describe('Problemas de validação, campo a campo (os primeiros 1.000).')
		})
		.describe('Erro no formato application/problem+json (RFC 9457).')
);

export const batchResultSchema = named(
	'DebtBatchResult',
	z
		.object({
			received: z.int().min(0).describe('Itens recebidos.'),
			valid: z.int().min(0).describe('Itens válidos.'),
			invalid: z.int().min(0).describe('Itens com erro (não gravados).'),
			inserted: z.int().min(0).describe('Dívidas criadas.'),
			updated: z.int().min(0).describe('Dívidas abertas cujos dados mudaram.'),
			unchanged: z
				.int()
				.min(0)
				.describe('Itens válidos que não mudaram nada: iguais ao já cadastrado, debt_id repetido no lote (vale o último) ou dívida que não está mais aberta.'),
			debtors: z.object({ inserted: z.int().min(0), updated: z.int().min(0) }).describe('Devedores criados e atualizados.'),
			errors: z.array(itemErrorSchema).describe('Problemas por item (os primeiros 1.000).'),
			warnings: z
				.array(itemErrorSchema)
				.describe(
					'Itens gravados com ressalva (os primeiros 1.000): o devedor também deve a outro credor da assessoria, então nome e contatos ficaram como estavam (a dívida foi gravada).'
				)
		})
		.describe('Resultado de um lote: os itens válidos foram gravados juntos, numa transação.')
);

const debtStatus = z.enum(['open', 'in_agreement', 'settled', 'written_off']);

export const debtSchema = named(
	'Debt',
	z.object({
		debt_id: z.string().describe('Identificador da dívida no credor.'),
		debtor_document: z.string().describe('CPF ou CNPJ do devedor, sem pontuação.'),
		description: z.string(),
		due_date: z.iso.date().describe('Vencimento.'),
		principal_cents: cents('Valor principal em centavos.'),
		late_fee_percent: z.number().nullable().describe('Multa própria da dívida em %; null: a da política do credor.'),
		interest_monthly_percent: z.number().nullable().describe('Juros de mora ao mês em %; null: os da política do credor.'),
		status: debtStatus.describe('open: aberta no portal; in_agreement: em acordo; settled: paga fora do portal; written_off: baixada.'),
		closed_reason: z.string().nullable().describe('Por que saiu do portal sem acordo.'),
		closed_at: instant().nullable(),
		created_at: instant(),
		updated_at: instant()
	})
);

export const agreementSchema = named(
	'Agreement',
	z.object({
		id: z.uuid(),
		code: z.string().describe('Código do acordo mostrado ao devedor, por exemplo AC-7K3M-9QXF.'),
		debtor_document: z.string(),
		debt_ids: z.array(z.string()).describe('As dívidas (debt_id) negociadas neste acordo.'),
		status: z.enum(AGREEMENT_STATUS_VALUES).describe('active: em dia; settled: quitado; broken: quebrado (parcela sem pagamento além da tolerância; o que foi pago virou crédito nas dívidas); cancelled: cancelado.'),
		kind: z.enum(['cash', 'installments']).describe('cash: à vista; installments: parcelado.'),
		policy_version: z.int().describe('Versão da política de ofertas em que o acordo foi feito.'),
		updated_total_cents: cents('Valor atualizado das dívidas na aceitação.'),
		discount_cents: cents('Desconto concedido.'),
		interest_cents: cents('Juros do parcelamento.'),
		total_cents: cents('Total a pagar.'),
		installment_count: z.int().min(1),
		cancel_reason: z.string().nullable(),
		cancelled_at: instant().nullable(),
		settled_at: instant().nullable(),
		created_at: instant(),
		updated_at: instant()
	})
);

export const installmentSchema = named(
	'Installment',
	z.object({
		id: z.uuid(),
		agreement_id: z.uuid(),
		agreement_code: z.string(),
		debtor_document: z.string(),
		seq: z.int().min(1).describe('Número da parcela (1 é a entrada ou o pagamento à vista).'),
		due_date: z.iso.date(),
		amount_cents: cents('Valor da parcela.'),
		status: z.enum(INSTALLMENT_STATUS_VALUES).describe('pending: em aberto; partially_paid: paga em parte (paid_cents < amount_cents, o restante em aberto); paid: paga; cancelled: cancelada (substituída ou encerrada com o acordo).'),
		paid_at: instant().nullable(),
		paid_cents: z.int().nullable().describe('Quanto dos pagamentos ficou nesta parcela (no máximo amount_cents; o excedente vira crédito nas dívidas).'),
		superseded_by: z.uuid().nullable().describe('Parcela que substituiu esta (mudança de vencimento, novos dados de pagamento ou quitação antecipada); esta fica cancelada.'),
		updated_at: instant()
	})
);

export const paymentSchema = named(
	'Payment',
	z.object({
		id: z.uuid(),
		installment_id: z.uuid(),
		agreement_id: z.uuid(),
		agreement_code: z.string(),
		debtor_document: z.string(),
		amount_cents: cents('Valor recebido.'),
		paid_at: instant(),
		method: z.enum(['pix', 'boleto', 'manual']),
		source: z.enum(['webhook', 'return_file', 'statement', 'manual']).describe('De onde veio a informação do pagamento (statement: extrato bancário OFX).'),
		external_id: z.string().nullable().describe('endToEndId do Pix, referência do arquivo de retorno ou referência manual.'),
		created_at: instant().describe('Quando o pagamento foi registrado (pagamentos nunca mudam: é este o instante de updated_since).')
	})
);

const page = <T extends z.ZodType>(id: string, item: T, what: string) =>
	named(
		id,
		z
			.object({
				data: z.array(item),
				next_cursor: z.string().nullable().describe('Passe em cursor para a próxima página; null na última.')
			})
			.describe(`Uma página de ${what}, em ordem de alteração (mais antigos primeiro).`)
	);

export const agreementPageSchema = page('AgreementPage', agreementSchema, 'acordos');
export const installmentPageSchema = page('InstallmentPage', installmentSchema, 'parcelas');
export const paymentPageSchema = page('PaymentPage', paymentSchema, 'pagamentos');

export const debtorSchema = named(
	'Debtor',
	z
		.object({
			document: z.string(),
			name: z.string(),
			phone: z.string().nullable().describe('E.164, por exemplo +5511987654321. null também quando o telefone foi informado por outro credor da assessoria (o devedor deve a ele também): esses contatos não são deste credor.'),
			email: z.string().nullable().describe('null também quando o e-mail foi informado por outro credor da assessoria.'),
			state: z.string().nullable(),
			anonymized: z.boolean().describe('Dados pessoais substituídos (LGPD).'),
			debts: z.array(debtSchema),
			agreements: z.array(agreementSchema),
			installments: z.array(installmentSchema),
			payments: z.array(paymentSchema)
		})
		.describe('Um devedor e tudo o que ele tem com este credor (e só com este credor).')
);

// ---------------------------------------------------------------- webhooks

export const webhookEndpointRequestSchema = named('WebhookEndpointRequest', webhookEndpointSchema.describe('Um endpoint novo: o endereço https do ERP e os eventos que ele recebe.'));

const webhookEndpointFields = {
	id: z.uuid(),
	url: z.string().describe('Endereço que recebe os eventos por POST.'),
	description: z.string(),
	events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).describe('Os eventos que este endpoint recebe.'),
	status: z.enum(['active', 'disabled']).describe('disabled: não recebe eventos novos; as entregas pendentes esperam a reativação.'),
	created_at: instant(),
	updated_at: instant()
};

export const webhookEndpointApiSchema = named('WebhookEndpoint', z.object(webhookEndpointFields).describe('Um endpoint de webhook do credor.'));

export const webhookEndpointCreatedSchema = named(
	'WebhookEndpointWithSecret',
	z
		.object({ ...webhookEndpointFields, secret: z.string().describe('Segredo de assinatura (whsec_ e base64). Mostrado só nesta resposta: guarde-o.') })
		.describe('O endpoint e o seu segredo de assinatura, mostrado uma única vez.')
);

export const webhookEndpointListSchema = named('WebhookEndpointList', z.object({ data: z.array(webhookEndpointApiSchema) }).describe('Os endpoints do credor.'));

export const webhookDeliverySchema = named(
	'WebhookDelivery',
	z
		.object({
			id: z.uuid(),
			event_id: z.string().describe('O webhook-id do evento: o mesmo em todas as tentativas e em todos os endpoints (use-o para não processar um evento duas vezes).'),
			type: z.enum(WEBHOOK_EVENT_TYPES),
			status: z.enum(['pending', 'delivered', 'failed']).describe('pending: aguardando envio ou nova tentativa; delivered: o ERP respondeu 2xx; failed: 3 dias sem sucesso.'),
			attempts: z.int().min(0),
			next_attempt_at: instant().nullable().describe('Próxima tentativa, quando pending.'),
			created_at: instant(),
			payload: z.unknown().describe('O corpo enviado: { type, timestamp, data }.'),
			tries: z
				.array(
					z.object({
						at: instant(),
						status_code: z.int().nullable().describe('Status HTTP da resposta; null quando não houve resposta.'),
						latency_ms: z.int().min(0),
						error: z.string().nullable(),
						response_body: z.string().nullable().describe('Início da resposta (até 1.000 caracteres).')
					})
				)
				.describe('Cada tentativa, da mais antiga à mais recente.')
		})
		.describe('Uma entrega de um evento a um endpoint, com as tentativas.')
);

export const webhookDeliveryListSchema = named('WebhookDeliveryList', z.object({ data: z.array(webhookDeliverySchema) }).describe('As 50 entregas mais recentes do endpoint.'));

export const webhookEventSchema = named(
	'WebhookEvent',
	z
		.object({
			type: z.enum(WEBHOOK_EVENT_TYPES),
			timestamp: instant().describe('Quando o evento aconteceu.'),
			data: z
				.record(z.string(), z.unknown())
				.describe(
					'Sempre: agreement { id, code, status }, debtor_document, debt_ids. Conforme o tipo: installments (agreement.created); installment { id, seq, due_date, amount_cents, paid_cents } e payment { id, amount_cents, paid_at, paid_date, method, source } (installment.paid); payment, deadline (AAAA-MM-DD) e rule (debtor.delisting_due).'
				)
		})
		.describe('O corpo de cada webhook. Cabeçalhos: webhook-id, webhook-timestamp e webhook-signature (Standard Webhooks).')
);

export const webhookDeletedSchema = named('WebhookEndpointDeleted', z.object({ id: z.uuid(), deleted: z.literal(true) }).describe('O endpoint foi excluído com o seu histórico de entregas.'));
export const webhookReplaySchema = named('WebhookReplayQueued', z.object({ id: z.uuid(), status: z.literal('pending') }).describe('A entrega voltou para a fila e sai nos próximos segundos, com o mesmo webhook-id.'));

export const webhookIdParamSchema = z.string().describe('O id do endpoint.');
export const deliveryIdParamSchema = z.string().describe('O id da entrega.');

export type DebtItem = z.infer<typeof debtItemSchema>;
export type CloseDebtRequest = z.infer<typeof closeDebtRequestSchema>;
export const returnFileReportSchema = named(
	'ReturnFileReport',
	z
		.object({
			file_id: z.uuid().describe('O arquivo guardado (o mesmo para o mesmo conteúdo).'),
			duplicate: z.boolean().describe('true quando este conteúdo já tinha sido importado: nada mudou.'),
			format: z.enum(['cnab240', 'cnab400']),
			bank_code: z.string(),
			records: z.int().min(0).describe('Registros de título no arquivo.'),
			paid: z.int().min(0).describe('Pagamentos lançados por este arquivo.'),
			already_recorded: z.int().min(0).describe('Pagamentos que já tinham chegado por outro arquivo (lançados uma vez só).'),
			registered: z.int().min(0),
			rejected: z.int().min(0),
			written_off: z.int().min(0),
			instructions_confirmed: z.int().min(0).describe('Instruções nossas que o banco confirmou (como o novo valor de um título pago em parte): só informativas.'),
			review: z.int().min(0).describe('Registros que aguardam conferência na fila de pendências (nunca contados como pagos).'),
			paid_cents: z.int().min(0),
			review_cents: z.int().min(0),
			warnings: z.array(z.string())
		})
		.describe('O que a importação de um arquivo de retorno fez.')
);

export const statementFileReportSchema = named(
	'StatementFileReport',
	z
		.object({
			file_id: z.uuid().describe('O extrato guardado (o mesmo para o mesmo conteúdo).'),
			duplicate: z.boolean().describe('true quando este conteúdo já tinha sido importado: nada mudou.'),
			format: z.enum(['ofx1', 'ofx2']).describe('OFX 1.x (SGML) ou 2.x (XML).'),
			accounts: z.array(z.object({ bank_id: z.string(), branch_id: z.string().nullable(), account_id: z.string() })).describe('As contas do extrato (BANKACCTFROM).'),
			period_start: z.iso.date().nullable(),
			period_end: z.iso.date().nullable(),
			transactions: z.int().min(0).describe('Lançamentos lidos (créditos e débitos).'),
			credits: z.int().min(0).describe('Créditos: os candidatos a pagamento (débitos são ignorados).'),
			recorded: z.int().min(0).describe('Créditos com o txid de uma parcela: pagamentos lançados.'),
			proposed: z.int().min(0).describe('Créditos com o valor em aberto de uma parcela de vencimento próximo: propostos na fila de pendências, nunca lançados sozinhos.'),
			unmatched: z.int().min(0).describe('Créditos sem correspondência: na fila de pendências.'),
			already_known: z.int().min(0).describe('Já conhecidos: o mesmo lançamento em outro extrato, ou um Pix já lançado pelo PSP (mesmo endToEndId).'),
			recorded_cents: z.int().min(0),
			review_cents: z.int().min(0),
			warnings: z.array(z.string())
		})
		.describe('O que a importação de um extrato bancário (OFX) fez.')
);

export type ItemError = z.infer<typeof itemErrorSchema>;
export type Problem = z.infer<typeof problemSchema>;
export type BatchResult = z.infer<typeof batchResultSchema>;
export type ApiDebt = z.infer<typeof debtSchema>;
export type ApiAgreement = z.infer<typeof agreementSchema>;
export type ApiInstallment = z.infer<typeof installmentSchema>;
export type ApiPayment = z.infer<typeof paymentSchema>;
export type ApiDebtor = z.infer<typeof debtorSchema>;

// ---------------------------------------------------------------- admin form

export const apiKeyCreateSchema = z.object({
	creditorId: z.uuid({ error: 'Escolha o credor.' }),
	name: z
		.string()
		.trim()
		.min(2, { error: 'Dê um nome à chave (por exemplo "ERP produção").' })
		.max(100, { error: 'Nome com mais de 100 caracteres.' }),
	scope: z.enum(['read', 'read_write'], { error: 'Escolha a permissão: leitura, ou leitura e escrita.' })
});
