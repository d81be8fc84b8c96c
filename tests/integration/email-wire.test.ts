import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { closeTransports, renderEmail, send } from '../../src/lib/server/messaging/email';
import type { SmtpAccount, WireMessage } from '../../src/lib/server/messaging/wire';
import { startFakeSmtp, type FakeSmtp, type ReceivedMail } from '../support/fakes/smtp';

/**
 * The e-mail driver against a real SMTP server on loopback: what it writes is read back byte for
 * byte and through mailparser, and every way a relay answers maps to the contract's outcome.
 */

const USER = 'acerto';
const PASS = 'p@ss:w0rd/ç';
const MAIL_FROM = 'Acerto Cobranças <cobranca@acerto.example>';
const DEBTOR = 'maria.silva@example.com.br';
const UNKNOWN = 'ninguem@example.com.br';
const DEFERRED = 'depois@example.com.br';
// ~220 characters: far past the 76 at which nodemailer folds a header line.
const UNSUBSCRIBE = `https://portal.acerto.example/c/banco-exemplo/descadastrar?canal=email&t=${'Zx9_'.repeat(36)}`;

let smtp: FakeSmtp;
let account: SmtpAccount;

beforeAll(async () => {
	smtp = await startFakeSmtp({ users: { [USER]: PASS }, rejectRecipients: [UNKNOWN], tempFailRecipients: [DEFERRED] });
	account = { url: smtp.url, from: MAIL_FROM };
});

afterAll(async () => {
	closeTransports();
	await smtp?.close();
});

function message(over: Partial<WireMessage> = {}): WireMessage {
	return {
		id: randomUUID(),
		channel: 'email',
		to: DEBTOR,
		text: 'Olá, Maria.',
		sender: { name: 'Banco Exemplo, S.A.' },
		...over
	};
}

/** The header block as sent, and one header's line with its continuation lines, unparsed. */
function headerBlock(mail: ReceivedMail): string {
	const raw = mail.raw.toString('latin1');
	return raw.slice(0, raw.indexOf('\r\n\r\n') + 2);
}
function rawHeader(mail: ReceivedMail, name: string): string | undefined {
	return new RegExp(`^${name}:.*\\r\\n(?:[ \\t].*\\r\\n)*`, 'im').exec(headerBlock(mail))?.[0];
}

async function received(id: string): Promise<ReceivedMail> {
	for (let n = 1; ; n++) {
		const all = await smtp.waitFor(n);
		const mail = all.find((m) => m.parsed.headers.get('x-acerto-message-id') === id);
		if (mail) return mail;
	}
}

