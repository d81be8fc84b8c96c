/**
 * Message templates: placeholders, rendering and the lint the template editor runs as staff type.
 * Pure, for the server and the browser alike.
 */
import type { Channel } from '../server/messaging/wire';
import { smsSegments } from './sms';

/** Placeholders a template may use, what each holds (pt-BR, for the editor) and a long-ish example to measure with. */
export const TEMPLATE_VARS = {
	nome: { description: 'Nome completo do devedor', example: 'Maria Aparecida dos Santos Oliveira' },
	primeiro_nome: { description: 'Primeiro nome do devedor', example: 'Maria' },
	credor: { description: 'Nome do credor, que toda mensagem de cobrança deve identificar', example: 'Banco Exemplo S.A.' },
	link: { description: 'Link pessoal para o portal de negociação', example: 'https://acerto.exemplo.com.br/l/Ab3dEf7hJk' },
	valor: { description: 'Valor atualizado da dívida', example: 'R$ 12.345,67' },
	desconto: { description: 'Desconto da oferta (em reais ou %)', example: 'R$ 4.567,89' },
	vencimento: { description: 'Data de vencimento da parcela ou do boleto', example: '05/01/2027' },
	oferta_ate: { description: 'Último dia da oferta', example: '31/01/2027' },
	golpe: { description: 'Link para a página "É golpe?", onde o devedor confere se a mensagem é verdadeira', example: 'https://acerto.exemplo.com.br/golpe' },
	pix: {
		description: 'Pix copia e cola',
		example:
			'00020101021226900014br.gov.bcb.pix2568pix.exemplo.com.br/qr/v2/cobv/9d36b84fc70b478fb95c12729b90ca255204000053039865802BR5915BANCO EXEMPLO SA6009SAO PAULO62070503***6304ABCD'
	},
	boleto: { description: 'Link para o boleto em PDF', example: 'https://acerto.exemplo.com.br/b/Ab3dEf7hJk' },
	parcela: { description: 'Parcela em aberto (número e total)', example: '2 de 12' }
} as const satisfies Record<string, { description: string; example: string }>;

export type TemplateVar = keyof typeof TEMPLATE_VARS;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g;

function isTemplateVar(name: string): name is TemplateVar {
	return Object.hasOwn(TEMPLATE_VARS, name);
}

