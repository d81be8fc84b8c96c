import { requireCreditor } from '$lib/server/guards';
import { brandPalette } from '$lib/brand';
import { iconSvg } from '$lib/server/brand/icon';

export const GET = ({ locals }) => {
	const { brand } = brandPalette(requireCreditor(locals).primaryColor);
	return new Response(iconSvg(brand), { headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' } });
};
