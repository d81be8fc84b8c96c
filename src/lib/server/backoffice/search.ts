import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { documentKind, maskDocument, normalizeDocument } from '../../format/document';
import { normalizePhoneBR } from '../../format/contact';
import type { Who } from './scope';
import * as access from '../access';

/** Mirrors the SQL function acerto_fold (migration 0002): Portuguese accents folded, lower case. */
const FOLD_FROM = 'ÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑáàâãäéèêëíìîïóòôõöúùûüçñ';
const FOLD_TO = 'AAAAAEEEEIIIIOOOOOUUUUCNaaaaaeeeeiiiiooooouuuucn';

export function fold(s: string): string {
	let out = '';
	for (const ch of s) {
		const i = FOLD_FROM.indexOf(ch);
		out += i >= 0 ? FOLD_TO[i] : ch;
	}
	return out.toLowerCase();
}

export type SearchKeys = {
	document?: string;
	phone?: string;
	agreementCode?: string;
	contract?: string;
	/** Partial contract id (contains), for ids typed in part. */
	contractPart?: string;
	/** Folded words that must all appear in the name. */
	nameWords?: string[];
};

/**
 * What a query can be, decided from its shape alone (pure): a CPF/CNPJ with any punctuation, a
 * phone in any usual form, an agreement code, a contract id (exact, or in part when it has a digit),
 * and name words (at least one of 3+ letters). A query can be several at once: an 11-digit number
 * is both a CPF and a mobile phone, so both are searched.
 */
export function classify(raw: string): SearchKeys {
	const q = raw.trim().slice(0, 100);
	const keys: SearchKeys = {};
	if (q.length < 3) return keys;
	if (q.length <= 24 && /^[0-9A-Za-z.\-/\s]+$/.test(q) && documentKind(normalizeDocument(q))) keys.document = normalizeDocument(q);
	if (/^[+\d\s().-]+$/.test(q)) {
		const phone = normalizePhoneBR(q);
		if (phone) keys.phone = phone;
	}
	const code = /^AC-?([0-9A-Z]{4})-?([0-9A-Z]{4})$/i.exec(q);
	if (code) keys.agreementCode = `AC-${code[1]}-${code[2]}`.toUpperCase();
	if (!/\s/.test(q)) {
		keys.contract = q;
		if (/\d/.test(q)) keys.contractPart = q;
	}
	// Names are made of letters: a token with digits ("AUR-88120", "2") is not part of a name.
	const nameTokens = fold(q)
		.split(/\s+/)
		.filter((t) => !/\d/.test(t))
		.flatMap((t) => t.split(/[^a-z\u00c0-\u024f]+/))
		.filter((w) => w.length >= 2)
		.slice(0, 6);
	if (nameTokens.some((w) => w.length >= 3)) keys.nameWords = nameTokens;
	return keys;
}

export type SearchHit = {
	id: string;
	name: string;
	documentMasked: string;
	creditors: string[];
	/** Principal of the debts still owed (open or in an agreement) at creditors in reach. */
	openCents: number;
	anonymized: boolean;
};

export type SearchResult =
	| { ok: true; hits: SearchHit[]; more: boolean }
	| { ok: false; message: string };

export const PAGE = 50;
/** Each way of matching contributes at most this many candidates before they are merged. */
const BRANCH_LIMIT = PAGE + 1;

