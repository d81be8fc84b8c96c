import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buf: Buffer): number {
	let c = 0xffffffff;
	for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([len, body, crc]);
}

function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
	const dx = bx - ax;
	const dy = by - ay;
	const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
	return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * The app icon for a brand: its colour as a full-bleed square (maskable) with a white check mark
 * ("acerto"). Rendered here so each creditor's installable app has its own colour without an image library.
 */
export function iconPng(size: number, hex: string): Buffer {
	const n = parseInt(hex.replace('#', ''), 16);
	const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
	const s = size;
	const stroke = s * 0.075;
	const pts = [
		[0.3, 0.52],
		[0.44, 0.66],
		[0.71, 0.36]
	].map(([x, y]) => [x * s, y * s]);
	const raw = Buffer.alloc((s * 4 + 1) * s);
	for (let y = 0; y < s; y++) {
		const row = y * (s * 4 + 1);
		raw[row] = 0;
		for (let x = 0; x < s; x++) {
			// 4x supersampling for smooth edges.
			let cover = 0;
			for (const [ox, oy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) {
				const px = x + ox;
				const py = y + oy;
				const d = Math.min(
					distToSegment(px, py, pts[0][0], pts[0][1], pts[1][0], pts[1][1]),
					distToSegment(px, py, pts[1][0], pts[1][1], pts[2][0], pts[2][1])
				);
				if (d <= stroke / 2) cover++;
			}
			const a = cover / 4;
			const i = row + 1 + x * 4;
			raw[i] = Math.round(r + (255 - r) * a);
			raw[i + 1] = Math.round(g + (255 - g) * a);
			raw[i + 2] = Math.round(b + (255 - b) * a);
			raw[i + 3] = 255;
		}
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(s, 0);
	ihdr.writeUInt32BE(s, 4);
	ihdr[8] = 8;
	ihdr[9] = 6;
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw, { level: 9 })),
		chunk('IEND', Buffer.alloc(0))
	]);
}

export function iconSvg(hex: string): string {
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="18" fill="${hex}"/><path d="M30 52 44 66 71 36" fill="none" stroke="#fff" stroke-width="7.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
}
