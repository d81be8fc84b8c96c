import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/db/client';
import { config } from '$lib/server/config';
import { requireCreditor } from '$lib/server/guards';
import * as rateLimit from '$lib/server/auth/rate-limit';
import { verify } from '$lib/server/campaigns/golpe';
import { formatDateTimeBR } from '$lib/format/dates';

export const load = async ({ locals }) => {
	requireCreditor(locals);
	return {};
};

const CHANNEL: Record<string, string> = { whatsapp: 'WhatsApp', sms: 'SMS', email: 'e-mail' };

export const actions = {
	default: async ({ request, locals, getClientAddress, url }) => {
		const creditor = requireCreditor(locals);
		const pasted = String((await request.formData()).get('mensagem') ?? '');
		if (pasted.trim() === '') return fail(400, { message: 'Cole a mensagem ou o link que você recebeu.', mensagem: '' });
		if (pasted.length > 5000) return fail(400, { message: 'O texto é longo demais: cole só a mensagem ou o link (até 5.000 caracteres).', mensagem: '' });
		if (!(await rateLimit.hit(db(), `golpe:${rateLimit.clientKey(getClientAddress())}`, 30, 3600))) {
			return fail(429, { message: 'Muitas consultas seguidas. Tente de novo em uma hora.', mensagem: pasted });
		}
		const official = [new URL(config().baseUrl).host, url.host];
		// The creditor's own host name, when it has one, is the address this page was opened at.
		const verdicts = await verify(db(), { id: creditor.id, host: null }, official, pasted);
		return {
			mensagem: pasted,
			results: verdicts.map((v) => {
				switch (v.kind) {
					case 'genuine':
						return {
							ok: true,
							text: `Sim, ${creditor.displayName} enviou esta mensagem${v.channel ? ` por ${CHANNEL[v.channel]}` : ''}${v.sentAt ? ` em ${formatDateTimeBR(v.sentAt)}` : ''}.${v.expired ? ' O link dela já expirou: entre pelo portal.' : ''}`
						};
					case 'other_creditor':
						return { ok: false, text: `Este link não é de ${creditor.displayName}. Confira de quem é a mensagem antes de continuar.` };
					case 'unknown_link':
						return { ok: false, text: `${creditor.displayName} não enviou este link. Não informe dados nem pague nada por ele.` };
					case 'foreign_link':
						return { ok: false, text: `O endereço ${v.host} não é do portal de ${creditor.displayName}. O endereço oficial é ${official[0].replace(/:\d+$/, '')}. Não informe dados nem pague nada por ele.` };
					case 'asks_code':
						return { ok: false, text: `${creditor.displayName} nunca pede seu código de acesso. Se alguém pediu este código, é golpe: não o informe.` };
					case 'no_link':
						return { ok: null, text: `Não encontramos um link de ${creditor.displayName} nesta mensagem. As mensagens de ${creditor.displayName} sempre trazem um link para este portal; na dúvida, entre pelo portal digitando o endereço oficial.` };
				}
			})
		};
	}
};
