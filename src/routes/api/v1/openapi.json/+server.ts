import * as openapi from '$lib/server/api/openapi';

/** Public: the document holds no data, and integrators read it before they have a key. */
export const GET = async ({ url }) =>
	new Response(JSON.stringify(openapi.documentFor(url.origin), null, 2), {
		headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }
	});
