import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as backoffice from '$lib/server/backoffice';

const querySchema = z.string().trim().max(100, 'A busca pode ter no máximo 100 caracteres.');

export const load = async ({ url }) => {
	const me = requireStaff('read');
	const parsed = querySchema.safeParse(url.searchParams.get('q') ?? '');
	if (!parsed.success) return { q: '', result: { ok: false as const, message: parsed.error.issues[0].message } };
	if (!parsed.data) return { q: '', result: null };
	return { q: parsed.data, result: await backoffice.search.search(db(), me, parsed.data) };
};
