import type { Db } from '../db/client';
import { agencies, creditors, debtors, debts, policies, reguas } from '../db/schema';
import { DEFAULT_REGUA } from '../../schemas/regua';
import type { Policy } from '../../schemas/policy';
import { addDays, todayInSaoPaulo } from '../../format/dates';
import * as staffAuth from '../staff';

export const DEMO_CPF = '529.982.247-25';
export const DEMO_ADMIN = 'admin@acerto.demo';

const auroraPolicy: Policy = {
	consumer: true,
	lateFeePercent: 2,
	interestMonthlyPercent: 1,
	firstDueDays: { min: 1, max: 10 },
	breakToleranceDays: 5,
	bands: [
		{ minDaysPastDue: 0, maxDaysPastDue: 90, cashDiscountMaxPercent: 10, installments: { min: 2, max: 6 }, minInstallmentCents: 5000, minEntryPercent: 20, installmentInterestMonthlyPercent: 1.99, installmentDiscountMaxPercent: 0 },
		{ minDaysPastDue: 91, maxDaysPastDue: 365, cashDiscountMaxPercent: 30, installments: { min: 2, max: 12 }, minInstallmentCents: 5000, minEntryPercent: 10, installmentInterestMonthlyPercent: 1.49, installmentDiscountMaxPercent: 10 },
		{ minDaysPastDue: 366, maxDaysPastDue: null, cashDiscountMaxPercent: 60, installments: { min: 2, max: 24 }, minInstallmentCents: 5000, minEntryPercent: 10, installmentInterestMonthlyPercent: 0.99, installmentDiscountMaxPercent: 30 }
	],
	// How far a campaign's special offer may go (set by whoever publishes the policy).
	campaignLimits: { cashDiscountMaxPercent: 70, installmentDiscountMaxPercent: 40, installmentsMax: 24, minEntryPercent: 5 }
};

const horizontePolicy: Policy = {
	consumer: true,
	lateFeePercent: 2,
	interestMonthlyPercent: 1,
	firstDueDays: { min: 1, max: 15 },
	breakToleranceDays: 10,
	bands: [
		{ minDaysPastDue: 0, maxDaysPastDue: 180, cashDiscountMaxPercent: 15, installments: { min: 2, max: 10 }, minInstallmentCents: 10000, minEntryPercent: 15, installmentInterestMonthlyPercent: 0, installmentDiscountMaxPercent: 5 },
		{ minDaysPastDue: 181, maxDaysPastDue: null, cashDiscountMaxPercent: 40, installments: { min: 2, max: 18 }, minInstallmentCents: 10000, minEntryPercent: 10, installmentInterestMonthlyPercent: 1, installmentDiscountMaxPercent: 20 }
	]
};

/**
 * On an empty database, creates the demo: one agency, two creditors with their own brands and
 * policies, and debtors (CPF, CNPJ and an alphanumeric CNPJ) with debts of several ages and sizes.
 * Due dates are relative to today so the demo always shows realistic ages.
 */
