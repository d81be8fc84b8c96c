/**
 * The lint of a campaign's (or a régua step's) templates on the channels in use: pure, so the
 * campaign editor runs it in the browser as staff type and the server runs it again on save.
 */
import { lint, type Finding } from './template';
import type { Campaign, CampaignChannel } from '../schemas/campaign';

/** The lint of the templates of the channels in use (a campaign's, a régua step's). */
export function lintTemplates(channels: readonly CampaignChannel[], t: Campaign['templates']): Finding[] {
	const out: Finding[] = [];
	if (t.sms && channels.includes('sms')) out.push(...lint({ channel: 'sms', body: t.sms.body }).map((f) => ({ ...f, message: `SMS: ${f.message}` })));
	if (t.whatsapp && channels.includes('whatsapp')) {
		out.push(...lint({ channel: 'whatsapp', body: t.whatsapp.params.join('\n') }).filter((f) => f.code !== 'sem_credor' && f.code !== 'sem_golpe').map((f) => ({ ...f, message: `WhatsApp: ${f.message}` })));
		// The approved body names the creditor and points to the "É golpe?" page; its parameters fill it.
		out.push(...lint({ channel: 'whatsapp', body: whatsappText(t.whatsapp) }).filter((f) => f.code === 'sem_credor' || f.code === 'sem_golpe').map((f) => ({ ...f, message: `WhatsApp: ${f.message}` })));
	}
	if (t.email && channels.includes('email')) out.push(...lint({ channel: 'email', subject: t.email.subject, body: t.email.body }).map((f) => ({ ...f, message: `E-mail: ${f.message}` })));
	return out;
}

/** The approved WhatsApp body with its {{1}}, {{2}}… replaced by the parameters (each still a template). */
export function whatsappText(w: { body: string; params: readonly string[] }): string {
	return w.body.replace(/\{\{(\d+)\}\}/g, (_, n) => w.params[Number(n) - 1] ?? '');
}
