import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces';

// PDF base-14 fonts: pdfkit ships their metrics, so nothing is read from disk.
const HELVETICA = {
	normal: 'Helvetica',
	bold: 'Helvetica-Bold',
	italics: 'Helvetica-Oblique',
	bolditalics: 'Helvetica-BoldOblique'
};
const BUILTIN_FONT_NAMES = new Set(Object.values(HELVETICA));

/**
 * Renders a document with pdfmake. pdfmake is a process-wide singleton: fonts and access policies
 * are set right before each render. URLs are always refused and local paths too, except the
 * base-14 font names, which pdfmake passes through the local policy although they are not files.
 */
export async function pdfBuffer(doc: TDocumentDefinitions): Promise<Buffer> {
	pdfmake.setFonts({ Helvetica: HELVETICA });
	pdfmake.setUrlAccessPolicy(() => false);
	pdfmake.setLocalAccessPolicy((path) => BUILTIN_FONT_NAMES.has(path));
	return pdfmake.createPdf(doc).getBuffer();
}

/** A PDF download: private, never cached (it carries personal data). */
export function pdfResponse(pdf: Buffer, filename: string): Response {
	return new Response(new Uint8Array(pdf), {
		headers: {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${filename}"`,
			'cache-control': 'private, no-store'
		}
	});
}
