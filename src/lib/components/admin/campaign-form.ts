/**
 * A campaign as a form: what people type (reais, pt-BR decimals, São Paulo wall-clock times) ↔
 * the JSON of `campaignSchema`, the schema the CLI reads too. Pure, for the browser (the editor's
 * live counters) and the server (the save action). Field names are the schema's paths
 * (`segment.daysPastDue.min`, `templates.sms.body`), so an issue's path names its field.
 */
import { z } from 'zod';
import { CHANNELS, CHANNEL_LABELS, campaignSchema, type Campaign, type CampaignChannel, type Segment } from '../../schemas/campaign';
import type { Policy } from '../../schemas/policy';
import { UFS } from '../../format/contact';
import { formatBRL, parseAmountToCents } from '../../format/money';
import { addDays, formatDateBR, isIsoDate, todayInSaoPaulo } from '../../format/dates';
import { TEMPLATE_VARS } from '../../messaging/template';
import { whatsappText } from '../../messaging/lint-templates';

export const TEXT_FIELDS = [
	'creditorId',
	'name',
	'segment.daysPastDue.min',
	'segment.daysPastDue.max',
	'segment.balanceCents.min',
	'segment.balanceCents.max',
	'segment.agreement',
	'segment.notContactedForDays',
	'offer.cashDiscountMaxPercent',
	'offer.installmentDiscountMaxPercent',
	'offer.installmentsMax',
	'offer.minEntryPercent',
	'offer.validUntil',
	'channels.0',
	'channels.1',
	'channels.2',
	'templates.sms.body',
	'templates.whatsapp.name',
	'templates.whatsapp.language',
	'templates.whatsapp.body',
	'templates.whatsapp.params',
	'templates.email.subject',
	'templates.email.body',
	'startsAt',
	'endsAt',
	'ratePerMinute'
] as const;

export type TextField = (typeof TEXT_FIELDS)[number];

export type CampaignFormValues = Record<TextField, string> & {
	'segment.ufs': string[];
	'segment.channelsAvailable': string[];
	'segment.neverContacted': boolean;
	/** An agency admin publishes despite the lint's errors (audited). */
	overrideLint: boolean;
};

/** Errors keyed by field name or by the fieldset they are about (`offer`, `channels`, `templates.sms`). */
export type FormErrors = Record<string, string[]>;

export const AGREEMENT_LABELS: Record<Segment['agreement'], string> = {
	none: 'Sem acordo',
	active: 'Em acordo (só lembretes, sem oferta)',
	broken: 'Acordo quebrado',
	any: 'Todos'
};

/** The fieldsets that carry errors of their own (a missing template, the offer over the policy's limits…). */
export const GROUPS = ['offer', 'channels', 'segment.ufs', 'segment.channelsAvailable', 'templates.sms', 'templates.whatsapp', 'templates.email'] as const;

// Every field and fieldset, in the order the form shows them (the error summary follows it).
const NAMES: readonly string[] = [
	...TEXT_FIELDS.slice(0, TEXT_FIELDS.indexOf('segment.notContactedForDays') + 1),
	'segment.ufs',
	'segment.channelsAvailable',
	'offer',
	...TEXT_FIELDS.filter((f) => f.startsWith('offer.')),
	'channels',
	...TEXT_FIELDS.filter((f) => f.startsWith('channels.')),
	...(['sms', 'whatsapp', 'email'] as const).flatMap((ch) => [`templates.${ch}`, ...TEXT_FIELDS.filter((f) => f.startsWith(`templates.${ch}.`))]),
	'startsAt',
	'endsAt',
	'ratePerMinute'
];

/** Where a field comes in the form, for ordering messages (the campaign as a whole first). */
export function formOrder(name: string): number {
	return NAMES.indexOf(name);
}

/** The field (or fieldset) an error key lands on: the longest name it starts with; null for the campaign as a whole. */
export function fieldOf(key: string): string | null {
	let best: string | null = null;
	for (const n of NAMES) if ((key === n || key.startsWith(`${n}.`)) && (!best || n.length > best.length)) best = n;
	return best;
}

