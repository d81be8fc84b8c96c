import { groupBy } from '../../util/group';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { config } from '../config';
import * as tenancy from '../tenancy';
import { updatedValueUnderPolicy } from '../debts/updated-value';
import { creditBalanceSql } from '../debts/credit';
import { formatBRL } from '../../format/money';
import { formatDateBR, todayInSaoPaulo } from '../../format/dates';
import { maskEmail, maskPhone } from '../../format/contact';
import { render } from '../../messaging/template';
import type { Campaign, CampaignChannel } from '../../schemas/campaign';

type Templates = Campaign['templates'];
import type { Policy } from '../../schemas/policy';
import { newShortCode, shortCodeHash } from '../messaging/short-link';
import { unsubscribeUrl } from '../messaging/unsubscribe';
import { renderEmail } from '../messaging/email';
import type { Composed } from '../messaging/compose';
import { segmentQuery } from './segment';
import { saveShortLinks, type NewShortLink } from './links';

/**
 * A campaign message's content for one debtor on one channel, composed when it is sent: the
 * debtor's name, the updated value of what they owe the creditor today, the best discount on
 * offer, and a short link of its own (`/l/{code}`, only the hash kept) that expires with the
 * campaign. Every message names the creditor and points to the "É golpe?" page.
 */

export type CreditorInfo = { id: string; agency_id: string; display_name: string; legal_name: string; cnpj: string; address: string; slug: string; host: string | null };

/** The portal's public address for a creditor: its own host name when it has one. */
export function portalBase(c: Pick<CreditorInfo, 'host' | 'slug'>): { origin: string; portal: string } {
	const origin = c.host ? `${config().https || !/^http:/.test(config().baseUrl) ? 'https' : 'http'}://${c.host}` : config().baseUrl;
	return { origin, portal: `${origin}/c/${c.slug}` };
}

export function golpeUrl(c: Pick<CreditorInfo, 'host' | 'slug'>): string {
	return `${portalBase(c).portal}/golpe`;
}

type DebtorFacts = { id: string; name: string; email: string | null; totalCents: number; oldestDue: string | null; bestDiscountPercent: number };

/** What each debtor owes the creditor today (updated under the policy) and the best cash discount on offer. */
async function debtorFacts(db: DbOrTx, creditorId: string, debtorIds: string[], policy: Policy | null, offer: Campaign['offer'], today: string): Promise<Map<string, DebtorFacts>> {
	const rows = await db.execute<{ debtor_id: string; name: string; email: string | null; principal_cents: number; due_date: string; late_fee_bp: number | null; interest_monthly_bp: number | null; credit_cents: string | null }>(sql`
		select d.id as debtor_id, d.name, d.email, x.principal_cents, x.due_date::text as due_date, x.late_fee_bp, x.interest_monthly_bp,
			${creditBalanceSql(sql`x.id`)} as credit_cents
		from unnest(${`{${debtorIds.join(',')}}`}::uuid[]) as k(id)
			join debtors d on d.id = k.id
			-- Lateral: each debtor's open debts by index, whatever the size of the portfolio.
			left join lateral (select * from debts x where x.debtor_id = d.id and x.creditor_id = ${creditorId}::uuid and x.status = 'open') x on true`);
	const out = new Map<string, DebtorFacts>();
	for (const r of rows) {
		const f = out.get(r.debtor_id) ?? { id: r.debtor_id, name: r.name, email: r.email, totalCents: 0, oldestDue: null, bestDiscountPercent: 0 };
		if (r.due_date) {
			const v = policy
				? updatedValueUnderPolicy({ principalCents: Number(r.principal_cents), dueDate: r.due_date, lateFeeBp: r.late_fee_bp, interestMonthlyBp: r.interest_monthly_bp, creditCents: Number(r.credit_cents ?? 0) }, policy, today).totalCents
				: Math.max(0, Number(r.principal_cents) - Math.max(0, Number(r.credit_cents ?? 0)));
			f.totalCents += v;
			if (!f.oldestDue || r.due_date < f.oldestDue) f.oldestDue = r.due_date;
		}
		out.set(r.debtor_id, f);
	}
	for (const f of out.values()) {
		if (!policy || !f.oldestDue) continue;
		const days = Math.max(0, Math.round((Date.parse(today) - Date.parse(f.oldestDue)) / 86_400_000));
		const band = policy.bands.find((b) => days >= b.minDaysPastDue && (b.maxDaysPastDue === null || days <= b.maxDaysPastDue));
		f.bestDiscountPercent = Math.max(band?.cashDiscountMaxPercent ?? 0, offer?.cashDiscountMaxPercent ?? 0);
	}
	return out;
}

function percentText(p: number): string {
	return `${String(p).replace('.', ',')}%`;
}

/** The placeholders' values for one debtor (`link` filled per message). */
export function varsFor(c: Campaign, creditor: CreditorInfo, d: DebtorFacts, link: string): Record<string, string> {
	return {
		nome: d.name,
		primeiro_nome: d.name.split(/\s+/)[0] ?? d.name,
		credor: creditor.display_name,
		link,
		golpe: golpeUrl(creditor),
		valor: formatBRL(d.totalCents),
		desconto: d.bestDiscountPercent > 0 ? `até ${percentText(d.bestDiscountPercent)}` : '',
		vencimento: d.oldestDue ? formatDateBR(d.oldestDue) : '',
		oferta_ate: c.offer ? formatDateBR(c.offer.validUntil) : '',
		// An installment's own (the régua's): a campaign has none, and its link is the way in.
		boleto: link,
		parcela: '',
		pix: ''
	};
}

