import type { RequestHandler } from './$types';
import { db } from '$lib/server/db/client';
import * as psp from '$lib/server/payments/psp';
import { reply } from '$lib/server/messaging/webhooks';

/**
 * A Pix PSP's payment webhook (Pix API v2). Its calls carry no signature we can check (mTLS ends at
 * the proxy), so the URL holds a secret, and every Pix is confirmed with the PSP before it counts.
 * The PSP posts to the registered URL with `/pix` appended: that path re-exports this handler.
 */
export const POST: RequestHandler = async ({ params, request }) => {
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return reply(400);
	}
	const r = await psp.receive(db(), params.account, params.secret, body);
	return reply(r.status);
};