describe('an e-mail on the wire', () => {
	it('names the creditor, carries both parts and a one-click unsubscribe header that is not folded', async () => {
		const creditor = { name: 'Banco Exemplo, S.A.', cnpj: '12345678000195', address: 'Av. Paulista, 1000 <script>alert(1)</script> – São Paulo/SP' };
		const content = renderEmail({
			creditor,
			subject: 'Condições para quitar sua dívida com o Banco Exemplo',
			text: 'Olá, Maria.\n\nHá condições novas para a sua dívida.',
			ctaUrl: 'https://portal.acerto.example/c/banco-exemplo',
			ctaLabel: 'Ver as condições',
			golpeUrl: 'https://portal.acerto.example/c/banco-exemplo/golpe',
			unsubscribeUrl: UNSUBSCRIBE
		});
		const msg = message({
			text: content.text,
			email: { subject: content.subject, html: content.html, unsubscribeUrl: UNSUBSCRIBE }
		});

		const result = await send(msg, account, { timeoutMs: 5_000 });
		expect(result).toEqual({ status: 'accepted', providerId: `<${msg.id}@acerto.example>` });
		const mail = await received(msg.id);

		expect(mail.envelope).toEqual({ from: 'cobranca@acerto.example', to: [DEBTOR] });
		// MAIL_FROM's name gives way to the creditor's; the comma needs the quoted string (RFC 5322 §3.4).
		expect(rawHeader(mail, 'From')).toBe('From: "Banco Exemplo, S.A." <cobranca@acerto.example>\r\n');
		expect(mail.parsed.from?.value).toEqual([{ name: 'Banco Exemplo, S.A.', address: 'cobranca@acerto.example' }]);
		expect(mail.parsed.subject).toBe('Condições para quitar sua dívida com o Banco Exemplo');
		expect(mail.parsed.messageId).toBe(`<${msg.id}@acerto.example>`);
		expect(rawHeader(mail, 'X-Acerto-Message-ID')).toBe(`X-Acerto-Message-ID: ${msg.id}\r\n`);

		// One line each, exactly: no fold after the colon for a relay's DKIM signature to trip on.
		expect(rawHeader(mail, 'List-Unsubscribe')).toBe(`List-Unsubscribe: <${UNSUBSCRIBE}>\r\n`);
		expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
		expect(headerBlock(mail).match(/^List-Unsubscribe/gim)).toHaveLength(2);
		// Everything else in the header stays 7-bit and within RFC 5322's 998 characters a line.
		expect(headerBlock(mail)).toMatch(/^[\x20-\x7e\r\n\t]*$/);

		expect(mail.parsed.text).toContain('Há condições novas para a sua dívida.');
		expect(mail.parsed.text).toContain('CNPJ 12.345.678/0001-95');
		const html = String(mail.parsed.html);
		expect(html).toContain('lang="pt-BR"');
		expect(html).toContain('CNPJ 12.345.678/0001-95');
		expect(html).toContain('Av. Paulista, 1000 &lt;script&gt;alert(1)&lt;/script&gt; – São Paulo/SP');
		expect(html).not.toContain('<script>');
		expect(html).toContain('Este e-mail é verdadeiro? Confira em <a href="https://portal.acerto.example/c/banco-exemplo/golpe"');
		expect(html).toContain(`<a href="${UNSUBSCRIBE.replaceAll('&', '&amp;')}"`);
		expect(html).toContain('>Ver as condições</a>');
	});

	it('encodes a sender name with accents and a comma, and reads back the same name', async () => {
		const name = 'Financeira Ação, Crédito & Cia';
		const msg = message({ sender: { name: 'Financeira Ação', emailFromName: name }, email: { subject: 'Aviso de cobrança', html: '<p>Olá</p>' } });
		expect(await send(msg, account)).toMatchObject({ status: 'accepted' });
		const mail = await received(msg.id);
		// RFC 2047 encoded words (folded between words, as §2 allows), the comma inside one as =2C,
		// so no reader takes the name for two addresses.
		const from = rawHeader(mail, 'From');
		expect(from).toMatch(/^From: =\?UTF-8\?Q\?[^?\s]+\?=(\r\n =\?UTF-8\?Q\?[^?\s]+\?=)* <cobranca@acerto\.example>\r\n$/);
		expect(from).toContain('=2C');
		expect(mail.parsed.from?.value).toEqual([{ name, address: 'cobranca@acerto.example' }]);
		expect(mail.parsed.subject).toBe('Aviso de cobrança');
		expect(rawHeader(mail, 'List-Unsubscribe')).toBeUndefined();
	});

	it('without e-mail content, sends the text as escaped HTML with links under the creditor’s name', async () => {
		const msg = message({
			sender: { name: 'Lojas Ação' },
			text: 'Olá <b>Maria</b>, veja https://portal.acerto.example/c/lojas?a=1&b=2.'
		});
		expect(await send(msg, account)).toMatchObject({ status: 'accepted' });
		const mail = await received(msg.id);
		expect(mail.parsed.subject).toBe('Lojas Ação');
		expect(mail.parsed.from?.value).toEqual([{ name: 'Lojas Ação', address: 'cobranca@acerto.example' }]);
		expect(mail.parsed.text?.trim()).toBe(msg.text);
		const html = String(mail.parsed.html);
		expect(html).toContain('Olá &lt;b&gt;Maria&lt;/b&gt;, veja <a href="https://portal.acerto.example/c/lojas?a=1&amp;b=2"');
		expect(html).toContain('</a>.</p>');
	});

	it('sends several messages over the pool, each accepted once', async () => {
		const msgs = Array.from({ length: 6 }, (_, i) => message({ text: `Mensagem ${i}` }));
		const results = await Promise.all(msgs.map((m) => send(m, account)));
		expect(results.map((r) => r.status)).toEqual(Array(6).fill('accepted'));
		for (const m of msgs) expect(smtp.messages.filter((x) => x.parsed.headers.get('x-acerto-message-id') === m.id)).toHaveLength(1);
	});
});

