/**
 * Boleto registration wired to the data: each creditor's bank settings, the next remessa file
 * (entries for installments not yet registered, write-offs for slips withdrawn or paid another
 * way), the files generated, and each installment's registration state, which the return-file
 * import moves on with `markRegistration`.
 *
 * One file per transaction, under the lock of the creditor's settings row: two generations at
 * once run one after the other, the second sees what the first sent, and no NSA is taken twice.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx, Tx } from '../db/client';
import type { LeftOutTitle, RegistrationStatus } from '../db/schema';
import * as access from '../access';
import * as audit from '../audit';
import { todayInSaoPaulo } from '../../format/dates';
import { textArray } from '../import';
import { buildRemessa, loweredTitle, saoPauloDateTime, type BankSettings, type RemessaInput, type Title } from './cnab/remessa';
import { checkTitle, entryTitle, settingsProblems, type EntryCandidate } from './registration-titles';

export type { RegistrationStatus, LeftOutTitle };

/** pt-BR names of the registration states; no row means `pending`. */
export const REGISTRATION_LABELS: Record<RegistrationStatus | 'pending', string> = {
	pending: 'Aguardando remessa',
	sent: 'Enviado ao banco',
	confirmed: 'Registrado',
	rejected: 'Recusado pelo banco',
	write_off_requested: 'Baixa pedida',
	written_off: 'Baixado'
};

// ------------------------------------------------------------------ settings

const optionalText = (max: number, message: string) =>
	z
		.string()
		.trim()
		.max(max, message)
		.transform((v) => (v === '' ? undefined : v))
		.optional();

/** The settings form (and API body): what the bank gave the creditor, beside its account. */
export const settingsFormSchema = z.object({
	convenio: z.string().trim().min(1, 'Informe o convênio (código do beneficiário).').max(20, 'Convênio: até 20 letras ou dígitos.'),
	agencyDigit: z.string().trim().max(1, 'Dígito da agência: um dígito ou X.').default(''),
	accountDigit: z.string().trim().max(1, 'Dígito da conta: um dígito ou X.').default(''),
	walletVariation: optionalText(3, 'Variação da carteira: até 3 dígitos.'),
	species: optionalText(2, 'Espécie do título: 2 dígitos.'),
	bankName: optionalText(30, 'Nome do banco: até 30 caracteres.'),
	writeOffAfterDays: z.coerce
		.number({ error: 'Prazo de baixa: de 1 a 999 dias.' })
		.int('Prazo de baixa: de 1 a 999 dias.')
		.min(1, 'Prazo de baixa: de 1 a 999 dias.')
		.max(999, 'Prazo de baixa: de 1 a 999 dias.')
		.default(30)
});
export type SettingsForm = z.input<typeof settingsFormSchema>;

type SettingsRow = {
	creditorId: string;
	agencyId: string;
	slug: string;
	displayName: string;
	legalName: string;
	cnpj: string;
	bankCode: string;
	agency: string;
	account: string;
	wallet: string;
	configured: boolean;
	convenio: string | null;
	agencyDigit: string | null;
	accountDigit: string | null;
	walletVariation: string | null;
	species: string | null;
	bankName: string | null;
	writeOffAfterDays: number | null;
	nextFileSequence: number | null;
};

function settingsQuery(who: access.Reach, creditorId: string, lock: boolean) {
	return sql`select creditors.id as "creditorId", creditors.agency_id as "agencyId", creditors.slug, creditors.display_name as "displayName", creditors.legal_name as "legalName", creditors.cnpj,
			creditors.boleto_bank_code as "bankCode", creditors.boleto_agency as "agency", creditors.boleto_account as "account", creditors.boleto_wallet as "wallet",
			s.creditor_id is not null as configured, s.convenio, s.agency_digit as "agencyDigit", s.account_digit as "accountDigit",
			s.wallet_variation as "walletVariation", s.species, s.bank_name as "bankName", s.write_off_after_days as "writeOffAfterDays",
			s.next_file_sequence as "nextFileSequence"
		from creditors ${lock ? sql`join` : sql`left join`} boleto_settings s on s.creditor_id = creditors.id
		where creditors.id = ${creditorId}::uuid and ${access.where.creditor(who)}
		${lock ? sql`for update of s` : sql``}`;
}

