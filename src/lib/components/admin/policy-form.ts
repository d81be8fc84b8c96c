/**
 * The offer policy as a form: what people type (pt-BR decimals, reais) ↔ the policy JSON, checked
 * by the same `policySchema` as the CLI. Pure, shared by the browser (live errors) and the
 * server (publish and simulate actions). Form field names are the keys below, e.g.
 * `lateFeePercent`, `bands.0.cashDiscountMaxPercent`.
 */
import { policySchema, type Policy } from '../../schemas/policy';
import { parseAmountToCents } from '../../format/money';

type Kind = 'int' | 'intOrOpen' | 'percent' | 'percentOrNone' | 'money';

export type FieldSpec = { key: string; path: string; label: string; kind: Kind; help?: string };

export const TOP_FIELDS = [
	{ key: 'lateFeePercent', path: 'lateFeePercent', label: 'Multa (%)', kind: 'percent', help: 'Dívidas de consumo: no máximo 2% (CDC art. 52 §1).' },
	{ key: 'interestMonthlyPercent', path: 'interestMonthlyPercent', label: 'Juros de mora (% ao mês)', kind: 'percent', help: 'Simples, pro rata die, sobre o principal.' },
	{ key: 'firstDueMin', path: 'firstDueDays.min', label: 'Primeiro pagamento: a partir de (dias)', kind: 'int' },
	{ key: 'firstDueMax', path: 'firstDueDays.max', label: 'Primeiro pagamento: até (dias)', kind: 'int' },
	{ key: 'breakToleranceDays', path: 'breakToleranceDays', label: 'Tolerância para quebra do acordo (dias)', kind: 'int' },
	{
		key: 'afterBreakMinEntryPercent',
		path: 'afterBreak.minEntryPercent',
		label: 'Entrada mínima depois de uma quebra (%)',
		kind: 'percentOrNone',
		help: 'Vazio: a mesma entrada das faixas.'
	}
] as const satisfies readonly FieldSpec[];

/** How the break tolerance is counted (a select beside the tolerance). */
export const TOLERANCE_UNITS = [
	{ value: 'calendar', label: 'Dias corridos' },
	{ value: 'business', label: 'Dias úteis (sem fins de semana e feriados nacionais)' }
] as const;
export type ToleranceUnit = (typeof TOLERANCE_UNITS)[number]['value'];

export const BAND_FIELDS = [
	{ key: 'minDaysPastDue', path: 'minDaysPastDue', label: 'Atraso de (dias)', kind: 'int' },
	{ key: 'maxDaysPastDue', path: 'maxDaysPastDue', label: 'Atraso até (dias)', kind: 'intOrOpen', help: 'Vazio: sem limite (só na última faixa).' },
	{ key: 'cashDiscountMaxPercent', path: 'cashDiscountMaxPercent', label: 'Desconto máximo à vista (%)', kind: 'percent' },
	{ key: 'installmentDiscountMaxPercent', path: 'installmentDiscountMaxPercent', label: 'Desconto máximo parcelado (%)', kind: 'percent' },
	{ key: 'installmentsMin', path: 'installments.min', label: 'Mínimo de parcelas', kind: 'int', help: 'Contando a entrada.' },
	{ key: 'installmentsMax', path: 'installments.max', label: 'Máximo de parcelas', kind: 'int', help: 'Até 60 (5 anos).' },
	{ key: 'minInstallment', path: 'minInstallmentCents', label: 'Parcela mínima (R$)', kind: 'money' },
	{ key: 'minEntryPercent', path: 'minEntryPercent', label: 'Entrada mínima (%)', kind: 'percent' },
	{ key: 'installmentInterestMonthlyPercent', path: 'installmentInterestMonthlyPercent', label: 'Juros do parcelamento (% ao mês)', kind: 'percent' }
] as const satisfies readonly FieldSpec[];

export type TopKey = (typeof TOP_FIELDS)[number]['key'];
export type BandKey = (typeof BAND_FIELDS)[number]['key'];
export type BandDraft = Record<BandKey, string>;
export type PolicyDraft = { consumer: boolean; breakToleranceUnit: ToleranceUnit; bands: BandDraft[] } & Record<TopKey, string>;

/** Errors keyed by form field name (`lateFeePercent`, `bands.1.installmentsMax`); `formErrors` for the policy as a whole. */
export type DraftErrors = Record<string, string[]>;
export type DraftCheck = { ok: true; policy: Policy } | { ok: false; errors: DraftErrors; formErrors: string[] };

/** More bands than any real policy needs; keeps a crafted form from costing anything. */
export const MAX_BANDS = 20;

const decimal = (n: number) => String(n).replace('.', ',');
const reais = (cents: number) => `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`;

function show(kind: Kind, value: number | null | undefined): string {
	if (value === null || value === undefined) return '';
	if (kind === 'money') return reais(value);
	if (kind === 'percent') return decimal(value);
	return String(value);
}

function getPath(obj: unknown, path: string): unknown {
	return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
	const keys = path.split('.');
	let o = obj;
	for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
	o[keys[keys.length - 1]] = value;
}

export function draftFromPolicy(policy: Policy): PolicyDraft {
	const top = Object.fromEntries(TOP_FIELDS.map((f) => [f.key, show(f.kind, getPath(policy, f.path) as number)]));
	const bands = policy.bands.map(
		(b) => Object.fromEntries(BAND_FIELDS.map((f) => [f.key, show(f.kind, getPath(b, f.path) as number | null)])) as BandDraft
	);
	return { consumer: policy.consumer, breakToleranceUnit: policy.breakToleranceUnit ?? 'calendar', ...(top as Record<TopKey, string>), bands };
}