describe('what the relay answers', () => {
	it('a wrong password fails for good, without trying another channel', async () => {
		const url = smtp.url.replace(encodeURIComponent(PASS), 'errada');
		expect(url).not.toBe(smtp.url);
		const result = await send(message(), { url, from: MAIL_FROM });
		expect(result).toMatchObject({ status: 'failed', code: '535 5.7.8', fallback: false });
	});

	it('no credentials where the relay requires them fails for good', async () => {
		const url = smtp.url.replace(/\/\/[^@]*@/, '//');
		const result = await send(message(), { url, from: MAIL_FROM });
		expect(result).toMatchObject({ status: 'failed', code: '530', fallback: false });
	});

	it('a mailbox that does not exist (550 5.1.1) fails and sends the message to the next channel', async () => {
		const result = await send(message({ to: UNKNOWN }), account);
		expect(result).toMatchObject({ status: 'failed', code: '550 5.1.1', fallback: true });
		expect(result.status === 'failed' && result.reason).toContain('User unknown');
	});

	it('a stored address that is not exactly one mailbox fails before anything is sent', async () => {
		const before = smtp.messages.length;
		for (const to of [`${DEBTOR}, outro@example.com`, 'Maria <maria@example.com>', 'sem-arroba']) {
			expect(await send(message({ to }), account)).toMatchObject({ status: 'failed', code: 'EADDRESS', fallback: true });
		}
		expect(smtp.messages.length).toBe(before);
	});

	it('a deferred recipient (451) is tried again later', async () => {
		const result = await send(message({ to: DEFERRED }), account);
		expect(result).toMatchObject({ status: 'retry' });
		expect(result.status === 'retry' && result.reason).toContain('451 4.3.0');
	});

	it('a message refused after DATA on policy (554 5.7.1) fails without fallback', async () => {
		smtp.options.failNextData = 1;
		const result = await send(message(), account);
		expect(result).toMatchObject({ status: 'failed', code: '554 5.7.1', fallback: false });
		// The connection survives the refusal: the next message goes through.
		expect(await send(message(), account)).toMatchObject({ status: 'accepted' });
	});

	it('a closed port is tried again later', async () => {
		const probe = net.createServer().listen(0, '127.0.0.1');
		await once(probe, 'listening');
		const { port } = probe.address() as AddressInfo;
		await new Promise((r) => probe.close(r));
		const result = await send(message(), { url: `smtp://127.0.0.1:${port}`, from: MAIL_FROM }, { timeoutMs: 2_000 });
		expect(result).toMatchObject({ status: 'retry' });
	});

	it('a server that never greets is tried again later: nothing was sent', async () => {
		const sockets = new Set<net.Socket>();
		const silent = net.createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
		await once(silent, 'listening');
		const { port } = silent.address() as AddressInfo;
		try {
			const result = await send(message(), { url: `smtp://127.0.0.1:${port}`, from: MAIL_FROM }, { timeoutMs: 300 });
			expect(result).toMatchObject({ status: 'retry' });
			expect(sockets.size).toBe(1);
		} finally {
			for (const socket of sockets) socket.destroy();
			silent.close();
		}
	});

	it('no answer after the whole message went out is unknown: it may have been delivered', async () => {
		const hang = await startFakeSmtp({ hangAfterData: true });
		try {
			const msg = message();
			const started = Date.now();
			const result = await send(msg, { url: hang.url, from: MAIL_FROM }, { timeoutMs: 500 });
			expect(result).toEqual({ status: 'unknown', reason: 'ETIMEDOUT: sem resposta do servidor SMTP em 500 ms' });
			expect(Date.now() - started).toBeLessThan(3_000);
			// The server did get all of it.
			expect(hang.unanswered.map((m) => m.parsed.headers.get('x-acerto-message-id'))).toEqual([msg.id]);
		} finally {
			closeTransports();
			await hang.close();
		}
	});
});