/** A creditor's registration settings as the form shows them (null: creditor not in reach). */
export async function settingsOf(db: DbOrTx, who: access.Reach, creditorId: string): Promise<SettingsRow | null> {
	if (!access.isUuid(creditorId)) return null;
	const [row] = await db.execute<SettingsRow>(settingsQuery(who, creditorId, false));
	return row ?? null;
}

function bankSettings(row: SettingsRow, form: z.output<typeof settingsFormSchema> | null = null): BankSettings {
	const f = form ?? {
		convenio: row.convenio ?? '',
		agencyDigit: row.agencyDigit ?? '',
		accountDigit: row.accountDigit ?? '',
		walletVariation: row.walletVariation ?? undefined,
		species: row.species ?? undefined,
		bankName: row.bankName ?? undefined,
		writeOffAfterDays: row.writeOffAfterDays ?? 30
	};
	return {
		bankCode: row.bankCode,
		bankName: f.bankName,
		convenio: f.convenio,
		agency: row.agency,
		agencyDigit: f.agencyDigit,
		account: row.account,
		accountDigit: f.accountDigit,
		wallet: row.wallet,
		walletVariation: f.walletVariation,
		companyDocument: row.cnpj,
		companyName: row.legalName,
		writeOffAfterDays: f.writeOffAfterDays,
		species: f.species
	};
}

const SETTINGS_FIELDS = new Set(['convenio', 'agencyDigit', 'accountDigit', 'walletVariation', 'species', 'bankName', 'writeOffAfterDays']);

export type SaveSettingsResult =
	| { ok: true }
	| { ok: false; status: 404; message: string }
	| { ok: false; status: 400; message: string; errors: Record<string, string[]> };

/** Saves the settings after checking them, with the creditor's account, against its bank's layout. Audited. */
export async function saveSettings(tx: Tx, who: access.Reach & { id: string | null; actorType: 'staff' | 'cli' | 'system' }, creditorId: string, input: unknown, ctx: { ip?: string | null } = {}): Promise<SaveSettingsResult> {
	const row = await settingsOf(tx, who, creditorId);
	if (!row) return { ok: false, status: 404, message: 'Credor não encontrado.' };
	const parsed = settingsFormSchema.safeParse(input);
	const problems = parsed.success
		? settingsProblems(bankSettings(row, parsed.data))
		: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
	if (problems.length > 0) {
		const errors: Record<string, string[]> = {};
		for (const p of problems) (errors[SETTINGS_FIELDS.has(p.path) ? p.path : 'form'] ??= []).push(p.message);
		return { ok: false, status: 400, message: problems[0].message, errors };
	}
	const f = parsed.data!;
	const values = {
		convenio: f.convenio,
		agencyDigit: f.agencyDigit.toUpperCase(),
		accountDigit: f.accountDigit.toUpperCase(),
		walletVariation: f.walletVariation ?? null,
		species: f.species ?? null,
		bankName: f.bankName ?? null,
		writeOffAfterDays: f.writeOffAfterDays
	};
	await tx.execute(sql`insert into boleto_settings (creditor_id, convenio, agency_digit, account_digit, wallet_variation, species, bank_name, write_off_after_days, updated_by)
		values (${creditorId}::uuid, ${values.convenio}, ${values.agencyDigit}, ${values.accountDigit}, ${values.walletVariation}, ${values.species}, ${values.bankName}, ${values.writeOffAfterDays}, ${who.id}::uuid)
		on conflict (creditor_id) do update set convenio = excluded.convenio, agency_digit = excluded.agency_digit, account_digit = excluded.account_digit,
			wallet_variation = excluded.wallet_variation, species = excluded.species, bank_name = excluded.bank_name,
			write_off_after_days = excluded.write_off_after_days, updated_by = excluded.updated_by, updated_at = now()`);
	await audit.record(tx, { agencyId: row.agencyId, actorType: who.actorType, actorId: who.id, action: 'boleto_settings.update', entity: 'creditor', entityId: creditorId, ip: ctx.ip ?? null, data: values });
	return { ok: true };
}

