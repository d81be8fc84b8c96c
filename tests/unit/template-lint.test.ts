import { describe, expect, it } from 'vitest';
import { LINT_WORDS, TEMPLATE_VARS, lint, placeholders, render, type Finding } from '../../src/lib/messaging/template';

// GSM-7 throughout (é is in the alphabet): one accent like ê would make it UCS-2.
const GOOD_SMS = '{{credor}}: {{primeiro_nome}}, temos uma proposta até {{oferta_ate}}. Veja em {{link}} Confira em {{golpe}}';
const codes = (findings: Finding[]) => findings.map((f) => f.code).sort();

describe('placeholders and render', () => {
	it('lists each placeholder once, in order, spaces inside the braces allowed', () => {
		expect(placeholders('{{nome}} {{ credor }} {{nome}} {{xpto}}')).toEqual(['nome', 'credor', 'xpto']);
		expect(placeholders('sem variáveis')).toEqual([]);
	});

	it('fills every placeholder in one pass', () => {
		expect(render('Olá {{primeiro_nome}}, {{ credor }} aqui.', { primeiro_nome: 'Ana', credor: 'Loja X' })).toBe('Olá Ana, Loja X aqui.');
		// A value that looks like a placeholder is not expanded again.
		expect(render('{{nome}} / {{credor}}', { nome: '{{credor}}', credor: 'Loja X' })).toBe('{{credor}} / Loja X');
	});

	it('throws on a placeholder without a value instead of sending a hole', () => {
		expect(() => render('{{nome}} deve a {{credor}}', { nome: 'Ana' })).toThrow('{{credor}}');
		expect(() => render('{{xpto}}', {})).toThrow('{{xpto}}');
	});

	it('escapes values, not the template', () => {
		const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
		expect(render('<b>{{credor}}</b>', { credor: 'A & <B>' }, html)).toBe('<b>A &amp; &lt;B></b>');
	});

	it('describes every variable in Portuguese with an example', () => {
		for (const [name, v] of Object.entries(TEMPLATE_VARS)) {
			expect(v.description.length, name).toBeGreaterThan(5);
			expect(v.example.length, name).toBeGreaterThan(0);
		}
	});
});

