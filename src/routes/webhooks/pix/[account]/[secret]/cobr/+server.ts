import type { RequestHandler } from './$types';
import { db } from '$lib/server/db/client';
import * as psp from '$lib/server/payments/psp';
import { reply } from '$lib/server/messaging/webhooks';

/** Pix Automático: the PSP calls `{registered URL}/cobr` about recurring charges (`PUT /webhookcobr`, callback `cobr`); each is confirmed with `GET /cobr` before a debit is recorded. */
export const POST: RequestHandler = async ({ params, request }) => {
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return reply(400);
	}
	const r = await psp.automatico.receiveCobr(db(), params.account, params.secret, body);
	return reply(r.status);
};
