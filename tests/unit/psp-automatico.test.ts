import { describe, it, expect } from 'vitest';
import { cobBody, cobrBody, cobrCancellable, cobrDue, parseReceivingAccount, recBody, retryDay, secondsUntilEndOf, type CobrCandidate } from '../../src/lib/server/payments/psp/automatico';
import { pixSpec } from '../support/fakes/psp';

const schema = (name: string) => ({ $ref: `pix#/components/schemas/${name}` });
const spec = pixSpec();

describe('which installments get their Pix Automático debit on a given day', () => {
	const inst = (seq: number, dueDate: string, o: Partial<CobrCandidate> = {}): CobrCandidate => ({ id: `i${seq}`, seq, dueDate, openCents: 10000, status: 'pending', superseded: false, charged: false, ...o });
	const plan = [inst(1, '2026-12-01'), inst(2, '2026-12-11'), inst(3, '2027-01-11'), inst(4, '2027-02-11')];

	it('sends each charge from 10 to 2 days before its due date, never the entry', () => {
		expect(cobrDue(plan, '2026-11-30', 1).map((i) => i.seq)).toEqual([]); // 11 days before
		expect(cobrDue(plan, '2026-12-01', 1).map((i) => i.seq)).toEqual([2]); // 10 days
		expect(cobrDue(plan, '2026-12-09', 1).map((i) => i.seq)).toEqual([2]); // 2 days
		expect(cobrDue(plan, '2026-12-10', 1).map((i) => i.seq)).toEqual([]); // 1 day: too late, Pix and boleto remain
		expect(cobrDue(plan, '2027-01-01', 1).map((i) => i.seq)).toEqual([3]);
	});

	it('skips installments already charged, paid, cancelled, superseded or with nothing open', () => {
		const today = '2026-12-05';
		const one = (o: Partial<CobrCandidate>) => cobrDue([inst(2, '2026-12-11', o)], today, 1).length;
		expect(one({})).toBe(1);
		expect(one({ status: 'partially_paid', openCents: 500 })).toBe(1);
		expect(one({ charged: true })).toBe(0);
		expect(one({ status: 'paid' })).toBe(0);
		expect(one({ status: 'cancelled' })).toBe(0);
		expect(one({ superseded: true })).toBe(0);
		expect(one({ openCents: 0 })).toBe(0);
	});

	it('a recurring charge can be cancelled until the day before its due date', () => {
		expect(cobrCancellable('2026-12-11', '2026-12-10')).toBe(true);
		expect(cobrCancellable('2026-12-11', '2026-12-11')).toBe(false);
	});
});

describe('one more debit attempt, as PERMITE_3R_7D allows', () => {
	const due = '2026-12-11';
	const refused = (d: string) => ({ dataLiquidacao: d, tipo: 'AGND', status: 'REJEITADA' });
	const policy = 'PERMITE_3R_7D';

	it('after a refused attempt, for tomorrow, within 7 days of the due date', () => {
		expect(retryDay({ policy, dueDate: due, attempts: [refused(due)], today: '2026-12-12' })).toBe('2026-12-13');
		expect(retryDay({ policy, dueDate: due, attempts: [refused(due)], today: '2026-12-17' })).toBe('2026-12-18');
		expect(retryDay({ policy, dueDate: due, attempts: [refused(due)], today: '2026-12-18' })).toBeNull(); // the 19th is 8 days after
	});

	it('never with NAO_PERMITE, with one pending, after a paid one, or past three retries', () => {
		expect(retryDay({ policy: 'NAO_PERMITE', dueDate: due, attempts: [refused(due)], today: '2026-12-12' })).toBeNull();
		expect(retryDay({ policy, dueDate: due, attempts: [refused(due), { dataLiquidacao: '2026-12-13', tipo: 'NTAG', status: 'SOLICITADA' }], today: '2026-12-12' })).toBeNull();
		expect(retryDay({ policy, dueDate: due, attempts: [{ dataLiquidacao: due, tipo: 'AGND', status: 'PAGA' }], today: '2026-12-12' })).toBeNull();
		expect(retryDay({ policy, dueDate: due, attempts: [], today: '2026-12-12' })).toBeNull();
		const four = [refused(due), refused('2026-12-13'), refused('2026-12-14'), refused('2026-12-15')];
		expect(retryDay({ policy, dueDate: due, attempts: four.slice(0, 3), today: '2026-12-15' })).toBe('2026-12-16');
		expect(retryDay({ policy, dueDate: due, attempts: four, today: '2026-12-16' })).toBeNull();
	});
});

