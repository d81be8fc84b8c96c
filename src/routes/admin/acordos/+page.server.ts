import { redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import { agreementInReach } from '$lib/server/backoffice';

const codeSchema = z
	.string()
	.trim()
	.toUpperCase()
	.regex(/^AC-?[0-9A-Z]{4}-?[0-9A-Z]{4}$/, 'Código inválido. O código do acordo tem o formato AC-XXXX-XXXX.')
	.transform((c) => `AC-${c.replace(/^AC-?/, '').replace('-', '').replace(/^(.{4})/, '$1-')}`);

/** Find an agreement by its code (the one the debtor reads out on the phone). */
export const load = async ({ url }) => {
	const me = requireStaff('read');
	const raw = url.searchParams.get('codigo');
	if (raw === null || raw.trim() === '') return { codigo: '', message: null };
	const parsed = codeSchema.safeParse(raw);
	if (!parsed.success) return { codigo: raw, message: parsed.error.issues[0].message };
	const found = await agreementInReach(db(), me, parsed.data);
	if (found) redirect(303, `/admin/acordos/${found.agreement.code}`);
	return { codigo: raw, message: 'Nenhum acordo com este código nos credores que você atende.' };
};
