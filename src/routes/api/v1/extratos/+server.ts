import * as api from '$lib/server/api/http';
import { problem } from '$lib/server/api/problem';
import { importStatement } from '$lib/server/payments/statement-import';

export const POST = api.upload(async (db, { key, url, bytes }) => {
	const result = await importStatement(db, {
		agencyId: key.agencyId,
		creditorId: key.creditorId,
		content: bytes,
		fileName: url.searchParams.get('nome')?.slice(0, 200) || 'extrato-api.ofx',
		actor: { type: 'system' }
	});
	if (!result.ok) return problem(url, 'validacao', result.message);
	const r = result.report;
	const body = {
		file_id: r.fileId,
		duplicate: result.duplicate,
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
	};
	return { status: 200, body };
});

export const fallback = api.methodNotAllowed('POST');