// ------------------------------------------------------------------ generating a remessa

export type GeneratedFile = { id: string; fileName: string; fileSequence: number; entries: number; writeOffs: number; amountChanges: number; totalCents: number };

export type GenerateResult =
	| { ok: true; file: GeneratedFile | null; leftOut: LeftOutTitle[] }
	| { ok: false; status: 404 | 409 | 422; message: string };

type EntryRow = {
	installment_id: string;
	agreement_code: string;
	seq: number;
	due_date: string;
	amount_cents: string;
	txid: string;
	nosso_numero: string;
	bank_code: string;
	agency: string;
	account: string;
	wallet: string;
	policy: unknown;
	document: string;
	name: string;
	anonymized: boolean;
	street: string | null;
	number: string | null;
	complement: string | null;
	district: string | null;
	cep: string | null;
	city: string | null;
	state: string | null;
	rejected_title: Title | null;
	rejected_reasons: string[] | null;
};

/**
 * Installments of active agreements to enter at the bank: pending, live, with the bank account they
 * were issued to; never sent, or refused by the bank (with the title it refused and why).
 */
function entryRows(tx: Tx, creditorId: string) {
	return tx.execute<EntryRow>(sql`
		select i.id as installment_id, a.code as agreement_code, i.seq, to_char(i.due_date, 'YYYY-MM-DD') as due_date, i.amount_cents,
			i.txid, i.nosso_numero, i.boleto_bank_code as bank_code, i.boleto_agency as agency, i.boleto_account as account, i.boleto_wallet as wallet,
			p.body as policy, d.document, d.name, d.anonymized_at is not null as anonymized,
			d.address_street as street, d.address_number as number, d.address_complement as complement, d.address_district as district,
			d.address_cep as cep, d.address_city as city, d.state, r.title as rejected_title, r.reasons as rejected_reasons
		from installments i
		join agreements a on a.id = i.agreement_id
		join debtors d on d.id = a.debtor_id
		left join policies p on p.creditor_id = a.creditor_id and p.version = a.policy_version
		left join boleto_registrations r on r.installment_id = i.id
		where a.creditor_id = ${creditorId}::uuid and a.status = 'active' and i.status = 'pending' and i.superseded_by is null
			and (r.installment_id is null or r.status = 'rejected')
		order by a.code, i.seq`);
}

type WriteOffRow = { installment_id: string; agreement_code: string; seq: number; name: string; title: Title | null };

/**
 * Registered titles that must stop being payable: the slip was withdrawn (superseded by a new due
 * date or new payment details, or closed with its agreement), or the installment was paid another
 * way (Pix, manual) while its boleto stayed open at the bank.
 */
function writeOffRows(tx: Tx, creditorId: string) {
	return tx.execute<WriteOffRow>(sql`
		select r.installment_id, a.code as agreement_code, i.seq, d.name, r.title
		from boleto_registrations r
		join installments i on i.id = r.installment_id
		join agreements a on a.id = i.agreement_id
		join debtors d on d.id = a.debtor_id
		where r.creditor_id = ${creditorId}::uuid and r.status in ('sent', 'confirmed')
			and (i.status = 'cancelled'
				or (i.status = 'paid' and not exists (select 1 from payments pm where pm.installment_id = i.id and pm.method = 'boleto')))
		order by a.code, i.seq`);
}

type AmountChangeRow = { installment_id: string; agreement_code: string; seq: number; name: string; title: Title; open_cents: string };

/**
 * Titles at the bank that ask more than is left to pay: the installment was paid in part (by Pix,
 * say), so the bank is told its new amount (47, or BB's abatimento) and the boleto the portal shows for the
 * remainder is the one the bank accepts.
 */
