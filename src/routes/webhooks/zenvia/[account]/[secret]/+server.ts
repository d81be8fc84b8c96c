import type { RequestHandler } from './$types';
import { db } from '$lib/server/db/client';
import * as messaging from '$lib/server/messaging';
import * as zenvia from '$lib/server/messaging/zenvia';
import { reply, webhookAccount } from '$lib/server/messaging/webhooks';

/**
 * Zenvia's callbacks (message statuses and replies). They carry no signature, so the URL holds a
 * secret: `/webhooks/zenvia/{account}/{secret}` (`env` for the environment's account).
 */
export const POST: RequestHandler = async ({ params, request }) => {
	const account = await webhookAccount(db(), 'sms', params.account);
	if (account?.credentials.provider !== 'zenvia' || !zenvia.callbackSecretMatches(params.secret, account.credentials.callbackSecret)) return reply(404);
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return reply(400);
	}
	const cb = zenvia.parseCallback(body);
	const applied = await messaging.applyCallback(db(), account, cb);
	// Zenvia does not echo our id: a status that came before we stored Zenvia's is answered 404,
	// and Zenvia tries again (every ~30 s for ~15 min).
	return reply(cb.statuses.length > 0 && applied.statuses === 0 && cb.inbound.length === 0 ? 404 : 200);
};
