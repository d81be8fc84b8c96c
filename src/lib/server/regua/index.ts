import { groupBy } from '../../util/group';
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import * as audit from '../audit';
import { queuedInBulk } from '../messaging/bulk';
import * as access from '../access';
import { addDays, formatDateBR, todayInSaoPaulo } from '../../format/dates';
import { formatBRL } from '../../format/money';
import { MOBILE_E164_PATTERN } from '../../format/contact';
import { reguaSchema, stepPurpose, type Regua, type ReguaStep } from '../../schemas/regua';
import type { CampaignChannel } from '../../schemas/campaign';
import { pixFor } from '../payments/instruments';
import { newShortCode, shortCodeHash } from '../messaging/short-link';
import { unsubscribeUrl } from '../messaging/unsubscribe';
import type { Composed } from '../messaging/compose';
import { contentFor, golpeUrl, portalBase, type CreditorInfo } from '../campaigns/compose';
import { saveShortLinks, type NewShortLink } from '../campaigns/links';
import { updatedValueUnderPolicy } from '../debts/updated-value';
import { creditBalanceSql } from '../debts/credit';
import * as tenancy from '../tenancy';
import { lintTemplates } from '../campaigns';
import type { Finding } from '../../messaging/template';
import type { Policy } from '../../schemas/policy';

/**
 * The régua de cobrança (README: "Régua"): each creditor's standing schedule. A daily job finds,
 * for every step, the debts, agreements and installments whose event fell `offsetDays` ago, marks
 * the step fired for each (at most once, ever: `regua_fired`'s key) and queues one message per
 * debtor, composed when sent and held by the contact rules like any collection message.
 */

/** Days a missed run is caught up: a step whose day passed while the job did not run still fires (once). */
export const CATCH_UP_DAYS = 3;

export type SetResult = { ok: true; version: number; findings: Finding[] } | { ok: false; message: string; errors?: Record<string, string[]>; findings?: Finding[] };

/** The step's templates through the campaign lint (the same words, the same rules). */
export function lintRegua(r: Regua): Finding[] {
	return r.steps.flatMap((s) => lintTemplates(s.channels, s.templates).map((f) => ({ ...f, message: `${s.key}: ${f.message}` })));
}

/** Sets a creditor's régua (a new version), after the schema and the lint. */
export async function set(
	db: DbOrTx,
	input: { creditorId: string; agencyId: string; body: unknown; actor: { type: 'staff' | 'cli'; id?: string | null }; overrideLint?: boolean }
): Promise<SetResult> {
	const parsed = reguaSchema.safeParse(input.body);
	if (!parsed.success) {
		const errors: Record<string, string[]> = {};
		for (const i of parsed.error.issues) (errors[i.path.join('.') || 'regua'] ??= []).push(i.message);
		return { ok: false, message: 'Corrija a régua nos pontos indicados.', errors };
	}
	const findings = lintRegua(parsed.data);
	if (findings.some((f) => f.severity === 'error') && !input.overrideLint) return { ok: false, message: 'O texto das mensagens precisa de ajustes antes de salvar.', findings };
	return db.transaction(async (tx) => {
		const [row] = await tx.execute<{ version: number }>(sql`
			insert into reguas (creditor_id, body, version, updated_by, updated_at)
			values (${input.creditorId}::uuid, ${JSON.stringify(parsed.data)}::jsonb, 1, ${input.actor.type === 'staff' ? (input.actor.id ?? null) : null}::uuid, now())
			on conflict (creditor_id) do update set body = excluded.body, version = reguas.version + 1, updated_by = excluded.updated_by, updated_at = now()
			returning version`);
		await audit.record(tx, {
			agencyId: input.agencyId,
			actorType: input.actor.type,
			actorId: input.actor.id ?? null,
			action: 'regua.set',
			entity: 'creditor',
			entityId: input.creditorId,
			data: { version: row.version, steps: parsed.data.steps.map((s) => s.key), ...(input.overrideLint && findings.some((f) => f.severity === 'error') && { lintOverridden: true }) }
		});
		return { ok: true as const, version: row.version, findings };
	});
}

