import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { closeDb, db } from '../../src/lib/server/db/client';
import { resetConfig } from '../../src/lib/server/config';
import { agreements as agreementsTable, campaigns, funnelEvents, installments, messagingAccounts, outbox, payments, type FunnelStep } from '../../src/lib/server/db/schema';
import * as report from '../../src/lib/server/campaigns/report';
import * as regua from '../../src/lib/server/regua';
import { sealCredentials } from '../../src/lib/server/messaging/accounts';
import { readCsvCell } from '../../src/lib/format/csv';
import { smsSegments } from '../../src/lib/messaging/sms';
import { DEFAULT_REGUA } from '../../src/lib/schemas/regua';
import * as campaignsArea from '../../src/lib/server/campaigns';
import { followShortLink } from '../../src/lib/server/campaigns/links';
import * as messaging from '../../src/lib/server/messaging';
import { nextAllowed } from '../../src/lib/server/messaging/rules';
import * as offers from '../../src/lib/server/offers';
import * as agreementsArea from '../../src/lib/server/agreements';
import * as paymentsRecord from '../../src/lib/server/payments/record';
import { DEFAULT_POLICY, policySchema } from '../../src/lib/schemas/policy';
import { addDays, todayInSaoPaulo } from '../../src/lib/format/dates';
import { startApp, type App } from '../support/app-server';
import { staffCookie } from '../support/staff';
import * as factory from '../support/factory';
import { DESTINATION } from '../support/factory';

/**
 * The campaign and régua reports on a world small enough to count by hand: messages in every
 * state over three channels (a fallback among them), SMS texts whose segments their length alone
 * does not tell, accounts priced three ways, funnel events and agreements on both sides of each
 * attribution window's edges, another creditor and another agency.
 */

const START = new Date('2026-12-07T12:00:00Z');
const END = new Date('2026-12-20T23:00:00Z');
/** The campaign's end + 7 days: the last instant that still counts. */
const UNTIL = new Date('2026-12-27T23:00:00Z');
const ms = (d: Date, n: number) => new Date(d.getTime() + n);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Prices in thousandths of a cent: the environment's (set below) and the agency's own SMS account.
const ENV = { COST_WHATSAPP_MILLICENTS: '35000', COST_SMS_MILLICENTS: '7000', COST_EMAIL_MILLICENTS: '100' };
const OWN_SMS = 8_250;

// SMS texts: an escape (€) and a surrogate pair (😀) at a segment's edge take a segment more than
// their length says; a plain UCS-2 text is sized by its length.
const SMS_EURO = 'a'.repeat(152) + '€' + 'a'.repeat(152); // 306 septets: 3 segments, not 2
const SMS_EMOJI = 'ã'.repeat(66) + '😀' + 'b'.repeat(66); // 134 units: 3 segments, not 2
const SMS_ACCENTS = 'ã'.repeat(100); // 100 units: 2 segments

type W = { agencyId: string; creditorId: string };
let A: W;
let C2: string;
let otherAgency: string;
let campaignId: string;
let ownSmsAccount: string;
let seq = 0;
const d: Record<string, string> = {};

async function message(debtor: string, v: Partial<typeof outbox.$inferInsert> & Pick<typeof outbox.$inferInsert, 'channel' | 'status'>) {
	const [row] = await db()
		.insert(outbox)
		.values({ agencyId: A.agencyId, creditorId: A.creditorId, debtorId: debtor, kind: 'campaign', campaignId, to: v.channel === 'email' ? 'x@example.com' : '+5511955550000', text: 'Olá', createdAt: START, ...v })
		.returning({ id: outbox.id, groupId: outbox.groupId });
	return row;
}

async function event(debtor: string, step: FunnelStep, at: Date, creditorId = A.creditorId) {
	await db().insert(funnelEvents).values({ agencyId: A.agencyId, creditorId, debtorId: debtor, step, at });
}

