import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { auditLog, creditors, debtors, debts, policies } from '../../src/lib/server/db/schema';
import { readLinkToken } from '../../src/lib/server/auth/links';
import { generateCnpj } from '../../src/lib/format/document';
import { runAcerto, type CliResult } from '../support/cli';

afterAll(() => closeDb());

const root = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string) => path.join(root, 'tests/fixtures', name);
const BASE_URL = 'https://portal.example.com';
/** The creditor CNPJ used in tests/fixtures/carteira-*.csv. */
const FIXTURE_CNPJ = '43661268200607';

function acerto(...args: string[]): Promise<CliResult> {
	return runAcerto(args, { DATABASE_URL: inject('databaseUrl'), APP_SECRET: process.env.APP_SECRET, PUBLIC_BASE_URL: BASE_URL });
}

const slug = `cli-${Date.now().toString(36)}`;
const agencyCnpj = generateCnpj(Math.random);

describe('acerto creditor add', () => {
	it('registers a creditor with a new agency, policy version 1 and an audit record, and prints its portal', async () => {
		const r = await acerto(
			'creditor', 'add',
			'--cnpj', '43.661.268/2006-07',
			'--name', 'Aurora Comércio de Eletrodomésticos Ltda.',
			'--display-name', 'Lojas Aurora',
			'--slug', slug,
			'--address', 'Av. Paulista, 1000, Bela Vista, São Paulo/SP, CEP 01310-100',
			'--color', '#0F766E',
			'--agency-cnpj', agencyCnpj,
			'--agency-name', 'Assessoria de Teste'
		);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain(`Portal: ${BASE_URL}/c/${slug}`);
		const c = await db().query.creditors.findFirst({ where: eq(creditors.slug, slug) });
		expect(c).toMatchObject({
			cnpj: FIXTURE_CNPJ,
			displayName: 'Lojas Aurora',
			primaryColor: '#0f766e',
			pixKey: FIXTURE_CNPJ,
			pixMerchantCity: 'São Paulo'
		});
		const [policy] = await db().select().from(policies).where(eq(policies.creditorId, c!.id));
		expect(policy.version).toBe(1);
		const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.entityId, c!.id), eq(auditLog.action, 'creditor.create')));
		expect(entry.actorType).toBe('cli');
	});

	it('refuses a taken slug and CNPJ with a clear message, writing nothing', async () => {
		const r = await acerto('creditor', 'add', '--cnpj', '43.661.268/2006-07', '--name', 'Outra', '--slug', slug, '--address', 'Rua do Bom Jesus, 100, Recife/PE', '--pix-city', 'Recife', '--agency-cnpj', agencyCnpj);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('--slug: Este identificador (slug) já é usado por outro credor.');
		expect(r.stderr).toContain('--cnpj: Este CNPJ já está cadastrado como credor desta assessoria.');
		expect(await db().select().from(creditors).where(eq(creditors.cnpj, FIXTURE_CNPJ))).toHaveLength(1);
	});

	it('refuses invalid values, naming each option', async () => {
		const r = await acerto('creditor', 'add', '--cnpj', '43.661.268/2006-08', '--name', 'X', '--slug', 'Com Espaço', '--color', 'azul', '--pix-city', 'Recife');
		expect(r.stderr).toContain('--address');
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('--cnpj: CNPJ do credor inválido');
		expect(r.stderr).toContain('--slug: Identificador (slug) inválido');
		expect(r.stderr).toContain('--color: Cor inválida: use o formato #rrggbb');
	});

	it('is a usage error (exit 2) without the required options or with an unknown one', async () => {
		const missing = await acerto('creditor', 'add', '--cnpj', '43.661.268/2006-07');
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('Faltam opções obrigatórias: --name, --slug');
		const unknown = await acerto('creditor', 'add', '--cor', '#fff');
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('Opção desconhecida: --cor');
	});
});

describe('acerto policy set', () => {
	it('publishes a valid policy as the next version', async () => {
		const r = await acerto('policy', 'set', slug, fixture('politica.json'));
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain(`Política versão 2 publicada para o credor ${slug}.`);
		const c = await db().query.creditors.findFirst({ where: eq(creditors.slug, slug) });
		const [latest] = await db().select().from(policies).where(eq(policies.creditorId, c!.id)).orderBy(desc(policies.version)).limit(1);
		expect(latest.version).toBe(2);
		expect((latest.body as { bands: unknown[] }).bands).toHaveLength(2);
	});

	it('refuses a 2.5 % late fee on consumer debts with the law and the path', async () => {
		const r = await acerto('policy', 'set', FIXTURE_CNPJ, fixture('politica-multa-2-5.json'));
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('lateFeePercent: Multa acima de 2% não é permitida para dívidas de consumo (CDC art. 52 §1).');
		const c = await db().query.creditors.findFirst({ where: eq(creditors.slug, slug) });
		expect(await db().select().from(policies).where(eq(policies.creditorId, c!.id))).toHaveLength(2);
	});

	it('says so when the creditor or the file does not exist', async () => {
		expect((await acerto('policy', 'set', 'ninguem', fixture('politica.json'))).stderr).toContain('Credor não encontrado: "ninguem"');
		const r = await acerto('policy', 'set', slug, fixture('nao-existe.json'));
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('Arquivo não encontrado');
	});
});