describe('Pix Automático payloads, checked against bcb-pix-api-2.9.0.yaml', () => {
	const debtor = { document: '529.982.247-25', name: 'Maria da Silva' };

	it('the entry is an immediate charge (cob) that lives until the end of its last payable day in São Paulo', () => {
		const now = new Date('2026-12-01T12:00:00Z'); // 09:00 in São Paulo
		const r = cobBody({ lastDay: '2026-12-06', now, debtor, amountCents: 12345, key: 'pix@example.com', message: 'Entrada do acordo' });
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.value.valor.original).toBe('123.45');
		expect(r.value.calendario.expiracao).toBe(secondsUntilEndOf('2026-12-06', now));
		expect(r.value.calendario.expiracao).toBe(5 * 86400 + 15 * 3600 - 1);
		expect(r.value.devedor).toEqual({ cpf: '52998224725', nome: 'Maria da Silva' });
		expect(spec.validate(schema('CobSolicitada'), r.value)).toBeNull();
		expect(cobBody({ lastDay: '2026-11-30', now, debtor, amountCents: 1, key: 'k' })).toEqual({ ok: false, message: 'O prazo para pagar a entrada já terminou.' });
		expect(cobBody({ lastDay: '2026-12-06', now, debtor: { document: '123', name: 'x' }, amountCents: 1, key: 'k' }).ok).toBe(false);
	});

	it('the recurrence is monthly, from the first installment after the entry to the last, tied to the entry by txid', () => {
		const installments = [
			{ dueDate: '2027-01-11', amountCents: 20000 },
			{ dueDate: '2026-12-11', amountCents: 20000 },
			{ dueDate: '2027-02-11', amountCents: 20000 }
		];
		const r = recBody({ agreementCode: 'AC-7KX2', creditorName: 'Loja Exemplo de Roupas e Calçados Ltda', debtor, installments, locId: 1001, entryTxid: 'a'.repeat(35) });
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.value.calendario).toEqual({ dataInicial: '2026-12-11', dataFinal: '2027-02-11', periodicidade: 'MENSAL' });
		expect(r.value.valor).toEqual({ valorRec: '200.00' });
		expect(r.value.vinculo.contrato).toBe('AC-7KX2');
		expect(r.value.vinculo.objeto.length).toBeLessThanOrEqual(35);
		expect(r.value.ativacao).toEqual({ dadosJornada: { txid: 'a'.repeat(35) } });
		expect(r.value.politicaRetentativa).toBe('PERMITE_3R_7D');
		expect(spec.validate(schema('RecSolicitada'), r.value)).toBeNull();
		expect(spec.validate(schema('RecSolicitada'), { ...r.value, calendario: { ...r.value.calendario, periodicidade: 'QUINZENAL' } })).not.toBeNull();
	});

	it('with unequal installments the largest is the floor under the payer’s limit, not a fixed amount', () => {
		const r = recBody({ agreementCode: 'X', creditorName: 'C', debtor, installments: [{ dueDate: '2026-12-11', amountCents: 20001 }, { dueDate: '2027-01-11', amountCents: 20000 }], locId: 1, entryTxid: 'b'.repeat(26) });
		expect(r.ok && r.value.valor).toEqual({ valorMinimoRecebedor: '200.01' });
		expect(recBody({ agreementCode: 'X', creditorName: 'C', debtor, installments: [], locId: 1, entryTxid: 'b'.repeat(26) }).ok).toBe(false);
	});

	it('a recurring charge asks the open amount on the due date, with the receiving account', () => {
		const account = parseReceivingAccount('0001/123456-7', 'CORRENTE')!;
		expect(account).toEqual({ agencia: '0001', conta: '123456-7', tipoConta: 'CORRENTE' });
		expect(parseReceivingAccount('98765', 'PAGAMENTO')).toEqual({ conta: '98765', tipoConta: 'PAGAMENTO' });
		expect(parseReceivingAccount('12345/1', 'CORRENTE')).toBeNull();
		const r = cobrBody({ idRec: 'RR1234567820261201abcdefghijk', dueDate: '2026-12-11', amountCents: 19999, account, info: 'Parcela 2 do acordo' });
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.value).toMatchObject({ calendario: { dataDeVencimento: '2026-12-11' }, valor: { original: '199.99' }, ajusteDiaUtil: true });
		expect(spec.validate(schema('CobRSolicitada'), r.value)).toBeNull();
		expect(cobrBody({ idRec: 'short', dueDate: '2026-12-11', amountCents: 1, account }).ok).toBe(false);
	});
});