/** An agreement with one installment per amount given, and the payments listed (by installment). */
async function agreement(debtor: string, createdAt: Date, amounts: number[], paid: number[] = [], over: { creditorId?: string; campaignId?: string } = {}) {
	const total = amounts.reduce((a, b) => a + b, 0);
	const [a] = await db()
		.insert(agreementsTable)
		.values({
			code: `AC-REL${seq++}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`,
			creditorId: over.creditorId ?? A.creditorId,
			debtorId: debtor,
			policyVersion: 1,
			kind: amounts.length === 1 ? 'cash' : 'installments',
			updatedTotalCents: total,
			discountCents: 0,
			totalCents: total,
			installmentCount: amounts.length,
			breakToleranceDays: 5,
			terms: over.campaignId ? { campaignId: over.campaignId } : {},
			createdAt
		})
		.returning();
	for (const [i, amount] of amounts.entries()) {
		const [inst] = await db()
			.insert(installments)
			.values({ agreementId: a.id, seq: i + 1, dueDate: '2027-01-10', amountCents: amount, txid: `REL${seq++}${Math.random().toString(36).slice(2, 12)}`, nossoNumero: String(seq), ...DESTINATION })
			.returning();
		if (paid[i]) await db().insert(payments).values({ installmentId: inst.id, amountCents: paid[i], paidAt: ms(createdAt, HOUR), method: 'pix', source: 'webhook', externalId: `E2E-REL-${seq++}-${Math.random()}` });
	}
	return a;
}

const row = (rows: report.ChannelFigures[], channel: report.RowKey) => rows.find((r) => r.channel === channel)!;

beforeAll(async () => {
	Object.assign(process.env, ENV, { MESSAGING_DRIVER: 'console' });
	resetConfig();
	const agency = await factory.agency();
	const c = await factory.creditor(agency.id, { displayName: '=Lojas "Aurora"; Centro' });
	A = { agencyId: agency.id, creditorId: c.id };
	C2 = (await factory.creditor(agency.id)).id;
	otherAgency = (await factory.agency()).id;
	[ownSmsAccount] = (
		await db()
			.insert(messagingAccounts)
			.values({ agencyId: agency.id, channel: 'sms', provider: 'zenvia', sealed: sealCredentials({ provider: 'zenvia', apiUrl: 'http://127.0.0.1:9/', token: 't', from: 'acerto', callbackSecret: 'x'.repeat(16) }), label: 'Zenvia', ratePerSecond: 10, costMillicents: OWN_SMS })
			.returning({ id: messagingAccounts.id })
	).map((r) => r.id);
	[{ id: campaignId }] = await db()
		.insert(campaigns)
		.values({ agencyId: agency.id, creditorId: c.id, name: 'Natal sem dívidas', status: 'finished', body: {}, startsAt: START, endsAt: END })
		.returning({ id: campaigns.id });
	for (const k of ['ana', 'bia', 'caio', 'davi', 'edu', 'fabi', 'gil', 'hugo']) d[k] = (await factory.debtor(agency.id, { name: k })).id;

	// Ana: WhatsApp delivered, read and clicked; identified the very instant it was sent, saw the
	// offers, made an agreement (also under the campaign's offer: counted once) and paid one of two.
	const t1 = ms(START, 2 * HOUR);
	await message(d.ana, { channel: 'whatsapp', status: 'read', accountId: 'env:whatsapp', sentAt: t1, deliveredAt: ms(t1, 60_000), readAt: ms(t1, 120_000), clickedAt: ms(t1, 180_000) });
	await event(d.ana, 'identified', t1);
	await event(d.ana, 'offers_viewed', ms(t1, 5 * 60_000));
	await agreement(d.ana, ms(t1, HOUR), [30_000, 30_000], [30_000], { campaignId });

	// Bia: not on WhatsApp (sent, then failed: fell back), reached by SMS on the agency's own account.
	// Identified before the SMS went: not counted. An agreement after the window: not counted; one
	// under the campaign's offer even later: counted, with its payment.
	const wa = await message(d.bia, { channel: 'whatsapp', status: 'fallen_back', reason: '131026: not on WhatsApp', accountId: 'env:whatsapp', sentAt: ms(START, HOUR) });
	const t2 = ms(START, 3 * HOUR);
	await message(d.bia, { channel: 'sms', status: 'delivered', groupId: wa.id, accountId: ownSmsAccount, text: SMS_EURO, sentAt: t2, deliveredAt: ms(t2, 1000) });
	await event(d.bia, 'identified', ms(t2, -1));
	await agreement(d.bia, ms(UNTIL, 1000), [10_000]);
	await agreement(d.bia, ms(UNTIL, 10 * DAY), [45_000], [5_000], { campaignId });

	// Caio: SMS on the environment's account, sent then refused by the operator (sent and failed).
	// Identified at the window's last instant (counted); saw the offers a millisecond after (not).
	await message(d.caio, { channel: 'sms', status: 'failed', reason: 'EXPIRED', accountId: 'env:sms', text: SMS_EMOJI, sentAt: ms(START, 4 * HOUR), failedAt: ms(START, 5 * HOUR) });
	await event(d.caio, 'identified', UNTIL);
	await event(d.caio, 'offers_viewed', ms(UNTIL, 1));

	// Davi: SMS with no account recorded (priced at the agency's own), clicked.
	await message(d.davi, { channel: 'sms', status: 'sent', text: SMS_ACCENTS, sentAt: ms(START, 5 * HOUR), clickedAt: ms(START, 6 * HOUR) });

	// Edu: e-mail delivered. What he did at another creditor does not count.
	await message(d.edu, { channel: 'email', status: 'delivered', accountId: 'env:email', sentAt: ms(START, HOUR), deliveredAt: ms(START, 2 * HOUR) });
	await event(d.edu, 'identified', ms(START, 3 * HOUR), C2);
	await agreement(d.edu, ms(START, 4 * HOUR), [99_000], [99_000], { creditorId: C2 });

	// Fabi: held back by the rules (never reached), yet identified and took the campaign's offer.
	await message(d.fabi, { channel: 'whatsapp', status: 'skipped', reason: 'opt_out' });
	await event(d.fabi, 'identified', ms(START, 6 * HOUR));
	await agreement(d.fabi, ms(START, 7 * HOUR), [20_000], [], { campaignId });

	// Gil: no answer from the provider; Hugo: still waiting for the legal hours.
	await message(d.gil, { channel: 'whatsapp', status: 'unknown', accountId: 'env:whatsapp' });
	await message(d.hugo, { channel: 'sms', status: 'queued', reason: 'outside_hours' });
});

