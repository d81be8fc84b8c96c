import { renderAsync, Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { LOGO_MAX_BYTES, sniffLogoType, svgLogoProblem } from '../../schemas/creditor';

/**
 * A creditor's logo is stored and served as a PNG we drew ourselves, never as what was uploaded:
 * an SVG is rendered (an SVG opened on its own is a web page: scripts, links, styles), and a PNG
 * or JPEG is decoded and encoded again, which drops its metadata and anything hidden after or
 * between its chunks (polyglot files). resvg does both: a raster goes in wrapped in an <svg>.
 */

/** Logos are fit in a square of this side (device pixels): the portal shows them at 32 CSS px. */
export const LOGO_BOX = 512;
/** When the PNG exceeds LOGO_MAX_BYTES (photos do), it is drawn smaller, down to this side. */
export const LOGO_MIN_SIDE = 256;
/**
 * A raster declaring more pixels than this on a side is refused before it is decoded: a file of a
 * few KB can declare 30,000 × 30,000 pixels (3.6 GB to decode).
 */
export const RASTER_MAX_SIDE = 4096;

/**
 * Texts in an SVG are drawn with the server's fonts. resvg's defaults name Arial and Times New
 * Roman, which a Linux server rarely has; DejaVu comes with Debian, and a missing family falls
 * back to the default. An SVG whose texts are curves looks the same everywhere.
 */
const SVG_FONTS: ResvgRenderOptions['font'] = {
	loadSystemFonts: true,
	defaultFontFamily: 'DejaVu Sans',
	sansSerifFamily: 'DejaVu Sans',
	serifFamily: 'DejaVu Serif',
	monospaceFamily: 'DejaVu Sans Mono'
};

export type Size = { width: number; height: number };
export type Rendered = { ok: true; png: Buffer; width: number; height: number } | { ok: false; message: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR, the chunk the format puts first; null when it is not there. */
export function pngSize(bytes: Uint8Array): Size | null {
	if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
	if (String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const width = view.getUint32(16);
	const height = view.getUint32(20);
	return width > 0 && height > 0 ? { width, height } : null;
}

/**
 * A JPEG's marker segments from the start up to the image data: marker, and where its body
 * (after the two length bytes) starts and ends. Stops early at anything malformed or cut short.
 */
function* jpegSegments(bytes: Uint8Array): Generator<{ marker: number; body: number; end: number }> {
	if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let i = 2;
	while (i < bytes.length) {
		if (bytes[i] !== 0xff) return;
		while (bytes[i] === 0xff) i++; // fill bytes
		const marker = bytes[i++];
		// Markers without a length: SOI, TEM, RST0–7.
		if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
		// End of image, or start of scan: the headers are over.
		if (marker === undefined || marker === 0xd9 || marker === 0xda || i + 2 > bytes.length) return;
		const length = view.getUint16(i);
		if (length < 2 || i + length > bytes.length) return;
		yield { marker, body: i + 2, end: i + length };
		i += length;
	}
}

/**
 * Width and height from a JPEG's frame header (SOF0–SOF15 but DHT, JPG and DAC, which share the
 * range); null when no frame header comes before the image data or the file ends first.
 */
export function jpegSize(bytes: Uint8Array): Size | null {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	for (const { marker, body, end } of jpegSegments(bytes)) {
		if (marker < 0xc0 || marker > 0xcf || marker === 0xc4 || marker === 0xc8 || marker === 0xcc) continue;
		if (body + 5 > end) return null;
		const height = view.getUint16(body + 1);
		const width = view.getUint16(body + 3);
		return width > 0 && height > 0 ? { width, height } : null;
	}
	return null;
}

/**
 * The EXIF orientation of a JPEG (1–8; 1 when it has none): how a camera says to turn the picture.
 * Browsers apply it; resvg does not, so renderLogo does.
 */
export function jpegOrientation(bytes: Uint8Array): number {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	for (const { marker, body, end } of jpegSegments(bytes)) {
		// APP1 "Exif\0\0", then a TIFF header: byte order, 42, offset of the first directory.
		if (marker !== 0xe1 || end - body < 14 || String.fromCharCode(...bytes.subarray(body, body + 6)) !== 'Exif\0\0') continue;
		const tiff = body + 6;
		const little = bytes[tiff] === 0x49;
		if (view.getUint16(tiff + 2, little) !== 42) return 1;
		const ifd = tiff + view.getUint32(tiff + 4, little);
		if (ifd + 2 > end) return 1;
		const count = view.getUint16(ifd, little);
		for (let k = 0; k < count; k++) {
			const entry = ifd + 2 + k * 12;
			if (entry + 12 > end) return 1;
			if (view.getUint16(entry, little) !== 0x0112) continue;
			const value = view.getUint16(entry + 8, little);
			return value >= 1 && value <= 8 ? value : 1;
		}
		return 1;
	}
	return 1;
}

/**
 * The transform that draws a w × h picture with EXIF orientation `o` upright, and the size it
 * then takes (5–8 turn it a quarter: width and height swap).
 */
function orient(o: number, w: number, h: number): { transform: string; size: Size } {
	const turned = { width: h, height: w };
	switch (o) {
		case 2: return { transform: `matrix(-1 0 0 1 ${w} 0)`, size: { width: w, height: h } };
		case 3: return { transform: `matrix(-1 0 0 -1 ${w} ${h})`, size: { width: w, height: h } };
		case 4: return { transform: `matrix(1 0 0 -1 0 ${h})`, size: { width: w, height: h } };
		case 5: return { transform: 'matrix(0 1 1 0 0 0)', size: turned };
		case 6: return { transform: `matrix(0 1 -1 0 ${h} 0)`, size: turned };
		case 7: return { transform: `matrix(0 -1 -1 0 ${h} ${w})`, size: turned };
		case 8: return { transform: `matrix(0 -1 1 0 0 ${w})`, size: turned };
		default: return { transform: '', size: { width: w, height: h } };
	}
}

/** `fitTo` for drawing `size` with its longer side `side` pixels long, aspect kept. */
function fit(size: Size, side: number): ResvgRenderOptions['fitTo'] {
	return size.width >= size.height ? { mode: 'width', value: side } : { mode: 'height', value: side };
}

function visible(pixels: Buffer): boolean {
	for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
	return false;
}

const KB = (n: number) => Math.ceil(n / 1024);

/**
 * The logo file (PNG, JPEG or SVG bytes) drawn as a PNG on a transparent background, its longer
 * side LOGO_BOX pixels (an SVG) or its own size up to LOGO_BOX (a raster is never enlarged), and
 * smaller until the PNG fits in LOGO_MAX_BYTES. SVGs must pass svgLogoProblem first: resvg would
 * read an <image href="/some/file.png"> from the server's disk.
 */
export async function renderLogo(bytes: Uint8Array): Promise<Rendered> {
	const type = sniffLogoType(bytes);
	if (!type) return { ok: false, message: 'Logo inválido: o conteúdo não é PNG, SVG nem JPEG.' };

	let svg: string;
	let size: Size;
	let side: number;
	let options: ResvgRenderOptions;
	if (type === 'image/svg+xml') {
		svg = new TextDecoder().decode(bytes);
		const problem = svgLogoProblem(svg);
		if (problem) return { ok: false, message: problem };
		try {
			// Only its size here; fonts are loaded for the drawing, where its texts need them.
			const parsed = new Resvg(svg, { font: { loadSystemFonts: false }, logLevel: 'off' });
			size = { width: parsed.width, height: parsed.height };
		} catch {
			return { ok: false, message: 'Logo inválido: não foi possível ler o SVG. Confira se o arquivo abre num navegador.' };
		}
		side = LOGO_BOX;
		options = { font: SVG_FONTS, logLevel: 'off' };
	} else {
		const found = type === 'image/png' ? pngSize(bytes) : jpegSize(bytes);
		if (!found) return { ok: false, message: 'Logo inválido: o arquivo de imagem está incompleto ou corrompido.' };
		if (found.width > RASTER_MAX_SIDE || found.height > RASTER_MAX_SIDE) {
			return {
				ok: false,
				message: `Logo com ${found.width} × ${found.height} pixels: o limite é ${RASTER_MAX_SIDE} × ${RASTER_MAX_SIDE}. Reduza a imagem e envie de novo.`
			};
		}
		const { width, height } = found;
		const upright = orient(type === 'image/jpeg' ? jpegOrientation(bytes) : 1, width, height);
		size = upright.size;
		const href = `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
		svg =
			`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}">` +
			`<image width="${width}" height="${height}"${upright.transform ? ` transform="${upright.transform}"` : ''} href="${href}"/></svg>`;
		side = Math.min(LOGO_BOX, Math.max(width, height));
		options = { font: { loadSystemFonts: false }, logLevel: 'off' };
	}

	for (;;) {
		let drawn: Awaited<ReturnType<typeof renderAsync>>;
		try {
			drawn = await renderAsync(svg, { ...options, fitTo: fit(size, side) });
		} catch {
			return { ok: false, message: 'Logo inválido: não foi possível desenhar a imagem. Confira o arquivo e envie de novo.' };
		}
		if (!visible(drawn.pixels)) {
			// resvg draws nothing for a raster it cannot decode.
			const message =
				type === 'image/svg+xml'
					? 'Logo inválido: o SVG não tem nada visível depois de desenhado. Confira o arquivo e envie de novo.'
					: 'Logo inválido: a imagem não pôde ser lida ou é toda transparente. Salve-a de novo como PNG ou JPEG e envie.';
			return { ok: false, message };
		}
		const png = drawn.asPng();
		if (png.length <= LOGO_MAX_BYTES) return { ok: true, png, width: drawn.width, height: drawn.height };
		if (side <= LOGO_MIN_SIDE) {
			return {
				ok: false,
				message: `Logo grande demais depois de convertido para PNG (${KB(png.length)} KB): o limite é ${KB(LOGO_MAX_BYTES)} KB. Envie uma imagem mais simples, com menos cores ou detalhes.`
			};
		}
		// PNG size grows with the pixel count: aim just under the limit.
		side = Math.max(LOGO_MIN_SIDE, Math.floor(side * Math.sqrt(LOGO_MAX_BYTES / png.length) * 0.9));
	}
}

/** The bytes of a logo as the creditors table holds it: a data: URL, or SVG markup in rows from older versions. */
export function storedBytes(logo: string): Uint8Array | null {
	const m = /^data:[^;,]*;base64,(.*)$/is.exec(logo);
	if (m) return new Uint8Array(Buffer.from(m[1], 'base64'));
	return logo.trimStart().startsWith('<') ? new TextEncoder().encode(logo) : null;
}

/** A logo accepted by the schema (a data: URL), as what is stored: the data: URL of the PNG drawn from it. */
export async function toStoredLogo(dataUrl: string): Promise<{ ok: true; dataUrl: string } | { ok: false; message: string }> {
	const bytes = storedBytes(dataUrl);
	if (!bytes) return { ok: false, message: 'Logo inválido: envie um arquivo PNG, SVG ou JPEG.' };
	const drawn = await renderLogo(bytes);
	if (!drawn.ok) return drawn;
	return { ok: true, dataUrl: `data:image/png;base64,${drawn.png.toString('base64')}` };
}
