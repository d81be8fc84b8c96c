import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, db } from '../../src/lib/server/db/client';
import { campaigns, contactOptOuts, inboundMessages, outbox, staff } from '../../src/lib/server/db/schema';
import * as backoffice from '../../src/lib/server/backoffice';
import * as regua from '../../src/lib/server/regua';
import type { TimelineEvent } from '../../src/lib/server/backoffice/debtor';
import type { StaffPrincipal, StaffRole } from '../../src/lib/server/staff';
import { DEFAULT_REGUA } from '../../src/lib/schemas/regua';
import * as factory from '../support/factory';

/**
 * The debtor's timeline in the back office: each message with its channel, what sent it (a
 * campaign, a régua step, a code, a notice), its state in Portuguese with the reason, and when it
 * was delivered, read and clicked; the debtor's replies and opt-outs. Staff of one creditor see
 * only what concerns their creditor.
 */

const PHONE = '+5511955551234';
const EMAIL = 'dora.timeline@example.com';
/** A São Paulo wall-clock time (UTC−3). */
const sp = (local: string) => new Date(`${local}-03:00`);

let agencyId: string;
let credA: string;
let credB: string;
let debtorId: string;
let admin: StaffPrincipal;
let operatorA: StaffPrincipal;
let viewerB: StaffPrincipal;

async function person(role: StaffRole, creditorId: string | null): Promise<StaffPrincipal> {
	const email = `${role}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@linha.example`;
	const [row] = await db().insert(staff).values({ agencyId, email, role, creditorId, name: role }).returning();
	return { id: row.id, agencyId, role, creditorId, email, name: role };
}

async function message(v: Partial<typeof outbox.$inferInsert> & Pick<typeof outbox.$inferInsert, 'channel' | 'status' | 'createdAt'>) {
	await db()
		.insert(outbox)
		.values({ agencyId, creditorId: credA, debtorId, kind: 'campaign', to: v.channel === 'email' ? EMAIL : PHONE, text: '', ...v });
}