afterAll(() => closeDb());

describe('the campaign report', () => {
	it('counts each channel’s messages: a fallback is not sent, its group’s next message is', async () => {
		const r = (await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: null }, campaignId))!;
		expect(r.rows.map((x) => x.channel)).toEqual(['whatsapp', 'sms', 'email', 'none', 'total']);
		const pick = (x: report.ChannelFigures) => [x.sent, x.delivered, x.read, x.clicked, x.failed, x.skipped, x.fellBack, x.unknown, x.pending];
		expect(pick(row(r.rows, 'whatsapp'))).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 0]);
		expect(pick(row(r.rows, 'sms'))).toEqual([3, 1, 0, 1, 1, 0, 0, 0, 1]);
		expect(pick(row(r.rows, 'email'))).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0]);
		expect(pick(row(r.rows, 'total'))).toEqual([5, 3, 1, 2, 1, 1, 1, 1, 1]);
	});

	it('prices each message at its account, an SMS per segment as the operator counts them, rounded to cents at the end', async () => {
		expect([SMS_EURO, SMS_EMOJI, SMS_ACCENTS].map((t) => smsSegments(t).segments)).toEqual([3, 3, 2]);
		const r = (await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: null }, campaignId))!;
		// WhatsApp: Ana's only (Bia's fell back, Gil's unconfirmed): 35.000 m¢.
		expect(row(r.rows, 'whatsapp')).toMatchObject({ costMillicents: 35_000, costCents: 35 });
		// SMS: Bia 3 × 8.250 (own account) + Caio 3 × 7.000 (environment) + Davi 2 × 8.250 (none recorded: the agency's).
		expect(row(r.rows, 'sms')).toMatchObject({ costMillicents: 24_750 + 21_000 + 16_500, costCents: 62 });
		expect(row(r.rows, 'email')).toMatchObject({ costMillicents: 100, costCents: 0 });
		expect(row(r.rows, 'total')).toMatchObject({ costMillicents: 97_350, costCents: 97 });
	});

	it('attributes what the reached debtors did to their last channel, within the campaign and 7 days after', async () => {
		const r = (await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: null }, campaignId))!;
		expect(r.attributionUntil).toBe(UNTIL.toISOString());
		const pick = (x: report.ChannelFigures) => [x.reached, x.identified, x.offersViewed, x.agreements, x.agreedCents, x.paidCents];
		expect(pick(row(r.rows, 'whatsapp'))).toEqual([1, 1, 1, 1, 60_000, 30_000]);
		expect(pick(row(r.rows, 'sms'))).toEqual([3, 1, 0, 1, 45_000, 5_000]);
		expect(pick(row(r.rows, 'email'))).toEqual([1, 0, 0, 0, 0, 0]);
		expect(pick(row(r.rows, 'none'))).toEqual([0, 0, 0, 1, 20_000, 0]);
		expect(pick(row(r.rows, 'total'))).toEqual([5, 2, 1, 3, 125_000, 35_000]);
		expect(row(r.rows, 'whatsapp').costPerReal).toBeCloseTo(35 / 30_000, 12);
		expect(row(r.rows, 'total').costPerReal).toBeCloseTo(97.35 / 35_000, 12);
		expect(row(r.rows, 'email').costPerReal).toBeNull();
	});

	it('moves an event across the window’s edge and the figure follows', async () => {
		const scope = { agencyId: A.agencyId, creditorId: null };
		await db().execute(sql`update funnel_events set at = ${UNTIL.toISOString()}::timestamptz where debtor_id = ${d.caio}::uuid and step = 'offers_viewed'`);
		expect(row((await report.forCampaign(db(), scope, campaignId))!.rows, 'sms').offersViewed).toBe(1);
		await db().execute(sql`update funnel_events set at = ${ms(UNTIL, 1).toISOString()}::timestamptz where debtor_id = ${d.caio}::uuid and step = 'offers_viewed'`);
		expect(row((await report.forCampaign(db(), scope, campaignId))!.rows, 'sms').offersViewed).toBe(0);
	});

	it('shows cost per real recovered as staff read it', () => {
		expect(report.formatCostPerReal(report.costPerReal(300_000, 10_000))).toBe('R$ 0,03 por real recuperado');
		expect(report.formatCostPerReal(report.costPerReal(97_350, 35_000))).toBe('menos de R$ 0,01 por real recuperado');
		expect(report.formatCostPerReal(report.costPerReal(1_000, 0))).toBe('—');
	});

	it('is not there for another agency, nor for the staff of another creditor', async () => {
		expect(await report.forCampaign(db(), { agencyId: otherAgency, creditorId: null }, campaignId)).toBeNull();
		expect(await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: C2 }, campaignId)).toBeNull();
		expect(await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: A.creditorId }, campaignId)).not.toBeNull();
		expect(await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: null }, 'not-a-uuid')).toBeNull();
	});

	it('exports every figure as CSV for Excel: BOM, “;”, decimal comma, names never formulas', async () => {
		const r = (await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: null }, campaignId))!;
		const csv = report.campaignCsv(r);
		expect(csv.startsWith('\uFEFFCampanha;Credor;Canal;Enviadas;')).toBe(true);
		const table = parseCsv(csv);
		expect(table[0]).toHaveLength(3 + report.METRICS.length);
		const line = (label: string) => Object.fromEntries(table[0].map((h, i) => [h, table.find((l) => l[2] === label)![i]]));
		expect(line('SMS')).toMatchObject({ Campanha: 'Natal sem dívidas', Credor: '=Lojas "Aurora"; Centro', Enviadas: '3', 'Valor acordado (R$)': '450,00', 'Valor pago (R$)': '50,00', 'Custo (R$)': '0,62' });
		expect(line('Total')).toMatchObject({ Acordos: '3', 'Valor pago (R$)': '350,00', 'Custo (R$)': '0,97', 'Custo por real recuperado (R$ por real)': '0,0028' });
		expect(line('E-mail')['Custo por real recuperado (R$ por real)']).toBe('');
		expect(csv).toContain(`;"'=Lojas ""Aurora""; Centro";`);
	});
});

