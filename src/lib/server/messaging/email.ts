import { PassThrough } from 'node:stream';
import { config } from '../config';
import nodemailer, { type NodemailerError, type PluginFunction, type SendMailOptions, type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { formatDocument } from '../../format/document';
import type { SendOptions, SendResult, SmtpAccount, WireMessage } from './wire';

/**
 * The e-mail driver: one message over SMTP (SMTP_URL, MAIL_FROM) with nodemailer's pool, and the
 * HTML every collection e-mail is wrapped in. Holds no state but the open connections.
 */

const DEFAULT_TIMEOUT_MS = 30_000;
/** RFC 5322 §2.1.1: a header line is at most 998 characters before its CRLF. */
const MAX_HEADER_LINE = 998;

// ---------------------------------------------------------------------------------------------
// Transports: one pool per SMTP_URL
// ---------------------------------------------------------------------------------------------

/**
 * How far each message in flight got, keyed by the AbortSignal it was sent with (nodemailer
 * carries `mail.data.signal` to the plugins). `bodySent`: the whole message was handed to the
 * SMTP data stream, so the server may have taken it even if it never answered.
 */
const inFlight = new WeakMap<AbortSignal, { bodySent: boolean }>();

/**
 * Watches the compiled message on its way out. nodemailer pipes it into the DATA stream only after
 * the server's 354 (smtp-connection `send`: `_setEnvelope`, then `message.pipe(stream)`), and a
 * process function is the last stage before that pipe, so `end` here means the server got the
 * whole body. Before that, a dropped connection cannot have delivered it (RFC 5321 §4.1.1.4: the
 * transaction completes at the final "."), and the message is safe to send again.
 */
const trackBody: PluginFunction = (mail, done) => {
	const progress = mail.data.signal ? inFlight.get(mail.data.signal) : undefined;
	if (progress && mail.message) {
		mail.message.processFunc((input) => {
			const out = new PassThrough();
			out.once('end', () => (progress.bodySent = true));
			input.once('error', (err) => out.destroy(err));
			return input.pipe(out);
		});
	}
	done();
};

const transports = new Map<string, Transporter>();

function transport(url: string): Transporter {
	let t = transports.get(url);
	if (!t) {
		t = nodemailer.createTransport({
			url,
			pool: true,
			// A campaign's e-mails go side by side (SMTP takes several round trips a message); relays
			// commonly allow 10–50 connections per client.
			maxConnections: config().SMTP_MAX_CONNECTIONS,
			maxMessages: 1000,
			// The pool resends a message on its own only when not a byte of it went out (a reused
			// connection the server had closed); our pipeline retries everything else.
			maxRequeues: 1,
			disableFileAccess: true,
			disableUrlAccess: true
		});
		t.use('stream', trackBody);
		transports.set(url, t);
	}
	return t;
}

/** Closes every pooled SMTP connection (shutdown, end of tests). */
export function closeTransports(): void {
	for (const t of transports.values()) t.close();
	transports.clear();
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

/**
 * Puts one e-mail on the wire. The sender's display name is the creditor's (CDC art. 42-A: the
 * message names who collects), the address is MAIL_FROM's. Resolves to what happened; throws only
 * on a broken invariant (not an e-mail, an unparsable MAIL_FROM or unsubscribe URL).
 */
export async function send(msg: WireMessage, account: SmtpAccount, opts: SendOptions = {}): Promise<SendResult> {
	const to = singleAddress(msg.to);
	if (!to) return { status: 'failed', reason: `endereço de e-mail inválido: ${msg.to}`, code: 'EADDRESS', fallback: true };
	const mail = compose({ ...msg, to }, account);
	const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const controller = new AbortController();
	const progress = { bodySent: false };
	inFlight.set(controller.signal, progress);
	const timer = setTimeout(() => controller.abort(), timeoutMs);
	try {
		const info = await transport(account.url).sendMail({ ...mail, signal: controller.signal });
		return { status: 'accepted', providerId: String(info.messageId) };
	} catch (err) {
		const e = err as NodemailerError;
		const timedOut = e.code === 'EABORT' && controller.signal.aborted;
		return classify(timedOut ? { code: 'ETIMEDOUT', message: `sem resposta do servidor SMTP em ${timeoutMs} ms` } : e, progress.bodySent);
	} finally {
		clearTimeout(timer);
		inFlight.delete(controller.signal);
	}
}

/** The nodemailer message for one WireMessage. */
function compose(msg: WireMessage, account: SmtpAccount): SendMailOptions {
	if (msg.channel !== 'email') throw new Error(`canal ${msg.channel} entregue ao driver de e-mail`);
	const from = mailbox(account.from);
	const domain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
	// RFC 5322 §3.6.4: id-left is a dot-atom; ours is a uuid.
	if (!/^[A-Za-z0-9-]+$/.test(msg.id)) throw new Error(`id de mensagem inválido: ${msg.id}`);
	const name = msg.sender.emailFromName?.trim() || msg.sender.name;
	const headers: NonNullable<SendMailOptions['headers']> = { 'X-Acerto-Message-ID': msg.id };
	if (msg.email?.unsubscribeUrl) Object.assign(headers, unsubscribeHeaders(msg.email.unsubscribeUrl));
	return {
		// nodemailer quotes or encodes the phrase as RFC 5322/2047 ask ("Banco Exemplo, S.A.", Ação).
		from: { name, address: from },
		to: msg.to,
		envelope: { from, to: [msg.to] },
		subject: msg.email?.subject ?? msg.sender.name,
		text: msg.text,
		html: msg.email?.html ?? page(msg.sender.name, textToHtml(msg.text)),
		messageId: `<${msg.id}@${domain}>`,
		headers
	};
}

/** One plain address, or null: a stored "a@x.com, b@y.com" must not become two recipients. */
function singleAddress(value: string): string | null {
	const parsed = addressparser(value, { flatten: true });
	const address = parsed.length === 1 ? parsed[0].address : '';
	return address && address === value.trim() && /^[^\s@]+@[^\s@]+$/.test(address) ? address : null;
}

/** The address of MAIL_FROM, which may be `addr` or `Name <addr>`; its name is replaced per message. */
function mailbox(mailFrom: string): string {
	const [first] = addressparser(mailFrom, { flatten: true });
	if (!first?.address || !first.address.includes('@')) throw new Error(`MAIL_FROM sem endereço de e-mail: ${mailFrom}`);
	return first.address;
}

/**
 * RFC 2369 List-Unsubscribe and RFC 8058 one-click. Written as prepared, unfolded lines: nodemailer
 * folds `list.unsubscribe` and plain headers longer than 76 characters right after the colon
 * ("List-Unsubscribe:\r\n <https://…>"), which has broken DKIM signatures added by the relay
 * (nodemailer issues #1654 and #1694; the workaround there is `prepared: true`). A prepared value
 * skips nodemailer's own cleaning, so the URL goes through the WHATWG serializer, which leaves no
 * space, control character, "<" or ">" in it.
 */
function unsubscribeHeaders(unsubscribeUrl: string): Record<string, { prepared: true; value: string }> {
	const url = new URL(unsubscribeUrl);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`URL de descadastro não é http(s): ${unsubscribeUrl}`);
	const value = `<${url.href}>`;
	if ('List-Unsubscribe: '.length + value.length > MAX_HEADER_LINE) throw new Error('URL de descadastro longa demais para um cabeçalho');
	const headers: Record<string, { prepared: true; value: string }> = { 'List-Unsubscribe': { prepared: true, value } };
	// RFC 8058 §3.1: one-click only with an HTTPS URI.
	if (url.protocol === 'https:') headers['List-Unsubscribe-Post'] = { prepared: true, value: 'List-Unsubscribe=One-Click' };
	return headers;
}

// ---------------------------------------------------------------------------------------------
// Outcome
// ---------------------------------------------------------------------------------------------

/** Codes of errors that carry no SMTP reply: the connection failed, timed out or was aborted. */
const CONNECTION_ERRORS = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EABORT', 'EDNS', 'ETLS', 'EPROTOCOL', 'EPROXY']);

/**
 * RFC 3463 enhanced status codes saying the mailbox cannot receive: X.1.1 bad mailbox, X.1.2 bad
 * domain, X.1.3 bad mailbox syntax, X.1.6 mailbox moved, X.1.10 null MX (RFC 7505), X.2.1 mailbox
 * disabled. Anything else (5.7.1 policy, 5.2.2 full, 5.6.0) is about this message, not the address.
 */
const MAILBOX_GONE = /^5\.(1\.(1|2|3|6|10)|2\.1)$/;

/**
 * What a nodemailer error means for the message. `bodySent`: the whole message had been handed to
 * the DATA stream when it happened. Exported for its unit tests.
 */
export function classify(
	err: Pick<NodemailerError, 'message' | 'code' | 'responseCode' | 'response' | 'command'>,
	bodySent: boolean
): SendResult {
	const reply = err.responseCode;
	if (typeof reply === 'number' && reply >= 400) {
		const response = (err.response ?? err.message).trim();
		// RFC 5321 §4.2.1: 4yz is transient; 503 (bad sequence) is the session's fault, not the message's.
		if (reply < 500 || reply === 503) return { status: 'retry', reason: `SMTP ${response}` };
		const enhanced = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(response)?.[1];
		// Without an enhanced code, a 550/551/553 refusal of RCPT TO is RFC 5321's "mailbox unavailable".
		const gone = enhanced ? MAILBOX_GONE.test(enhanced) : err.command === 'RCPT TO' && [550, 551, 553].includes(reply);
		return { status: 'failed', reason: `SMTP ${response}`, code: enhanced ? `${reply} ${enhanced}` : String(reply), fallback: gone };
	}
	const code = err.code ?? 'ERROR';
	if (CONNECTION_ERRORS.has(code)) {
		return bodySent ? { status: 'unknown', reason: `${code}: ${err.message}` } : { status: 'retry', reason: `${code}: ${err.message}` };
	}
	// EAUTH, ENOAUTH, EMESSAGE, EENVELOPE without a reply (nodemailer refused the address itself)…
	const badAddress = code === 'EENVELOPE' && /recipient/i.test(err.message);
	return { status: 'failed', reason: `${code}: ${err.message}`, code, fallback: badAddress };
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export type EmailContent = {
	creditor: { name: string; cnpj: string; address: string };
	subject: string;
	/** The message itself, plain text; blank lines separate paragraphs, URLs become links. */
	text: string;
	ctaUrl?: string;
	ctaLabel?: string;
	/** The creditor's "is this message real?" page. */
	golpeUrl?: string;
	unsubscribeUrl?: string;
};

const COLOR = { text: '#1f2937', muted: '#4b5563', link: '#1d4ed8', page: '#f3f4f6', card: '#ffffff' };

/**
 * A collection e-mail: HTML (mobile first, inline styles, no layout tables) and its plain-text twin.
 * Both name the creditor with CNPJ and address (CDC art. 42-A) and say how to check it is real.
 */
export function renderEmail(c: EmailContent): { subject: string; html: string; text: string } {
	const cnpj = formatDocument(c.creditor.cnpj);
	const cta = c.ctaUrl ? { url: httpUrl(c.ctaUrl), label: c.ctaLabel ?? 'Ver minhas opções' } : undefined;
	const golpe = c.golpeUrl ? httpUrl(c.golpeUrl) : undefined;
	const unsubscribe = c.unsubscribeUrl ? httpUrl(c.unsubscribeUrl) : undefined;
	const small = `margin:0 0 12px;font-size:14px;line-height:1.5;color:${COLOR.muted}`;
	const link = `color:${COLOR.link};text-decoration:underline`;

	const body = [
		`<p style="margin:0 0 16px;font-size:14px;font-weight:bold;color:${COLOR.muted}">${escapeHtml(c.creditor.name)}</p>`,
		textToHtml(c.text),
		cta
			? `<p style="margin:24px 0 8px"><a href="${escapeHtml(cta.url)}" style="display:inline-block;padding:12px 20px;border-radius:6px;background:${COLOR.link};color:#ffffff;font-weight:bold;text-decoration:none">${escapeHtml(cta.label)}</a></p>`
			: ''
	].join('\n');
	const footer = [
		golpe
			? `<p style="${small}">Este e-mail é verdadeiro? Confira em <a href="${escapeHtml(golpe)}" style="${link}">${escapeHtml(golpe)}</a>. Nunca pedimos senhas nem códigos por telefone, e-mail ou mensagem.</p>`
			: '',
		`<p style="${small}">${escapeHtml(c.creditor.name)} · CNPJ ${escapeHtml(cnpj)}<br>${escapeHtml(c.creditor.address)}</p>`,
		unsubscribe
			? `<p style="${small}"><a href="${escapeHtml(unsubscribe)}" style="${link}">Não quero mais receber e-mails de ${escapeHtml(c.creditor.name)}</a></p>`
			: ''
	].join('\n');

	const text = [
		c.text.trim(),
		cta ? `${cta.label}: ${cta.url}` : '',
		'--',
		golpe ? `Este e-mail é verdadeiro? Confira em ${golpe}. Nunca pedimos senhas nem códigos por telefone, e-mail ou mensagem.` : '',
		`${c.creditor.name} · CNPJ ${cnpj}\n${c.creditor.address}`,
		unsubscribe ? `Não quero mais receber e-mails de ${c.creditor.name}: ${unsubscribe}` : ''
	]
		.filter(Boolean)
		.join('\n\n');

	return { subject: c.subject, html: page(c.subject, body, footer), text };
}

/** A whole HTML document: one readable column, 600 px at most, the footer below the card. */
function page(title: string, body: string, footer = ''): string {
	return `<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(title)}</title>
</head>
<body style="margin:0;padding:0;background:${COLOR.page}">
<div role="article" aria-label="${escapeHtml(title)}" lang="pt-BR" style="max-width:600px;margin:0 auto;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:${COLOR.text}">
<div style="padding:24px;border-radius:8px;background:${COLOR.card}">
${body}
</div>
<div style="padding:16px 8px">
${footer}
</div>
</div>
</body>
</html>
`;
}

/** Plain text as HTML paragraphs: blank lines split paragraphs, line breaks stay, URLs become links. */
function textToHtml(text: string): string {
	return text
		.trim()
		.split(/\r?\n\s*\r?\n/)
		.map((para) => `<p style="margin:0 0 16px">${para.split(/\r?\n/).map(linkify).join('<br>')}</p>`)
		.join('\n');
}

function linkify(line: string): string {
	let out = '';
	let last = 0;
	for (const m of line.matchAll(/https?:\/\/[^\s<>"]+/g)) {
		// A sentence's closing punctuation is not part of the URL.
		const url = m[0].replace(/[.,;:!?)\]]+$/, '');
		out += escapeHtml(line.slice(last, m.index)) + `<a href="${escapeHtml(url)}" style="color:${COLOR.link}">${escapeHtml(url)}</a>`;
		last = m.index + url.length;
	}
	return out + escapeHtml(line.slice(last));
}

/** Our own links only: an href that is not http(s) (javascript:, data:) is a bug upstream. */
function httpUrl(value: string): string {
	const url = new URL(value);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`link não é http(s): ${value}`);
	return url.href;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}
