/**
 * Headers every response carries, pages, endpoints and static files alike: no MIME sniffing, no
 * referrer leaking a debtor's path to other sites, never framed (clickjacking), and HSTS when the
 * portal is served over https. `acerto serve` sets them on the raw response before SvelteKit or
 * the static file handler writes anything; `hooks.server.ts` sets them too for other hosts.
 */
export const HSTS = 'max-age=63072000; includeSubDomains';

export function securityHeaders(https: boolean): [string, string][] {
	const headers: [string, string][] = [
		['x-content-type-options', 'nosniff'],
		['referrer-policy', 'same-origin'],
		['x-frame-options', 'DENY'],
		// Pages get SvelteKit's full policy (svelte.config.js, frame-ancestors included), which replaces this one.
		['content-security-policy', "frame-ancestors 'none'"],
		['permissions-policy', 'camera=(), microphone=(), geolocation=()']
	];
	if (https) headers.push(['strict-transport-security', HSTS]);
	return headers;
}
