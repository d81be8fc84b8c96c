import * as api from '$lib/server/api/http';
import { bankFileUpload } from '$lib/server/api/bank-file-upload';
import { importStatement } from '$lib/server/payments/statement-import';

export const POST = bankFileUpload({
	defaultName: 'extrato-api.ofx',
	run: importStatement,
	body: (r, duplicate) => ({
		file_id: r.fileId,
		duplicate,
		format: r.format,
		accounts: r.accounts.map((a) => ({ bank_id: a.bankId, branch_id: a.branchId, account_id: a.accountId })),
		period_start: r.periodStart,
		period_end: r.periodEnd,
		transactions: r.transactions,
		credits: r.credits,
		recorded: r.counts.recorded,
		proposed: r.counts.proposed,
		unmatched: r.counts.unmatched,
		already_known: r.counts.known,
		recorded_cents: r.recordedCents,
		review_cents: r.reviewCents,
		warnings: r.warnings
	})
});

export const fallback = api.methodNotAllowed('POST');
