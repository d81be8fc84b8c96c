import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * All configuration, read from the environment at runtime (never baked into the build) and
 * validated once. The README lists every variable.
 */
const schema = z.object({
	NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
	DATABASE_URL: z.string().url().optional(),
	DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
	DATA_DIR: z.string().default('.data'),
	EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
	/** Unset: loopback only, unless NODE_ENV=production (then every interface, as behind a proxy or in a container). */
	HOST: z.string().optional(),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	/** Processes serving HTTP (one per core is usual); the app keeps no state of its own, so any number share the port. */
	WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
	PUBLIC_BASE_URL: z.string().url().optional(),
	APP_SECRET: z.string().min(32, 'APP_SECRET precisa de pelo menos 32 caracteres').optional(),
	/**
	 * `console`: messages are printed (development). `providers`: sent through the accounts below
	 * (and any an agency entered in the admin area, which always take precedence).
	 */
	MESSAGING_DRIVER: z.enum(['console', 'providers']).default('console'),
	WHATSAPP_API_URL: z.string().url().optional(),
	WHATSAPP_TOKEN: z.string().min(1).optional(),
	WHATSAPP_PHONE_NUMBER_ID: z.string().min(1).optional(),
	WHATSAPP_APP_SECRET: z.string().min(1).optional(),
	WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
	WHATSAPP_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(80),
	SMS_DRIVER: z.enum(['zenvia', 'twilio']).optional(),
	ZENVIA_API_URL: z.string().url().optional(),
	ZENVIA_API_TOKEN: z.string().min(1).optional(),
	ZENVIA_FROM: z.string().min(1).optional(),
	/** The secret part of Zenvia's callback URL (its callbacks carry no signature). */
	ZENVIA_CALLBACK_SECRET: z.string().min(16).optional(),
	TWILIO_API_URL: z.string().url().optional(),
	TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
	TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
	TWILIO_FROM: z.string().min(1).optional(),
	SMS_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(30),
	SMTP_URL: z.string().url().optional(),
	MAIL_FROM: z.string().min(3).optional(),
	EMAIL_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(20),
	/** SMTP connections kept open per relay. */
	SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(10),
	/** Price of one message (one SMS segment) in thousandths of a cent, for campaign estimates. */
	COST_WHATSAPP_MILLICENTS: z.coerce.number().int().min(0).default(35_000),
	COST_SMS_MILLICENTS: z.coerce.number().int().min(0).default(7_000),
	COST_EMAIL_MILLICENTS: z.coerce.number().int().min(0).default(100),
	/**
	 * The default Pix PSP account (Pix API v2 over mTLS), for creditors and agencies without their
	 * own. Unset: Pix is the static BR Code. Certificate, key and CA: a PEM file path or the PEM itself.
	 */
	PIX_PSP_API_URL: z.string().url().optional(),
	PIX_PSP_OAUTH_URL: z.string().url().optional(),
	PIX_PSP_CLIENT_ID: z.string().min(1).optional(),
	PIX_PSP_CLIENT_SECRET: z.string().min(1).optional(),
	PIX_PSP_CERT: z.string().min(1).optional(),
	PIX_PSP_KEY: z.string().min(1).optional(),
	PIX_PSP_CA: z.string().min(1).optional(),
	/** The secret part of the webhook URL registered with the PSP (`/webhooks/pix/env/{secret}`). */
	PIX_PSP_WEBHOOK_SECRET: z.string().min(16).optional(),
	/** Late fee and default interest put on each charge, basis points; CDC caps: 200 and 100 a month. */
	PIX_PSP_FINE_BP: z.coerce.number().int().min(0).max(200).default(0),
	PIX_PSP_INTEREST_MONTHLY_BP: z.coerce.number().int().min(0).max(100).default(0),
	/** The agency (by CNPJ) that owns the environment's account: Pix on it that match nothing wait in its review queue. */
	PIX_PSP_AGENCY_CNPJ: z.string().regex(/^\d{14}$/, { error: 'PIX_PSP_AGENCY_CNPJ: 14 dígitos, sem pontuação' }).optional(),
	/**
	 * The PSP offers Pix Automático: an agreement's entry QR also authorises the monthly debits of the
	 * rest. Its recurring charges name the receiving account: `agência/conta` (or just the account) and its type.
	 */
	PIX_PSP_AUTOMATICO: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
	PIX_PSP_AUTOMATICO_CONTA: z.string().regex(/^(\d{1,4}\/)?[0-9A-Za-z-]{1,20}$/, 'agência/conta, como 0001/123456-7').optional(),
	PIX_PSP_AUTOMATICO_TIPO_CONTA: z.enum(['CORRENTE', 'POUPANCA', 'PAGAMENTO']).default('CORRENTE'),
	SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
	/** `off`: this process serves HTTP only and runs no jobs (others run them: sending, the régua, housekeeping). */
	JOBS: z.enum(['on', 'off']).default('on'),
	OTP_SENDS_PER_DOCUMENT_PER_HOUR: z.coerce.number().int().min(1).default(5),
	OTP_SENDS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(30),
	/** Budgets against SMS pumping: codes sent per agency, and by the whole installation, per hour. */
	OTP_SENDS_PER_AGENCY_PER_HOUR: z.coerce.number().int().min(1).default(5000),
	OTP_SENDS_PER_HOUR: z.coerce.number().int().min(1).default(20000),
	SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
	LINK_TTL_DAYS: z.coerce.number().int().min(1).default(30),
	/** Days a validated upload waits to be imported, and its rejected rows are kept, before they are deleted. */
	UPLOAD_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7)
});

