import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db/client';
import * as otp from '$lib/server/auth/otp';
import { requireCreditor } from '$lib/server/guards';
import { formatTimeBR } from '$lib/format/dates';
import { cookieScope, DESTINATION_COOKIE, OTP_COOKIE, portalDestination, SESSION_COOKIE_NAME, sessionCookieOptions } from '$lib/server/auth/cookies';

export const load = async ({ locals, cookies }) => {
	const creditor = requireCreditor(locals);
	const id = cookies.get(OTP_COOKIE);
	const info = id ? await otp.challengeInfo(db(), id) : null;
	if (!info || info.creditorId !== creditor.id) redirect(303, `/c/${creditor.slug}`);
	return {
		destination: info.destination,
		validUntil: formatTimeBR(info.expiresAt),
		// No new code was sent (too many asked for this document this hour): the one already sent still works.
		reused: info.reused ? { nextAt: info.reused.nextAt.getTime() > Date.now() ? formatTimeBR(info.reused.nextAt) : null } : null
	};
};

const codeSchema = z.object({ codigo: z.string().trim().min(1, 'Digite o código recebido.').max(12) });

export const actions = {
	default: async ({ request, locals, cookies, getClientAddress }) => {
		const creditor = requireCreditor(locals);
		const id = cookies.get(OTP_COOKIE);
		if (!id) redirect(303, `/c/${creditor.slug}`);
		const parsed = codeSchema.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { message: parsed.error.issues[0].message, exhausted: false });
		const result = await otp.verifyCode(db(), { challengeId: id, code: parsed.data.codigo, ip: getClientAddress() });
		if (!result.ok) return fail(400, { message: result.message, exhausted: result.exhausted ?? false });
		cookies.delete(OTP_COOKIE, cookieScope());
		cookies.set(SESSION_COOKIE_NAME, result.token, sessionCookieOptions(result.session.expiresAt));
		// A message's link to an installment or agreement opens it now.
		const destination = portalDestination(cookies.get(DESTINATION_COOKIE));
		if (cookies.get(DESTINATION_COOKIE) !== undefined) cookies.delete(DESTINATION_COOKIE, cookieScope());
		redirect(303, `/c/${creditor.slug}${destination ?? '/dividas'}`);
	}
};
