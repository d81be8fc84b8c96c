import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { debtors, debts } from '../db/schema';
import { normalizeDocument } from '../../format/document';
import type { ApiAgreement, ApiDebtor, ApiInstallment, ApiPayment } from '../../schemas/api';
import type { Cursor, PageQuery } from './list-query';
import { encodeCursor } from './list-query';
import { toApiDebt } from './debts';
import * as access from '../access';

/**
 * What the API reads: agreements, installments and payments of one creditor, in pages ordered by
 * (updated_at, id) with an opaque cursor, and one debtor with everything of that creditor.
 * Every query is bounded by the creditor: a row of another creditor cannot appear.
 */

export type Page<T> = { data: T[]; next_cursor: string | null };

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
/** The instant to the microsecond, as PostgreSQL keeps it: JavaScript dates would round it to the millisecond and skip rows. */
const cursorAt = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

type AgreementRow = {
	id: string;
	code: string;
	document: string;
	debt_ids: string[] | null;
	status: ApiAgreement['status'];
	kind: ApiAgreement['kind'];
	policy_version: number;
	updated_total_cents: string;
	discount_cents: string;
	interest_cents: string;
	total_cents: string;
	installment_count: number;
	cancel_reason: string | null;
	cancelled_at: Date | null;
	settled_at: Date | null;
	created_at: Date;
	updated_at: Date;
	cursor_at: string;
};

function agreementsSql(where: SQL, limit: number): SQL {
	return sql`select a.id, a.code, d.document,
			(select array_agg(t.external_id order by t.external_id) from agreement_debts ad join debts t on t.id = ad.debt_id where ad.agreement_id = a.id) as debt_ids,
			a.status, a.kind, a.policy_version, a.updated_total_cents, a.discount_cents, a.interest_cents, a.total_cents,
			a.installment_count, a.cancel_reason, a.cancelled_at, a.settled_at, a.created_at, a.updated_at,
			${cursorAt(sql`a.updated_at`)} as cursor_at
		from agreements a join debtors d on d.id = a.debtor_id
		where ${where}
		order by a.updated_at, a.id
		limit ${limit}`;
}

function toAgreement(r: AgreementRow): ApiAgreement {
	return {
		id: r.id,
		code: r.code,
		debtor_document: r.document,
		debt_ids: r.debt_ids ?? [],
		status: r.status,
		kind: r.kind,
		policy_version: r.policy_version,
		updated_total_cents: Number(r.updated_total_cents),
		discount_cents: Number(r.discount_cents),
		interest_cents: Number(r.interest_cents),
		total_cents: Number(r.total_cents),
		installment_count: r.installment_count,
		cancel_reason: r.cancel_reason,
		cancelled_at: iso(r.cancelled_at),
		settled_at: iso(r.settled_at),
		created_at: iso(r.created_at)!,
		updated_at: iso(r.updated_at)!
	};
}

type InstallmentRow = {
	id: string;
	agreement_id: string;
	code: string;
	document: string;
	seq: number;
	due_date: string;
	amount_cents: string;
	status: ApiInstallment['status'];
	paid_at: Date | null;
	paid_cents: string | null;
	superseded_by: string | null;
	updated_at: Date;
	cursor_at: string;
};

function installmentsSql(where: SQL, limit: number): SQL {
	return sql`select i.id, i.agreement_id, a.code, d.document, i.seq, to_char(i.due_date, 'YYYY-MM-DD') as due_date, i.amount_cents,
			i.status, i.paid_at, i.paid_cents, i.superseded_by, i.updated_at, ${cursorAt(sql`i.updated_at`)} as cursor_at
		from installments i join agreements a on a.id = i.agreement_id join debtors d on d.id = a.debtor_id
		where ${where}
		order by i.updated_at, i.id
		limit ${limit}`;
}

function toInstallment(r: InstallmentRow): ApiInstallment {
	return {
		id: r.id,
		agreement_id: r.agreement_id,
		agreement_code: r.code,
		debtor_document: r.document,
		seq: r.seq,
		due_date: r.due_date,
		amount_cents: Number(r.amount_cents),
		status: r.status,
		paid_at: iso(r.paid_at),
		paid_cents: r.paid_cents === null ? null : Number(r.paid_cents),
		superseded_by: r.superseded_by,
		updated_at: iso(r.updated_at)!
	};
}

type PaymentRow = {
	id: string;
	installment_id: string;
	agreement_id: string;
	code: string;
	document: string;
	amount_cents: string;
	paid_at: Date;
	method: ApiPayment['method'];
	source: ApiPayment['source'];
	external_id: string | null;
	created_at: Date;
	cursor_at: string;
};

function paymentsSql(where: SQL, limit: number): SQL {
	return sql`select p.id, p.installment_id, i.agreement_id, a.code, d.document, p.amount_cents, p.paid_at, p.method, p.source,
			p.external_id, p.created_at, ${cursorAt(sql`p.created_at`)} as cursor_at
		from payments p join installments i on i.id = p.installment_id join agreements a on a.id = i.agreement_id
			join debtors d on d.id = a.debtor_id
		where ${where}
		order by p.created_at, p.id
		limit ${limit}`;
}