beforeAll(async () => {
	agencyId = (await factory.agency()).id;
	credA = (await factory.creditor(agencyId)).id;
	credB = (await factory.creditor(agencyId)).id;
	debtorId = (await factory.debtor(agencyId, { name: 'Dora Linha', phone: PHONE, email: EMAIL })).id;
	const sharing = (await factory.debtor(agencyId, { name: 'Outra pessoa no mesmo telefone', phone: PHONE })).id;
	await factory.debt(credA, debtorId);
	await factory.debt(credB, debtorId);
	await factory.debt(credA, sharing);
	admin = await person('agency_admin', null);
	operatorA = await person('operator', credA);
	viewerB = await person('viewer', credB);
	expect((await regua.set(db(), { creditorId: credA, agencyId, body: DEFAULT_REGUA, actor: { type: 'cli' } })).ok).toBe(true);
	const [{ id: campaignId }] = await db()
		.insert(campaigns)
		.values({ agencyId, creditorId: credA, name: 'Natal sem dívidas', status: 'running', body: {}, startsAt: sp('2026-12-07T09:00:00'), endsAt: sp('2026-12-20T20:00:00') })
		.returning({ id: campaigns.id });

	// The campaign on WhatsApp: delivered, read, its link opened.
	await message({
		channel: 'whatsapp',
		status: 'read',
		campaignId,
		text: 'Olá, Dora. Condição especial até 20/12.',
		createdAt: sp('2026-12-07T09:00:00'),
		sentAt: sp('2026-12-07T09:00:30'),
		deliveredAt: sp('2026-12-07T09:01:00'),
		readAt: sp('2026-12-07T09:05:00'),
		clickedAt: sp('2026-12-07T09:06:00')
	});
	// A second campaign message fell back from WhatsApp to SMS.
	await message({ channel: 'whatsapp', status: 'fallen_back', reason: '131026: Message undeliverable', campaignId, createdAt: sp('2026-12-08T10:00:00') });
	await message({ channel: 'sms', status: 'sent', campaignId, text: 'Credor: condicao especial', createdAt: sp('2026-12-08T10:00:01'), sentAt: sp('2026-12-08T10:00:02') });
	// The régua: a step held back by the daily cap, a step since removed that failed, one waiting for the legal hours.
	await message({ kind: 'regua', channel: 'email', status: 'skipped', reason: 'cap_day', reguaStep: 'vencida-d15', createdAt: sp('2026-12-09T10:00:00') });
	await message({ kind: 'regua', channel: 'sms', status: 'failed', reason: 'EXPIRED: mensagem expirou na operadora', reguaStep: 'passo-removido', createdAt: sp('2026-12-10T10:00:00'), sentAt: sp('2026-12-10T10:00:01'), failedAt: sp('2026-12-10T12:00:00') });
	await message({ kind: 'regua', channel: 'sms', status: 'queued', reason: 'outside_hours', reguaStep: 'parcela-d0', createdAt: sp('2026-12-11T06:00:00') });
	// A one-time code, written before the debtor was known (no debtor id): matched by address.
	await message({ kind: 'otp', debtorId: null, channel: 'sms', status: 'sent', text: '482913 é seu código de acesso.', createdAt: sp('2026-12-12T08:00:00'), sentAt: sp('2026-12-12T08:00:00') });
	// Creditor B's notice, unconfirmed by the provider.
	await message({ kind: 'notice', creditorId: credB, channel: 'sms', status: 'unknown', reason: 'timeout', text: 'Aviso de B', createdAt: sp('2026-12-13T10:00:00') });
	// Another debtor's message to the same phone is theirs, not Dora's.
	await message({ debtorId: sharing, channel: 'sms', status: 'sent', campaignId, text: 'Mensagem de outra pessoa', createdAt: sp('2026-12-08T11:00:00'), sentAt: sp('2026-12-08T11:00:00') });

	// Replies: each answers the last message sent to the number on its channel.
	await db().insert(inboundMessages).values([
		{ agencyId, channel: 'sms', from: PHONE, text: 'Quero negociar, meu código é 482913', provider: 'zenvia', accountId: 'env:sms', providerId: `r1-${Math.random()}`, at: sp('2026-12-12T09:00:00') },
		{ agencyId, channel: 'sms', from: PHONE, text: 'Não reconheço essa dívida', provider: 'zenvia', accountId: 'env:sms', providerId: `r2-${Math.random()}`, at: sp('2026-12-13T11:00:00') }
	]);
	await db().insert(contactOptOuts).values([
		{ agencyId, channel: 'whatsapp', address: PHONE, source: 'reply', at: sp('2026-12-14T10:00:00') },
		{ agencyId, channel: 'email', address: EMAIL, source: 'unsubscribe', at: sp('2026-12-14T11:00:00') }
	]);
});

afterAll(() => closeDb());

const messagesOf = (t: TimelineEvent[]) => t.filter((e) => e.kind === 'message');
const timelineOf = async (who: StaffPrincipal) => (await backoffice.debtor.open(db(), who, debtorId))!.timeline;

