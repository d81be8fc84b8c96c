import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { jpegOrientation, jpegSize, LOGO_BOX, LOGO_MIN_SIDE, pngSize, renderLogo, RASTER_MAX_SIDE } from '../../src/lib/server/brand/logo';
import { LOGO_MAX_BYTES } from '../../src/lib/schemas/creditor';

const PNG = new Uint8Array(fs.readFileSync('tests/fixtures/logo-credor.png')); // 48 × 48
const JPEG = new Uint8Array(fs.readFileSync('tests/fixtures/logo-credor.jpg')); // 120 × 80
const svg = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (number[] | Uint8Array | string)[]) =>
	new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
const u16 = (n: number) => [n >> 8, n & 0xff];
const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function chunk(type: string, data: Uint8Array | string): Uint8Array {
	const body = bytes(type, typeof data === 'string' ? data : data);
	return bytes(u32(body.length - 4), body, u32(zlib.crc32(body)));
}

/** A PNG header whose IHDR says width × height, with nothing after it. */
const ihdrOnly = (width: number, height: number) =>
	bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], chunk('IHDR', bytes(u32(width), u32(height), [8, 6, 0, 0, 0])));

/** A real PNG of one colour, width × height, as an encoder would write it. */
function solidPng(width: number, height: number): Uint8Array {
	const row = bytes([0], ...Array(width).fill([0x7c, 0x2d, 0x12, 0xff]));
	const raw = Buffer.concat(Array(height).fill(Buffer.from(row)));
	return bytes(ihdrOnly(width, height), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', ''));
}

/** A JPEG's segments: marker and body (the length is added). */
const segment = (marker: number, body: number[]) => [0xff, marker, ...u16(body.length + 2), ...body];
const SOI = [0xff, 0xd8];
const APP0 = segment(0xe0, [...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
const DHT = segment(0xc4, [0x00, ...Array(16).fill(0)]);
const sof = (marker: number, width: number, height: number) => segment(marker, [8, ...u16(height), ...u16(width), 1, 1, 0x11, 0]);
const SOS = segment(0xda, [1, 1, 0, 0, 63, 0]);

/** The alpha of a PNG's top-left pixel: whatever a row's filter, its first pixel is stored as it is. */
function topLeftAlpha(png: Uint8Array): number {
	const data: Buffer[] = [];
	for (let i = 8; i < png.length; ) {
		const length = Buffer.from(png.subarray(i, i + 4)).readUInt32BE();
		if (Buffer.from(png.subarray(i + 4, i + 8)).toString('latin1') === 'IDAT') data.push(Buffer.from(png.subarray(i + 8, i + 8 + length)));
		i += 12 + length;
	}
	return zlib.inflateSync(Buffer.concat(data))[4];
}

/** An APP1 segment with an EXIF directory holding only Orientation, in either byte order. */
function exifOrientation(value: number, little = false): number[] {
	const u16x = (n: number) => (little ? u16(n).reverse() : u16(n));
	const u32x = (n: number) => (little ? u32(n).reverse() : u32(n));
	const tiff = [...Buffer.from(little ? 'II' : 'MM'), ...u16x(42), ...u32x(8), ...u16x(1), ...u16x(0x0112), ...u16x(3), ...u32x(1), ...u16x(value), 0, 0, ...u32x(0)];
	return segment(0xe1, [...Buffer.from('Exif\0\0', 'latin1'), ...tiff]);
}

/** The colour of one pixel of a PNG, decoded by resvg. */
function pixel(png: Uint8Array, x: number, y: number): number[] {
	const size = pngSize(png)!;
	const img = new Resvg(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}"><image width="${size.width}" height="${size.height}" href="data:image/png;base64,${Buffer.from(png).toString('base64')}"/></svg>`,
		{ font: { loadSystemFonts: false } }
	).render();
	const at = (y * size.width + x) * 4;
	return [...img.pixels.subarray(at, at + 3)];
}
const near = (rgb: number[], expected: number[]) => rgb.every((c, i) => Math.abs(c - expected[i]) < 24);
const TEAL = [0x0f, 0x76, 0x6e];
const BROWN = [0x7c, 0x2d, 0x12];

function isPng(b: Uint8Array): boolean {
	return Buffer.from(b.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

describe('PNG dimensions (IHDR)', () => {
	it('reads width and height from the first chunk', () => {
		expect(pngSize(PNG)).toEqual({ width: 48, height: 48 });
		expect(pngSize(ihdrOnly(3000, 20))).toEqual({ width: 3000, height: 20 });
		expect(pngSize(ihdrOnly(2 ** 31, 1))).toEqual({ width: 2 ** 31, height: 1 });
	});

	it('gives nothing for what is not a PNG header', () => {
		expect(pngSize(JPEG)).toBeNull();
		expect(pngSize(PNG.subarray(0, 20))).toBeNull();
		expect(pngSize(ihdrOnly(0, 10))).toBeNull();
		const notIhdr = ihdrOnly(10, 10);
		notIhdr.set(Buffer.from('tEXt'), 12);
		expect(pngSize(notIhdr)).toBeNull();
		expect(pngSize(new Uint8Array(0))).toBeNull();
	});
});

describe('JPEG dimensions (frame header)', () => {
	it('reads the frame header after the segments before it', () => {
		expect(jpegSize(JPEG)).toEqual({ width: 120, height: 80 });
		expect(jpegSize(bytes(SOI, APP0, sof(0xc0, 640, 480), SOS))).toEqual({ width: 640, height: 480 });
		// Progressive (SOF2), after a Huffman table (0xC4, in the SOF range but not one) and fill bytes.
		expect(jpegSize(bytes(SOI, APP0, DHT, [0xff, 0xff], sof(0xc2, 33, 4000), SOS))).toEqual({ width: 33, height: 4000 });
	});

	it('gives nothing when the image data or the end comes before any frame header', () => {
		expect(jpegSize(bytes(SOI, APP0, SOS, sof(0xc0, 640, 480)))).toBeNull();
		expect(jpegSize(bytes(SOI, APP0, [0xff, 0xd9]))).toBeNull();
		expect(jpegSize(bytes(SOI, APP0))).toBeNull();
		expect(jpegSize(bytes(SOI, APP0, sof(0xc0, 640, 480)).subarray(0, 25))).toBeNull();
		expect(jpegSize(bytes(SOI, [0x00, 0x01]))).toBeNull();
		expect(jpegSize(bytes(SOI, APP0, sof(0xc0, 640, 0), SOS))).toBeNull();
		expect(jpegSize(PNG)).toBeNull();
	});
});

describe('JPEG orientation (EXIF)', () => {
	it('reads the Orientation tag, big- or little-endian; 1 without one', () => {
		expect(jpegOrientation(JPEG)).toBe(1);
		expect(jpegOrientation(bytes(SOI, exifOrientation(6), sof(0xc0, 10, 10), SOS))).toBe(6);
		expect(jpegOrientation(bytes(SOI, APP0, exifOrientation(8, true), sof(0xc0, 10, 10), SOS))).toBe(8);
		expect(jpegOrientation(bytes(SOI, exifOrientation(9), SOS))).toBe(1);
		expect(jpegOrientation(bytes(SOI, exifOrientation(6)).subarray(0, 20))).toBe(1);
	});
});

describe('a logo drawn as PNG', () => {
	it(`draws an SVG with its longer side ${LOGO_BOX} px, keeping the aspect ratio, on a transparent background`, async () => {
		const wide = await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="200" height="100" rx="12" fill="#1d4ed8"/></svg>'));
		expect(wide).toMatchObject({ ok: true, width: 512, height: 256 });
		if (!wide.ok) return;
		expect(isPng(wide.png)).toBe(true);
		expect(pngSize(wide.png)).toEqual({ width: 512, height: 256 });
		// Outside the rounded corner: transparent, not white.
		expect(topLeftAlpha(wide.png)).toBe(0);
		const square = await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 1"><rect width="2" height="1" fill="#1d4ed8"/></svg>'));
		expect(square.ok && topLeftAlpha(square.png)).toBe(255);
		const tall = await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="60"><circle cx="15" cy="30" r="15" fill="#0f766e"/></svg>'));
		expect(tall).toMatchObject({ ok: true, width: 256, height: 512 });
	});

	it('draws a PNG or a JPEG again at its own size: never enlarged, never the bytes that came in', async () => {
		const png = await renderLogo(PNG);
		expect(png).toMatchObject({ ok: true, width: 48, height: 48 });
		const jpeg = await renderLogo(JPEG);
		expect(jpeg).toMatchObject({ ok: true, width: 120, height: 80 });
		if (jpeg.ok) expect(pngSize(jpeg.png)).toEqual({ width: 120, height: 80 });
	});

	it('turns a JPEG upright as its EXIF orientation says, as browsers show it', async () => {
		// The fixture: a teal circle around (40, 40) and a brown square around (90, 40), 120 × 80.
		const plain = await renderLogo(JPEG);
		expect(plain.ok && [near(pixel(plain.png, 40, 40), TEAL), near(pixel(plain.png, 90, 40), BROWN)]).toEqual([true, true]);
		// 6: turn a quarter clockwise, so (x, y) lands on (80 − y, x).
		const turned = await renderLogo(bytes(JPEG.subarray(0, 2), exifOrientation(6), JPEG.subarray(2)));
		expect(turned).toMatchObject({ ok: true, width: 80, height: 120 });
		expect(turned.ok && [near(pixel(turned.png, 40, 40), TEAL), near(pixel(turned.png, 40, 90), BROWN)]).toEqual([true, true]);
		// 3: half a turn, so (x, y) lands on (120 − x, 80 − y).
		const upsideDown = await renderLogo(bytes(JPEG.subarray(0, 2), exifOrientation(3, true), JPEG.subarray(2)));
		expect(upsideDown).toMatchObject({ ok: true, width: 120, height: 80 });
		expect(upsideDown.ok && [near(pixel(upsideDown.png, 80, 40), TEAL), near(pixel(upsideDown.png, 30, 40), BROWN)]).toEqual([true, true]);
	});

	it('drops what rides along in a PNG: text chunks, and bytes after its end (polyglot files)', async () => {
		const iend = PNG.length - 12;
		const tricked = bytes(PNG.subarray(0, 33), chunk('tEXt', 'Comment\0segredo do credor'), PNG.subarray(33, iend + 12), '<svg onload="alert(1)"><script>alert(2)</script></svg>');
		expect(Buffer.from(tricked).includes('segredo')).toBe(true);
		const r = await renderLogo(tricked);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		const out = Buffer.from(r.png);
		expect(out.includes('segredo')).toBe(false);
		expect(out.includes('<script')).toBe(false);
		expect(out.includes('tEXt')).toBe(false);
		expect(pngSize(out)).toEqual({ width: 48, height: 48 });
	});

	it('fits a large raster in the box', async () => {
		const r = await renderLogo(solidPng(1024, 300));
		expect(r).toMatchObject({ ok: true, width: 512, height: 150 });
	});

	it(`refuses a raster declaring more than ${RASTER_MAX_SIDE} px on a side before decoding it`, async () => {
		const started = performance.now();
		const r = await renderLogo(ihdrOnly(30_000, 30_000));
		expect(r).toEqual({ ok: false, message: 'Logo com 30000 × 30000 pixels: o limite é 4096 × 4096. Reduza a imagem e envie de novo.' });
		expect(performance.now() - started).toBeLessThan(100);
	});

	it('refuses a broken file, an SVG that is not safe, and one with nothing visible, saying why', async () => {
		expect(await renderLogo(ihdrOnly(10, 10))).toMatchObject({ ok: false, message: expect.stringContaining('não pôde ser lida') });
		expect(await renderLogo(bytes(SOI, APP0))).toMatchObject({ ok: false, message: expect.stringContaining('corrompido') });
		expect(await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toMatchObject({
			ok: false,
			message: 'O SVG contém script (<script>), o que não é permitido.'
		});
		// resvg reads an image named by a path from the server's disk: refused like any external reference.
		const local = await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><image href="/etc/logo.png" width="48" height="48"/></svg>'));
		expect(local).toMatchObject({ ok: false, message: expect.stringContaining('endereço externo') });
		expect(await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>'))).toMatchObject({ ok: false, message: expect.stringContaining('nada visível') });
		expect(await renderLogo(svg('<svg xmlns="http://www.w3.org/2000/svg"><rect'))).toMatchObject({ ok: false, message: expect.stringContaining('não foi possível ler o SVG') });
		expect(await renderLogo(svg('olá'))).toMatchObject({ ok: false, message: 'Logo inválido: o conteúdo não é PNG, SVG nem JPEG.' });
	});

	it(`draws a detailed logo smaller until it fits in ${LOGO_MAX_BYTES / 1024} KB, and refuses one that does not fit even at ${LOGO_MIN_SIDE} px`, async () => {
		// Turbulence: noise in every channel, transparency included, the worst case for PNG.
		const noise = (height: number) =>
			svg(
				`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><filter id="n"><feTurbulence baseFrequency="0.9" numOctaves="4"/></filter><rect width="100" height="${height}" filter="url(#n)"/><rect y="${height}" width="100" height="${100 - height}" fill="#eee"/></svg>`
			);
		const partly = await renderLogo(noise(30));
		expect(partly.ok).toBe(true);
		if (partly.ok) {
			expect(partly.png.length).toBeLessThanOrEqual(LOGO_MAX_BYTES);
			expect(partly.width).toBeLessThan(LOGO_BOX);
			expect(partly.width).toBeGreaterThanOrEqual(LOGO_MIN_SIDE);
			expect(partly.width).toBe(partly.height);
		}
		const all = await renderLogo(noise(100));
		expect(all).toMatchObject({ ok: false, message: expect.stringMatching(/^Logo grande demais depois de convertido para PNG \(\d+ KB\): o limite é 200 KB\./) });
	});
});