export async function get(db: DbOrTx, creditorId: string): Promise<{ regua: Regua; version: number; updatedAt: Date } | null> {
	if (!access.isUuid(creditorId)) return null;
	const [row] = await db.execute<{ body: Regua; version: number; updated_at: Date }>(sql`select body, version, updated_at from reguas where creditor_id = ${creditorId}::uuid`);
	return row ? { regua: row.body, version: row.version, updatedAt: new Date(row.updated_at) } : null;
}

/**
 * The subjects a step fires for today: `subject` (debt, agreement or installment), its debtor and
 * the date the step belongs to (event date + offset) within the catch-up window.
 */
function candidates(creditorId: string, step: ReguaStep, today: string): SQL {
	const from = addDays(today, -CATCH_UP_DAYS - step.offsetDays);
	const to = addDays(today, -step.offsetDays);
	const within = (col: SQL) => sql`${col} between ${from}::date and ${to}::date`;
	switch (step.on) {
		case 'debt_due':
			return sql`select x.id as subject_id, x.debtor_id from debts x where x.creditor_id = ${creditorId}::uuid and x.status = 'open' and ${within(sql`x.due_date`)}`;
		case 'agreement_created':
			return sql`select a.id as subject_id, a.debtor_id from agreements a where a.creditor_id = ${creditorId}::uuid and a.status = 'active'
				and ${within(sql`(a.created_at at time zone 'America/Sao_Paulo')::date`)}`;
		case 'installment_due':
			// Only while it is still to be paid: a paid installment is not reminded, a late one only if unpaid.
			return sql`select i.id as subject_id, a.debtor_id from installments i join agreements a on a.id = i.agreement_id
				where a.creditor_id = ${creditorId}::uuid and a.status = 'active' and i.superseded_by is null and i.status in ('pending', 'partially_paid') and ${within(sql`i.due_date`)}`;
		case 'agreement_broken':
			return sql`select a.id as subject_id, a.debtor_id from agreements a where a.creditor_id = ${creditorId}::uuid and a.status = 'broken'
				and ${within(sql`(coalesce(a.broken_at, a.updated_at) at time zone 'America/Sao_Paulo')::date`)}`;
	}
}

function reach(ch: CampaignChannel): SQL {
	return ch === 'email' ? sql`(d.email is not null)` : sql`(d.phone ~ ${MOBILE_E164_PATTERN})`;
}

/**
 * The daily run: every creditor's régua, every step. Each step is one statement — mark fired what
 * has not fired, then queue one message per debtor of what was just marked — so a second run the
 * same day (or two processes at once) queues nothing twice.
 */
