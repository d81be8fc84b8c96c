import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { auditLog, debtors, debts } from '../../src/lib/server/db/schema';
import { importCsv, type ImportInput } from '../../src/lib/server/import';
import { generateCsv } from '../../src/lib/server/import/generate';
import { DEFAULT_POLICY } from '../../src/lib/schemas/policy';
import * as factory from '../support/factory';
import { COLUMNS, line, type Line } from '../support/portfolio';

afterAll(() => closeDb());

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acerto-import-'));
const HEADER = COLUMNS.join(';');



let files = 0;
function file(lines: string[], encoding: BufferEncoding = 'utf8', bom = false): string {
	const p = path.join(dir, `carteira-${files++}.csv`);
	const body = Buffer.from([HEADER, ...lines].join('\r\n') + '\r\n', encoding);
	fs.writeFileSync(p, bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body);
	return p;
}

function run(stream: ImportInput['stream'], over: Partial<ImportInput> = {}) {
	return importCsv(db(), { stream, actor: { type: 'cli' }, today: '2026-11-20', ...over });
}

/** Three debts of two debtors: the smallest realistic portfolio. */
function portfolio(cnpj: string, over: Line[] = [{}, {}, {}]): string[] {
	return [
		line(cnpj, { debt_id: 'CT-1', ...over[0] }),
		line(cnpj, { debt_id: 'CT-2', principal: '389,90', due_date: '02/01/2024', ...over[1] }),
		line(cnpj, {
			debt_id: 'CT-3',
			debtor_document: '111.444.777-35',
			debtor_name: 'João Carlos Pereira',
			debtor_phone: '',
			debtor_email: 'joao@example.com',
			debtor_state: 'RJ',
			principal: '12.000,00',
			late_fee_percent: '',
			interest_monthly_percent: '',
			...over[2]
		})
	];
}

async function debtsOf(creditorId: string) {
	return db()
		.select({
			externalId: debts.externalId,
			principalCents: debts.principalCents,
			dueDate: debts.dueDate,
			lateFeeBp: debts.lateFeeBp,
			interestMonthlyBp: debts.interestMonthlyBp,
			status: debts.status,
			document: debtors.document
		})
		.from(debts)
		.innerJoin(debtors, eq(debtors.id, debts.debtorId))
		.where(eq(debts.creditorId, creditorId))
		.orderBy(debts.externalId);
}

async function importsOf(agencyId: string) {
	return db().select().from(auditLog).where(and(eq(auditLog.agencyId, agencyId), eq(auditLog.action, 'portfolio.import')));
}

async function setup() {
	const agency = await factory.agency();
	const creditor = await factory.creditor(agency.id);
	return { agency, creditor };
}

