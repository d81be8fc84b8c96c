import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client';
import { agreementDebts, agreements, debtors, debts, policies } from '../db/schema';
import * as audit from '../audit';
import { keptWarnings, lockPortfolio, writeBatch, type Row } from '../import';
import * as jobs from '../jobs';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS, validateRow, type Column, type ColumnMap } from '../import/rows';
import { closeDebtRequestSchema, debtItemSchema, type BatchResult, type CloseDebtRequest, type ItemError, type ApiDebt } from '../../schemas/api';
import type { ApiPrincipal } from './keys';
import { instantInRange, outOfRange, parse, toErrors } from './validation';
import { MAX_REPORTED_ERRORS, problem } from './problem';
import * as http from './http';

/**
 * What the API writes: debts and debtors in batches (the importer's rules and upsert), and a debt
 * closed outside the portal (paid elsewhere or written off). Everything is the key's creditor's.
 */

// ---------------------------------------------------------------- batch upsert

const COLUMN_ORDER: Column[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
const COLUMNS: ColumnMap = { index: Object.fromEntries(COLUMN_ORDER.map((c, i) => [c, i])), width: COLUMN_ORDER.length };
/** The importer's column → the API's field (the creditor comes from the key, so it has no field). */
const FIELD_OF: Partial<Record<string, string | null>> = { principal: 'principal_cents', creditor_cnpj: null };
/** Rows per multi-row statement, as the importer writes them. */
const WRITE_CHUNK = 5000;

function centsText(cents: number): string {
	return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** An item as the importer's row of cells; a value of the wrong type becomes an empty cell. */
function cellsOf(item: Record<string, unknown>, creditorCnpj: string): string[] {
	const cents = item.principal_cents;
	const percent = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
	const cells: Record<Column, string> = {
		creditor_cnpj: creditorCnpj,
		debtor_document: text(item.debtor_document),
		debtor_name: text(item.debtor_name),
		debtor_phone: text(item.debtor_phone),
		debtor_email: text(item.debtor_email),
		debtor_state: text(item.debtor_state),
		debt_id: text(item.debt_id),
		description: text(item.description),
		due_date: text(item.due_date),
		principal: Number.isSafeInteger(cents) && (cents as number) > 0 ? centsText(cents as number) : '',
		late_fee_percent: percent(item.late_fee_percent),
		interest_monthly_percent: percent(item.interest_monthly_percent),
		debtor_street: text(item.debtor_street),
		debtor_number: text(item.debtor_number),
		debtor_complement: text(item.debtor_complement),
		debtor_district: text(item.debtor_district),
		debtor_cep: text(item.debtor_cep),
		debtor_city: text(item.debtor_city)
	};
	return COLUMN_ORDER.map((c) => cells[c]);
}

const FIELD_ORDER = Object.keys(debtItemSchema.shape);
const fieldOrder = (f: string | null) => (f === null ? -1 : FIELD_ORDER.indexOf(f) === -1 ? FIELD_ORDER.length : FIELD_ORDER.indexOf(f));

export type BatchOutcome =
	| { ok: true; result: BatchResult }
	| { ok: false; message: string; errors: ItemError[] };

/**
 * Validates every item with the CSV importer's own rules, then writes the valid ones with the
 * importer's upsert, in the caller's transaction (so the whole call commits or not at all).
 * `atomic`: one invalid item and nothing is written. A call where no item is valid writes nothing either.
 */
export async function upsertBatch(
	tx: Tx,
	key: ApiPrincipal,
	items: unknown[],
	opts: { atomic: boolean; today: string }
): Promise<BatchOutcome> {
	const consumer = await isConsumer(tx, key.creditorId);
	const ctx = { today: opts.today, isConsumer: () => consumer };
	const errors: ItemError[] = [];
	const rows: Row[] = [];
	let invalid = 0;
	const report = (e: ItemError[]) => {
		invalid++;
		for (const x of e) if (errors.length < MAX_REPORTED_ERRORS) errors.push(x);
	};
	for (let index = 0; index < items.length; index++) {
		const raw = items[index];
		const shape = parse(debtItemSchema, raw);
		if (!shape.success && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
			report(toErrors(shape.error, index));
			continue;
		}
		// The importer's rules run even when some fields have the wrong type, so one answer lists
		// every problem of the item; a field the shape check refused is reported once, by it.
		const shapeErrors = shape.success ? [] : toErrors(shape.error, index);
		const refused = new Set(shapeErrors.map((e) => e.field));
		const checked = validateRow(cellsOf(raw as Record<string, unknown>, key.creditorCnpj), index, COLUMNS, ctx);
		const ruleErrors = checked.ok
			? []
			: checked.errors
					.map((e) => ({ index, field: e.column === null ? null : (FIELD_OF[e.column] ?? e.column), message: e.message }))
					.filter((e) => !refused.has(e.field));
		if (shapeErrors.length > 0 || ruleErrors.length > 0 || !checked.ok) {
			report([...shapeErrors, ...ruleErrors].sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field)));
			continue;
		}
		rows.push({ ...checked.record, creditorId: key.creditorId });
	}

	const s = (n: number, one: string, many: string) => `${n.toLocaleString('pt-BR')} ${n === 1 ? one : many}`;
	if (invalid > 0 && (opts.atomic || rows.length === 0)) {
		return {
			ok: false,
			message: `${s(invalid, 'item inválido', 'itens inválidos')} de ${items.length.toLocaleString('pt-BR')}: nada foi gravado. ` +
				(opts.atomic ? 'Com atomic=true, um item inválido recusa o lote inteiro.' : 'Corrija os itens listados em errors.'),
			errors
		};
	}

	const counts = { inserted: 0, updated: 0, debtorsInserted: 0, debtorsUpdated: 0, contactsChanged: 0 };
	const warnings: ItemError[] = [];
	await lockPortfolio(tx, key.agencyId);
	for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
		const chunk = rows.slice(i, i + WRITE_CHUNK);
		// A key speaks for one creditor: a debtor who also owes another keeps the name and contacts on file.
		const c = await writeBatch(tx, key.agencyId, chunk);
		counts.inserted += c.inserted;
		counts.updated += c.updated;
		counts.debtorsInserted += c.debtorsInserted;
		counts.debtorsUpdated += c.debtorsUpdated;
		counts.contactsChanged += c.contactsChanged;
		// The importer's warnings; its `line` is the item's index here.
		for (const w of keptWarnings(chunk, c.kept, MAX_REPORTED_ERRORS - warnings.length)) warnings.push({ index: w.line, field: w.column, message: w.message });
	}
	if (counts.contactsChanged > 0) await jobs.enqueue(tx, 'deliver-messages', {}, { jobKey: 'deliver-messages' });
	const result: BatchResult = {
		received: items.length,
		valid: rows.length,
		invalid,
		inserted: counts.inserted,
		updated: counts.updated,
		unchanged: rows.length - counts.inserted - counts.updated,
		debtors: { inserted: counts.debtorsInserted, updated: counts.debtorsUpdated },
		errors,
		warnings
	};
	await audit.record(tx, {
		agencyId: key.agencyId,
		actorType: 'system',
		actorId: key.keyId,
		action: 'api.debts_batch',
		entity: 'creditor',
		entityId: key.creditorId,
		data: { via: 'api', apiKey: { id: key.keyId, name: key.keyName, prefix: key.keyPrefix }, atomic: opts.atomic, ...result, errors: undefined, warnings: warnings.length }
	});
	return { ok: true, result };
}

