import { error } from '@sveltejs/kit';
import { requireCreditor } from '$lib/server/guards';
import * as tenancy from '$lib/server/tenancy';

/** The creditor's logo, always a PNG: pages link to it with its content hash, so it may be cached for good. */
export const GET = async ({ locals, url }) => {
	const logo = await tenancy.logoFile(requireCreditor(locals));
	if (!logo) error(404, 'Este credor não tem logo.');
	const current = url.searchParams.get('v') === logo.version;
	return new Response(new Uint8Array(logo.bytes), {
		headers: {
			'content-type': logo.type,
			'content-length': String(logo.bytes.length),
			'cache-control': current ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
			// Opened on its own, the file runs nothing and loads nothing.
			'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'"
		}
	});
};