function amountChangeRows(tx: Tx, creditorId: string) {
	return tx.execute<AmountChangeRow>(sql`
		select r.installment_id, a.code as agreement_code, i.seq, d.name, r.title, i.amount_cents - coalesce(i.paid_cents, 0) as open_cents
		from boleto_registrations r
		join installments i on i.id = r.installment_id
		join agreements a on a.id = i.agreement_id
		join debtors d on d.id = a.debtor_id
		where r.creditor_id = ${creditorId}::uuid and r.status in ('sent', 'confirmed') and r.title is not null
			and a.status = 'active' and i.status = 'partially_paid' and i.superseded_by is null
			and (r.title->>'amountCents')::int8 <> i.amount_cents - coalesce(i.paid_cents, 0)
		order by a.code, i.seq`);
}

/** Whether two titles say the same to the bank, whatever day each was issued. */
function sameTitle(a: Title, b: Title): boolean {
	const { issueDate: _a, ...x } = a;
	const { issueDate: _b, ...y } = b;
	return canonical(x) === canonical(y);
}

function canonical(v: unknown): string {
	if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
	if (v && typeof v === 'object') {
		return `{${Object.entries(v as Record<string, unknown>)
			.filter(([, x]) => x !== undefined)
			.sort(([p], [q]) => (p < q ? -1 : 1))
			.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
			.join(',')}}`;
	}
	return JSON.stringify(v ?? null);
}

function candidateOf(r: EntryRow): EntryCandidate {
	return {
		installmentId: r.installment_id,
		agreementCode: r.agreement_code,
		seq: r.seq,
		dueDate: r.due_date,
		amountCents: Number(r.amount_cents),
		txid: r.txid,
		nossoNumero: r.nosso_numero,
		destination: { bankCode: r.bank_code, agency: r.agency, account: r.account, wallet: r.wallet },
		policy: r.policy,
		debtor: {
			document: r.document,
			name: r.name,
			anonymized: r.anonymized,
			address: { street: r.street, number: r.number, complement: r.complement, district: r.district, cep: r.cep, city: r.city, state: r.state }
		}
	};
}

export type Generator = access.Reach & { id: string | null; actorType: 'staff' | 'cli' | 'system' };

/**
 * Generates the creditor's next remessa, or nothing when no title is due to go. Titles that cannot
 * go yet (no address, due date passed, another account…) are left out and listed with the reason.
 * Call inside `db.transaction`: the file, the NSA and the registration states commit together.
 */