describe('importing a portfolio', () => {
	it('imports a good file: debtors once by document, debts with amounts in cents, one audit record', async () => {
		const { agency, creditor } = await setup();
		const report = await run(file(portfolio(creditor.cnpj)));
		expect(report).toMatchObject({
			ok: true,
			committed: true,
			rows: 3,
			valid: 3,
			invalid: 0,
			inserted: 3,
			updated: 0,
			skipped: 0,
			debtors: { inserted: 2, updated: 0 },
			errors: [],
			agencyId: agency.id
		});
		expect(await debtsOf(creditor.id)).toEqual([
			{ externalId: 'CT-1', principalCents: 123456, dueDate: '2025-03-15', lateFeeBp: 200, interestMonthlyBp: 100, status: 'open', document: '52998224725' },
			{ externalId: 'CT-2', principalCents: 38990, dueDate: '2024-01-02', lateFeeBp: 200, interestMonthlyBp: 100, status: 'open', document: '52998224725' },
			{ externalId: 'CT-3', principalCents: 1200000, dueDate: '2025-03-15', lateFeeBp: null, interestMonthlyBp: null, status: 'open', document: '11144477735' }
		]);
		const [maria] = await db().select().from(debtors).where(and(eq(debtors.agencyId, agency.id), eq(debtors.document, '52998224725')));
		expect(maria).toMatchObject({ name: 'Maria Aparecida da Silva', phone: '+5511987654321', email: 'maria@example.com', state: 'SP' });
		const audits = await importsOf(agency.id);
		expect(audits).toHaveLength(1);
		expect(audits[0]).toMatchObject({ actorType: 'cli', data: { rows: 3, inserted: 3, creditorIds: [creditor.id] } });
	});

	it('imports nothing from a file with an invalid row, and says where the problem is', async () => {
		const { agency, creditor } = await setup();
		const lines = [...portfolio(creditor.cnpj), line(creditor.cnpj, { debt_id: 'CT-4', principal: 'mil reais', debtor_state: 'XX' })];
		// Batches of one: rows before the bad one were already written, and must be rolled back.
		const report = await run(file(lines), { batchSize: 1 });
		expect(report).toMatchObject({ ok: false, committed: false, rows: 4, valid: 3, invalid: 1, inserted: 0, updated: 0 });
		expect(report.errors).toEqual([
			{ line: 5, column: 'debtor_state', message: 'UF inválida: "XX". Use a sigla do estado, por exemplo SP.' },
			{ line: 5, column: 'principal', message: 'Valor inválido: "mil reais". Use 1.234,56 ou 1234.56, sem sinal negativo.' }
		]);
		expect(await debtsOf(creditor.id)).toEqual([]);
		expect(await db().select().from(debtors).where(eq(debtors.agencyId, agency.id))).toEqual([]);
		expect(await importsOf(agency.id)).toEqual([]);
	});

	it('with skipInvalid imports the good rows and reports the others', async () => {
		const { creditor } = await setup();
		const lines = [
			line(creditor.cnpj, { debt_id: 'OK-1' }),
			line(creditor.cnpj, { debt_id: 'BAD-1', debtor_document: '529.982.247-24' }),
			line(creditor.cnpj, { debt_id: 'OK-2', late_fee_percent: '2' }),
			line(creditor.cnpj, { debt_id: 'BAD-2', late_fee_percent: '10' })
		];
		const report = await run(file(lines), { skipInvalid: true, batchSize: 1 });
		expect(report).toMatchObject({ ok: true, committed: true, rows: 4, valid: 2, invalid: 2, inserted: 2 });
		expect(report.errors).toEqual([
			{ line: 3, column: 'debtor_document', message: 'CPF inválido. Confira os números digitados.' },
			{ line: 5, column: 'late_fee_percent', message: 'Multa de 10% acima do limite de 2% para dívidas de consumo (CDC art. 52 §1).' }
		]);
		expect((await debtsOf(creditor.id)).map((d) => d.externalId)).toEqual(['OK-1', 'OK-2']);
	});

	it('reads an Excel file: ";", Latin-1 accents, 1.234,56, DD/MM/AAAA, CRLF, quoted separators, blank rows', async () => {
		const { agency, creditor } = await setup();
		const lines = [
			line(creditor.cnpj, { debtor_name: 'João Conceição Simões', description: '"Colchão casal; cama box"', principal: '1.234,56' }),
			';;;;;;;;;;;'
		];
		const report = await run(file(lines, 'latin1'));
		expect(report).toMatchObject({ ok: true, rows: 1, inserted: 1, encoding: 'windows-1252', separator: ';' });
		const [d] = await db().select().from(debtors).where(eq(debtors.agencyId, agency.id));
		expect(d.name).toBe('João Conceição Simões');
		const [t] = await db().select().from(debts).where(eq(debts.creditorId, creditor.id));
		expect(t).toMatchObject({ description: 'Colchão casal; cama box', principalCents: 123456, dueDate: '2025-03-15' });
	});

	it('reads UTF-8 with a byte-order mark, from a stream as well as from a path', async () => {
		const { agency, creditor } = await setup();
		const p = file([line(creditor.cnpj, { debtor_name: 'Sebastião Araújo' })], 'utf8', true);
		const report = await run(fs.createReadStream(p, { highWaterMark: 7 }));
		expect(report).toMatchObject({ ok: true, inserted: 1, encoding: 'utf-8' });
		const [d] = await db().select().from(debtors).where(eq(debtors.agencyId, agency.id));
		expect(d.name).toBe('Sebastião Araújo');
	});

	it('is idempotent, and a changed file updates open debts only', async () => {
		const { creditor } = await setup();
		const p = file(portfolio(creditor.cnpj));
		await run(p);
		const again = await run(p);
		expect(again).toMatchObject({ ok: true, rows: 3, inserted: 0, updated: 0, skipped: 3, debtors: { inserted: 0, updated: 0 } });
		expect(await debtsOf(creditor.id)).toHaveLength(3);

		// CT-2 went into an agreement: the agreement was made on its old amount.
		await db().update(debts).set({ status: 'in_agreement' }).where(and(eq(debts.creditorId, creditor.id), eq(debts.externalId, 'CT-2')));
		const changed = file(portfolio(creditor.cnpj, [{ principal: '1.300,00' }, { principal: '999,99' }, { principal: '12.000,00' }]));
		const update = await run(changed);
		expect(update).toMatchObject({ ok: true, rows: 3, inserted: 0, updated: 1, skipped: 2 });
		const after = await debtsOf(creditor.id);
		expect(after.map((d) => [d.externalId, d.principalCents, d.status])).toEqual([
			['CT-1', 130000, 'open'],
			['CT-2', 38990, 'in_agreement'],
			['CT-3', 1200000, 'open']
		]);
	});

	it('keeps a contact the new file leaves blank and takes the changed ones', async () => {
		const { agency, creditor } = await setup();
		await run(file([line(creditor.cnpj)]));
		const report = await run(file([line(creditor.cnpj, { debtor_email: '', debtor_phone: '(21) 99999-0000', debtor_name: 'Maria A. da Silva' })]));
		// The phone changed: the old one is told (one message, no amounts).
		expect(report.debtors).toEqual({ inserted: 0, updated: 1, kept: 0, sharedUpdated: 0, contactsChanged: 1 });
		const [d] = await db().select().from(debtors).where(eq(debtors.agencyId, agency.id));
		expect(d).toMatchObject({ name: 'Maria A. da Silva', phone: '+5521999990000', email: 'maria@example.com' });
	});

	it('takes the debtor address from the optional columns; a row without it keeps the stored one', async () => {
		const { agency, creditor } = await setup();
		const address = { debtor_street: 'Rua das Palmeiras', debtor_number: '120', debtor_complement: 'ap 31', debtor_district: 'Centro', debtor_cep: '01310-100', debtor_city: 'São Paulo' };
		await run(file([line(creditor.cnpj, address)]));
		const stored = async () => (await db().select().from(debtors).where(eq(debtors.agencyId, agency.id)))[0];
		const want = { addressStreet: 'Rua das Palmeiras', addressNumber: '120', addressComplement: 'ap 31', addressDistrict: 'Centro', addressCep: '01310100', addressCity: 'São Paulo', state: 'SP' };
		expect(await stored()).toMatchObject(want);
		const blank = await run(file([line(creditor.cnpj, { debt_id: 'CT-9' })]));
		expect(blank.debtors.updated).toBe(0);
		expect(await stored()).toMatchObject(want);
		await run(file([line(creditor.cnpj, { ...address, debtor_complement: '', debtor_number: 'S/N' })]));
		expect(await stored()).toMatchObject({ ...want, addressNumber: 'S/N', addressComplement: null });
	});

	it('lets the last line win when a debt_id repeats', async () => {
		const { creditor } = await setup();
		const report = await run(file([line(creditor.cnpj, { principal: '100,00' }), line(creditor.cnpj, { principal: '200,00' })]));
		expect(report).toMatchObject({ ok: true, valid: 2, inserted: 1, skipped: 1 });
		expect((await debtsOf(creditor.id))[0].principalCents).toBe(20000);
	});

	it('writes nothing in a dry run, but says what would change', async () => {
		const { agency, creditor } = await setup();
		const report = await run(file(portfolio(creditor.cnpj)), { dryRun: true });
		expect(report).toMatchObject({ ok: true, committed: false, dryRun: true, rows: 3, inserted: 3, updated: 0, debtors: { inserted: 2 } });
		expect(await debtsOf(creditor.id)).toEqual([]);
		expect(await importsOf(agency.id)).toEqual([]);

		await run(file(portfolio(creditor.cnpj)));
		const dry = await run(file(portfolio(creditor.cnpj, [{ principal: '1,00' }, {}, {}])), { dryRun: true });
		expect(dry).toMatchObject({ inserted: 0, updated: 1, skipped: 2 });
		expect((await debtsOf(creditor.id))[0].principalCents).toBe(123456);
	});

	it('refuses rows of a creditor of another agency, and of an unregistered one', async () => {
		const { creditor } = await setup();
		const other = await setup();
		const report = await run(
			file([
				line(creditor.cnpj, { debt_id: 'A-1' }),
				line(other.creditor.cnpj, { debt_id: 'B-1' }),
				line(creditor.cnpj, { debt_id: 'C-1', creditor_cnpj: '06.990.590/0001-23' })
			])
		);
		expect(report).toMatchObject({ ok: false, valid: 1, invalid: 2, inserted: 0 });
		expect(report.errors).toEqual([
			{ line: 3, column: 'creditor_cnpj', message: 'Credor de outra assessoria: um arquivo só pode trazer dívidas de credores da mesma assessoria.' },
			{ line: 4, column: 'creditor_cnpj', message: 'Credor não cadastrado (CNPJ 06990590000123). Cadastre-o antes com "acerto creditor add".' }
		]);
		expect(await debtsOf(creditor.id)).toEqual([]);
		expect(await debtsOf(other.creditor.id)).toEqual([]);
	});

	it('with a creditor given, refuses rows of its sibling creditors', async () => {
		const { agency, creditor } = await setup();
		const sibling = await factory.creditor(agency.id);
		const report = await run(file([line(creditor.cnpj), line(sibling.cnpj, { debt_id: 'S-1' })]), { creditorRef: creditor.slug });
		expect(report.errors).toEqual([
			{ line: 3, column: 'creditor_cnpj', message: `Linha de outro credor (CNPJ ${sibling.cnpj}): esta importação é só do credor "${creditor.slug}".` }
		]);
		expect(await run(file([line(creditor.cnpj)]), { creditorRef: 'nao-existe' })).toMatchObject({
			ok: false,
			errors: [{ line: 0, message: 'Credor não encontrado: "nao-existe". Informe o CNPJ ou o identificador (slug) de um credor cadastrado.' }]
		});
	});

	it('applies the 2 % cap only to consumer creditors (their policy says so)', async () => {
		const agency = await factory.agency();
		const business = await factory.creditor(agency.id, {}, { ...DEFAULT_POLICY, consumer: false });
		const report = await run(file([line(business.cnpj, { late_fee_percent: '10' })]));
		expect(report).toMatchObject({ ok: true, inserted: 1 });
		expect((await debtsOf(business.id))[0].lateFeeBp).toBe(1000);
	});

	it('refuses a file without the required columns with one error', async () => {
		const p = path.join(dir, 'sem-colunas.csv');
		fs.writeFileSync(p, 'creditor_cnpj;debtor_document;principal\n11.222.333/0001-81;529.982.247-25;10,00\n');
		const report = await run(p);
		expect(report.ok).toBe(false);
		expect(report.errors).toHaveLength(1);
		expect(report.errors[0]).toMatchObject({ line: 1, column: 'debtor_name, debtor_phone, debtor_email, debtor_state, debt_id, description, due_date' });
	});

	it('refuses a file with an unclosed quote, naming the line', async () => {
		const { creditor } = await setup();
		const report = await run(file([line(creditor.cnpj), line(creditor.cnpj, { description: '"sem fechar', debt_id: 'CT-9' })]));
		expect(report).toMatchObject({ ok: false, committed: false, inserted: 0, errors: [{ line: 3 }] });
		expect(await debtsOf(creditor.id)).toEqual([]);
	});

	it('streams a generated portfolio of several batches and reports progress', async () => {
		const { creditor } = await setup();
		const p = path.join(dir, 'gerada.csv');
		const generated = await generateCsv(p, { rows: 12_000, creditorCnpj: creditor.cnpj, seed: 7, encoding: 'windows-1252', today: '2026-11-20' });
		const progress: number[] = [];
		const report = await run(p, { batchSize: 2500, onProgress: (x) => progress.push(x.rows) });
		expect(report).toMatchObject({ ok: true, rows: 12_000, valid: 12_000, inserted: 12_000, encoding: 'windows-1252' });
		expect(report.debtors.inserted).toBe(generated.debtors);
		expect(progress.at(-1)).toBe(12_000);
		const [{ count }] = await db().execute<{ count: number }>(sql`select count(*)::int as count from debts where creditor_id = ${creditor.id}`);
		expect(count).toBe(12_000);
		const again = await run(p);
		expect(again).toMatchObject({ inserted: 0, updated: 0, skipped: 12_000 });
	});
});