export function emptyBand(minDaysPastDue = ''): BandDraft {
	return {
		minDaysPastDue,
		maxDaysPastDue: '',
		cashDiscountMaxPercent: '0',
		installmentDiscountMaxPercent: '0',
		installmentsMin: '2',
		installmentsMax: '12',
		minInstallment: '50,00',
		minEntryPercent: '10',
		installmentInterestMonthlyPercent: '1'
	};
}

/** Reads the posted form (names as above). Missing fields come back empty, so the schema reports them. */
export function draftFromForm(form: { get(name: string): unknown; keys(): Iterable<string> }): PolicyDraft {
	const str = (name: string) => {
		const v = form.get(name);
		return typeof v === 'string' ? v : '';
	};
	let count = 0;
	for (const name of form.keys()) {
		const m = /^bands\.(\d+)\./.exec(name);
		if (m) count = Math.max(count, Number(m[1]) + 1);
	}
	count = Math.min(count, MAX_BANDS);
	const consumer = str('consumer');
	return {
		consumer: consumer === 'on' || consumer === 'true',
		breakToleranceUnit: str('breakToleranceUnit') === 'business' ? 'business' : 'calendar',
		...(Object.fromEntries(TOP_FIELDS.map((f) => [f.key, str(f.key)])) as Record<TopKey, string>),
		bands: Array.from({ length: count }, (_, i) => Object.fromEntries(BAND_FIELDS.map((f) => [f.key, str(`bands.${i}.${f.key}`)])) as BandDraft)
	};
}

/** The same fields as the editor's form, for posting a draft from script (the simulator). */
export function draftToFormData(draft: PolicyDraft, into = new FormData()): FormData {
	if (draft.consumer) into.set('consumer', 'on');
	into.set('breakToleranceUnit', draft.breakToleranceUnit);
	for (const f of TOP_FIELDS) into.set(f.key, draft[f.key]);
	draft.bands.forEach((b, i) => BAND_FIELDS.forEach((f) => into.set(`bands.${i}.${f.key}`, b[f.key])));
	return into;
}

/** What a person typed, as the number the policy holds; a pt-BR message when it cannot be read. */
function readField(spec: FieldSpec, raw: string): { value: number | null } | { error: string } {
	const s = raw.trim();
	if (s === '') return spec.kind === 'intOrOpen' || spec.kind === 'percentOrNone' ? { value: null } : { error: `${spec.label}: preencha este campo.` };
	if (spec.kind === 'money') {
		const cents = parseAmountToCents(s);
		return cents === null ? { error: `${spec.label}: informe um valor em reais, por exemplo 50,00.` } : { value: cents };
	}
	if (spec.kind === 'percent' || spec.kind === 'percentOrNone') {
		const m = /^(-?\d+(?:[.,]\d+)?)\s*%?$/.exec(s);
		return m ? { value: Number(m[1].replace(',', '.')) } : { error: `${spec.label}: informe um número, por exemplo 1,5.` };
	}
	return /^-?\d+$/.test(s) ? { value: Number(s) } : { error: `${spec.label}: informe um número inteiro de dias ou parcelas.` };
}

const byPath = new Map<string, string>([
	['breakToleranceUnit', 'breakToleranceUnit'],
	...TOP_FIELDS.map((f) => [f.path, f.key] as const),
	...BAND_FIELDS.map((f) => [`bands.*.${f.path}`, f.key] as const)
]);

/** The form field a schema issue belongs to, or null for the policy as a whole. */
export function fieldFor(path: readonly PropertyKey[]): string | null {
	if (path[0] === 'bands' && typeof path[1] === 'number') {
		const key = byPath.get(`bands.*.${path.slice(2).map(String).join('.')}`);
		return key ? `bands.${path[1]}.${key}` : null;
	}
	return byPath.get(path.map(String).join('.')) ?? null;
}

/**
 * The draft as a policy, validated by `policySchema` (the CLI's schema): unreadable numbers get
 * their own message; every schema issue lands on the field it is about.
 */
export function checkDraft(draft: PolicyDraft): DraftCheck {
	const errors: DraftErrors = {};
	const formErrors: string[] = [];
	const add = (key: string | null, message: string) => {
		if (key === null) formErrors.push(message);
		else if (!(errors[key] ??= []).includes(message)) errors[key].push(message);
	};
	const candidate: Record<string, unknown> = { consumer: draft.consumer, breakToleranceUnit: draft.breakToleranceUnit };
	for (const f of TOP_FIELDS) {
		const r = readField(f, draft[f.key] ?? '');
		if ('error' in r) add(f.key, r.error);
		// An optional rule left empty is absent from the policy.
		else if (r.value === null && f.kind === 'percentOrNone') continue;
		setPath(candidate, f.path, 'error' in r ? Number.NaN : r.value);
	}
	candidate.bands = draft.bands.map((b, i) => {
		const band: Record<string, unknown> = {};
		for (const f of BAND_FIELDS) {
			const r = readField(f, b[f.key] ?? '');
			if ('error' in r) add(`bands.${i}.${f.key}`, r.error);
			setPath(band, f.path, 'error' in r ? Number.NaN : r.value);
		}
		return band;
	});
	const unreadable = new Set(Object.keys(errors));
	const parsed = policySchema.safeParse(candidate);
	if (parsed.success && unreadable.size === 0) return { ok: true, policy: parsed.data };
	if (!parsed.success) {
		for (const issue of parsed.error.issues) {
			const key = fieldFor(issue.path);
			// A number that could not be read already has its own, clearer message.
			if (key !== null && unreadable.has(key)) continue;
			add(key, issue.message);
		}
	}
	return { ok: false, errors, formErrors };
}

/** DOM id of a field's input (dots are awkward in CSS selectors). */
export const inputId = (key: string) => `pol-${key.replace(/\./g, '-')}`;
