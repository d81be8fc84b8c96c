import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Text of a PDF, via poppler's pdftotext (installed by scripts/ensure-test-tools.sh). */
export function pdfText(pdf: Buffer): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-pdf-'));
	const file = path.join(dir, 'doc.pdf');
	fs.writeFileSync(file, pdf);
	return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** Every barcode/QR zbarimg finds in an image or in page 1 of a PDF, as "TYPE:data". */
export function scanCodes(file: Buffer, kind: 'pdf' | 'png'): string[] {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-scan-'));
	let png = path.join(dir, 'img.png');
	if (kind === 'pdf') {
		fs.writeFileSync(path.join(dir, 'doc.pdf'), file);
		execFileSync('pdftoppm', ['-r', '200', '-png', '-f', '1', '-l', '1', '-singlefile', path.join(dir, 'doc.pdf'), path.join(dir, 'page')]);
		png = path.join(dir, 'page.png');
	} else fs.writeFileSync(png, file);
	try {
		return execFileSync('zbarimg', ['--quiet', png], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
	} catch (e) {
		const out = (e as { stdout?: string }).stdout ?? '';
		return out.trim().split('\n').filter(Boolean);
	}
}