/** Parses the CSV back (quotes, doubled quotes, `'` guards), as a spreadsheet would. */
function parseCsv(text: string): string[][] {
	const out: string[][] = [];
	for (const line of text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean)) {
		const cells: string[] = [];
		let cur = '';
		let quoted = false;
		for (let i = 0; i < line.length; i++) {
			const ch = line[i];
			if (quoted) {
				if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
				else if (ch === '"') quoted = false;
				else cur += ch;
			} else if (ch === '"') quoted = true;
			else if (ch === ';') cells.push(readCsvCell(cur)), (cur = '');
			else cur += ch;
		}
		cells.push(readCsvCell(cur));
		out.push(cells);
	}
	return out;
}

describe('the régua report', () => {
	const PERIOD = { from: '2026-11-01', to: '2026-11-30' };
	const R1 = new Date('2026-11-10T13:00:00Z');

	beforeAll(async () => {
		const set = await regua.set(db(), { creditorId: A.creditorId, agencyId: A.agencyId, body: DEFAULT_REGUA, actor: { type: 'cli' } });
		expect(set.ok).toBe(true);
		const step = async (debtor: string, key: string, v: Partial<typeof outbox.$inferInsert> & Pick<typeof outbox.$inferInsert, 'channel' | 'status'>) =>
			message(debtor, { kind: 'regua', campaignId: null, reguaStep: key, createdAt: v.sentAt ?? R1, ...v });
		for (const k of ['ines', 'joao', 'kiko', 'lia']) d[k] = (await factory.debtor(A.agencyId, { name: k })).id;
		// Inês: one WhatsApp of "vencida-d15"; identified 30 days after it (counted), agreement a second later (not).
		await step(d.ines, 'vencida-d15', { channel: 'whatsapp', status: 'delivered', accountId: 'env:whatsapp', sentAt: R1, deliveredAt: ms(R1, 1000) });
		await event(d.ines, 'identified', ms(R1, 30 * DAY));
		await agreement(d.ines, ms(R1, 30 * DAY + 1000), [70_000], [70_000]);
		// João: SMS, then 20 days later an e-mail of the same step (another debt): he belongs to the
		// e-mail, and his agreement 45 days after the first is within 30 days of the second.
		await step(d.joao, 'vencida-d15', { channel: 'sms', status: 'sent', accountId: 'env:sms', text: 'Oi', sentAt: R1 });
		await step(d.joao, 'vencida-d15', { channel: 'email', status: 'sent', accountId: 'env:email', sentAt: ms(R1, 20 * DAY) });
		await agreement(d.joao, ms(R1, 45 * DAY), [12_345], [12_345]);
		// Kiko: a step since removed from the régua, held back; and one of "parcela-d0" queued before the period.
		await step(d.kiko, 'passo-antigo', { channel: 'sms', status: 'skipped', reason: 'cap_day' });
		await step(d.kiko, 'parcela-d0', { channel: 'sms', status: 'sent', accountId: 'env:sms', sentAt: new Date('2026-10-31T23:00:00-03:00') });
		// Lia: the same step key at another creditor.
		await db().insert(outbox).values({ agencyId: A.agencyId, creditorId: C2, debtorId: d.lia, kind: 'regua', reguaStep: 'vencida-d15', channel: 'sms', to: '+5511955550000', text: 'Oi', status: 'sent', sentAt: R1, createdAt: R1 });
	});

	it('has one group per step of the régua, in its order, then the steps no longer in it', async () => {
		const r = (await report.forRegua(db(), { agencyId: A.agencyId, creditorId: null }, A.creditorId, PERIOD))!;
		expect(r.steps.map((s) => s.key)).toEqual([...DEFAULT_REGUA.steps.map((s) => s.key), 'passo-antigo']);
		expect(r.steps.filter((s) => s.hasMessages).map((s) => s.key)).toEqual(['vencida-d15', 'passo-antigo']);
		const old = r.steps.at(-1)!;
		expect(old).toMatchObject({ inRegua: false, label: 'Passo que não está mais na régua' });
		expect(row(old.rows, 'sms')).toMatchObject({ sent: 0, skipped: 1, reached: 0 });
		expect(r.steps.find((s) => s.key === 'parcela-d0')!.hasMessages).toBe(false);
	});

	it('attributes within 30 days after each message, to the channel of the last one', async () => {
		const r = (await report.forRegua(db(), { agencyId: A.agencyId, creditorId: null }, A.creditorId, PERIOD))!;
		const s = r.steps.find((x) => x.key === 'vencida-d15')!;
		expect(s.label).toBe('Vencimento da dívida · D+15');
		const pick = (x: report.ChannelFigures) => [x.sent, x.reached, x.identified, x.agreements, x.agreedCents, x.paidCents, x.costMillicents];
		expect(pick(row(s.rows, 'whatsapp'))).toEqual([1, 1, 1, 0, 0, 0, 35_000]);
		expect(pick(row(s.rows, 'sms'))).toEqual([1, 0, 0, 0, 0, 0, 7_000]);
		expect(pick(row(s.rows, 'email'))).toEqual([1, 1, 0, 1, 12_345, 12_345, 100]);
		expect(pick(row(s.rows, 'total'))).toEqual([3, 2, 1, 1, 12_345, 12_345, 42_100]);
	});

	it('is not there for another agency, nor for another creditor’s staff', async () => {
		expect(await report.forRegua(db(), { agencyId: otherAgency, creditorId: null }, A.creditorId, PERIOD)).toBeNull();
		expect(await report.forRegua(db(), { agencyId: A.agencyId, creditorId: C2 }, A.creditorId, PERIOD)).toBeNull();
	});

	it('exports one line per step and channel', async () => {
		const r = (await report.forRegua(db(), { agencyId: A.agencyId, creditorId: null }, A.creditorId, PERIOD))!;
		const table = parseCsv(report.reguaCsv(r));
		expect(table[0].slice(0, 6)).toEqual(['Credor', 'Período — início', 'Período — fim', 'Passo', 'Descrição', 'Canal']);
		expect(table).toHaveLength(1 + r.steps.reduce((n, s) => n + s.rows.length, 0));
		const total = table.find((l) => l[3] === 'vencida-d15' && l[5] === 'Total')!;
		expect(total.slice(1, 3)).toEqual(['01/11/2026', '30/11/2026']);
		expect(total[6 + report.METRICS.findIndex((m) => m.key === 'costCents')]).toBe('0,42');
	});
});