/** The content on one channel, from templates and the debtor's values (campaigns and the régua alike). */
export function contentFor(t: Templates, channel: CampaignChannel, vars: Record<string, string>, creditor: CreditorInfo, unsubscribe?: string, ctaLabel = 'Ver minhas condições'): Composed {
	// A template the lint let through but that cannot be filled fails this one message, never the batch.
	try {
		return composeOne(t, channel, vars, creditor, unsubscribe, ctaLabel);
	} catch {
		return { error: 'modelo_invalido' };
	}
}

function composeOne(t: Templates, channel: CampaignChannel, vars: Record<string, string>, creditor: CreditorInfo, unsubscribe: string | undefined, ctaLabel: string): Composed {
	if (channel === 'sms') return t.sms ? { text: render(t.sms.body, vars) } : { error: 'sem_modelo_sms' };
	if (channel === 'whatsapp') {
		if (!t.whatsapp) return { error: 'sem_modelo_whatsapp' };
		const params = t.whatsapp.params.map((p) => render(p, vars));
		// The text as the debtor reads it (kept in the outbox, shown on the timeline and by "É golpe?").
		const text = t.whatsapp.body.replace(/\{\{(\d+)\}\}/g, (_, n) => params[Number(n) - 1] ?? '');
		return { text, template: { name: t.whatsapp.name, language: t.whatsapp.language, params } };
	}
	if (!t.email) return { error: 'sem_modelo_email' };
	const mail = renderEmail({
		creditor: { name: creditor.display_name, cnpj: creditor.cnpj, address: creditor.address },
		subject: render(t.email.subject, vars),
		text: render(t.email.body, vars),
		ctaUrl: vars.link,
		ctaLabel,
		golpeUrl: vars.golpe,
		unsubscribeUrl: unsubscribe
	});
	return { text: mail.text, subject: mail.subject, html: mail.html, unsubscribeUrl: unsubscribe };
}

type Row = { id: string; agency_id: string; debtor_id: string | null; channel: CampaignChannel; campaign_id: string | null; to: string };

/** Loads what a batch of campaign messages needs (one query each) and composes every one, creating their short links. */
export async function composeCampaign(tx: DbOrTx, rows: Row[], now: Date): Promise<Map<string, Composed>> {
	const out = new Map<string, Composed>();
	const today = todayInSaoPaulo(now);
	const byCampaign = groupBy(rows, (r) => r.campaign_id!);
	const links: NewShortLink[] = [];
	for (const [campaignId, group] of byCampaign) {
		const [camp] = await tx.execute<{ body: Campaign; ends_at: Date; creditor_id: string } & CreditorInfo>(sql`
			select c.body, c.ends_at, c.creditor_id, cr.id, cr.agency_id, cr.display_name, cr.legal_name, cr.cnpj, cr.address, cr.slug, cr.host
			from campaigns c join creditors cr on cr.id = c.creditor_id where c.id = ${campaignId}::uuid`);
		if (!camp) {
			for (const r of group) out.set(r.id, { error: 'campanha_inexistente' });
			continue;
		}
		const policy = (await tenancy.currentPolicy(tx, camp.creditor_id))?.policy ?? null;
		const facts = await debtorFacts(tx, camp.creditor_id, [...new Set(group.map((r) => r.debtor_id!))], policy, camp.body.offer, today);
		const base = portalBase(camp);
		for (const r of group) {
			const d = r.debtor_id ? facts.get(r.debtor_id) : undefined;
			if (!d) {
				out.set(r.id, { error: 'devedor_inexistente' });
				continue;
			}
			const code = newShortCode();
			links.push({ code_hash: shortCodeHash(code), agency_id: r.agency_id, creditor_id: camp.creditor_id, debtor_id: d.id, campaign_id: campaignId, message_id: r.id, expires_at: new Date(camp.ends_at).toISOString() });
			const vars = varsFor(camp.body, camp, d, `${base.origin}/l/${code}`);
			out.set(r.id, contentFor(camp.body.templates, r.channel, vars, camp, r.channel === 'email' ? unsubscribeUrl(r.agency_id, camp.creditor_id, r.to) : undefined));
		}
	}
	await saveShortLinks(tx, links);
	return out;
}

export type Preview = { debtor: string; contact: string; channel: CampaignChannel; subject?: string | null; text: string };

/**
 * Rendered previews for a few real debtors of the segment (names and contacts masked as the admin
 * area shows them), with a sample link: nothing is stored.
 */
export async function previewsFor(db: DbOrTx, row: { creditorId: string; body: Campaign }, now: Date, n: number): Promise<Preview[]> {
	const today = todayInSaoPaulo(now);
	const sample = await db.execute<{ id: string; channel: CampaignChannel; to: string }>(sql`
		select s.id, s.channel, s."to" from (${segmentQuery(row.creditorId, row.body, today, now)}) s order by s.id limit ${n}`);
	if (sample.length === 0) return [];
	const [creditor] = await db.execute<CreditorInfo>(sql`select id, agency_id, display_name, legal_name, cnpj, address, slug, host from creditors where id = ${row.creditorId}::uuid`);
	const policy = (await tenancy.currentPolicy(db, row.creditorId))?.policy ?? null;
	const facts = await debtorFacts(db, row.creditorId, sample.map((s) => s.id), policy, row.body.offer, today);
	return sample.map((s) => {
		const d = facts.get(s.id)!;
		const vars = varsFor(row.body, creditor, d, `${portalBase(creditor).origin}/l/EXEMPLO123`);
		const c = contentFor(row.body.templates, s.channel, vars, creditor);
		return {
			debtor: d.name.split(/\s+/)[0] + ' …',
			contact: s.channel === 'email' ? maskEmail(s.to) : maskPhone(s.to),
			channel: s.channel,
			subject: 'error' in c ? null : (c.subject ?? null),
			text: 'error' in c ? `(sem modelo para ${s.channel})` : c.text
		};
	});
}
