import { error, json } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as uploads from '$lib/server/uploads';
import * as importWorker from '$lib/server/uploads/runner';

/** One piece of the file (raw bytes, at most PIECE_BYTES): stored as one chunk in PostgreSQL. */
export const PUT = async ({ url, params, request }) => {
	const me = requireStaff('upload_portfolio');
	const origin = request.headers.get('origin');
	if (origin && origin !== url.origin) error(403, 'Origem não permitida.');
	const seq = /^\d{1,7}$/.test(params.seq) ? Number(params.seq) : -1;
	const data = new Uint8Array(await request.arrayBuffer());
	if (data.byteLength > uploads.PIECE_BYTES) return json({ message: 'Parte do arquivo grande demais.' }, { status: 413 });
	const r = await db().transaction((tx) => uploads.putPiece(tx, me, params.id, seq, data));
	if (!r.ok) return json({ message: r.message }, { status: r.status });
	if (r.complete) importWorker.nudge();
	return json({ received: r.received, complete: r.complete });
};