describe('the debtor’s timeline', () => {
	it('says what sent each message, its state and when it was delivered, read and clicked', async () => {
		const m = messagesOf(await timelineOf(admin));
		const read = m.find((e) => e.status?.label === 'lida')!;
		expect(read).toMatchObject({ title: 'WhatsApp · Campanha “Natal sem dívidas”', status: { label: 'lida', tone: 'ok' }, detail: 'Olá, Dora. Condição especial até 20/12.', at: sp('2026-12-07T09:00:30').toISOString() });
		expect(read.facts).toEqual(['Enviada em 07/12/2026 às 09:00', 'Entregue em 07/12/2026 às 09:01', 'Lida em 07/12/2026 às 09:05', 'Clicou no link em 07/12/2026 às 09:06']);
	});

	it('shows a fallback, a hold by the rules, a failure and a wait with their reasons in Portuguese', async () => {
		const m = messagesOf(await timelineOf(admin));
		const by = (label: string) => m.filter((e) => e.status?.label === label);
		expect(by('trocou de canal').map((e) => [e.title, e.facts])).toEqual([['WhatsApp · Campanha “Natal sem dívidas”', ['Motivo: 131026: Message undeliverable']]]);
		expect(by('enviada').map((e) => e.title)).toEqual(['SMS · Código de acesso', 'SMS · Campanha “Natal sem dívidas”']);
		expect(by('retida pelas regras').map((e) => [e.title, e.status?.tone, e.facts])).toEqual([
			['E-mail · Régua: Vencimento da dívida · D+15', 'warn', ['Motivo: Limite diário de mensagens atingido']]
		]);
		expect(by('falhou').map((e) => [e.title, e.status?.tone, e.facts])).toEqual([
			['SMS · Régua: passo-removido', 'err', ['Motivo: EXPIRED: mensagem expirou na operadora', 'Enviada em 10/12/2026 às 10:00', 'Falhou em 10/12/2026 às 12:00']]
		]);
		expect(by('na fila').map((e) => [e.title, e.facts])).toEqual([['SMS · Régua: Vencimento da parcela · D0', ['Aguardando: Fora do horário permitido no estado do devedor']]]);
		expect(by('sem confirmação').map((e) => [e.title, e.status?.tone])).toEqual([['SMS · Aviso', 'warn']]);
	});

	it('never shows a one-time code, in a message or a reply', async () => {
		const t = await timelineOf(admin);
		expect(JSON.stringify(t)).not.toContain('482913');
		expect(t.find((e) => e.title === 'SMS · Código de acesso')!.detail).toBe('•••••• é seu código de acesso.');
	});

	it('keeps another debtor’s message to the same phone off this timeline', async () => {
		expect(JSON.stringify(await timelineOf(admin))).not.toContain('Mensagem de outra pessoa');
	});

	it('shows the debtor’s replies and opt-outs', async () => {
		const t = await timelineOf(admin);
		expect(t.filter((e) => e.kind === 'reply').map((e) => [e.title, e.detail])).toEqual([
			['Resposta por SMS', 'Não reconheço essa dívida'],
			['Resposta por SMS', 'Quero negociar, meu código é ••••••']
		]);
		expect(t.filter((e) => e.kind === 'opt_out').map((e) => e.title)).toEqual(['Pediu para não receber mensagens por e-mail', 'Pediu para não receber mensagens por WhatsApp']);
		expect(t.find((e) => e.kind === 'opt_out' && e.title.endsWith('e-mail'))!.detail).toBe('pelo link de descadastro do e-mail · códigos de acesso e comprovantes continuam');
		const sorted = [...t].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
		expect(t.map((e) => e.at)).toEqual(sorted.map((e) => e.at));
	});

	it('shows a creditor’s staff only their creditor’s messages and the replies to them', async () => {
		const a = await timelineOf(operatorA);
		expect(messagesOf(a).some((e) => e.detail === 'Aviso de B')).toBe(false);
		expect(messagesOf(a)).toHaveLength(7);
		expect(a.filter((e) => e.kind === 'reply').map((e) => e.detail)).toEqual(['Quero negociar, meu código é ••••••']);
		const b = await timelineOf(viewerB);
		expect(messagesOf(b).map((e) => e.detail)).toEqual(['Aviso de B']);
		expect(b.filter((e) => e.kind === 'reply').map((e) => e.detail)).toEqual(['Não reconheço essa dívida']);
		// Opt-outs hold for the whole agency: every creditor's staff see them.
		expect(b.filter((e) => e.kind === 'opt_out')).toHaveLength(2);
	});
});