/** DOM id of a field (dots are awkward in CSS selectors). */
export const fieldId = (name: string) => `cf-${name.replace(/\./g, '-')}`;

// ------------------------------------------------------------------ São Paulo wall-clock time

const SP_PARTS = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** An instant as a `datetime-local` value in São Paulo (`2026-12-07T09:00`). */
export function toLocalInput(iso: string): string {
	const p = Object.fromEntries(SP_PARTS.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
	return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * A `datetime-local` value read as São Paulo time: Brazil has kept UTC−3 all year since 2019
 * (Decreto 9.772/2019), so the offset is fixed.
 */
export function fromLocalInput(local: string): string | null {
	const m = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$/.exec(local.trim());
	if (!m || !isIsoDate(m[1])) return null;
	return `${m[1]}T${m[2]}:${m[3]}${m[4] ?? ':00'}-03:00`;
}

// ------------------------------------------------------------------ values ↔ campaign

const decimal = (n: number) => String(n).replace('.', ',');
const reais = (cents: number) => formatBRL(cents).replace(/^R\$ /, '');

export function emptyValues(creditorId: string, now = new Date()): CampaignFormValues {
	const tomorrow = addDays(todayInSaoPaulo(now), 1);
	const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, ''])) as Record<TextField, string>;
	return {
		...text,
		creditorId,
		'segment.agreement': 'none',
		'channels.0': 'sms',
		'templates.whatsapp.language': 'pt_BR',
		startsAt: `${tomorrow}T09:00`,
		endsAt: `${addDays(tomorrow, 7)}T19:00`,
		ratePerMinute: '600',
		'segment.ufs': [],
		'segment.channelsAvailable': [],
		'segment.neverContacted': false,
		overrideLint: false
	};
}

/** A saved draft back in the form, to edit it. */
export function valuesFromCampaign(creditorId: string, c: Campaign): CampaignFormValues {
	const v = emptyValues(creditorId);
	const s = c.segment;
	const set = (f: TextField, x: number | string | undefined, show: (n: number) => string = String) => {
		v[f] = x === undefined ? '' : typeof x === 'number' ? show(x) : x;
	};
	v.name = c.name;
	set('segment.daysPastDue.min', s.daysPastDue?.min);
	set('segment.daysPastDue.max', s.daysPastDue?.max);
	set('segment.balanceCents.min', s.balanceCents?.min, reais);
	set('segment.balanceCents.max', s.balanceCents?.max, reais);
	v['segment.agreement'] = s.agreement;
	set('segment.notContactedForDays', s.notContactedForDays);
	v['segment.ufs'] = [...(s.ufs ?? [])];
	v['segment.channelsAvailable'] = [...(s.channelsAvailable ?? [])];
	v['segment.neverContacted'] = s.neverContacted ?? false;
	set('offer.cashDiscountMaxPercent', c.offer?.cashDiscountMaxPercent, decimal);
	set('offer.installmentDiscountMaxPercent', c.offer?.installmentDiscountMaxPercent, decimal);
	set('offer.installmentsMax', c.offer?.installmentsMax);
	set('offer.minEntryPercent', c.offer?.minEntryPercent, decimal);
	set('offer.validUntil', c.offer?.validUntil);
	for (const i of [0, 1, 2] as const) v[`channels.${i}`] = c.channels[i] ?? '';
	set('templates.sms.body', c.templates.sms?.body);
	set('templates.whatsapp.name', c.templates.whatsapp?.name);
	v['templates.whatsapp.language'] = c.templates.whatsapp?.language ?? 'pt_BR';
	set('templates.whatsapp.body', c.templates.whatsapp?.body);
	v['templates.whatsapp.params'] = (c.templates.whatsapp?.params ?? []).join('\n');
	set('templates.email.subject', c.templates.email?.subject);
	set('templates.email.body', c.templates.email?.body);
	v.startsAt = toLocalInput(c.startsAt);
	v.endsAt = toLocalInput(c.endsAt);
	v.ratePerMinute = String(c.ratePerMinute);
	return v;
}