describe('a campaign through the real path', () => {
	it('queues, sends, is clicked; the debtor takes its offer and pays; the report attributes it', async () => {
		// The default policy, with room for a campaign's special offer.
		const policy = policySchema.parse({ ...DEFAULT_POLICY, campaignLimits: { cashDiscountMaxPercent: 50, installmentDiscountMaxPercent: 20, installmentsMax: 12, minEntryPercent: 5 } });
		const agency = await factory.agency();
		const c = await factory.creditor(agency.id, {}, policy);
		const debtor = await factory.debtor(agency.id, { name: 'Rita Real', phone: '+5511955557777', email: null, state: 'SP' });
		const debt = await factory.debt(c.id, debtor.id, { daysPastDue: 100, principalCents: 80_000 });
		// Sent a few days ago at the first moment the rules allowed; the offer runs until after today.
		const today = todayInSaoPaulo();
		const sendAt = new Date(nextAllowed('SP', new Date(Date.now() - 6 * DAY)).getTime() + 60_000);
		const saved = await campaignsArea.save(db(), { type: 'cli' }, {
			creditorId: c.id,
			body: {
				name: 'Campanha real',
				segment: { agreement: 'none' },
				channels: ['sms'],
				offer: { cashDiscountMaxPercent: 40, validUntil: addDays(today, 5) },
				templates: { sms: { body: '{{credor}}: condicao especial ate {{oferta_ate}}. Veja: {{link}} Confira: {{golpe}}' } },
				startsAt: new Date(sendAt.getTime() - HOUR).toISOString(),
				endsAt: new Date(Date.now() + 10 * DAY).toISOString()
			}
		});
		if (!saved.ok) throw new Error(saved.message);
		expect(await campaignsArea.start(db(), { type: 'cli' }, saved.id, sendAt)).toMatchObject({ ok: true, targets: 1 });
		expect((await messaging.deliverDue(db(), { now: () => sendAt })).sent).toBe(1);
		const [sent] = await db().execute<{ text: string }>(sql`select text from outbox where campaign_id = ${saved.id}::uuid`);
		expect(await followShortLink(db(), /\/l\/([A-Za-z0-9]+)/.exec(sent.text)![1], 'Mozilla/5.0 (Linux; Android 10)')).toMatchObject({ kind: 'ok' });

		const sel = await offers.forSelection(db(), { agencyId: agency.id, debtorId: debtor.id, debtIds: [debt.id], today });
		if (!sel.ok) throw new Error(sel.message);
		const made = await db().transaction((tx) => agreementsArea.accept(tx, { debtor: { id: debtor.id, agencyId: agency.id }, debtIds: [debt.id], kind: 'cash', count: 1, firstDueDate: sel.set.firstDueDate, today }));
		if (!made.ok) throw new Error(made.message);
		expect(made.agreement.terms).toMatchObject({ campaignId: saved.id });
		const [inst] = await db().execute<{ id: string; amount_cents: string }>(sql`select id, amount_cents from installments where agreement_id = ${made.agreement.id}::uuid`);
		const paid = await db().transaction((tx) =>
			paymentsRecord.record(tx, { installmentId: inst.id, amountCents: Number(inst.amount_cents), paidAt: new Date(), method: 'pix', source: 'webhook', externalId: `E2E-REAL-${Math.random()}`, actor: { type: 'system' } })
		);
		expect(paid.ok).toBe(true);

		const r = (await report.forCampaign(db(), { agencyId: agency.id, creditorId: c.id }, saved.id))!;
		const sms = row(r.rows, 'sms');
		const segments = smsSegments(sent.text).segments;
		expect(sms).toMatchObject({ sent: 1, clicked: 1, reached: 1, agreements: 1, agreedCents: made.agreement.totalCents, paidCents: made.agreement.totalCents, costMillicents: segments * 7_000 });
		expect(row(r.rows, 'total')).toMatchObject({ agreements: 1, paidCents: made.agreement.totalCents });
		expect(r.rows.some((x) => x.channel === 'none')).toBe(false);
	});
});