export async function run(db: DbOrTx, now = new Date()): Promise<{ steps: number; fired: number; queued: number }> {
	const today = todayInSaoPaulo(now);
	const reguas = await db.execute<{ creditor_id: string; agency_id: string; body: Regua }>(sql`
		select r.creditor_id, c.agency_id, r.body from reguas r join creditors c on c.id = r.creditor_id`);
	let steps = 0;
	let fired = 0;
	let queued = 0;
	for (const r of reguas) {
		const parsed = reguaSchema.safeParse(r.body);
		if (!parsed.success) continue;
		for (const step of parsed.data.steps) {
			steps++;
			const first = sql`case ${sql.join(step.channels.map((ch) => sql`when ${reach(ch)} then ${ch}`), sql` `)} end`;
			const rest = sql`case ${sql.join(step.channels.map((ch, i) => sql`when ${reach(ch)} then ${JSON.stringify(step.channels.slice(i + 1))}::jsonb`), sql` `)} else '[]'::jsonb end`;
			const [counts] = await db.execute<{ fired: number; queued: number }>(sql`
				with c as (${candidates(r.creditor_id, step, today)}),
				f as (
					insert into regua_fired (creditor_id, step, subject_id, at)
					select ${r.creditor_id}::uuid, ${step.key}, c.subject_id, ${now.toISOString()}::timestamptz from c
					on conflict do nothing
					returning subject_id
				),
				per_debtor as (
					select distinct on (c.debtor_id) c.debtor_id, c.subject_id from c join f using (subject_id) order by c.debtor_id, c.subject_id
				),
				q as (
					insert into outbox (agency_id, creditor_id, debtor_id, kind, purpose, channel, "to", text, fallback, regua_step, regua_subject_id, next_attempt_at)
					select d.agency_id, ${r.creditor_id}::uuid, d.id, 'regua', ${stepPurpose(step)}, ${first}, case ${first} when 'email' then d.email else d.phone end,
						'', ${rest}, ${step.key}, p.subject_id, ${now.toISOString()}::timestamptz
					from per_debtor p join debtors d on d.id = p.debtor_id
					where d.anonymized_at is null and ${first} is not null
					returning id
				)
				select (select count(*) from f)::int as fired, (select count(*) from q)::int as queued`);
			fired += counts.fired;
			queued += counts.queued;
		}
	}
	await queuedInBulk(db, queued);
	return { steps, fired, queued };
}

type Row = { id: string; agency_id: string; creditor_id: string | null; debtor_id: string | null; channel: CampaignChannel; regua_step: string | null; regua_subject_id?: string | null; to: string };

/** Composes a batch of régua messages (see campaigns/compose.ts for the campaign side). */
export async function composeRegua(tx: DbOrTx, rows: Row[], now: Date): Promise<Map<string, Composed>> {
	const out = new Map<string, Composed>();
	const today = todayInSaoPaulo(now);
	const links: NewShortLink[] = [];
	for (const [creditorId, group] of groupBy(rows, (r) => r.creditor_id ?? '')) {
		const regua = await get(tx, creditorId);
		const [creditor] = await tx.execute<CreditorInfo>(sql`select id, agency_id, display_name, legal_name, cnpj, address, slug, host from creditors where id = ${creditorId}::uuid`);
		if (!regua || !creditor) {
			for (const r of group) out.set(r.id, { error: 'regua_inexistente' });
			continue;
		}
		const policy = (await tenancy.currentPolicy(tx, creditorId))?.policy ?? null;
		const subjects = await subjectFacts(tx, group.map((r) => r.regua_subject_id).filter((s): s is string => !!s), creditorId, policy, today);
		const base = portalBase(creditor);
		for (const r of group) {
			const step = regua.regua.steps.find((s) => s.key === r.regua_step);
			const s = r.regua_subject_id ? subjects.get(r.regua_subject_id) : undefined;
			if (!step || !s || !r.debtor_id) {
				out.set(r.id, { error: step ? 'assunto_inexistente' : 'passo_removido' });
				continue;
			}
			const code = newShortCode();
			links.push({ code_hash: shortCodeHash(code), agency_id: r.agency_id, creditor_id: creditorId, debtor_id: r.debtor_id, message_id: r.id, target: s.target, expires_at: new Date(now.getTime() + 30 * 86_400_000).toISOString() });
			const link = `${base.origin}/l/${code}`;
			const vars: Record<string, string> = {
				nome: s.name,
				primeiro_nome: s.name.split(/\s+/)[0] ?? s.name,
				credor: creditor.display_name,
				link,
				boleto: link,
				golpe: golpeUrl(creditor),
				valor: s.valueCents !== null ? formatBRL(s.valueCents) : '',
				desconto: '',
				vencimento: s.dueDate ? formatDateBR(s.dueDate) : '',
				oferta_ate: '',
				parcela: s.installment ?? '',
				pix: s.pix ?? ''
			};
			out.set(r.id, contentFor(step.templates, r.channel, vars, creditor, r.channel === 'email' ? unsubscribeUrl(r.agency_id, creditorId, r.to) : undefined, 'Abrir o portal'));
		}
	}
	await saveShortLinks(tx, links);
	return out;
}

