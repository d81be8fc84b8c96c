import * as api from '$lib/server/api/http';
import { problem } from '$lib/server/api/problem';
import { importRetorno } from '$lib/server/payments/retorno-import';

export const POST = api.upload(async (db, { key, url, bytes }) => {
	const result = await importRetorno(db, {
		agencyId: key.agencyId,
		creditorId: key.creditorId,
		content: bytes,
		fileName: url.searchParams.get('nome')?.slice(0, 200) || 'retorno-api',
		actor: { type: 'system' }
	});
	if (!result.ok) return problem(url, 'validacao', result.message);
	const r = result.report;
	const body = {
		file_id: r.fileId,
		duplicate: result.duplicate,
		format: r.format,
		bank_code: r.bankCode,
		records: r.records,
		paid: r.counts.paid,
		already_recorded: r.counts.duplicate,
		registered: r.counts.registered,
		rejected: r.counts.rejected,
		written_off: r.counts.written_off,
		instructions_confirmed: r.counts.ignored,
		review: r.counts.review,
		paid_cents: r.paidCents,
		review_cents: r.reviewCents,
		warnings: r.warnings
	};
	return { status: 200, body };
});

export const fallback = api.methodNotAllowed('POST');
