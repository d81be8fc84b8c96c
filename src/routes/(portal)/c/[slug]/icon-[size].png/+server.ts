import { error } from '@sveltejs/kit';
import { requireCreditor } from '$lib/server/guards';
import { brandPalette } from '$lib/brand';
import { iconPng } from '$lib/server/brand/icon';

const rendered = new Map<string, Buffer>();

export const GET = ({ locals, params }) => {
	const c = requireCreditor(locals);
	const size = Number(params.size);
	if (size !== 192 && size !== 512) error(404, 'Ícone não encontrado.');
	const { brand } = brandPalette(c.primaryColor);
	const key = `${brand}:${size}`;
	let png = rendered.get(key);
	if (!png) rendered.set(key, (png = iconPng(size, brand)));
	return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' } });
};
