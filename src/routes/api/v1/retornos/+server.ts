import * as api from '$lib/server/api/http';
import { bankFileUpload } from '$lib/server/api/bank-file-upload';
import { importRetorno } from '$lib/server/payments/retorno-import';

export const POST = bankFileUpload({
	defaultName: 'retorno-api',
	run: importRetorno,
	body: (r, duplicate) => ({
		file_id: r.fileId,
		duplicate,
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
	})
});

export const fallback = api.methodNotAllowed('POST');
