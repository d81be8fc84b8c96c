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
	HOST: z.string().default('0.0.0.0'),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	/** Processes serving HTTP (one per core is usual); the app keeps no state of its own, so any number share the port. */
	WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
	PUBLIC_BASE_URL: z.string().url().optional(),
	APP_SECRET: z.string().min(32, 'APP_SECRET precisa de pelo menos 32 caracteres').optional(),
	MESSAGING_DRIVER: z.enum(['console']).default('console'),
	SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
	OTP_SENDS_PER_DOCUMENT_PER_HOUR: z.coerce.number().int().min(1).default(5),
	OTP_SENDS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(30),
	SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
	LINK_TTL_DAYS: z.coerce.number().int().min(1).default(30)
});

export type Config = z.infer<typeof schema> & { appSecret: string; baseUrl: string };

let cached: Config | undefined;

// Development only: a fixed, clearly-labelled secret so the demo runs with zero setup.
const DEV_SECRET = 'acerto-dev-secret-do-not-use-in-production-0000';

export function config(): Config {
	if (cached) return cached;
	const parsed = schema.safeParse(process.env);
	if (!parsed.success) {
		throw new Error('Configuração inválida:\n' + z.prettifyError(parsed.error));
	}
	const env = parsed.data;
	if (env.NODE_ENV === 'production' && !env.APP_SECRET) {
		throw new Error('APP_SECRET é obrigatório em produção (32+ caracteres aleatórios).');
	}
	cached = {
		...env,
		appSecret: env.APP_SECRET ?? DEV_SECRET,
		baseUrl: (env.PUBLIC_BASE_URL ?? process.env.ORIGIN ?? `http://localhost:${env.PORT}`).replace(/\/$/, '')
	};
	return cached;
}

/** For tests that change the environment between cases. */
export function resetConfig(): void {
	cached = undefined;
}
