import { fail, redirect } from '@sveltejs/kit';
import { and, eq } from 'drizzle-orm';
import { db } from '$lib/server/db/client';
import { debtors } from '$lib/server/db/schema';
import * as otp from '$lib/server/auth/otp';
import { readLinkToken } from '$lib/server/auth/links';
import { requireCreditor } from '$lib/server/guards';
import { DESTINATION_COOKIE, OTP_COOKIE, otpCookieOptions, portalDestination } from '$lib/server/auth/cookies';
import type { PublicCreditor } from '$lib/server/tenancy';

async function linkedDebtor(creditor: PublicCreditor, token: string) {
	const link = readLinkToken(token, creditor.id);
	if (!link.ok) return link;
	const debtor = await db().query.debtors.findFirst({
		where: and(eq(debtors.id, link.debtorId), eq(debtors.agencyId, creditor.agencyId))
	});
	if (!debtor) return { ok: false as const, message: 'Este link não é válido. Informe seu CPF ou CNPJ para continuar.' };
	return { ok: true as const, debtor };
}

export const load = async ({ locals, params }) => {
	const creditor = requireCreditor(locals);
	if (locals.debtor) redirect(303, `/c/${creditor.slug}/dividas`);
	const found = await linkedDebtor(creditor, params.token);
	if (!found.ok) return { ok: false as const, message: found.message };
	// Only the first name: the link may be opened by someone else holding the phone.
	return { ok: true as const, firstName: found.debtor.name.split(' ')[0] };
};

export const actions = {
	default: async ({ locals, params, cookies, getClientAddress, url }) => {
		const creditor = requireCreditor(locals);
		const found = await linkedDebtor(creditor, params.token);
		if (!found.ok) return fail(400, { message: found.message });
		const result = await otp.requestCode(db(), {
			agencyId: creditor.agencyId,
			creditorId: creditor.id,
			creditorName: creditor.displayName,
			document: found.debtor.document,
			ip: getClientAddress()
		});
		if (!result.ok) return fail(result.status, { message: result.message });
		cookies.set(OTP_COOKIE, result.challengeId, otpCookieOptions());
		const destination = portalDestination(url.searchParams.get('destino'));
		if (destination) cookies.set(DESTINATION_COOKIE, destination, otpCookieOptions());
		redirect(303, `/c/${creditor.slug}/codigo`);
	}
};