type FormLike = { get(name: string): unknown; getAll(name: string): unknown[] };

/** Reads the posted form. Missing fields come back empty, so the schema reports them. */
export function valuesFromForm(form: FormLike): CampaignFormValues {
	const str = (name: string) => {
		const x = form.get(name);
		return typeof x === 'string' ? x : '';
	};
	const flag = (name: string) => ['on', 'true', '1'].includes(str(name));
	const many = (name: string, allowed: readonly string[]) => [...new Set(form.getAll(name).filter((x): x is string => typeof x === 'string' && allowed.includes(x)))];
	return {
		...(Object.fromEntries(TEXT_FIELDS.map((f) => [f, str(f)])) as Record<TextField, string>),
		'segment.ufs': many('segment.ufs', UFS),
		'segment.channelsAvailable': many('segment.channelsAvailable', CHANNELS),
		'segment.neverContacted': flag('segment.neverContacted'),
		overrideLint: flag('overrideLint')
	};
}

/** The same fields as the editor's form, for posting a campaign from a script or a test. */
export function valuesToFormData(v: CampaignFormValues, into = new FormData()): FormData {
	for (const f of TEXT_FIELDS) into.set(f, v[f]);
	for (const uf of v['segment.ufs']) into.append('segment.ufs', uf);
	for (const ch of v['segment.channelsAvailable']) into.append('segment.channelsAvailable', ch);
	if (v['segment.neverContacted']) into.set('segment.neverContacted', 'on');
	if (v.overrideLint) into.set('overrideLint', 'on');
	return into;
}

const LABELS: Partial<Record<TextField, string>> = {
	'segment.daysPastDue.min': 'Dias de atraso (mínimo)',
	'segment.daysPastDue.max': 'Dias de atraso (máximo)',
	'segment.balanceCents.min': 'Saldo mínimo',
	'segment.balanceCents.max': 'Saldo máximo',
	'segment.notContactedForDays': 'Sem contato há (dias)',
	'offer.cashDiscountMaxPercent': 'Desconto à vista',
	'offer.installmentDiscountMaxPercent': 'Desconto no parcelamento',
	'offer.installmentsMax': 'Máximo de parcelas',
	'offer.minEntryPercent': 'Entrada mínima',
	ratePerMinute: 'Mensagens por minuto',
	startsAt: 'Início',
	endsAt: 'Fim'
};

/**
 * The form as the campaign's JSON, and what cannot even be read (a balance that is not an amount,
 * a date that is not a date), each on its field. The schema itself runs in `checkForm`.
 */
