import { fail } from '@sveltejs/kit';
import QRCode from 'qrcode';
import { db } from '$lib/server/db/client';
import { requireStaff } from '$lib/server/guards';
import * as staffAuth from '$lib/server/staff';

export const load = async ({ locals }) => {
	const me = requireStaff('read');
	if (locals.staff?.hasTotp) return { enabled: true as const };
	const setup = staffAuth.beginTotp(me.email);
	return {
		enabled: false as const,
		sealed: setup.sealed,
		secret: setup.secret,
		qr: await QRCode.toString(setup.uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
	};
};

export const actions = {
	default: async ({ request }) => {
		const me = requireStaff('read');
		const f = await request.formData();
		const result = await staffAuth.confirmTotp(db(), me, String(f.get('chave') ?? ''), String(f.get('codigo') ?? ''));
		if (!result.ok) return fail(400, { message: result.message });
		return { enabled: true };
	}
};