describe('acerto import', () => {
	it('imports an Excel (Latin-1, ";") fixture', async () => {
		const r = await acerto('import', fixture('carteira-excel-latin1.csv'), '--creditor', slug);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Latin-1 (windows-1252), separador ";"');
		expect(r.stdout).toContain('4 linhas: 4 válidas, 0 com erro.');
		expect(r.stdout).toContain('Dívidas: 4 novas, 0 atualizadas, 0 sem alteração');
		expect(r.stdout).toContain('Devedores: 3 novos, 0 atualizados.');
		const c = await db().query.creditors.findFirst({ where: eq(creditors.slug, slug) });
		expect(await db().select().from(debts).where(eq(debts.creditorId, c!.id))).toHaveLength(4);
		const [joao] = await db().select().from(debtors).where(and(eq(debtors.agencyId, c!.agencyId), eq(debtors.document, '37739663000')));
		expect(joao.name).toBe('João Conceição Simões');

		const again = await acerto('import', fixture('carteira-excel-latin1.csv'), '--creditor', slug);
		expect(again.stdout).toContain('Dívidas: 0 novas, 0 atualizadas, 4 sem alteração');
	});

	it('refuses a file with errors (exit 1), printing line, column and message, and imports nothing', async () => {
		const r = await acerto('import', fixture('carteira-com-erros.csv'), '--creditor', slug);
		expect(r.code).toBe(1);
		expect(r.stdout).toContain('3 linhas: 1 válida, 2 com erro.');
		expect(r.stderr).toContain('linha 3, coluna debtor_document: CPF inválido.');
		expect(r.stderr).toContain('linha 3, coluna principal: Valor inválido: "mil reais"');
		expect(r.stderr).toContain('linha 3, coluna late_fee_percent: Multa de 2,5% acima do limite de 2% para dívidas de consumo (CDC art. 52 §1).');
		expect(r.stderr).toContain('linha 4, coluna debtor_phone: Devedor sem contato');
		expect(r.stderr).toContain('linha 4, coluna due_date: Data inválida: "31/02/2025"');
		expect(r.stderr).toContain('Nada foi importado.');
		const c = await db().query.creditors.findFirst({ where: eq(creditors.slug, slug) });
		const [none] = await db().select().from(debts).where(and(eq(debts.creditorId, c!.id), eq(debts.externalId, 'CT-0101')));
		expect(none).toBeUndefined();

		const skipping = await acerto('import', fixture('carteira-com-erros.csv'), '--creditor', slug, '--skip-invalid');
		expect(skipping.code).toBe(0);
		expect(skipping.stdout).toContain('Dívidas: 1 novas');
	});

	it('writes nothing with --dry-run', async () => {
		const r = await acerto('import', fixture('carteira-com-erros.csv'), '--creditor', slug, '--dry-run', '--skip-invalid');
		expect(r.code).toBe(0);
		expect(r.stdout).toContain('Simulação (--dry-run): nada foi gravado');
		expect(r.stdout).toContain('Dívidas: 0 novas, 0 atualizadas, 1 sem alteração');
	});

	it('says so when the file does not exist, and wants the file name', async () => {
		const r = await acerto('import', fixture('nada.csv'));
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('Arquivo não encontrado');
		expect((await acerto('import')).code).toBe(2);
	});
});

describe('acerto link', () => {
	it('prints a campaign link whose token opens the portal for that debtor', async () => {
		const r = await acerto('link', '--creditor', slug, '--document', '377.396.630-00');
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const url = r.stdout.trim();
		const m = new RegExp(`^${BASE_URL}/c/${slug}/l/(\\S+)$`).exec(url);
		expect(m).not.toBeNull();
		const c = await db().query.creditors.findFirst({ where: eq(creditors.slug, slug) });
		const [joao] = await db().select().from(debtors).where(and(eq(debtors.agencyId, c!.agencyId), eq(debtors.document, '37739663000')));
		expect(readLinkToken(m![1], c!.id)).toEqual({ ok: true, debtorId: joao.id });
	});

	it('works for an alphanumeric CNPJ debtor and refuses unknown or invalid documents', async () => {
		expect((await acerto('link', '--creditor', slug, '--document', 'XR.A9E.ANU/AX21-49')).code).toBe(0);
		const unknown = await acerto('link', '--creditor', slug, '--document', '529.982.247-25');
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toContain(`Nenhum devedor com este documento na assessoria do credor ${slug}.`);
		const invalid = await acerto('link', '--creditor', slug, '--document', '123');
		expect(invalid.code).toBe(1);
		expect(invalid.stderr).toContain('Informe um CPF (11 dígitos) ou CNPJ (14 caracteres).');
	});
});
