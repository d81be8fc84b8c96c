/** Relative luminance per WCAG 2.1. */
function luminance(hex: string): number {
	const n = parseInt(hex.replace('#', ''), 16);
	const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
		const c = v / 255;
		return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
	});
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
	const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
	return (x + 0.05) / (y + 0.05);
}

/**
 * Colours derived from a creditor's brand colour that keep WCAG 2.1 AA contrast: text on the
 * brand colour is white or near-black, and links use the brand colour only when it reads on white.
 */
export function brandPalette(color: string): { brand: string; ink: string; link: string } {
	const brand = /^#[0-9a-fA-F]{6}$/.test(color) ? color : '#1d4ed8';
	const ink = contrast(brand, '#ffffff') >= 4.5 ? '#ffffff' : '#111827';
	const link = contrast(brand, '#ffffff') >= 4.5 ? brand : '#1d4ed8';
	return { brand, ink, link };
}