export function readForm(v: CampaignFormValues): { creditorId: string; body: Record<string, unknown>; errors: FormErrors } {
	const errors: FormErrors = {};
	const bad = (f: TextField, message: string) => ((errors[f] ??= []).push(message), undefined);
	const t = (f: TextField) => v[f].trim();
	const whole = (f: TextField) => {
		const s = t(f);
		if (s === '') return undefined;
		return /^-?\d+$/.test(s) ? Number(s) : bad(f, `${LABELS[f]}: informe um número inteiro.`);
	};
	const percent = (f: TextField) => {
		const m = /^(-?\d+(?:[.,]\d+)?)\s*%?$/.exec(t(f));
		if (t(f) === '') return undefined;
		return m ? Number(m[1].replace(',', '.')) : bad(f, `${LABELS[f]}: informe um percentual, por exemplo 10 ou 12,5.`);
	};
	const money = (f: TextField) => {
		if (t(f) === '') return undefined;
		return parseAmountToCents(t(f)) ?? bad(f, `${LABELS[f]}: informe um valor em reais, por exemplo 1.500,00.`);
	};
	const instant = (f: 'startsAt' | 'endsAt') => {
		if (t(f) === '') return bad(f, `${LABELS[f]}: informe a data e a hora.`);
		return fromLocalInput(t(f)) ?? bad(f, `${LABELS[f]}: informe uma data e hora válidas.`);
	};
	const range = (min: number | undefined, max: number | undefined) => (min === undefined && max === undefined ? undefined : { min, max });

	const segment: Record<string, unknown> = {
		daysPastDue: range(whole('segment.daysPastDue.min'), whole('segment.daysPastDue.max')),
		balanceCents: range(money('segment.balanceCents.min'), money('segment.balanceCents.max')),
		ufs: v['segment.ufs'].length ? v['segment.ufs'] : undefined,
		agreement: t('segment.agreement') || 'none',
		notContactedForDays: whole('segment.notContactedForDays'),
		neverContacted: v['segment.neverContacted'] || undefined,
		channelsAvailable: v['segment.channelsAvailable'].length ? v['segment.channelsAvailable'] : undefined
	};
	const offerFields = ['offer.cashDiscountMaxPercent', 'offer.installmentDiscountMaxPercent', 'offer.installmentsMax', 'offer.minEntryPercent', 'offer.validUntil'] as const;
	const offer = offerFields.some((f) => t(f) !== '')
		? {
				cashDiscountMaxPercent: percent('offer.cashDiscountMaxPercent'),
				installmentDiscountMaxPercent: percent('offer.installmentDiscountMaxPercent'),
				installmentsMax: whole('offer.installmentsMax'),
				minEntryPercent: percent('offer.minEntryPercent'),
				validUntil: t('offer.validUntil') || bad('offer.validUntil', 'Oferta válida até: informe o último dia da oferta.')
			}
		: undefined;
	const params = v['templates.whatsapp.params']
		.split(/\r?\n/)
		.map((p) => p.trim())
		.filter(Boolean);
	const templates = {
		sms: t('templates.sms.body') ? { body: v['templates.sms.body'] } : undefined,
		whatsapp:
			t('templates.whatsapp.name') || t('templates.whatsapp.body') || params.length
				? { name: t('templates.whatsapp.name'), language: t('templates.whatsapp.language') || 'pt_BR', body: v['templates.whatsapp.body'], params }
				: undefined,
		email: t('templates.email.subject') || t('templates.email.body') ? { subject: v['templates.email.subject'], body: v['templates.email.body'] } : undefined
	};
	const body = {
		name: v.name,
		segment,
		offer,
		channels: [t('channels.0'), t('channels.1'), t('channels.2')].filter(Boolean),
		templates,
		startsAt: instant('startsAt'),
		endsAt: instant('endsAt'),
		ratePerMinute: whole('ratePerMinute')
	};
	if (!t('creditorId')) bad('creditorId', 'Escolha o credor.');
	return { creditorId: t('creditorId'), body: JSON.parse(JSON.stringify(body)), errors };
}

/** Every schema issue on its field, in pt-BR (the schema's messages). */
export function errorsOf(error: z.ZodError): FormErrors {
	const out: FormErrors = {};
	for (const issue of error.issues) {
		const key = issue.path.map(String).join('.') || 'campanha';
		if (!(out[key] ??= []).includes(issue.message)) out[key].push(issue.message);
	}
	return out;
}

/** The form read and checked by `campaignSchema`; a field that could not be read keeps only its own, clearer message. */
export function checkForm(v: CampaignFormValues): { creditorId: string; body: Record<string, unknown>; errors: FormErrors } {
	const read = readForm(v);
	const parsed = campaignSchema.safeParse(read.body);
	const errors: FormErrors = { ...read.errors };
	if (!parsed.success) for (const [key, messages] of Object.entries(errorsOf(parsed.error))) if (!(key in read.errors)) errors[key] = messages;
	return { ...read, errors };
}

// ------------------------------------------------------------------ what the editor shows

/** A template with every known placeholder replaced by its long-ish example: what the counters measure. */
export function withExamples(text: string): string {
	return text.replace(/\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g, (m, name: string) => (Object.hasOwn(TEMPLATE_VARS, name) ? TEMPLATE_VARS[name as keyof typeof TEMPLATE_VARS].example : m));
}

