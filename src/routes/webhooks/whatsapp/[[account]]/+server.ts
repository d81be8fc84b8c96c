import type { RequestHandler } from './$types';
import { db } from '$lib/server/db/client';
import * as messaging from '$lib/server/messaging';
import * as whatsapp from '$lib/server/messaging/whatsapp';
import { reply, webhookAccount } from '$lib/server/messaging/webhooks';

/**
 * Meta's WhatsApp Cloud API webhook: `/webhooks/whatsapp` for the environment's account,
 * `/webhooks/whatsapp/{account}` for one an agency entered. GET is Meta's subscription check
 * (`hub.challenge`); POST carries statuses and replies, signed with the app secret.
 */
export const GET: RequestHandler = async ({ params, url }) => {
	const account = await webhookAccount(db(), 'whatsapp', params.account);
	if (account?.credentials.provider !== 'whatsapp') return reply(404);
	const challenge = whatsapp.verifyChallenge(url.searchParams, account.credentials.verifyToken);
	return challenge === null ? reply(403) : new Response(challenge, { headers: { 'content-type': 'text/plain' } });
};

export const POST: RequestHandler = async ({ params, request }) => {
	const account = await webhookAccount(db(), 'whatsapp', params.account);
	if (account?.credentials.provider !== 'whatsapp') return reply(404);
	const raw = new Uint8Array(await request.arrayBuffer());
	if (!whatsapp.verifySignature(raw, request.headers.get('x-hub-signature-256'), account.credentials.appSecret)) return reply(401);
	let body: unknown;
	try {
		body = JSON.parse(new TextDecoder().decode(raw));
	} catch {
		return reply(400);
	}
	await messaging.applyCallback(db(), account, whatsapp.parseCallback(body));
	return reply(200);
};