describe('lint', () => {
	it('passes a careful SMS', () => {
		expect(lint({ channel: 'sms', body: GOOD_SMS })).toEqual([]);
	});

	it('requires the creditor to be named', () => {
		const findings = lint({ channel: 'whatsapp', body: 'Oi {{primeiro_nome}}, veja sua proposta: {{link}} {{golpe}}' });
		expect(findings).toEqual([expect.objectContaining({ code: 'sem_credor', severity: 'error', field: 'body' })]);
		expect(findings[0].message).toContain('{{credor}}');
	});

	it('warns when there is no link to the "É golpe?" page', () => {
		expect(codes(lint({ channel: 'sms', body: '{{credor}}: proposta em {{link}}' }))).toEqual(['sem_golpe']);
	});

	it('refuses unknown and malformed placeholders', () => {
		const unknown = lint({ channel: 'sms', body: GOOD_SMS + ' {{Nome}} {{cpf}}' });
		expect(unknown.filter((f) => f.code === 'placeholder_desconhecido').map((f) => f.excerpt)).toEqual(['{{Nome}}', '{{cpf}}']);
		expect(unknown.every((f) => f.severity === 'error')).toBe(true);
		for (const broken of ['{{nome}', '{nome}}', '{nome}', '{{ }}x{{']) {
			const f = lint({ channel: 'sms', body: `${GOOD_SMS} ${broken}` });
			expect(f.map((x) => x.code), broken).toContain(broken === '{{ }}x{{' ? 'placeholder_desconhecido' : 'placeholder_malformado');
		}
	});

	it('warns when the amount is visible to others: SMS, WhatsApp preview, e-mail subject', () => {
		const sms = lint({ channel: 'sms', body: `${GOOD_SMS} Valor: {{valor}}` });
		expect(sms).toEqual([expect.objectContaining({ code: 'valor_visivel', severity: 'warning', excerpt: '{{valor}}' })]);
		expect(lint({ channel: 'whatsapp', body: `${GOOD_SMS} com {{desconto}} de desconto` })[0]).toMatchObject({ code: 'valor_visivel' });
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} por apenas R$ 99,90` })[0]).toMatchObject({ code: 'valor_visivel', excerpt: 'R$ 99,90' });
		// In an e-mail the body is private enough; the subject shows in every inbox list.
		expect(lint({ channel: 'email', subject: 'Proposta de {{credor}}', body: `${GOOD_SMS} {{valor}}` })).toEqual([]);
		expect(lint({ channel: 'email', subject: 'Sua dívida de {{valor}}', body: GOOD_SMS })).toEqual([
			expect.objectContaining({ code: 'valor_visivel', field: 'subject' })
		]);
	});

	it('requires a subject for e-mail', () => {
		expect(codes(lint({ channel: 'email', subject: '  ', body: GOOD_SMS }))).toEqual(['sem_assunto']);
		expect(codes(lint({ channel: 'email', body: GOOD_SMS }))).toEqual(['sem_assunto']);
	});

	it('catches threats, whatever the case and accents', () => {
		for (const text of ['Evite a PRISAO', 'ou será preso', 'vamos chamar a Polícia', 'compareça à delegacia', 'um Oficial de Justiça irá até você', 'abriremos processo   criminal']) {
			const f = lint({ channel: 'sms', body: `${GOOD_SMS} ${text}` });
			expect(f, text).toEqual([expect.objectContaining({ code: 'ameaca', severity: 'error' })]);
		}
		const f = lint({ channel: 'sms', body: `${GOOD_SMS} Evite a PRISAO` });
		expect(f[0].excerpt).toBe('PRISAO');
		expect(f[0].message).toMatch(/CF art. 5º LXVII/);
	});

	it('warns, without blocking, about seizure and lawsuits, legal only when real', () => {
		const f = lint({ channel: 'email', subject: 'Aviso de {{credor}}', body: `${GOOD_SMS} Sujeito a penhora e ação judicial.` });
		expect(f.map((x) => [x.code, x.severity, x.excerpt])).toEqual([
			['ameaca', 'warning', 'penhora'],
			['ameaca', 'warning', 'ação judicial']
		]);
	});

	it('catches embarrassment and exposure', () => {
		for (const text of ['Que vergonha!', 'não seja um caloteiro', 'mau pagador', 'vamos cobrar no seu trabalho', 'avisaremos seu chefe', 'lista negra']) {
			const f = lint({ channel: 'sms', body: `${GOOD_SMS} ${text}` });
			expect(f.map((x) => x.code), text).toContain('constrangimento');
			expect(f.some((x) => x.severity === 'error'), text).toBe(true);
		}
	});

	it('catches false urgency and false consequences', () => {
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} Seu CPF será bloqueado` })[0]).toMatchObject({ code: 'falsa_urgencia', severity: 'error' });
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} seu nome vai para o SPC hoje` })[0]).toMatchObject({ code: 'falsa_urgencia', severity: 'warning' });
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} ÚLTIMA CHANCE` })[0]).toMatchObject({ code: 'falsa_urgencia', excerpt: 'ÚLTIMA CHANCE' });
	});

	it('matches whole words only', () => {
		// "empresa" holds "presa", "processamento" holds "processa", "crimes" and "ocriminoso" hold "crime".
		expect(lint({ channel: 'whatsapp', body: `${GOOD_SMS} A empresa conclui o processamento; crimes? Não: ocriminoso.` })).toEqual([]);
	});

	it('scans the e-mail subject too', () => {
		expect(lint({ channel: 'email', subject: 'URGENTE: {{credor}}', body: GOOD_SMS })).toEqual([
			expect.objectContaining({ code: 'falsa_urgencia', field: 'subject', excerpt: 'URGENTE' })
		]);
	});

	it('warns when an SMS runs past 3 parts, measured with example values', () => {
		// GOOD_SMS renders to 159 septets with the examples: 159 + 1 + 299 = 459 = 3 × 153.
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} ${'x'.repeat(299)}` })).toEqual([]);
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} ${'x'.repeat(300)}` })).toEqual([
			expect.objectContaining({ code: 'sms_longo', severity: 'warning' })
		]);
		// A short template whose values are long: five Pix codes.
		const pix = `${GOOD_SMS} {{pix}} {{pix}} {{pix}}`;
		expect(pix.length).toBeLessThan(160);
		expect(codes(lint({ channel: 'sms', body: pix }))).toEqual(['sms_longo']);
		expect(lint({ channel: 'whatsapp', body: pix })).toEqual([]);
	});

	it('counts an accent as what it costs: UCS-2 parts of 67', () => {
		// 159 + 1 + 36 + 5 = 201 = 3 × 67 units; one more character is a fourth part.
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} ${'x'.repeat(36)} ação` })).toEqual([]);
		const accented = lint({ channel: 'sms', body: `${GOOD_SMS} ${'x'.repeat(37)} ação` });
		expect(accented).toEqual([expect.objectContaining({ code: 'sms_longo' })]);
		expect(accented[0].message).toContain('UCS-2');
		expect(lint({ channel: 'sms', body: `${GOOD_SMS} ${'x'.repeat(37)} acao` })).toEqual([]);
	});

	it('documents every word with its category and reason', () => {
		expect(LINT_WORDS.length).toBeGreaterThan(40);
		for (const w of LINT_WORDS) {
			expect(['ameaca', 'constrangimento', 'falsa_urgencia']).toContain(w.category);
			expect(w.why, w.term).toMatch(/CDC|CF/);
		}
		expect(new Set(LINT_WORDS.map((w) => w.term.toLowerCase())).size).toBe(LINT_WORDS.length);
	});
});