export async function generate(tx: Tx, who: Generator, creditorId: string, opts: { now?: Date; ip?: string | null } = {}): Promise<GenerateResult> {
	if (!access.isUuid(creditorId)) return { ok: false, status: 404, message: 'Credor não encontrado.' };
	// Locked: a second generation for this creditor waits here and then sees what this one sent.
	const [locked] = await tx.execute<SettingsRow>(settingsQuery(who, creditorId, true));
	const row = locked ?? (await settingsOf(tx, who, creditorId));
	if (!row) return { ok: false, status: 404, message: 'Credor não encontrado.' };
	if (!row.configured) return { ok: false, status: 409, message: 'Cadastre o convênio e os dados de cobrança registrada deste credor antes de gerar a remessa.' };
	const settings = bankSettings(row);
	const problems = settingsProblems(settings);
	if (problems.length > 0) return { ok: false, status: 422, message: `Remessa não gerada: ${problems[0].message}` };

	const now = opts.now ?? new Date();
	const generatedAt = saoPauloDateTime(now);
	const today = todayInSaoPaulo(now);
	const leftOut: LeftOutTitle[] = [];
	const movements: RemessaInput['movements'] = [];
	const writeOffIds: string[] = [];
	const entries: { installmentId: string; title: Title }[] = [];

	// Write-offs first: a moved due date asks the bank to drop the old title before entering the new.
	for (const w of await writeOffRows(tx, creditorId)) {
		const base = { installmentId: w.installment_id, agreementCode: w.agreement_code, seq: w.seq, debtorName: w.name, movement: 'write_off' as const };
		const checked = w.title
			? checkTitle(settings, 'write_off', w.title, generatedAt)
			: { ok: false as const, message: 'Título registrado fora desta aplicação: peça a baixa diretamente ao banco.' };
		if (!checked.ok) {
			leftOut.push({ ...base, message: checked.message });
			continue;
		}
		movements.push({ movement: 'write_off', title: checked.title });
		writeOffIds.push(w.installment_id);
	}
	const amountChanges: { installmentId: string; fromCents: number; toCents: number; nominalCents?: number }[] = [];
	for (const c of await amountChangeRows(tx, creditorId)) {
		const base = { installmentId: c.installment_id, agreementCode: c.agreement_code, seq: c.seq, debtorName: c.name, movement: 'amount_change' as const };
		const toCents = Number(c.open_cents);
		const checked = checkTitle(settings, 'amount_change', loweredTitle(settings.bankCode, c.title, toCents), generatedAt);
		if (!checked.ok) {
			leftOut.push({ ...base, message: checked.message });
			continue;
		}
		movements.push({ movement: 'amount_change', title: checked.title });
		amountChanges.push({ installmentId: c.installment_id, fromCents: Number(c.title.amountCents), toCents, nominalCents: checked.title.nominalCents });
	}
	for (const r of await entryRows(tx, creditorId)) {
		const c = candidateOf(r);
		const base = { installmentId: c.installmentId, agreementCode: c.agreementCode, seq: c.seq, debtorName: c.debtor.name, movement: 'entry' as const };
		const made = entryTitle(c, today);
		const checked = made.ok ? checkTitle(settings, 'entry', made.title, generatedAt) : made;
		if (!checked.ok) {
			leftOut.push({ ...base, message: checked.message });
			continue;
		}
		// A title the bank refused goes again only once what it refused has changed (the debtor's address fixed by a new import, say).
		if (r.rejected_title && sameTitle(r.rejected_title, checked.title)) {
			const why = (r.rejected_reasons ?? []).join('; ') || 'sem motivo informado';
			leftOut.push({ ...base, message: `Recusado pelo banco (${why}). Corrija os dados do título (por exemplo, o endereço do devedor, importando a carteira de novo) para reenviá-lo.` });
			continue;
		}
		movements.push({ movement: 'entry', title: checked.title });
		entries.push({ installmentId: c.installmentId, title: checked.title });
	}
	if (movements.length === 0) return { ok: true, file: null, leftOut };

	const fileSequence = row.nextFileSequence!;
	if (fileSequence > 999_999) return { ok: false, status: 409, message: 'O número sequencial de remessas (NSA) chegou a 999999: combine com o banco como reiniciá-lo.' };
	const built = buildRemessa({ settings, fileSequence, generatedAt, movements: movements.slice(0, 33_000) });
	if (!built.ok) return { ok: false, status: 422, message: built.message };
	const f = built.file;
	const [file] = await tx.execute<{ id: string }>(sql`
		insert into remessa_files (creditor_id, file_sequence, file_name, content, entries, write_offs, amount_changes, total_cents, left_out, created_by)
		values (${creditorId}::uuid, ${fileSequence}, ${f.fileName}, ${f.content}, ${entries.length}, ${writeOffIds.length}, ${JSON.stringify(amountChanges)}::jsonb,
			${f.totalCents}, ${JSON.stringify(leftOut)}::jsonb, ${who.actorType === 'staff' ? who.id : null}::uuid)
		returning id`);
	await tx.execute(sql`update boleto_settings set next_file_sequence = ${fileSequence + 1} where creditor_id = ${creditorId}::uuid`);
	if (entries.length > 0) {
		// A refused title sent again starts over: sent in this file, its refusal kept only in the return file's records.
		await tx.execute(sql`insert into boleto_registrations (installment_id, creditor_id, status, title, entry_file_id)
			select (e->>'installmentId')::uuid, ${creditorId}::uuid, 'sent', e->'title', ${file.id}::uuid
			from jsonb_array_elements(${JSON.stringify(entries)}::jsonb) e
			on conflict (installment_id) do update set status = 'sent', title = excluded.title, entry_file_id = excluded.entry_file_id,
				write_off_file_id = null, reasons = '{}', confirmed_at = null, movement_code = null, movement_label = null,
				occurred_on = null, record_id = null, updated_at = now()
			where boleto_registrations.status = 'rejected'`);
	}
	// The title at the bank now asks the new amount (a discarded file puts the old one back).
	if (amountChanges.length > 0) {
		// Only amounts are kept per file (the payer's data stays in the title alone): the new amount, and
		// the nominal value where the bank keeps it (BB's abatimento).
		await tx.execute(sql`update boleto_registrations r
			set title = (r.title - 'nominalCents') || jsonb_strip_nulls(jsonb_build_object('amountCents', (c->>'toCents')::int8, 'nominalCents', c->'nominalCents')), updated_at = now()
			from jsonb_array_elements(${JSON.stringify(amountChanges)}::jsonb) c where r.installment_id = (c->>'installmentId')::uuid`);
	}
	if (writeOffIds.length > 0) {
		await tx.execute(sql`update boleto_registrations set status = 'write_off_requested', write_off_file_id = ${file.id}::uuid, updated_at = now()
			where installment_id in (select jsonb_array_elements_text(${JSON.stringify(writeOffIds)}::jsonb)::uuid)`);
	}
	await audit.record(tx, {
		agencyId: row.agencyId,
		actorType: who.actorType,
		actorId: who.id,
		action: 'remessa.generate',
		entity: 'creditor',
		entityId: creditorId,
		ip: opts.ip ?? null,
		data: { fileId: file.id, fileSequence, entries: entries.length, writeOffs: writeOffIds.length, amountChanges: amountChanges.length, totalCents: f.totalCents, leftOut: leftOut.length }
	});
	return {
		ok: true,
		file: { id: file.id, fileName: f.fileName, fileSequence, entries: entries.length, writeOffs: writeOffIds.length, amountChanges: amountChanges.length, totalCents: f.totalCents },
		leftOut
	};
}

