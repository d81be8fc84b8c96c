import { describe, expect, it } from 'vitest';
import { classify, renderEmail } from '../../src/lib/server/messaging/email';

describe('what an SMTP error means for the message', () => {
	const reply = (responseCode: number, response: string, command = 'RCPT TO') => ({ message: 'x', code: 'EENVELOPE', responseCode, response, command });

	it('a mailbox that does not exist fails and moves to the next channel', () => {
		expect(classify(reply(550, '550 5.1.1 <a@b.com>: User unknown'), false)).toMatchObject({ status: 'failed', code: '550 5.1.1', fallback: true });
		expect(classify(reply(553, '553 5.1.3 Bad recipient address syntax'), false)).toMatchObject({ fallback: true });
		expect(classify(reply(550, '550 5.1.10 Recipient address has null MX'), false)).toMatchObject({ fallback: true });
		expect(classify(reply(550, '550 5.2.1 Mailbox disabled'), false)).toMatchObject({ fallback: true });
		// A multi-line reply carries the code on each line.
		expect(classify(reply(550, '550-5.1.1 The email account does not exist.\n550 5.1.1 Try again.'), false)).toMatchObject({ code: '550 5.1.1', fallback: true });
		// No enhanced code: RFC 5321's 550 to RCPT TO is "mailbox unavailable".
		expect(classify(reply(550, '550 No such user here'), false)).toMatchObject({ status: 'failed', code: '550', fallback: true });
	});

	it('a refusal about the message or the sender fails without fallback', () => {
		expect(classify(reply(554, '554 5.7.1 Message rejected: spam', 'DATA'), true)).toMatchObject({ status: 'failed', code: '554 5.7.1', fallback: false });
		expect(classify(reply(550, '550 5.7.1 Relaying denied'), false)).toMatchObject({ status: 'failed', fallback: false });
		expect(classify(reply(552, '552 5.2.2 Mailbox full'), false)).toMatchObject({ status: 'failed', fallback: false });
		expect(classify(reply(550, '550 Message content rejected', 'DATA'), true)).toMatchObject({ status: 'failed', code: '550', fallback: false });
		expect(classify({ ...reply(535, '535 5.7.8 Authentication failed', 'AUTH PLAIN'), code: 'EAUTH' }, false)).toMatchObject({ status: 'failed', code: '535 5.7.8', fallback: false });
		expect(classify({ message: 'Missing credentials for "PLAIN"', code: 'EAUTH', command: 'API' }, false)).toMatchObject({ status: 'failed', code: 'EAUTH', fallback: false });
	});

	it('temporary refusals are tried again, even after the message went out', () => {
		for (const [code, text] of [[421, '421 4.4.2 closing'], [450, '450 4.2.1 busy'], [451, '451 4.3.0 lookup failure'], [452, '452 4.2.2 full'], [503, '503 5.5.1 bad sequence']] as const) {
			expect(classify(reply(code, text), false)).toMatchObject({ status: 'retry' });
			expect(classify(reply(code, text, 'DATA'), true)).toMatchObject({ status: 'retry' });
		}
	});

	it('a broken connection is a retry before the message went out and unknown after', () => {
		for (const code of ['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EABORT']) {
			expect(classify({ message: 'gone', code }, false)).toMatchObject({ status: 'retry' });
			expect(classify({ message: 'gone', code }, true)).toMatchObject({ status: 'unknown' });
		}
	});

	it('an address nodemailer refuses itself fails and moves on', () => {
		expect(classify({ message: 'Invalid recipient "a@@b"', code: 'EENVELOPE', command: 'API' }, false)).toMatchObject({ status: 'failed', fallback: true });
	});
});

describe('the collection e-mail', () => {
	const creditor = { name: 'Lojas <b>Ação</b> & Cia', cnpj: '12345678000195', address: 'Rua "Um", 10 – Recife/PE' };

	it('names the creditor with CNPJ and address, says where to check it is real, and offers to stop', () => {
		const { subject, html, text } = renderEmail({
			creditor,
			subject: 'Sua fatura <em>vencida</em>',
			text: 'Olá, José.\nTemos condições para você.\n\nAcesse https://portal.example/c/lojas.',
			ctaUrl: 'https://portal.example/c/lojas',
			golpeUrl: 'https://portal.example/c/lojas/golpe',
			unsubscribeUrl: 'https://portal.example/d/abc?t=1&c=email'
		});
		expect(subject).toBe('Sua fatura <em>vencida</em>');
		expect(html).toMatch(/^<!doctype html>\n<html lang="pt-BR">/);
		expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
		expect(html).toContain('<title>Sua fatura &lt;em&gt;vencida&lt;/em&gt;</title>');
		expect(html).toContain('Lojas &lt;b&gt;Ação&lt;/b&gt; &amp; Cia · CNPJ 12.345.678/0001-95<br>Rua &quot;Um&quot;, 10 – Recife/PE');
		expect(html).toContain('<p style="margin:0 0 16px">Olá, José.<br>Temos condições para você.</p>');
		expect(html).toContain('Acesse <a href="https://portal.example/c/lojas" style="color:#1d4ed8">https://portal.example/c/lojas</a>.</p>');
		expect(html).toContain('>Ver minhas opções</a>');
		expect(html).toContain('Este e-mail é verdadeiro? Confira em <a href="https://portal.example/c/lojas/golpe"');
		expect(html).toContain('<a href="https://portal.example/d/abc?t=1&amp;c=email" style="color:#1d4ed8;text-decoration:underline">Não quero mais receber e-mails de Lojas &lt;b&gt;Ação&lt;/b&gt; &amp; Cia</a>');
		expect(html).not.toMatch(/<(b|em)>/);

		expect(text).toContain('Olá, José.\nTemos condições para você.');
		expect(text).toContain('Ver minhas opções: https://portal.example/c/lojas');
		expect(text).toContain('Este e-mail é verdadeiro? Confira em https://portal.example/c/lojas/golpe.');
		expect(text).toContain('Lojas <b>Ação</b> & Cia · CNPJ 12.345.678/0001-95\nRua "Um", 10 – Recife/PE');
		expect(text).toContain('Não quero mais receber e-mails de Lojas <b>Ação</b> & Cia: https://portal.example/d/abc?t=1&c=email');
	});

	it('keeps a link from breaking out of its attribute and refuses links that are not http(s)', () => {
		const { html } = renderEmail({ creditor, subject: 's', text: 't', ctaUrl: 'https://portal.example/x?q="><script>alert(1)</script>', ctaLabel: '<script>x</script>' });
		expect(html).not.toContain('<script>');
		expect(html).toContain('href="https://portal.example/x?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"');
		expect(html).toContain('>&lt;script&gt;x&lt;/script&gt;</a>');
		expect(() => renderEmail({ creditor, subject: 's', text: 't', ctaUrl: 'javascript:alert(1)' })).toThrow();
		expect(() => renderEmail({ creditor, subject: 's', text: 't', golpeUrl: 'data:text/html,x' })).toThrow();
	});

	it('leaves out what it was not given', () => {
		const { html, text } = renderEmail({ creditor, subject: 's', text: 'Olá.' });
		expect(html).not.toContain('<a ');
		expect(html).not.toContain('verdadeiro');
		expect(text).toBe('Olá.\n\n--\n\nLojas <b>Ação</b> & Cia · CNPJ 12.345.678/0001-95\nRua "Um", 10 – Recife/PE');
	});
});
