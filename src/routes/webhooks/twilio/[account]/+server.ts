import type { RequestHandler } from './$types';
import { config } from '$lib/server/config';
import { db } from '$lib/server/db/client';
import * as messaging from '$lib/server/messaging';
import * as twilio from '$lib/server/messaging/twilio';
import { reply, webhookAccount } from '$lib/server/messaging/webhooks';

/**
 * Twilio's status callbacks and incoming SMS, `/webhooks/twilio/{account}` (`env` for the
 * environment's account): form posts signed with `X-Twilio-Signature` over the URL Twilio was
 * given (our public address, not the one a proxy forwards to) and the posted fields.
 */
export const POST: RequestHandler = async ({ params, request, url }) => {
	const account = await webhookAccount(db(), 'sms', params.account);
	if (account?.credentials.provider !== 'twilio') return reply(404);
	let form: URLSearchParams;
	try {
		form = new URLSearchParams(await request.text());
	} catch {
		return reply(400);
	}
	const publicUrl = `${config().baseUrl}${url.pathname}${url.search}`;
	if (!twilio.verifySignature(publicUrl, form, request.headers.get(twilio.SIGNATURE_HEADER), account.credentials.authToken)) return reply(401);
	await messaging.applyCallback(db(), account, twilio.parseCallback(form, publicUrl));
	// Twilio reads an empty TwiML answer as "nothing to reply".
	return new Response('<Response/>', { headers: { 'content-type': 'text/xml' } });
};
