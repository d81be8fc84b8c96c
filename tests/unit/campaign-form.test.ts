import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
	checkForm,
	describeLimits,
	emptyValues,
	fieldOf,
	formatMillicents,
	fromLocalInput,
	toLocalInput,
	valuesFromCampaign,
	valuesFromForm,
	valuesToFormData,
	whatsappExample,
	withExamples
} from '../../src/lib/components/admin/campaign-form';
import { campaignSchema, type CampaignInput } from '../../src/lib/schemas/campaign';
import { reasonLabel } from '../../src/lib/messaging/reasons';
import { smsSegments } from '../../src/lib/messaging/sms';

const CREDITOR = '0b6d3a7e-7d0f-4a8e-9a39-0d1c2b3a4f5e';

const full: CampaignInput = {
	name: 'Natal sem dívidas',
	segment: { daysPastDue: { min: 30, max: 365 }, balanceCents: { min: 10_000, max: 1_500_050 }, ufs: ['SP', 'RJ'], agreement: 'broken', notContactedForDays: 7, neverContacted: true, channelsAvailable: ['whatsapp', 'sms'] },
	offer: { cashDiscountMaxPercent: 40.5, installmentDiscountMaxPercent: 10, installmentsMax: 12, minEntryPercent: 5, validUntil: '2026-12-20' },
	channels: ['whatsapp', 'sms', 'email'],
	templates: {
		sms: { body: '{{credor}}: condicao especial ate {{oferta_ate}}. Veja {{link}} Confira: {{golpe}}' },
		whatsapp: { name: 'acerto_oferta', language: 'pt_BR', body: 'Olá, {{1}}. {{2}} tem uma condição: {{3}} Confira: {{4}}', params: ['{{primeiro_nome}}', '{{credor}}', '{{link}}', '{{golpe}}'] },
		email: { subject: '{{credor}}: condição especial', body: 'Olá, {{primeiro_nome}}.\n\n{{credor}}: {{link}}\n\nConfira: {{golpe}}' }
	},
	startsAt: '2026-12-07T09:00:00-03:00',
	endsAt: '2026-12-20T20:00:00-03:00',
	ratePerMinute: 300
};

describe('the campaign form', () => {
	it('gives back the same campaign it was filled from, through a posted form', () => {
		const campaign = campaignSchema.parse(full);
		const posted = valuesFromForm(valuesToFormData(valuesFromCampaign(CREDITOR, campaign)));
		const checked = checkForm(posted);
		expect(checked.errors).toEqual({});
		expect(checked.creditorId).toBe(CREDITOR);
		expect(campaignSchema.parse(checked.body)).toEqual(campaign);
	});

	it('reads reais, pt-BR decimals and São Paulo wall-clock times', () => {
		const v = emptyValues(CREDITOR);
		Object.assign(v, {
			name: 'Teste',
			'segment.balanceCents.min': '1.500,50',
			'offer.cashDiscountMaxPercent': '12,5',
			'offer.validUntil': '2026-12-20',
			'templates.sms.body': '{{credor}} {{link}} {{golpe}}',
			startsAt: '2026-12-07T09:00',
			endsAt: '2026-12-20T20:30'
		});
		const { body, errors } = checkForm(v);
		expect(errors).toEqual({});
		expect(body).toMatchObject({
			segment: { balanceCents: { min: 150_050 } },
			offer: { cashDiscountMaxPercent: 12.5, validUntil: '2026-12-20' },
			startsAt: '2026-12-07T09:00:00-03:00',
			endsAt: '2026-12-20T20:30:00-03:00'
		});
	});

	it('puts what cannot be read, and every schema issue, on its field in pt-BR', () => {
		const v = emptyValues('');
		Object.assign(v, {
			'segment.balanceCents.min': 'mil reais',
			'segment.daysPastDue.min': '90',
			'segment.daysPastDue.max': '30',
			'offer.installmentsMax': 'doze',
			'channels.0': 'sms',
			'channels.1': 'sms',
			startsAt: '2026-12-07T09:00',
			endsAt: '2026-12-07T25:00'
		});
		const { errors } = checkForm(v);
		expect(errors.creditorId).toEqual(['Escolha o credor.']);
		expect(errors['segment.balanceCents.min']).toEqual(['Saldo mínimo: informe um valor em reais, por exemplo 1.500,00.']);
		expect(errors['segment.daysPastDue.min']).toEqual(['Dias de atraso: o mínimo não pode passar do máximo.']);
		expect(errors['offer.installmentsMax']).toEqual(['Máximo de parcelas: informe um número inteiro.']);
		expect(errors['offer.validUntil']).toEqual(['Oferta válida até: informe o último dia da oferta.']);
		expect(errors.channels).toEqual(['Cada canal só pode aparecer uma vez na ordem.']);
		expect(errors.endsAt).toEqual(['Fim: informe uma data e hora válidas.']);
		expect(errors.name).toEqual(['Nome da campanha: informe o texto.']);
	});

	it('refuses an end before the start, and a channel without its message, once the rest is right', () => {
		const v = Object.assign(emptyValues(CREDITOR), { name: 'x', 'channels.1': 'email', 'templates.sms.body': '{{credor}}', startsAt: '2026-12-07T09:00', endsAt: '2026-12-07T08:59' });
		expect(checkForm(v).errors).toEqual({ endsAt: ['O fim deve ser depois do início.'], 'templates.email': ['Escreva a mensagem de E-mail (o canal está na ordem de envio).'] });
	});

	it('leaves out an offer with every field empty, and keeps a WhatsApp template only when written', () => {
		const v = Object.assign(emptyValues(CREDITOR), { name: 'x', 'templates.sms.body': '{{credor}}' });
		const { body } = checkForm(v);
		expect(body.offer).toBeUndefined();
		expect((body.templates as Record<string, unknown>).whatsapp).toBeUndefined();
	});

	it('lands each error key on the field or fieldset that shows it', () => {
		expect(fieldOf('segment.daysPastDue.min')).toBe('segment.daysPastDue.min');
		expect(fieldOf('segment.ufs.3')).toBe('segment.ufs');
		expect(fieldOf('templates.whatsapp.params')).toBe('templates.whatsapp.params');
		expect(fieldOf('templates.whatsapp')).toBe('templates.whatsapp');
		expect(fieldOf('offer')).toBe('offer');
		expect(fieldOf('campanha')).toBeNull();
	});

	it('keeps a wall-clock time through São Paulo (UTC−3 all year)', () => {
		fc.assert(
			fc.property(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:00Z'), noInvalidDate: true }), (d) => {
				const minute = new Date(Math.floor(d.getTime() / 60_000) * 60_000);
				expect(Date.parse(fromLocalInput(toLocalInput(minute.toISOString()))!)).toBe(minute.getTime());
			})
		);
		expect(toLocalInput('2026-12-07T12:00:00Z')).toBe('2026-12-07T09:00');
		expect(fromLocalInput('2026-02-30T09:00')).toBeNull();
		expect(fromLocalInput('amanhã')).toBeNull();
	});
});