function likeContains(s: string): string {
	return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Finds debtors by CPF/CNPJ, phone, contract id, agreement code or name, within the agency and,
 * for creditor-scoped staff, among debtors with a debt at their creditor. Each key uses its own
 * index (unique document, phone, trigram on the folded name and on the contract id); candidates
 * are merged and only then joined to creditors and totals. Documents come back masked.
 */
export async function search(db: DbOrTx, who: Who, raw: string): Promise<SearchResult> {
	const k = classify(raw);
	const inReach = (creditorColumn: SQL) => access.where.creditorId(who, creditorColumn);
	// Every query below keeps to the agency itself: this adds the creditor's part for scoped staff.
	const reachDebtor = (alias: SQL) => (who.creditorId ? sql` and ${access.where.debtor(who, alias, null)}` : sql``);
	// Exact keys first (unique document, phone, agreement code, contract id): when one matches,
	// that is the person meant, and partial matches would only add noise.
	const exact: SQL[] = [];
	if (k.document) exact.push(sql`(select d.id from debtors d where d.agency_id = ${who.agencyId} and d.document = ${k.document})`);
	// A phone is a key only to whoever may see it (another creditor's contacts stay out of reach).
	if (k.phone) {
		exact.push(sql`(select d.id from debtors d where d.agency_id = ${who.agencyId} and d.phone = ${k.phone}${reachDebtor(sql`d.id`)}
			and ${access.where.contactsVisible(who, sql`d.id`, sql`d.data_creditor_id`)} limit ${BRANCH_LIMIT})`);
	}
	if (k.agreementCode) exact.push(sql`(select a.debtor_id from agreements a where a.code = ${k.agreementCode} and ${inReach(sql`a.creditor_id`)})`);
	if (k.contract) exact.push(sql`(select t.debtor_id from debts t where t.external_id = ${k.contract} and ${inReach(sql`t.creditor_id`)} limit ${BRANCH_LIMIT})`);
	// Then partial ones, on the trigram indexes: a piece of a contract id, or words of the name.
	// Their matches are a MATERIALIZED CTE (read lazily, so a LIMIT still stops early): inlined under
	// a LIMIT, the planner bets on a sequential or btree scan that stops early and, for a rare
	// combination of common words, reads the whole table. Staff of one creditor then check each
	// match against their creditor (an index-only probe on debts (debtor_id, creditor_id)).
	const partial: SQL[] = [];
	const ctes: SQL[] = [];
	if (k.contractPart) {
		ctes.push(sql`contract_match as materialized (select t.debtor_id, t.creditor_id from debts t where t.external_id ilike ${likeContains(k.contractPart)})`);
		partial.push(sql`(select c.debtor_id from contract_match c where ${inReach(sql`c.creditor_id`)} limit ${BRANCH_LIMIT})`);
	}
	if (k.nameWords) {
		const words = sql.join(
			k.nameWords.map((w) => sql`acerto_fold(d.name) like ${likeContains(w)}`),
			sql` and `
		);
		ctes.push(sql`name_match as materialized (select d.id from debtors d where ${words} and d.agency_id = ${who.agencyId})`);
		partial.push(sql`(select c.id from name_match c where true${reachDebtor(sql`c.id`)} limit ${BRANCH_LIMIT})`);
	}
	if (exact.length === 0 && partial.length === 0) {
		return { ok: false, message: 'Digite ao menos 3 caracteres: CPF/CNPJ, nome, telefone ou número do contrato.' };
	}
	const run = (branches: SQL[], before: SQL[] = []) =>
		db.execute<{ id: string; name: string; document: string; anonymized: boolean; creditors: string[] | null; open_cents: string | null }>(sql`
			with ${sql.join([...before, sql`hits as (select distinct id from (${sql.join(branches, sql` union all `)}) u(id))`], sql`, `)}
			select d.id, d.name, d.document, d.anonymized_at is not null as anonymized, x.creditors, x.open_cents
			from hits h
			join debtors d on d.id = h.id
			cross join lateral (
				select array_agg(distinct c.display_name order by c.display_name) as creditors,
					sum(t.principal_cents) filter (where t.status in ('open', 'in_agreement')) as open_cents
				from debts t join creditors c on c.id = t.creditor_id
				where t.debtor_id = d.id and ${inReach(sql`c.id`)}
			) x
			where d.agency_id = ${who.agencyId}${reachDebtor(sql`d.id`)}
			order by d.name, d.id
			limit ${PAGE + 1}`);
	let rows = exact.length ? await run(exact) : [];
	if (rows.length === 0 && partial.length) rows = await run(partial, ctes);
	return {
		ok: true,
		more: rows.length > PAGE,
		hits: rows.slice(0, PAGE).map((r) => ({
			id: r.id,
			name: r.name,
			documentMasked: r.anonymized ? 'anonimizado' : maskDocument(r.document),
			creditors: r.creditors ?? [],
			openCents: Number(r.open_cents ?? 0),
			anonymized: r.anonymized
		}))
	};
}
