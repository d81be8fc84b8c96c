import { describe, expect, it } from 'vitest';
import { axisMarks, axisPosition, axisRange, parseJson, pathIssues, reguaTimeline, sampleVars } from '../../src/lib/messaging/regua-preview';
import { DEFAULT_REGUA, offsetLabel, reguaSchema, type Regua } from '../../src/lib/schemas/regua';
import { TEMPLATE_VARS } from '../../src/lib/messaging/template';
import { smsSegments } from '../../src/lib/messaging/sms';
import { REASON_LABELS as RULE_LABELS } from '../../src/lib/server/messaging/rules';
import { reasonLabel } from '../../src/lib/messaging/reasons';

const vars = sampleVars('Lojas Aurora');

describe('the régua timeline preview', () => {
	const groups = reguaTimeline(DEFAULT_REGUA, vars);

	it('groups the steps by event, in the order they happen', () => {
		expect(groups.map((g) => g.label)).toEqual(['Vencimento da dívida', 'Acordo criado', 'Vencimento da parcela', 'Acordo quebrado']);
		expect(groups[0].steps.map((s) => s.day)).toEqual(['D+5', 'D+15', 'D+30']);
		expect(groups[2].steps.map((s) => s.day)).toEqual(['D-2', 'D0', 'D+1']);
		expect(groups[0].steps[0].purpose).toBe('offer');
		expect(groups[2].steps[0].purpose).toBe('reminder');
	});

	it('lists each step’s channels in their order and renders every text with the sample values', () => {
		const d2 = groups[2].steps[0];
		expect(d2.channels.map((c) => [c.order, c.label])).toEqual([[1, 'WhatsApp'], [2, 'E-mail'], [3, 'SMS']]);
		const wa = d2.channels[0];
		expect(wa.templateName).toBe('acerto_parcela_vence');
		// The approved body with its {{1}}… filled by the rendered parameters.
		expect(wa.text).toContain(`Olá, ${TEMPLATE_VARS.primeiro_nome.example}. A parcela ${TEMPLATE_VARS.parcela.example} do seu acordo com Lojas Aurora`);
		expect(wa.text).toContain(TEMPLATE_VARS.pix.example);
		expect(wa.text).not.toMatch(/\{\{/);
		expect(d2.channels[1].subject).toBe('Lojas Aurora: sua parcela vence em breve');
	});

	it('counts SMS segments on the rendered text', () => {
		const sms = groups[0].steps[0].channels.find((c) => c.channel === 'sms')!;
		expect(sms.text.startsWith('Lojas Aurora: ha uma conta em aberto')).toBe(true);
		expect(sms.sms).toEqual({ segments: smsSegments(sms.text).segments, encoding: 'GSM-7', units: sms.text.length });
		expect(sms.sms!.segments).toBeGreaterThanOrEqual(1);
	});

	it('leaves an unknown placeholder as written instead of failing', () => {
		const r: Regua = { steps: [{ key: 'x', on: 'debt_due', offsetDays: 3, channels: ['sms'], templates: { sms: { body: '{{credor}} {{xpto}}' } } }] };
		expect(reguaTimeline(r, vars)[0].steps[0].channels[0].text).toBe('Lojas Aurora {{xpto}}');
	});

	it('spans at least D-2 … D+30 and stretches to every step', () => {
		expect(axisRange(groups)).toEqual({ min: -2, max: 30 });
		const far = reguaTimeline(reguaSchema.parse({ steps: [{ ...DEFAULT_REGUA.steps[0], offsetDays: 90 }] }), vars);
		expect(axisRange(far)).toEqual({ min: -2, max: 90 });
		expect(axisPosition(-2, { min: -2, max: 30 })).toBe(0);
		expect(axisPosition(30, { min: -2, max: 30 })).toBe(100);
		// Wider around the event: a day near D0 takes more of the axis than a day far from it.
		const at = (d: number) => axisPosition(d, { min: -2, max: 30 });
		expect(at(1) - at(0)).toBeGreaterThan(at(30) - at(29));
		expect(at(0)).toBeGreaterThan(0);
		expect(at(5)).toBeLessThan(at(15));
		expect(offsetLabel(-2)).toBe('D-2');
		expect(offsetLabel(0)).toBe('D0');
	});
});

describe('marks on the axis', () => {
	it('keeps crowded labels apart on two rows', () => {
		const range = { min: -2, max: 30 };
		const steps = [-2, 0, 1, 2].map((d) => ({ key: `k${d}`, day: offsetLabel(d), offsetDays: d }));
		const marks = axisMarks(steps, range);
		for (const row of [0, 1]) {
			const lefts = marks.filter((m) => m.row === row).map((m) => m.left);
			for (let i = 1; i < lefts.length; i++) expect(lefts[i] - lefts[i - 1]).toBeGreaterThanOrEqual(10);
		}
		expect(axisMarks([{ key: 'a', day: 'D+5', offsetDays: 5 }, { key: 'b', day: 'D+30', offsetDays: 30 }], range).map((m) => m.row)).toEqual([0, 0]);
	});
});

describe('the editor’s JSON', () => {
	it('says where broken JSON breaks, in pt-BR', () => {
		expect(parseJson('{"steps": []}')).toEqual({ ok: true, value: { steps: [] } });
		const r = parseJson('{\n  "steps": [\n    {"key": "a",}\n  ]\n}');
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toMatch(/^JSON inválido na linha 3, coluna \d+/);
		const cut = parseJson('{"steps": [');
		expect(cut.ok === false && cut.message).toMatch(/JSON incompleto/);
	});

	it('names each schema error by its JSON path and step', () => {
		const body = { steps: [{ key: 'vencida-d5' }, { key: 'parcela' }] };
		expect(pathIssues({ 'steps.1.offsetDays': ['No máximo 30 dias antes.'], regua: ['x'] }, body)).toEqual([
			{ path: 'steps[1].offsetDays', step: 'passo 2 («parcela»)', message: 'No máximo 30 dias antes.' },
			{ path: '(raiz)', step: null, message: 'x' }
		]);
	});
});

describe('reason labels', () => {
	it('has one table for the rules’ and the pipeline’s reasons; provider texts pass as they are', () => {
		expect(reasonLabel('cap_day')).toBe(RULE_LABELS.cap_day);
		expect(reasonLabel('envio_interrompido')).toMatch(/interrompido/);
		expect(reasonLabel('Zenvia recusou a mensagem (123)')).toBe('Zenvia recusou a mensagem (123)');
		expect(reasonLabel(null)).toBe('');
	});
});
