import type { DbOrTx } from '../db/client';
import { accountById, type Account } from './accounts';
import type { Channel } from './wire';

/** The account a webhook URL names: `env` (or nothing) for the environment's, else a row id. */
export async function webhookAccount(db: DbOrTx, channel: Channel, param: string | undefined): Promise<Account | null> {
	const account = await accountById(db, !param || param === 'env' ? `env:${channel}` : param);
	return account && account.channel === channel ? account : null;
}

/** Providers read only the status code; the body stays empty (nothing to learn from it). */
export function reply(status: number): Response {
	return new Response(null, { status });
}
