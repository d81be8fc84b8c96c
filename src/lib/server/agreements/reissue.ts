import { sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import * as audit from '../audit';
import * as jobs from '../jobs';
import * as access from '../access';
import { config } from '../config';
import * as lifecycle from './lifecycle';
import { DESTINATION_FIELDS, destinationOf, type Destination } from '../payments/instruments';
import { textArray } from '../import';
import { MOBILE_E164_PATTERN } from '../../format/contact';

/**
 * Re-issuing installments with the creditor's current payment settings. An installment keeps the
 * destination it was issued with (what the debtor holds never changes behind their back); when a
 * creditor moves its Pix key or bank account, staff re-issue the pending installments of active
 * agreements explicitly: each old slip is withdrawn (cancelled, pointing to its replacement, as a
 * due-date change does) and a new one issued (same due date and amount, new txid and nosso número,
 * the new destination). Each debtor is told once per agreement, without amounts. Audited.
 */

const COLUMNS = { pixKey: 'pix_key', pixMerchantName: 'pix_merchant_name', pixMerchantCity: 'pix_merchant_city', boletoBankCode: 'boleto_bank_code', boletoAgency: 'boleto_agency', boletoAccount: 'boleto_account', boletoWallet: 'boleto_wallet' } as const satisfies Record<(typeof DESTINATION_FIELDS)[number], string>;

/** Installments of live agreements that still point where the creditor's settings no longer do. */
function outdated(creditorId: string, current: Destination) {
	const stored = sql.raw(`(${DESTINATION_FIELDS.map((f) => `i.${COLUMNS[f]}`).join(', ')})`);
	const now = sql.join(DESTINATION_FIELDS.map((f) => sql`${current[f]}::text`), sql`, `);
	return sql`from installments i join agreements a on a.id = i.agreement_id
		where a.creditor_id = ${creditorId}::uuid and a.status = 'active' and i.status in ('pending', 'partially_paid') and i.superseded_by is null
			and ${stored} is distinct from (${now})`;
}

async function settings(db: DbOrTx, who: access.Reach, creditorId: string) {
	const rows = await db.execute<Destination & { id: string; agencyId: string; slug: string; displayName: string }>(sql`
		select id, agency_id as "agencyId", slug, display_name as "displayName",
			pix_key as "pixKey", pix_merchant_name as "pixMerchantName", pix_merchant_city as "pixMerchantCity",
			boleto_bank_code as "boletoBankCode", boleto_agency as "boletoAgency", boleto_account as "boletoAccount", boleto_wallet as "boletoWallet"
		from creditors where id = ${creditorId}::uuid and ${access.where.creditor(who)}`);
	return rows[0] ?? null;
}

/** How many pending installments (and agreements) still carry an older destination. */
export async function outdatedCount(db: DbOrTx, who: access.Reach, creditorId: string): Promise<{ installments: number; agreements: number }> {
	const creditor = await settings(db, who, creditorId);
	if (!creditor) return { installments: 0, agreements: 0 };
	const [row] = await db.execute<{ installments: number; agreements: number }>(
		sql`select count(*)::int as installments, count(distinct i.agreement_id)::int as agreements ${outdated(creditorId, destinationOf(creditor))}`
	);
	return row;
}

export type ReissueResult = { ok: true; installments: number; agreements: number } | { ok: false; status: 404; message: string };

export async function reissue(tx: Tx, who: access.Reach & { id: string }, creditorId: string, ctx: { ip?: string | null } = {}): Promise<ReissueResult> {
	const creditor = await settings(tx, who, creditorId);
	if (!creditor) return { ok: false, status: 404, message: 'Credor não encontrado.' };
	const destination = destinationOf(creditor);
	// Locked, agreement first then installments, the order every agreement change takes.
	const old = await tx.execute<{ id: string; agreement_id: string; seq: number; due_date: string; amount_cents: string; txid: string; nosso_numero: string }>(sql`
		select i.id, i.agreement_id, i.seq, to_char(i.due_date, 'YYYY-MM-DD') as due_date, i.amount_cents - coalesce(i.paid_cents, 0) as amount_cents, i.txid, i.nosso_numero
		${outdated(creditorId, destination)}
		order by i.agreement_id, i.seq
		for update of a, i`);
	if (old.length === 0) return { ok: true, installments: 0, agreements: 0 };
	// Same due date, the open amount (a part paid stays with the old row), the new destination.
	const ids = await lifecycle.supersede(
		tx,
		old.map((o) => ({ oldIds: [o.id], agreementId: o.agreement_id, seq: o.seq, dueDate: o.due_date, amountCents: Number(o.amount_cents), destination }))
	);
	const agreementIds = [...new Set(old.map((o) => o.agreement_id))];

	// Each debtor is told once per agreement, on the channel their codes go to, without amounts.
	const base = config().baseUrl;
	const told = await tx.execute(sql`
		insert into outbox (agency_id, creditor_id, channel, "to", text)
		select ${creditor.agencyId}::uuid, ${creditor.id}::uuid,
			case when d.phone ~ ${MOBILE_E164_PATTERN} then 'sms' else 'email' end,
			case when d.phone ~ ${MOBILE_E164_PATTERN} then d.phone else d.email end,
			${creditor.displayName} || ': os dados de pagamento do seu acordo ' || a.code || ' foram atualizados. O Pix e o boleto anteriores foram cancelados; use os novos no portal: ' || ${base} || '/c/' || ${creditor.slug} || '/acordos/' || a.code
		from agreements a join debtors d on d.id = a.debtor_id
		where a.id = any(${textArray(agreementIds)}::uuid[]) and d.anonymized_at is null
			and (d.phone ~ ${MOBILE_E164_PATTERN} or d.email is not null)
		returning 1`);
	if (told.length > 0) await jobs.enqueue(tx, 'deliver-messages', {}, { jobKey: 'deliver-messages' });
	await audit.record(tx, {
		agencyId: creditor.agencyId,
		actorType: 'staff',
		actorId: who.id,
		action: 'installment.reissue',
		entity: 'creditor',
		entityId: creditor.id,
		ip: ctx.ip ?? null,
		data: {
			installments: old.length,
			agreements: agreementIds.length,
			debtorsTold: told.length,
			after: destination,
			// The first 1,000 slips withdrawn, with what they were: enough to answer "which slip did I pay?".
			replaced: old.slice(0, 1000).map((o, k) => ({ id: o.id, txid: o.txid, nossoNumero: o.nosso_numero, by: ids[k] }))
		}
	});
	return { ok: true, installments: old.length, agreements: agreementIds.length };
}
