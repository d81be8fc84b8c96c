import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as uploads from '$lib/server/uploads';

const schema = z.object({
	creditorId: z.string().min(1, 'Escolha o credor da carteira.'),
	fileName: z.string().min(1, 'Escolha um arquivo CSV.').max(1000),
	fileBytes: z.number().int().min(0)
});

/** Starts an upload (name, size, creditor); the browser then sends the pieces. */
export const POST = async ({ url, request, getClientAddress }) => {
	const me = requireStaff('upload_portfolio');
	const origin = request.headers.get('origin');
	if (origin && origin !== url.origin) error(403, 'Origem não permitida.');
	const parsed = schema.safeParse(await request.json().catch(() => null));
	if (!parsed.success) return json({ message: parsed.error.issues[0].message }, { status: 400 });
	const r = await db().transaction((tx) => uploads.start(tx, me, { ...parsed.data, ip: getClientAddress() }));
	if (!r.ok) return json({ message: r.message }, { status: r.status });
	return json({ id: r.id, pieceBytes: r.pieceBytes, pieces: r.pieces }, { status: 201 });
};