// ------------------------------------------------------------------ files

export type FileSummary = GeneratedFile & { createdAt: Date; leftOut: LeftOutTitle[]; discarded: boolean };

/** The creditor's files, newest first. */
export async function files(db: DbOrTx, who: access.Reach, creditorId: string, limit = 50): Promise<FileSummary[]> {
	if (!access.isUuid(creditorId)) return [];
	const rows = await db.execute<FileSummary & { totalCents: string }>(sql`
		select f.id, f.file_name as "fileName", f.file_sequence as "fileSequence", f.entries, f.write_offs as "writeOffs",
			jsonb_array_length(f.amount_changes) as "amountChanges", f.total_cents as "totalCents",
			f.created_at as "createdAt", f.left_out as "leftOut", f.discarded_at is not null as discarded
		from remessa_files f
		where f.creditor_id = ${creditorId}::uuid and ${access.where.creditorId(who, sql`f.creditor_id`)}
		order by f.file_sequence desc limit ${limit}`);
	return rows.map((r) => ({ ...r, totalCents: Number(r.totalCents), createdAt: new Date(r.createdAt) }));
}

/** One file's content for download, only when its creditor is in reach. */
export async function fileContent(db: DbOrTx, who: access.Reach, fileId: string): Promise<{ fileName: string; content: string } | null> {
	if (!access.isUuid(fileId)) return null;
	const [row] = await db.execute<{ fileName: string; content: string }>(sql`
		select f.file_name as "fileName", f.content from remessa_files f
		where f.id = ${fileId}::uuid and ${access.where.creditorId(who, sql`f.creditor_id`)}`);
	return row ?? null;
}

export type DiscardResult = { ok: true } | { ok: false; status: 404 | 409; message: string };

/**
 * Discards a file that never reached the bank: its entries go back to pending, its write-offs and
 * amount changes to what they were, so the next file carries them. Refused once the bank answered about any of
 * its titles. The NSA is not reused. Audited.
 */
