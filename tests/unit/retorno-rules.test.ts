import { describe, expect, it } from 'vitest';
import { decide, nossoNumeroKeys, paymentExternalId, sameBankNumber, type Candidate } from '../../src/lib/server/payments/retorno/rules';
import type { RetornoRecord } from '../../src/lib/server/payments/cnab/retorno';

const inst = (over: Partial<Candidate> = {}): Candidate => ({
	id: 'i1', creditorId: 'c1', agreementId: 'a1', agreementStatus: 'active', status: 'pending', supersededBy: null,
	amountCents: 10_000, paidCents: null, nossoNumero: '00000001234', boletoAgency: '0001', boletoAccount: '0000001', dueDate: '2026-11-10', ...over
});
const rec = (kind: RetornoRecord['movement']['kind'], over: Partial<RetornoRecord> = {}): RetornoRecord => ({
	line: 2, nossoNumero: '000000012340', nossoNumeroDigits: '000000012340', movement: { code: '06', kind, label: 'Liquidação', reasonCodes: [], reasons: [] },
	faceValueCents: 10_000, paidCents: 10_000, feeCents: 0, interestCents: 0, discountCents: 0, rebateCents: 0, iofCents: 0, occurredOn: '2026-11-09', ...over
});
const ctx = (candidates: Candidate[], recorded: string[] = []) => ({ bankCode: '237', account: { agency: '00001', account: '00000010' }, candidates, recorded: new Set(recorded) });

describe('return file rules', () => {
	it('reads our nosso número back from each bank’s field', () => {
		expect(nossoNumeroKeys('237', '000000012340')).toEqual(['1234', '12340']);
		expect(nossoNumeroKeys('001', '12345670000001234')[0]).toBe('1234');
		expect(nossoNumeroKeys('341', '00001234')).toEqual(['1234']);
	});
	it('compares agencies and accounts with or without their check digit', () => {
		expect(sameBankNumber('00000010', '0000001')).toBe(true);
		expect(sameBankNumber('00000020', '0000001')).toBe(false);
		expect(sameBankNumber(undefined, '0000001')).toBe(true);
	});
	it('pays an open installment with an id naming the bank payment, once', () => {
		const id = paymentExternalId('237', '1234', '2026-11-09', 10_000);
		expect(decide(rec('paid'), ctx([inst()]))).toMatchObject({ action: 'pay', externalId: id, paidOn: '2026-11-09', amountCents: 10_000 });
		expect(decide(rec('paid'), ctx([inst({ status: 'paid' })], [id]))).toMatchObject({ action: 'duplicate' });
	});
	it('pays a replaced slip of a live agreement (the lifecycle puts it on the slip that replaced it)', () => {
		expect(decide(rec('paid'), ctx([inst({ status: 'cancelled', supersededBy: 'i2' })]))).toMatchObject({ action: 'pay', installment: { id: 'i1' }, amountCents: 10_000 });
		expect(decide(rec('paid'), ctx([inst({ status: 'cancelled', supersededBy: 'i2', agreementStatus: 'cancelled' })]))).toMatchObject({ action: 'review', reason: 'agreement_closed' });
	});
	it('sends to review what no rule may place: unknown codes, withdrawn slips, closed agreements, paid ones, nothing found', () => {
		expect(decide(rec('unknown'), ctx([inst()]))).toMatchObject({ action: 'review', reason: 'unknown_movement' });
		expect(decide(rec('paid'), ctx([inst({ status: 'cancelled' })]))).toMatchObject({ action: 'review', reason: 'not_payable' });
		expect(decide(rec('paid'), ctx([inst({ agreementStatus: 'broken' })]))).toMatchObject({ action: 'review', reason: 'agreement_closed' });
		expect(decide(rec('paid'), ctx([inst({ status: 'paid' })]))).toMatchObject({ action: 'review', reason: 'already_paid' });
		expect(decide(rec('paid'), ctx([]))).toMatchObject({ action: 'review', reason: 'unmatched' });
		expect(decide(rec('paid'), ctx([inst({ boletoAccount: '0000099' })]))).toMatchObject({ action: 'review', reason: 'other_account' });
		expect(decide(rec('paid', { paidCents: 0 }), ctx([inst()]))).toMatchObject({ action: 'review', reason: 'no_amount' });
	});
	it('records what the bank says about the slip’s registration', () => {
		expect(decide(rec('entry_confirmed'), ctx([inst()]))).toMatchObject({ action: 'registration', status: 'registered' });
		expect(decide(rec('rejected'), ctx([inst()]))).toMatchObject({ action: 'registration', status: 'rejected' });
		expect(decide(rec('written_off'), ctx([inst()]))).toMatchObject({ action: 'registration', status: 'written_off' });
	});
	it('takes the bank confirming our new nominal value (FEBRABAN 61) as a note about the installment, not a pending item', () => {
		const confirmed = rec('instruction_confirmed', { movement: { code: '61', kind: 'instruction_confirmed', label: 'Confirmação de Alteração do Valor Nominal do Título', reasonCodes: [], reasons: [] }, paidCents: 0 });
		expect(decide(confirmed, ctx([inst({ status: 'partially_paid', paidCents: 4_000 })]))).toMatchObject({ action: 'note', installment: { id: 'i1' } });
		// About no installment of ours it still goes to a person.
		expect(decide(confirmed, ctx([]))).toMatchObject({ action: 'review', reason: 'unmatched' });
	});
});
