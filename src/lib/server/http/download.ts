/**
 * A CSV file to download (the exports of the admin area): UTF-8, saved under `fileName` (anything
 * but letters, digits, `.`, `-` and `_` becomes `_`, so the header stays one plain token), never cached.
 */
export function csvDownload(body: string | ReadableStream<Uint8Array>, fileName: string): Response {
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${fileName.replace(/[^\w.\-]/g, '_')}"`,
			'cache-control': 'private, no-store'
		}
	});
}