export async function discard(tx: Tx, who: Generator, fileId: string, ctx: { ip?: string | null } = {}): Promise<DiscardResult> {
	if (!access.isUuid(fileId)) return { ok: false, status: 404, message: 'Arquivo não encontrado.' };
	const [f] = await tx.execute<{ id: string; creditor_id: string; agency_id: string; file_sequence: number; discarded: boolean }>(sql`
		select f.id, f.creditor_id, c.agency_id, f.file_sequence, f.discarded_at is not null as discarded
		from remessa_files f join creditors c on c.id = f.creditor_id
		where f.id = ${fileId}::uuid and ${access.where.creditorId(who, sql`f.creditor_id`)}`);
	if (!f) return { ok: false, status: 404, message: 'Arquivo não encontrado.' };
	// The creditor's settings row first, the lock a generation takes: no file is made meanwhile.
	await tx.execute(sql`select 1 from boleto_settings where creditor_id = ${f.creditor_id}::uuid for update`);
	const [moved] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from boleto_registrations
		where (entry_file_id = ${fileId}::uuid and status <> 'sent') or (write_off_file_id = ${fileId}::uuid and status <> 'write_off_requested')`);
	if (f.discarded) return { ok: false, status: 409, message: 'Este arquivo já foi descartado.' };
	if (moved.n > 0) return { ok: false, status: 409, message: 'O banco já respondeu sobre títulos deste arquivo: ele não pode mais ser descartado.' };
	await tx.execute(sql`delete from boleto_registrations where entry_file_id = ${fileId}::uuid`);
	await tx.execute(sql`update boleto_registrations set status = case when confirmed_at is not null then 'confirmed' else 'sent' end,
		write_off_file_id = null, updated_at = now() where write_off_file_id = ${fileId}::uuid`);
	await tx.execute(sql`update boleto_registrations r set title = jsonb_set(r.title, '{amountCents}', to_jsonb((c->>'fromCents')::int8)), updated_at = now()
		from remessa_files f, jsonb_array_elements(f.amount_changes) c
		where f.id = ${fileId}::uuid and r.installment_id = (c->>'installmentId')::uuid and (r.title->>'amountCents')::int8 = (c->>'toCents')::int8`);
	await tx.execute(sql`update remessa_files set discarded_at = now(), discarded_by = ${who.actorType === 'staff' ? who.id : null}::uuid where id = ${fileId}::uuid`);
	await audit.record(tx, { agencyId: f.agency_id, actorType: who.actorType, actorId: who.id, action: 'remessa.discard', entity: 'creditor', entityId: f.creditor_id, ip: ctx.ip ?? null, data: { fileId, fileSequence: f.file_sequence } });
	return { ok: true };
}

// ------------------------------------------------------------------ the bank's answers

/**
 * Records what the bank said about an installment's title (from a return file): entry confirmed,
 * rejected (with the bank's reasons), written off. A title the bank knows but we never sent gets
 * a row too. Returns false when the installment does not exist.
 */
export async function markRegistration(tx: Tx, installmentId: string, state: RegistrationStatus, reasons: string[] = []): Promise<boolean> {
	const rows = await tx.execute(sql`
		insert into boleto_registrations as r (installment_id, creditor_id, status, reasons, confirmed_at)
		select i.id, a.creditor_id, ${state}, ${textArray(reasons)}::text[], case when ${state} = 'confirmed' then now() end
		from installments i join agreements a on a.id = i.agreement_id where i.id = ${installmentId}::uuid
		on conflict (installment_id) do update set status = excluded.status, reasons = excluded.reasons,
			confirmed_at = coalesce(r.confirmed_at, excluded.confirmed_at), updated_at = now()
		returning 1`);
	return rows.length > 0;
}

/** Where each installment's boleto stands (absent: pending). */
export async function statesOf(db: DbOrTx, installmentIds: string[]): Promise<Map<string, { status: RegistrationStatus; reasons: string[]; fileSequence: number | null }>> {
	if (installmentIds.length === 0) return new Map();
	const rows = await db.execute<{ installment_id: string; status: RegistrationStatus; reasons: string[]; file_sequence: number | null }>(sql`
		select r.installment_id, r.status, r.reasons, coalesce(w.file_sequence, e.file_sequence) as file_sequence
		from boleto_registrations r
		left join remessa_files e on e.id = r.entry_file_id
		left join remessa_files w on w.id = r.write_off_file_id
		where r.installment_id in (select jsonb_array_elements_text(${JSON.stringify(installmentIds)}::jsonb)::uuid)`);
	return new Map(rows.map((r) => [r.installment_id, { status: r.status, reasons: r.reasons, fileSequence: r.file_sequence }]));
}