/** The importer's rule: the consumer late-fee cap applies unless the policy in force says the debts are not consumer debts. */
async function isConsumer(db: DbOrTx, creditorId: string): Promise<boolean> {
	const [row] = await db
		.select({ consumer: sql<boolean | null>`(${policies.body}->>'consumer')::boolean` })
		.from(policies)
		.where(eq(policies.creditorId, creditorId))
		.orderBy(sql`${policies.version} desc`)
		.limit(1);
	return row?.consumer ?? true;
}

// ---------------------------------------------------------------- settle / write off

export type CloseKind = 'settled' | 'written_off';

const DEFAULT_REASON: Record<CloseKind, string> = {
	settled: 'Pago diretamente ao credor.',
	written_off: 'Baixada pelo credor.'
};

export type CloseOutcome =
	| { ok: true; debt: ApiDebt; changed: boolean }
	| { ok: false; reason: 'not_found' }
	| { ok: false; reason: 'invalid'; errors: ItemError[] }
	| { ok: false; reason: 'conflict'; message: string };

/**
 * Closes an open debt outside the portal: paid to the creditor elsewhere, or written off. It
 * leaves the portal at once (the portal lists open and in-agreement debts only). A debt in an
 * active agreement is refused: the agreement is cancelled first, by a person, in the back office.
 * Closing a debt again the same way changes nothing.
 */