describe('the report pages', () => {
	let app: App;
	let admin = '';
	let stranger = '';
	let otherCreditor = '';

	beforeAll(async () => {
		app = await startApp(inject('databaseUrl'), ENV);
		admin = await staffCookie(app.base, A.agencyId, 'agency_admin');
		otherCreditor = await staffCookie(app.base, A.agencyId, 'viewer', C2);
		stranger = await staffCookie(app.base, otherAgency, 'agency_admin');
	});
	afterAll(() => app?.stop());

	const get = (path: string, cookie: string) => fetch(app.base + path, { redirect: 'manual', headers: { cookie, accept: 'text/html' } });

	it('show the campaign’s figures in a table beside the chart, and export them', async () => {
		const page = await get(`/admin/campanhas/${campaignId}/relatorio`, admin);
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain('Natal sem dívidas');
		expect(html).toMatch(/role="img" aria-label="[^"]*WhatsApp[^"]*"/);
		expect(html).toContain('menos de R$ 0,01 por real recuperado');
		const csv = await get(`/admin/campanhas/${campaignId}/relatorio/exportar`, admin);
		expect(csv.status).toBe(200);
		expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="campanha-natal-sem-dividas\.csv"$/);
		// Byte for byte what the module writes, its BOM first (fetch's text() would drop it).
		const bytes = Buffer.from(await csv.arrayBuffer());
		expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		expect(bytes.toString('utf8')).toBe(report.campaignCsv((await report.forCampaign(db(), { agencyId: A.agencyId, creditorId: null }, campaignId))!));
	});

	it('answer 404 to another agency and to another creditor’s staff, page and export alike', async () => {
		for (const who of [stranger, otherCreditor]) {
			expect((await get(`/admin/campanhas/${campaignId}/relatorio`, who)).status).toBe(404);
			expect((await get(`/admin/campanhas/${campaignId}/relatorio/exportar`, who)).status).toBe(404);
			expect((await get(`/admin/regua/relatorio?credor=${A.creditorId}`, who)).status).toBe(404);
			expect((await get(`/admin/regua/relatorio/exportar?credor=${A.creditorId}&de=2026-11-01&ate=2026-11-30`, who)).status).toBe(404);
		}
	});

	it('show the régua step by step for the period asked, and export it', async () => {
		const page = await get(`/admin/regua/relatorio?credor=${A.creditorId}&de=2026-11-01&ate=2026-11-30`, admin);
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain('Vencimento da dívida · D+15');
		expect(html).toContain('passo-antigo');
		const csv = await get(`/admin/regua/relatorio/exportar?credor=${A.creditorId}&de=2026-11-01&ate=2026-11-30`, admin);
		expect(csv.status).toBe(200);
		expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="regua-cred-[a-z0-9-]+-2026-11-01-a-2026-11-30\.csv"$/);
		const bad = await get(`/admin/regua/relatorio/exportar?credor=${A.creditorId}&de=2026-12-01&ate=2026-11-01`, admin);
		expect(bad.status).toBe(400);
	});
});