export type Config = Omit<z.infer<typeof schema>, 'HOST'> & {
	HOST: string;
	appSecret: string;
	baseUrl: string;
	/** Whether the public origin is https: cookies are `Secure` and HSTS is sent. */
	https: boolean;
};

let cached: Config | undefined;

export const SECRET_FILE = 'app-secret';

/**
 * APP_SECRET, or one generated on first start and kept under DATA_DIR (mode 0600), so no two
 * installations share a key and none is ever in the repository. Production requires it from the
 * environment: several app nodes must share one, and a file on one machine would not be seen by
 * the others.
 */
function appSecret(env: z.infer<typeof schema>): string {
	if (env.APP_SECRET) return env.APP_SECRET;
	if (env.NODE_ENV === 'production') {
		throw new Error('APP_SECRET é obrigatório em produção (32+ caracteres aleatórios, o mesmo em todos os processos).');
	}
	const file = path.resolve(env.DATA_DIR, SECRET_FILE);
	try {
		return readSecret(file);
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
	}
	fs.mkdirSync(path.dirname(file), { recursive: true });
	try {
		// 'wx': two processes starting at once never overwrite each other's secret.
		fs.writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
		console.log(`APP_SECRET não definido: gerei um segredo aleatório em ${file} (só o dono do arquivo o lê). Para vários servidores, defina APP_SECRET com o mesmo valor em todos.`);
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
	}
	return readSecret(file);
}

function readSecret(file: string): string {
	const secret = fs.readFileSync(file, 'utf8').trim();
	if (secret.length < 32) throw new Error(`O segredo em ${file} é curto demais: apague o arquivo para gerar outro ou defina APP_SECRET.`);
	return secret;
}

export function config(): Config {
	if (cached) return cached;
	const parsed = schema.safeParse(process.env);
	if (!parsed.success) {
		throw new Error('Configuração inválida:\n' + z.prettifyError(parsed.error));
	}
	const env = parsed.data;
	const origin = process.env.ORIGIN;
	cached = {
		...env,
		HOST: env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
		appSecret: appSecret(env),
		baseUrl: (env.PUBLIC_BASE_URL ?? origin ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
		https: /^https:/i.test(origin ?? '')
	};
	return cached;
}

/** For tests that change the environment between cases. */
export function resetConfig(): void {
	cached = undefined;
}