export async function close(
	tx: Tx,
	key: ApiPrincipal,
	debtId: string,
	kind: CloseKind,
	input: CloseDebtRequest,
	now: Date = new Date()
): Promise<CloseOutcome> {
	if (input.closed_at && !instantInRange(input.closed_at)) {
		return { ok: false, reason: 'invalid', errors: [{ field: 'closed_at', message: outOfRange() }] };
	}
	const closedAt = input.closed_at ? new Date(input.closed_at) : now;
	if (closedAt.getTime() > now.getTime() + 60_000) {
		return { ok: false, reason: 'invalid', errors: [{ field: 'closed_at', message: 'A data de pagamento ou baixa não pode estar no futuro.' }] };
	}
	const reason = input.reason ?? DEFAULT_REASON[kind];
	const [changed] = await tx
		.update(debts)
		.set({ status: kind, closedReason: reason, closedAt, updatedAt: now })
		.where(and(eq(debts.creditorId, key.creditorId), eq(debts.externalId, debtId), eq(debts.status, 'open')))
		.returning({ id: debts.id });
	if (changed) {
		await audit.record(tx, {
			agencyId: key.agencyId,
			actorType: 'system',
			actorId: key.keyId,
			action: kind === 'settled' ? 'debt.settle' : 'debt.write_off',
			entity: 'debt',
			entityId: changed.id,
			data: {
				via: 'api',
				apiKey: { id: key.keyId, name: key.keyName, prefix: key.keyPrefix },
				before: { status: 'open', closedReason: null, closedAt: null },
				after: { status: kind, closedReason: reason, closedAt: closedAt.toISOString() }
			}
		});
	}
	const debt = await findDebt(tx, key.creditorId, debtId);
	if (!debt) return { ok: false, reason: 'not_found' };
	if (changed || debt.status === kind) return { ok: true, debt, changed: Boolean(changed) };
	if (debt.status === 'in_agreement') {
		const [active] = await tx
			.select({ code: agreements.code })
			.from(agreementDebts)
			.innerJoin(agreements, eq(agreements.id, agreementDebts.agreementId))
			.innerJoin(debts, eq(debts.id, agreementDebts.debtId))
			.where(and(eq(debts.creditorId, key.creditorId), eq(debts.externalId, debtId), eq(agreements.status, 'active')))
			.limit(1);
		return {
			ok: false,
			reason: 'conflict',
			message: `A dívida ${debtId} está no acordo ativo ${active?.code ?? ''}`.trimEnd() +
				'. Cancele o acordo no painel (Devedores) antes de quitar ou baixar a dívida.'
		};
	}
	const label = debt.status === 'settled' ? 'quitada' : 'baixada';
	return { ok: false, reason: 'conflict', message: `A dívida ${debtId} já foi ${label} (${debt.status}) e não pode ser ${kind === 'settled' ? 'quitada' : 'baixada'} agora.` };
}

export async function findDebt(db: DbOrTx, creditorId: string, debtId: string): Promise<ApiDebt | null> {
	const [row] = await db
		.select({ debt: debts, document: debtors.document })
		.from(debts)
		.innerJoin(debtors, eq(debtors.id, debts.debtorId))
		.where(and(eq(debts.creditorId, creditorId), eq(debts.externalId, debtId)))
		.limit(1);
	return row ? toApiDebt(row.debt, row.document) : null;
}

export function toApiDebt(d: typeof debts.$inferSelect, document: string): ApiDebt {
	return {
		debt_id: d.externalId,
		debtor_document: document,
		description: d.description,
		due_date: d.dueDate,
		principal_cents: d.principalCents,
		late_fee_percent: d.lateFeeBp === null ? null : d.lateFeeBp / 100,
		interest_monthly_percent: d.interestMonthlyBp === null ? null : d.interestMonthlyBp / 100,
		status: d.status,
		closed_reason: d.closedReason,
		closed_at: d.closedAt?.toISOString() ?? null,
		created_at: d.createdAt.toISOString(),
		updated_at: d.updatedAt.toISOString()
	};
}

/** `POST /api/v1/debts/{debt_id}/settle` and `/write-off`: one handler, the closing kind apart. */
export function closeRoute(kind: CloseKind) {
	return http.write(async (tx, { key, url, params, body }) => {
		const input = parse(closeDebtRequestSchema, body ?? {});
		if (!input.success) return problem(url, 'validacao', 'Corpo inválido.', toErrors(input.error));
		const outcome = await close(tx, key, params.debt_id, kind, input.data);
		if (outcome.ok) return { status: 200, body: outcome.debt };
		if (outcome.reason === 'not_found') return problem(url, 'nao-encontrado', `Nenhuma dívida com debt_id "${params.debt_id}" neste credor.`);
		if (outcome.reason === 'invalid') return problem(url, 'validacao', 'Corpo inválido.', outcome.errors);
		return problem(url, 'conflito', outcome.message);
	});
}
