/**
 * The régua as the admin editor previews it: its steps on a time axis per event, each channel's
 * text rendered for a sample debtor, SMS segments counted. Pure, for the server (first paint) and
 * the browser (the preview follows the JSON as it is typed).
 */
import { CHANNEL_LABELS, type CampaignChannel } from '../schemas/campaign';
import { EVENT_LABELS, REGUA_EVENTS, offsetLabel, stepPurpose, type Regua, type ReguaEvent, type ReguaStep } from '../schemas/regua';
import { placeholders, render, TEMPLATE_VARS } from './template';
import { smsSegments, type SmsEncoding } from './sms';

export type PreviewChannel = {
	channel: CampaignChannel;
	label: string;
	/** Position in the order (1: tried first; the next ones only when it cannot reach the debtor). */
	order: number;
	/** WhatsApp: the approved template's name. */
	templateName?: string;
	/** E-mail: the subject. */
	subject?: string;
	text: string;
	sms?: { segments: number; encoding: SmsEncoding; units: number };
};

export type PreviewStep = {
	key: string;
	on: ReguaEvent;
	offsetDays: number;
	/** "D-2", "D0", "D+15". */
	day: string;
	purpose: 'offer' | 'reminder';
	channels: PreviewChannel[];
};

export type PreviewGroup = { event: ReguaEvent; label: string; steps: PreviewStep[] };

/** The sample debtor and installment of the preview: the template variables' examples, with the creditor's own name. */
export function sampleVars(creditorName?: string): Record<string, string> {
	const vars: Record<string, string> = Object.fromEntries(Object.entries(TEMPLATE_VARS).map(([k, v]) => [k, v.example]));
	if (creditorName) vars.credor = creditorName;
	return vars;
}

/** Renders a template, leaving a placeholder we have no value for as it is written (the lint reports it). */
function fill(template: string, vars: Record<string, string>): string {
	const all = { ...Object.fromEntries(placeholders(template).map((n) => [n, `{{${n}}}`])), ...vars };
	return render(template, all);
}

function previewChannel(step: ReguaStep, channel: CampaignChannel, order: number, vars: Record<string, string>): PreviewChannel {
	const base = { channel, label: CHANNEL_LABELS[channel], order };
	const t = step.templates;
	if (channel === 'sms') {
		const text = t.sms ? fill(t.sms.body, vars) : '';
		const s = smsSegments(text);
		return { ...base, text, sms: { segments: s.segments, encoding: s.encoding, units: s.units } };
	}
	if (channel === 'whatsapp') {
		if (!t.whatsapp) return { ...base, text: '' };
		const params = t.whatsapp.params.map((p) => fill(p, vars));
		// As the debtor reads it: the approved body with its {{1}}, {{2}}… filled (as campaigns/compose.ts does).
		const text = t.whatsapp.body.replace(/\{\{(\d+)\}\}/g, (_, n) => params[Number(n) - 1] ?? '');
		return { ...base, templateName: t.whatsapp.name, text };
	}
	return t.email ? { ...base, subject: fill(t.email.subject, vars), text: fill(t.email.body, vars) } : { ...base, text: '' };
}

/** Every event with its steps in the order they happen (then by key), each channel rendered with `vars`. */
export function reguaTimeline(regua: Regua, vars: Record<string, string>): PreviewGroup[] {
	return REGUA_EVENTS.map((event) => ({
		event,
		label: EVENT_LABELS[event],
		steps: regua.steps
			.filter((s) => s.on === event)
			.sort((a, b) => a.offsetDays - b.offsetDays || a.key.localeCompare(b.key))
			.map((s) => ({
				key: s.key,
				on: s.on,
				offsetDays: s.offsetDays,
				day: offsetLabel(s.offsetDays),
				purpose: stepPurpose(s),
				channels: s.channels.map((ch, i) => previewChannel(s, ch, i + 1, vars))
			}))
	}));
}

/** The days the axis spans: at least D-2 … D+30, stretched to every step. */
export function axisRange(groups: readonly PreviewGroup[]): { min: number; max: number } {
	const offsets = groups.flatMap((g) => g.steps.map((s) => s.offsetDays));
	return { min: Math.min(-2, ...offsets), max: Math.max(30, ...offsets) };
}

// Days near the event get more room than days far from it: steps crowd around D0 (D-2, D0, D+1),
// while D+15 and D+30 stand alone.
const squash = (d: number) => Math.sign(d) * Math.log1p(Math.abs(d));

/** Where on the axis (0–100 %) a day falls, on a scale that widens around the event. */
export function axisPosition(offsetDays: number, range: { min: number; max: number }): number {
	const lo = squash(range.min);
	const hi = squash(range.max);
	return hi === lo ? 0 : ((squash(offsetDays) - lo) / (hi - lo)) * 100;
}

/** Marks closer than this (in % of the axis) go on different rows, so their labels do not overlap. */
const MIN_GAP = 16;

/** The marks of an event's steps on its axis: position, and row 0 (above) or 1 (below) so labels stay apart. */
export function axisMarks(steps: readonly Pick<PreviewStep, 'key' | 'day' | 'offsetDays'>[], range: { min: number; max: number }) {
	const last = [-Infinity, -Infinity];
	return steps.map((s) => {
		const left = axisPosition(s.offsetDays, range);
		// The row with room; else the one whose last label is farthest away.
		const row = left - last[0] >= MIN_GAP ? 0 : left - last[1] >= MIN_GAP ? 1 : last[0] <= last[1] ? 0 : 1;
		last[row] = left;
		return { key: s.key, day: s.day, left, row };
	});
}

/** Parses the editor's JSON, or says in pt-BR where it breaks (line and column). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch (e) {
		const said = e instanceof Error ? e.message : '';
		if (/end of JSON input/.test(said) || text.trim() === '') return { ok: false, message: 'JSON incompleto: falta fechar chaves ou colchetes, ou o texto está vazio.' };
		const m = /position (\d+)/.exec(said);
		if (!m) return { ok: false, message: 'JSON inválido: confira vírgulas, aspas e chaves.' };
		const before = text.slice(0, Number(m[1]));
		const line = before.split('\n').length;
		const column = before.length - before.lastIndexOf('\n');
		return { ok: false, message: `JSON inválido na linha ${line}, coluna ${column}: confira vírgulas, aspas e chaves perto desse ponto.` };
	}
}

export type PathIssue = { path: string; step: string | null; message: string };

/**
 * The schema's errors (keyed by dotted path, as regua.set returns them) with a JSON path a person
 * can find in the text, `steps[2].templates.sms.body`, and the step's key when there is one.
 */
export function pathIssues(errors: Record<string, string[]>, body: unknown): PathIssue[] {
	const steps = body && typeof body === 'object' && Array.isArray((body as { steps?: unknown }).steps) ? (body as { steps: unknown[] }).steps : [];
	return Object.entries(errors).flatMap(([key, messages]) => {
		const parts = key === 'regua' ? [] : key.split('.');
		const path = parts.reduce((p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : p ? `${p}.${part}` : part), '') || '(raiz)';
		let step: string | null = null;
		if (parts[0] === 'steps' && /^\d+$/.test(parts[1] ?? '')) {
			const s = steps[Number(parts[1])] as { key?: unknown } | undefined;
			step = `passo ${Number(parts[1]) + 1}${typeof s?.key === 'string' && s.key ? ` («${s.key}»)` : ''}`;
		}
		return messages.map((message) => ({ path, step, message }));
	});
}
