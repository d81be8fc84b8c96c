import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 (smtp-server, the one nodemailer's author tests against) that
 * answers the way a relay such as Postfix does: AUTH required when users are given, recipients
 * refused with 550 5.1.1 or deferred with 451 4.3.0, a message refused at the end of DATA with
 * 554 5.7.1, or a DATA that is read to the end and never answered. What arrives is kept as the
 * raw bytes the client sent and as mailparser reads them.
 */

export type FakeSmtpOptions = {
	/** Accounts for AUTH PLAIN/LOGIN; when given, MAIL FROM without AUTH is refused (530). */
	users?: Record<string, string>;
	/** RCPT TO refused for good: 550 5.1.1 user unknown. */
	rejectRecipients?: string[];
	/** RCPT TO deferred: 451 4.3.0. */
	tempFailRecipients?: string[];
	/** The next n messages are refused after their DATA: 554 5.7.1. */
	failNextData?: number;
	/** Every DATA is read to the final "." and never answered. */
	hangAfterData?: boolean;
	/** false: keep the raw message only (a benchmark's thousands of e-mails need not be parsed). */
	parse?: boolean;
};

export type ReceivedMail = {
	envelope: { from: string; to: string[] };
	/** The message as the client sent it (dot-stuffing undone), headers exactly as written. */
	raw: Buffer;
	/** As mailparser reads it (an empty object with `parse: false`). */
	parsed: ParsedMail;
};

export type FakeSmtp = {
	/** smtp://user:pass@127.0.0.1:PORT with the first user, or without credentials. */
	url: string;
	port: number;
	/** Messages answered 250, oldest first. */
	messages: ReceivedMail[];
	/** Messages read to the end and left unanswered (hangAfterData). */
	unanswered: ReceivedMail[];
	/** Settings that a test may change between sends. */
	options: FakeSmtpOptions;
	waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
	close(): Promise<void>;
};

function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
	return Object.assign(new Error(message), { responseCode });
}

export async function startFakeSmtp(settings: FakeSmtpOptions = {}): Promise<FakeSmtp> {
	const options = { ...settings };
	const messages: ReceivedMail[] = [];
	const unanswered: ReceivedMail[] = [];
	const waiters = new Set<() => void>();
	const users = options.users ?? {};
	const authRequired = Object.keys(users).length > 0;

	const server = new SMTPServer({
		secure: false,
		// No certificate here: without STARTTLS on offer nodemailer stays on plain text, as it does
		// with a relay on a private network.
		disabledCommands: authRequired ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
		authOptional: !authRequired,
		allowInsecureAuth: true,
		// We write the RFC 3463 codes ourselves, as Postfix does, instead of smtp-server's guesses.
		hideENHANCEDSTATUSCODES: true,
		logger: false,
		closeTimeout: 500,
		onAuth(auth, _session, callback) {
			if (auth.username !== undefined && Object.hasOwn(users, auth.username) && users[auth.username] === auth.password) {
				return callback(null, { user: auth.username });
			}
			callback(smtpError(535, '5.7.8 Error: authentication failed'));
		},
		onRcptTo(address, _session, callback) {
			const to = address.address.toLowerCase();
			if (options.rejectRecipients?.some((a) => a.toLowerCase() === to)) {
				return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown in virtual mailbox table`));
			}
			if (options.tempFailRecipients?.some((a) => a.toLowerCase() === to)) {
				return callback(smtpError(451, `4.3.0 <${address.address}>: Temporary lookup failure`));
			}
			callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', async () => {
				const raw = Buffer.concat(chunks);
				const mail: ReceivedMail = { envelope: envelopeOf(session), raw, parsed: options.parse === false ? ({} as ParsedMail) : await simpleParser(raw) };
				if (options.hangAfterData) {
					unanswered.push(mail);
					return notify();
				}
				if (options.failNextData && options.failNextData > 0) {
					options.failNextData--;
					return callback(smtpError(554, '5.7.1 Message rejected: content policy'));
				}
				messages.push(mail);
				notify();
				callback(null, `2.0.0 Ok: queued as ${messages.length.toString(16).toUpperCase().padStart(10, '0')}`);
			});
		}
	});

	function notify() {
		for (const w of waiters) w();
	}

	server.listen(0, '127.0.0.1');
	await once(server.server, 'listening');
	const port = (server.server.address() as AddressInfo).port;
	const [user, pass] = Object.entries(users)[0] ?? [];
	const auth = user === undefined ? '' : `${encodeURIComponent(user)}:${encodeURIComponent(pass)}@`;

	return {
		url: `smtp://${auth}127.0.0.1:${port}`,
		port,
		messages,
		unanswered,
		options,
		waitFor(n, timeoutMs = 5_000) {
			const count = () => messages.length + unanswered.length;
			if (count() >= n) return Promise.resolve([...messages, ...unanswered]);
			return new Promise((resolve, reject) => {
				const check = () => {
					if (count() < n) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve([...messages, ...unanswered]);
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`o servidor SMTP recebeu ${count()} de ${n} mensagens`));
				}, timeoutMs);
				waiters.add(check);
			});
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

function envelopeOf(session: SMTPServerSession): ReceivedMail['envelope'] {
	const { mailFrom, rcptTo } = session.envelope;
	return { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) };
}