type SubjectFacts = { name: string; valueCents: number | null; dueDate: string | null; installment: string | null; pix: string | null; target: string };

/** What the messages say about their subjects: a debt's value today, an installment's amount, date and Pix. */
async function subjectFacts(tx: DbOrTx, ids: string[], creditorId: string, policy: Policy | null, today: string): Promise<Map<string, SubjectFacts>> {
	const out = new Map<string, SubjectFacts>();
	if (ids.length === 0) return out;
	const list = sql`${`{${[...new Set(ids)].join(',')}}`}::uuid[]`;
	const debts = await tx.execute<{ id: string; name: string; principal_cents: number; due_date: string; late_fee_bp: number | null; interest_monthly_bp: number | null; credit_cents: string }>(sql`
		select x.id, d.name, x.principal_cents, x.due_date::text as due_date, x.late_fee_bp, x.interest_monthly_bp, ${creditBalanceSql(sql`x.id`)} as credit_cents
		from debts x join debtors d on d.id = x.debtor_id where x.id = any(${list}) and x.creditor_id = ${creditorId}::uuid`);
	for (const x of debts) {
		const value = policy
			? updatedValueUnderPolicy({ principalCents: Number(x.principal_cents), dueDate: x.due_date, lateFeeBp: x.late_fee_bp, interestMonthlyBp: x.interest_monthly_bp, creditCents: Number(x.credit_cents) }, policy, today).totalCents
			: Math.max(0, Number(x.principal_cents) - Math.max(0, Number(x.credit_cents)));
		out.set(x.id, { name: x.name, valueCents: value, dueDate: x.due_date, installment: null, pix: null, target: '/dividas' });
	}
	const agreements = await tx.execute<{ id: string; code: string; name: string; total_cents: number }>(sql`
		select a.id, a.code, d.name, a.total_cents from agreements a join debtors d on d.id = a.debtor_id where a.id = any(${list}) and a.creditor_id = ${creditorId}::uuid`);
	for (const a of agreements) out.set(a.id, { name: a.name, valueCents: Number(a.total_cents), dueDate: null, installment: null, pix: null, target: `/acordos/${a.code}` });
	const installments = await tx.execute<{
		id: string; seq: number; count: number; code: string; name: string; amount_cents: number; due_date: string; txid: string;
		pix_key: string; pix_merchant_name: string; pix_merchant_city: string; boleto_bank_code: string; boleto_agency: string; boleto_account: string; boleto_wallet: string;
	}>(sql`
		select i.id, i.seq, a.installment_count as count, a.code, d.name, i.amount_cents, i.due_date::text as due_date, i.txid,
			i.pix_key, i.pix_merchant_name, i.pix_merchant_city, i.boleto_bank_code, i.boleto_agency, i.boleto_account, i.boleto_wallet
		from installments i join agreements a on a.id = i.agreement_id join debtors d on d.id = a.debtor_id
		where i.id = any(${list}) and a.creditor_id = ${creditorId}::uuid`);
	for (const i of installments) {
		const pix = pixFor({
			amountCents: Number(i.amount_cents),
			txid: i.txid,
			pixKey: i.pix_key,
			pixMerchantName: i.pix_merchant_name,
			pixMerchantCity: i.pix_merchant_city,
			boletoBankCode: i.boleto_bank_code,
			boletoAgency: i.boleto_agency,
			boletoAccount: i.boleto_account,
			boletoWallet: i.boleto_wallet
		});
		out.set(i.id, {
			name: i.name,
			valueCents: Number(i.amount_cents),
			dueDate: i.due_date,
			installment: `${i.seq} de ${i.count}, ${formatBRL(Number(i.amount_cents))}, vencimento ${formatDateBR(i.due_date)}`,
			pix,
			target: `/acordos/${i.code}/parcelas/${i.seq}`
		});
	}
	return out;
}