function toPayment(r: PaymentRow): ApiPayment {
	return {
		id: r.id,
		installment_id: r.installment_id,
		agreement_id: r.agreement_id,
		agreement_code: r.code,
		debtor_document: r.document,
		amount_cents: Number(r.amount_cents),
		paid_at: iso(r.paid_at)!,
		method: r.method,
		source: r.source,
		external_id: r.external_id,
		created_at: iso(r.created_at)!
	};
}

/** `column >= since` and `(column, id) > cursor`, for keyset pagination. */
function keyset(column: SQL, id: SQL, q: PageQuery): SQL {
	const parts: SQL[] = [];
	if (q.since) parts.push(sql`${column} >= ${q.since}::timestamptz`);
	if (q.after) parts.push(sql`(${column}, ${id}) > (${q.after.at}::timestamptz, ${q.after.id}::uuid)`);
	return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

async function pageOf<R extends { id: string; cursor_at: string }, T>(
	db: DbOrTx,
	kind: Cursor['kind'],
	query: (limit: number) => SQL,
	q: PageQuery,
	map: (r: R) => T
): Promise<Page<T>> {
	const rows = [...(await db.execute(query(q.limit + 1)))] as unknown as R[];
	const more = rows.length > q.limit;
	const shown = more ? rows.slice(0, q.limit) : rows;
	const last = shown.at(-1);
	return { data: shown.map(map), next_cursor: more && last ? encodeCursor({ kind, at: last.cursor_at, id: last.id }) : null };
}

export function agreements(db: DbOrTx, key: access.Reach, q: PageQuery): Promise<Page<ApiAgreement>> {
	const where = sql`${access.where.creditorId(key, sql`a.creditor_id`)} and ${keyset(sql`a.updated_at`, sql`a.id`, q)}`;
	return pageOf(db, 'agreements', (limit) => agreementsSql(where, limit), q, toAgreement);
}

export function installments(db: DbOrTx, key: access.Reach, q: PageQuery): Promise<Page<ApiInstallment>> {
	const where = sql`${access.where.creditorId(key, sql`a.creditor_id`)} and ${keyset(sql`i.updated_at`, sql`i.id`, q)}`;
	return pageOf(db, 'installments', (limit) => installmentsSql(where, limit), q, toInstallment);
}

export function payments(db: DbOrTx, key: access.Reach, q: PageQuery): Promise<Page<ApiPayment>> {
	const where = sql`${access.where.creditorId(key, sql`a.creditor_id`)} and ${keyset(sql`p.created_at`, sql`p.id`, q)}`;
	return pageOf(db, 'payments', (limit) => paymentsSql(where, limit), q, toPayment);
}

/**
 * One debtor and everything it has with this creditor. A debtor of the agency with nothing at
 * this creditor is "not found", like a document nobody has: other creditors' debtors never show.
 */
export async function debtor(db: DbOrTx, key: access.Reach, document: string): Promise<ApiDebtor | null> {
	const doc = normalizeDocument(document);
	if (doc.length !== 11 && doc.length !== 14) return null;
	const [found] = await db
		.select({ person: debtors, contactsVisible: access.where.contactsVisible(key).mapWith(Boolean) })
		.from(debtors)
		.where(and(eq(debtors.document, doc), access.where.debtor(key)))
		.limit(1);
	if (!found) return null;
	const { person } = found;
	const mine = (column: SQL) => access.where.creditorId(key, column);
	const all = 1_000_000;
	const [owed, agreed, parts, paid] = await Promise.all([
		db
			.select()
			.from(debts)
			.where(and(eq(debts.debtorId, person.id), mine(sql`${debts.creditorId}`)))
			.orderBy(asc(debts.dueDate), asc(debts.externalId)),
		db.execute<AgreementRow>(agreementsSql(sql`${mine(sql`a.creditor_id`)} and a.debtor_id = ${person.id}`, all)),
		db.execute<InstallmentRow>(installmentsSql(sql`${mine(sql`a.creditor_id`)} and a.debtor_id = ${person.id}`, all)),
		db.execute<PaymentRow>(paymentsSql(sql`${mine(sql`a.creditor_id`)} and a.debtor_id = ${person.id}`, all))
	]);
	return {
		document: person.document,
		name: person.name,
		// Contacts another creditor's portfolio set are not this creditor's to read.
		phone: found.contactsVisible ? person.phone : null,
		email: found.contactsVisible ? person.email : null,
		state: person.state,
		anonymized: person.anonymizedAt !== null,
		debts: owed.map((d) => toApiDebt(d, person.document)),
		agreements: agreed.map(toAgreement),
		installments: parts.map(toInstallment),
		payments: paid.map(toPayment)
	};
}