/** The WhatsApp template as the debtor would read it, with example values. */
export function whatsappExample(body: string, params: string): string {
	return withExamples(whatsappText({ body, params: params.split(/\r?\n/).map((p) => p.trim()).filter(Boolean) }));
}

/** A price in thousandths of a cent, as reais: `R$ 0,07`, `R$ 0,001`. */
export function formatMillicents(m: number): string {
	const rest = m % 1000;
	return formatBRL(Math.floor(m / 1000)) + (rest === 0 ? '' : String(rest).padStart(3, '0').replace(/0+$/, ''));
}

export type CampaignLimits = NonNullable<Policy['campaignLimits']>;

/** The policy's campaign limits in one sentence, or why there are none. */
export function describeLimits(p: { version: number; limits: CampaignLimits | null } | null): string {
	if (!p) return 'Este credor ainda não tem política publicada: não é possível oferecer condição especial.';
	if (!p.limits) return `A política deste credor (versão ${p.version}) não define limites de campanha: uma oferta especial não pode ser salva. Quem publica a política precisa defini-los antes.`;
	const l = p.limits;
	return `Limites da política (versão ${p.version}) para campanhas: desconto à vista até ${decimal(l.cashDiscountMaxPercent)}%, no parcelamento até ${decimal(l.installmentDiscountMaxPercent)}%, até ${l.installmentsMax} parcelas, entrada de ao menos ${decimal(l.minEntryPercent)}%.`;
}

/** The segment in plain pt-BR, one line per filter. */
export function describeSegment(s: Segment, channels: readonly CampaignChannel[]): string[] {
	const out: string[] = [`Acordo: ${AGREEMENT_LABELS[s.agreement].toLowerCase()}`];
	const band = (r: { min?: number; max?: number } | undefined, show: (n: number) => string) =>
		r?.min !== undefined && r.max !== undefined ? `de ${show(r.min)} a ${show(r.max)}` : r?.min !== undefined ? `a partir de ${show(r.min)}` : r?.max !== undefined ? `até ${show(r.max)}` : null;
	const days = band(s.daysPastDue, (n) => `${n}`);
	if (days) out.push(`Dias de atraso: ${days}`);
	const balance = band(s.balanceCents, formatBRL);
	if (balance) out.push(`Saldo em aberto: ${balance}`);
	out.push(s.ufs ? `Estados: ${s.ufs.join(', ')}` : 'Estados: todos');
	if (s.notContactedForDays) out.push(`Sem contato de campanha ou régua há ${s.notContactedForDays} dias`);
	if (s.neverContacted) out.push('Nunca contatados por campanha ou régua');
	out.push(`Com contato em: ${(s.channelsAvailable ?? channels).map((c) => CHANNEL_LABELS[c]).join(', ')}`);
	return out;
}

/** The special offer in plain pt-BR. */
export function describeOffer(o: Campaign['offer']): string | null {
	if (!o) return null;
	const parts = [
		o.cashDiscountMaxPercent !== undefined && `desconto à vista de até ${decimal(o.cashDiscountMaxPercent)}%`,
		o.installmentDiscountMaxPercent !== undefined && `desconto no parcelamento de até ${decimal(o.installmentDiscountMaxPercent)}%`,
		o.installmentsMax !== undefined && `até ${o.installmentsMax} parcelas`,
		o.minEntryPercent !== undefined && `entrada mínima de ${decimal(o.minEntryPercent)}%`
	].filter(Boolean);
	const text = `${parts.join(', ')}; válida até ${formatDateBR(o.validUntil)}`;
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The badge colour of each campaign status (labels come from the server's `STATUS_LABELS`). */
export const STATUS_TONE: Record<string, '' | 'ok' | 'warn' | 'err'> = { draft: '', running: 'ok', paused: 'warn', cancelled: 'err', finished: '' };
