import { requireCreditor } from '$lib/server/guards';
import { brandPalette } from '$lib/brand';

/** One installable app per creditor brand. */
export const GET = ({ locals }) => {
	const c = requireCreditor(locals);
	const { brand } = brandPalette(c.primaryColor);
	const manifest = {
		id: `/c/${c.slug}/`,
		name: `${c.displayName} — Negociação`,
		short_name: c.displayName.slice(0, 12),
		description: `Consulte e negocie suas dívidas com ${c.displayName}.`,
		lang: 'pt-BR',
		start_url: `/c/${c.slug}/dividas`,
		scope: `/c/${c.slug}/`,
		display: 'standalone',
		background_color: '#f3f4f6',
		theme_color: brand,
		icons: [
			{ src: `/c/${c.slug}/icon-192.png`, sizes: '192x192', type: 'image/png', purpose: 'any' },
			{ src: `/c/${c.slug}/icon-512.png`, sizes: '512x512', type: 'image/png', purpose: 'any' },
			{ src: `/c/${c.slug}/icon-512.png`, sizes: '512x512', type: 'image/png', purpose: 'maskable' }
		]
	};
	return new Response(JSON.stringify(manifest), {
		headers: { 'content-type': 'application/manifest+json; charset=utf-8', 'cache-control': 'public, max-age=300' }
	});
};