describe('what the editor shows', () => {
	it('measures an SMS with example values: one “ã” turns it into UCS-2', () => {
		const plain = '{{credor}}: condicao especial. Veja {{link}}';
		expect(withExamples(plain)).toBe('Banco Exemplo S.A.: condicao especial. Veja https://acerto.exemplo.com.br/l/Ab3dEf7hJk');
		expect(smsSegments(withExamples(plain)).encoding).toBe('GSM-7');
		expect(smsSegments(withExamples(`${plain} ã`)).encoding).toBe('UCS-2');
		expect(withExamples('{{desconhecida}}')).toBe('{{desconhecida}}');
	});

	it('shows the WhatsApp template as the debtor reads it', () => {
		expect(whatsappExample('Olá, {{1}}. {{2}} chama.', '{{primeiro_nome}}\n\n{{credor}}\n')).toBe('Olá, Maria. Banco Exemplo S.A. chama.');
	});

	it('prices in thousandths of a cent', () => {
		expect(formatMillicents(7_000)).toBe('R$ 0,07');
		expect(formatMillicents(35_000)).toBe('R$ 0,35');
		expect(formatMillicents(100)).toBe('R$ 0,001');
		expect(formatMillicents(1_500)).toBe('R$ 0,015');
		expect(formatMillicents(123_456_000)).toBe('R$ 1.234,56');
	});

	it('says plainly when the policy sets no campaign limits', () => {
		expect(describeLimits(null)).toMatch(/não tem política publicada/);
		expect(describeLimits({ version: 3, limits: null })).toMatch(/versão 3\) não define limites de campanha/);
		expect(describeLimits({ version: 2, limits: { cashDiscountMaxPercent: 50, installmentDiscountMaxPercent: 20.5, installmentsMax: 12, minEntryPercent: 5 } })).toBe(
			'Limites da política (versão 2) para campanhas: desconto à vista até 50%, no parcelamento até 20,5%, até 12 parcelas, entrada de ao menos 5%.'
		);
	});

	it('labels the pipeline’s reasons in pt-BR and shows a provider’s error as it came', () => {
		expect(reasonLabel('opt_out')).toBe('O devedor pediu para não receber mensagens neste canal');
		expect(reasonLabel('campanha_cancelada')).toBe('Campanha cancelada');
		expect(reasonLabel('ritmo_da_campanha')).toMatch(/ritmo de envio da campanha/);
		expect(reasonLabel('131026: Message undeliverable')).toBe('131026: Message undeliverable');
		expect(reasonLabel('toString')).toBe('toString');
	});
});
