import { error, redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { db } from '$lib/server/db/client';
import { followShortLink } from '$lib/server/campaigns/links';

/**
 * A message's short link `/l/{code}`: the click is recorded (not a link preview's fetch), then the
 * portal opens for that debtor, pre-identified: they still confirm with a one-time code.
 */
export const GET: RequestHandler = async ({ params, request }) => {
	const found = await followShortLink(db(), params.code, request.headers.get('user-agent') ?? '');
	if (found.kind === 'unknown') error(404, 'Este link não existe. Confira o endereço na mensagem ou acesse o portal do credor.');
	if (found.kind === 'expired') redirect(303, `/c/${found.slug}?link=expirado`);
	// The installment or agreement the message is about is opened once the code is confirmed.
	redirect(303, `/c/${found.slug}/l/${found.token}${found.target ? `?destino=${encodeURIComponent(found.target)}` : ''}`);
};
