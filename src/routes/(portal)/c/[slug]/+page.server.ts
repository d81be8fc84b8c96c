import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import * as otp from '$lib/server/auth/otp';
import { requireCreditor } from '$lib/server/guards';
import { OTP_COOKIE, otpCookieOptions } from '$lib/server/auth/cookies';

export const load = async ({ locals, url }) => {
	const creditor = requireCreditor(locals);
	if (locals.debtor) redirect(303, `/c/${creditor.slug}/dividas`);
	return { expired: url.searchParams.has('expirou'), linkExpired: url.searchParams.get('link') === 'expirado' };
};

const identifySchema = z.object({ documento: z.string().trim().min(1, 'Informe seu CPF ou CNPJ.').max(30) });

export const actions = {
	default: async ({ request, locals, cookies, getClientAddress }) => {
		const creditor = requireCreditor(locals);
		const parsed = identifySchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { message: parsed.error.issues[0].message, documento: '' });
		const result = await otp.requestCode(db(), {
			agencyId: creditor.agencyId,
			creditorId: creditor.id,
			creditorName: creditor.displayName,
			document: parsed.data.documento,
			ip: getClientAddress()
		});
		if (!result.ok) return fail(result.status, { message: result.message, documento: parsed.data.documento });
		cookies.set(OTP_COOKIE, result.challengeId, otpCookieOptions());
		redirect(303, `/c/${creditor.slug}/codigo`);
	}
};