export async function demoIfEmpty(db: Db, today = todayInSaoPaulo()): Promise<{ tryDocument: string; adminEmail: string; adminInviteToken: string } | null> {
	return db.transaction(async (tx) => {
		// Two processes starting together must not both seed.
		await tx.execute('select pg_advisory_xact_lock(815244)');
		const any = await tx.select({ id: agencies.id }).from(agencies).limit(1);
		if (any.length > 0) return null;

		const [agency] = await tx
			.insert(agencies)
			.values({ name: 'Recupera Assessoria de Cobrança (demonstração)', cnpj: '99887766000105' })
			.returning();
		const [aurora, horizonte] = await tx
			.insert(creditors)
			.values([
				{
					agencyId: agency.id,
					legalName: 'Aurora Comércio de Eletrodomésticos Ltda.',
					cnpj: '11222333000181',
					address: 'Av. Paulista, 1000, Bela Vista, São Paulo/SP, CEP 01310-100',
					displayName: 'Lojas Aurora',
					primaryColor: '#1d4ed8',
					slug: 'aurora',
					pixKey: '3f6d2c1e-8a4b-4c5d-9e7f-0a1b2c3d4e5f',
					pixMerchantName: 'Aurora Comércio',
					pixMerchantCity: 'São Paulo',
					boletoBankCode: '237',
					boletoAgency: '1229',
					boletoAccount: '0000469',
					boletoWallet: '09'
				},
				{
					agencyId: agency.id,
					legalName: 'Instituto Educacional Horizonte S.A.',
					cnpj: '33445566000186',
					address: 'Rua da Bahia, 500, Centro, Belo Horizonte/MG, CEP 30160-010',
					displayName: 'Escola Horizonte',
					primaryColor: '#0f766e',
					slug: 'horizonte',
					pixKey: 'financeiro@horizonte.edu.br',
					pixMerchantName: 'Instituto Educacional Horizonte',
					pixMerchantCity: 'Belo Horizonte',
					boletoBankCode: '237',
					boletoAgency: '3381',
					boletoAccount: '0012345',
					boletoWallet: '09'
				}
			])
			.returning();
		await tx.insert(policies).values([
			{ creditorId: aurora.id, version: 1, body: auroraPolicy },
			{ creditorId: horizonte.id, version: 1, body: horizontePolicy }
		]);
		const people = await tx
			.insert(debtors)
			.values([
				// Whose portfolio set each one's contacts: Maria owes both creditors, so hers are the agency's.
				{ agencyId: agency.id, document: '52998224725', name: 'Maria Aparecida da Silva', phone: '+5511987654321', email: 'maria.silva@example.com', state: 'SP', dataCreditorId: null },
				{ agencyId: agency.id, document: '11144477735', name: 'João Carlos Pereira', phone: '+5521991234567', email: null, state: 'RJ', dataCreditorId: aurora.id },
				{ agencyId: agency.id, document: '55667788000186', name: 'Padaria Pão Quente Ltda.', phone: null, email: 'financeiro@paoquente.example.com', state: 'MG', dataCreditorId: aurora.id },
				{ agencyId: agency.id, document: '12ABC34501DE35', name: 'Tech Nova Soluções Ltda.', phone: '+5531998765432', email: 'contas@technova.example.com', state: 'MG', dataCreditorId: horizonte.id }
			])
			.returning();
		const [maria, joao, padaria, technova] = people;
		const due = (daysAgo: number) => addDays(today, -daysAgo);
		await tx.insert(debts).values([
			{ creditorId: aurora.id, debtorId: maria.id, externalId: 'AUR-88120', description: 'Geladeira Frost Free 375 L — carnê', dueDate: due(45), principalCents: 125000 },
			{ creditorId: aurora.id, debtorId: maria.id, externalId: 'AUR-CART-0325', description: 'Cartão Aurora — fatura de março/2025', dueDate: due(400), principalCents: 38990 },
			{ creditorId: horizonte.id, debtorId: maria.id, externalId: 'HZ-2026-0412', description: 'Mensalidades escolares (3 meses)', dueDate: due(120), principalCents: 240000 },
			{ creditorId: aurora.id, debtorId: joao.id, externalId: 'AUR-90551', description: 'Smart TV 50" — carnê', dueDate: due(10), principalCents: 15990 },
			{ creditorId: aurora.id, debtorId: padaria.id, externalId: 'AUR-PJ-7781', description: 'Forno industrial — duplicata', dueDate: due(200), principalCents: 578000 },
			{ creditorId: horizonte.id, debtorId: technova.id, externalId: 'HZ-PJ-0098', description: 'Curso corporativo — nota fiscal 0098', dueDate: due(800), principalCents: 1200000, lateFeeBp: 1000, interestMonthlyBp: 100 }
		]);
		// A sensible régua for both creditors: reminders around due dates and agreement events.
		await tx.insert(reguas).values([
			{ creditorId: aurora.id, body: DEFAULT_REGUA },
			{ creditorId: horizonte.id, body: DEFAULT_REGUA }
		]);
		const invite = await staffAuth.invite(tx, { agencyId: agency.id, email: DEMO_ADMIN, name: 'Administração (demonstração)', role: 'agency_admin' }, { type: 'cli' });
		if (!invite.ok) throw new Error(invite.message);
		return { tryDocument: DEMO_CPF, adminEmail: DEMO_ADMIN, adminInviteToken: invite.token };
	});
}
