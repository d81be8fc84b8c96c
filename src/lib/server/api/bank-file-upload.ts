import type { RequestHandler } from '@sveltejs/kit';
import type { Db } from '../db/client';
import type { BankFileImportInput } from '../payments/bank-file';
import * as api from './http';
import { problem } from './problem';

type Imported<R> = { ok: true; duplicate: boolean; report: R } | { ok: false; message: string };

/**
 * `POST /api/v1/retornos` and `/extratos`: the body is the bank's file, `?nome=` its name; the key's
 * creditor scopes the matching. A file the importer refuses is 422 with its pt-BR message.
 */
export function bankFileUpload<R>(opts: {
	defaultName: string;
	run: (db: Db, input: BankFileImportInput) => Promise<Imported<R>>;
	body: (report: R, duplicate: boolean) => Record<string, unknown>;
}): RequestHandler {
	return api.upload(async (db, { key, url, bytes }) => {
		const result = await opts.run(db, {
			agencyId: key.agencyId,
			creditorId: key.creditorId,
			content: bytes,
			fileName: url.searchParams.get('nome')?.slice(0, 200) || opts.defaultName,
			actor: { type: 'system' }
		});
		if (!result.ok) return problem(url, 'validacao', result.message);
		return { status: 200, body: opts.body(result.report, result.duplicate) };
	});
}