/** Every placeholder name in the template, once each, in order of first appearance (unknown ones too). */
export function placeholders(template: string): string[] {
	return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * Fills the placeholders in one pass (a value holding `{{…}}` stays as it is). A placeholder with
 * no value is a bug the lint should have caught: it throws rather than send a message with a hole.
 * `escape` applies to values only (HTML for e-mail).
 */
export function render(template: string, vars: Readonly<Record<string, string | undefined>>, escape: (value: string) => string = (v) => v): string {
	const missing = placeholders(template).filter((name) => typeof vars[name] !== 'string');
	if (missing.length > 0) throw new Error(`Modelo com variáveis sem valor: ${missing.map((n) => `{{${n}}}`).join(', ')}.`);
	return template.replace(PLACEHOLDER, (_, name: string) => escape(vars[name] as string));
}

// ------------------------------------------------------------------ lint

export type LintCategory = 'ameaca' | 'constrangimento' | 'falsa_urgencia';

export type LintWord = {
	/** Matched ignoring case and accents, as whole words; spaces match any run of spaces. */
	term: string;
	category: LintCategory;
	severity: 'error' | 'warning';
	why: string;
};

const THREAT_DEBT_IS_NOT_A_CRIME =
	'Dívida não é crime e não dá prisão (CF art. 5º LXVII): sugerir polícia ou cadeia é ameaça (CDC arts. 42 e 71).';
const ONLY_IF_REAL =
	'Só é lícito se for verdade e já estiver em curso; do contrário é afirmação enganosa para intimidar (CDC art. 71).';
const EXPOSURE =
	'Expor a dívida a terceiros ou cobrar no trabalho constrange o devedor e interfere no trabalho (CDC arts. 42 e 71).';
const INSULT = 'Rótulo ofensivo: expõe o devedor ao ridículo (CDC art. 42).';
const FALSE_URGENCY =
	'Pressão de prazo ou consequência que não é verdadeira, ou não está na oferta, é afirmação enganosa (CDC art. 71); use {{oferta_ate}} com a data real.';
const CPF = 'O CPF não é bloqueado nem cancelado por dívida; dizer isso é falso (CDC art. 71).';
const NEGATIVACAO =
	'A negativação exige comunicação prévia por escrito (CDC art. 43 §2º) e não é uma ameaça de "hoje": informe com a data e o aviso reais.';

/**
 * Words and phrases a collection message must not use, or must use only when true. Errors block
 * saving the template; warnings ask the author to confirm. Reasoned from CDC art. 42 (no ridicule,
 * embarrassment or threat), art. 71 (no threat, coercion, false or misleading statements, nor
 * interference with work, rest or leisure) and art. 43 §2 (negativação needs prior written notice).
 */
export const LINT_WORDS: readonly LintWord[] = [
	// Threats: debt is a civil matter.
	...['prisão', 'preso', 'presa', 'prender', 'cadeia', 'polícia', 'delegacia', 'boletim de ocorrência', 'crime', 'criminoso', 'processo criminal', 'mandado de prisão'].map(
		(term): LintWord => ({ term, category: 'ameaca', severity: 'error', why: THREAT_DEBT_IS_NOT_A_CRIME })
	),
	{ term: 'oficial de justiça', category: 'ameaca', severity: 'error', why: 'Sugere uma diligência judicial iminente, que só o juízo determina (CDC art. 71).' },
	...['penhora', 'penhorar', 'penhorados', 'bloqueio de bens', 'bloqueio judicial', 'tomar seus bens', 'ação judicial', 'processar', 'processado', 'processada', 'medidas judiciais'].map(
		(term): LintWord => ({ term, category: 'ameaca', severity: 'warning', why: ONLY_IF_REAL })
	),
	// Exposure to third parties and at work.
	...['no seu trabalho', 'no seu emprego', 'seu chefe', 'seu patrão', 'seus colegas', 'seus vizinhos', 'vamos cobrar no seu trabalho'].map(
		(term): LintWord => ({ term, category: 'constrangimento', severity: 'error', why: EXPOSURE })
	),
	...['sua família', 'seus familiares', 'seus parentes'].map(
		(term): LintWord => ({ term, category: 'constrangimento', severity: 'warning', why: EXPOSURE })
	),
	// Insults and shaming.
	...['vergonha', 'vergonhoso', 'sem vergonha', 'caloteiro', 'caloteira', 'calote', 'mau pagador', 'má pagadora', 'mal pagador', 'lista negra', 'desonesto', 'irresponsável', 'vagabundo', 'safado'].map(
		(term): LintWord => ({ term, category: 'constrangimento', severity: 'error', why: INSULT })
	),
	{ term: 'nome sujo', category: 'constrangimento', severity: 'warning', why: 'Expressão pejorativa; prefira "restrição no nome" ou "negativação" (CDC art. 42).' },
	// False urgency and false consequences.
	...['CPF bloqueado', 'CPF será bloqueado', 'bloqueio do CPF', 'CPF cancelado', 'CPF será cancelado', 'cancelamento do CPF'].map(
		(term): LintWord => ({ term, category: 'falsa_urgencia', severity: 'error', why: CPF })
	),
	...['vai para o SPC hoje', 'vai para o Serasa hoje', 'negativado hoje', 'será negativado', 'será negativada'].map(
		(term): LintWord => ({ term, category: 'falsa_urgencia', severity: 'warning', why: NEGATIVACAO })
	),
	...['última chance', 'último aviso', 'aviso final', 'urgente', 'urgentíssimo'].map(
		(term): LintWord => ({ term, category: 'falsa_urgencia', severity: 'warning', why: FALSE_URGENCY })
	)
];

export type FindingCode =
	| LintCategory
	| 'sem_credor'
	| 'valor_visivel'
	| 'sem_golpe'
	| 'placeholder_desconhecido'
	| 'placeholder_malformado'
	| 'sem_assunto'
	| 'sms_longo';

export type Finding = {
	code: FindingCode;
	severity: 'error' | 'warning';
	/** pt-BR, for the editor. */
	message: string;
	/** The part of the text the finding is about ('' when it is about what is missing). */
	excerpt: string;
	field: 'subject' | 'body';
};

export type TemplateDraft = { channel: Channel; subject?: string; body: string };

export const MAX_SMS_SEGMENTS = 3;

const CATEGORY_LABELS: Record<LintCategory, string> = {
	ameaca: 'Ameaça',
	constrangimento: 'Constrangimento',
	falsa_urgencia: 'Urgência ou consequência falsa'
};

/** Lower case, accents removed, with the index in the original text of each folded character. */
function fold(text: string): { folded: string; origin: number[] } {
	let folded = '';
	const origin: number[] = [];
	let i = 0;
	for (const c of text) {
		const f = c.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
		for (let k = 0; k < f.length; k++) origin.push(i);
		folded += f;
		i += c.length;
	}
	origin.push(i);
	return { folded, origin };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const WORD_PATTERNS = LINT_WORDS.map((word) => ({
	word,
	pattern: new RegExp(
		`(?<![\\p{L}\\p{N}])${fold(word.term).folded.split(/\s+/).map(escapeRegExp).join('\\s+')}(?![\\p{L}\\p{N}])`,
		'gu'
	)
}));

function wordFindings(text: string, field: Finding['field']): Finding[] {
	const { folded, origin } = fold(text);
	const findings: Finding[] = [];
	for (const { word, pattern } of WORD_PATTERNS) {
		for (const m of folded.matchAll(pattern)) {
			findings.push({
				code: word.category,
				severity: word.severity,
				message: `${CATEGORY_LABELS[word.category]}: "${word.term}". ${word.why}`,
				excerpt: text.slice(origin[m.index], origin[m.index + m[0].length]),
				field
			});
		}
	}
	return findings;
}

function placeholderFindings(text: string, field: Finding['field']): Finding[] {
	const findings: Finding[] = [];
	for (const m of text.matchAll(PLACEHOLDER)) {
		if (isTemplateVar(m[1])) continue;
		findings.push({
			code: 'placeholder_desconhecido',
			severity: 'error',
			message: `Variável desconhecida: ${m[0]}. Use uma destas: ${Object.keys(TEMPLATE_VARS).map((n) => `{{${n}}}`).join(', ')}.`,
			excerpt: m[0],
			field
		});
	}
	const rest = text.replace(PLACEHOLDER, '');
	const stray = /\{\{|\}\}|\{\s*[A-Za-z_]+\s*\}/.exec(rest);
	if (stray) {
		findings.push({
			code: 'placeholder_malformado',
			severity: 'error',
			message: 'Chaves sem par: escreva as variáveis com chaves duplas, como {{nome}}.',
			excerpt: stray[0],
			field
		});
	}
	return findings;
}

const MONEY_VARS = ['valor', 'desconto'] as const;

function amountShown(text: string): string | null {
	for (const name of MONEY_VARS) {
		const m = new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).exec(text);
		if (m) return m[0];
	}
	const literal = /R\s?\$\s?[\d.,]*/.exec(text);
	return literal ? literal[0].trim() : null;
}

/** What to fix in a template before it may be used. Errors block saving; warnings ask for a second look. */
export function lint(template: TemplateDraft): Finding[] {
	const { channel, body } = template;
	const subject = template.subject ?? '';
	const findings: Finding[] = [];

	if (channel === 'email' && subject.trim() === '') {
		findings.push({ code: 'sem_assunto', severity: 'error', message: 'O e-mail precisa de um assunto.', excerpt: '', field: 'subject' });
	}
	if (channel === 'email') findings.push(...placeholderFindings(subject, 'subject'), ...wordFindings(subject, 'subject'));
	findings.push(...placeholderFindings(body, 'body'), ...wordFindings(body, 'body'));

	// CDC art. 42-A and the fear of fraud: every message says who is collecting.
	if (!placeholders(body).includes('credor')) {
		findings.push({
			code: 'sem_credor',
			severity: 'error',
			message: 'A mensagem precisa identificar o credor: inclua {{credor}} no texto (CDC art. 42-A).',
			excerpt: '',
			field: 'body'
		});
	}

	// Where others may read it: an SMS, a WhatsApp notification on a locked screen, an e-mail subject.
	const exposed = channel === 'email' ? { text: subject, field: 'subject' as const } : { text: body, field: 'body' as const };
	const amount = amountShown(exposed.text);
	if (amount !== null) {
		const where = { sms: 'no SMS', whatsapp: 'na prévia do WhatsApp na tela bloqueada', email: 'no assunto do e-mail' }[channel];
		findings.push({
			code: 'valor_visivel',
			severity: 'warning',
			message: `O valor da dívida fica visível ${where}, onde outras pessoas podem ler. Prefira mostrá-lo só no portal (CDC art. 42).`,
			excerpt: amount,
			field: exposed.field
		});
	}

	if (!placeholders(body).includes('golpe')) {
		findings.push({
			code: 'sem_golpe',
			severity: 'warning',
			message: 'Inclua {{golpe}}: o link da página "É golpe?" deixa o devedor conferir que a mensagem é verdadeira.',
			excerpt: '',
			field: 'body'
		});
	}

	if (channel === 'sms') {
		const sample = render(
			body,
			Object.fromEntries(placeholders(body).map((name) => [name, isTemplateVar(name) ? TEMPLATE_VARS[name].example : `{{${name}}}`]))
		);
		const { segments, encoding } = smsSegments(sample);
		if (segments > MAX_SMS_SEGMENTS) {
			findings.push({
				code: 'sms_longo',
				severity: 'warning',
				message: `Com valores de exemplo, o SMS ocupa ${segments} partes (${encoding}); acima de ${MAX_SMS_SEGMENTS} o custo sobe e algumas operadoras truncam. Encurte o texto${encoding === 'UCS-2' ? ' ou evite acentos como ã, ç, ê, que reduzem cada parte a 67 caracteres' : ''}.`,
				excerpt: '',
				field: 'body'
			});
		}
	}
	return findings;
}
