import { describe, it, expect } from 'vitest';
import { parsePix, hasError } from 'pix-utils';
import { cobvBody, lateChargesProblem, newPspTxid, notificationItems, isPspTxid } from '../../src/lib/server/payments/psp/cobv';
import { buildDynamicPixBrCode, crc16ccitt, parseBrCode } from '../../src/lib/server/payments/pix/brcode';

const base = {
	dueDate: '2026-12-10',
	daysAfterDue: 5,
	debtor: { document: '529.982.247-25', name: 'Maria da Silva' },
	amountCents: 12345,
	key: 'pix@example.com',
	fineBp: 0,
	interestMonthlyBp: 0
};

describe('cobv body', () => {
	it('carries the due date, validity, debtor CPF and name, and the amount to the cent', () => {
		const r = cobvBody(base);
		expect(r).toEqual({
			ok: true,
			value: {
				calendario: { dataDeVencimento: '2026-12-10', validadeAposVencimento: 5 },
				devedor: { cpf: '52998224725', nome: 'Maria da Silva' },
				valor: { original: '123.45' },
				chave: 'pix@example.com'
			}
		});
	});

	it('sends a company debtor (alphanumeric CNPJ too) as cnpj', () => {
		const r = cobvBody({ ...base, debtor: { document: '12.ABC.345/01DE-35', name: 'Loja ABC Ltda' } });
		expect(r.ok && r.value.devedor).toEqual({ cnpj: '12ABC34501DE35', nome: 'Loja ABC Ltda' });
	});

	it('puts a 2 % fine and 1 % a month interest as the spec modalities (percent; percent a month)', () => {
		const r = cobvBody({ ...base, fineBp: 200, interestMonthlyBp: 100 });
		expect(r.ok && r.value.valor).toEqual({ original: '123.45', multa: { modalidade: 2, valorPerc: '2.00' }, juros: { modalidade: 3, valorPerc: '1.00' } });
	});

	it('refuses a fine above the CDC cap of 2 % and interest above 1 % a month', () => {
		const fine = cobvBody({ ...base, fineBp: 201 });
		expect(fine).toEqual({ ok: false, message: 'Multa de 2,01% acima do limite de 2% do Código de Defesa do Consumidor (art. 52 §1).' });
		const interest = cobvBody({ ...base, interestMonthlyBp: 150 });
		expect(interest.ok).toBe(false);
		expect(!interest.ok && interest.message).toContain('1,50% ao mês');
	});

	it('refuses the spec example\'s 15 % fine and 2 % a day interest, in any modality', () => {
		expect(lateChargesProblem({ original: '123.45', multa: { modalidade: 2, valorPerc: '15.00' } })).toContain('15,00%');
		// A fixed fine is weighed against the amount: R$ 2.47 on R$ 123.45 is 2.0008 %.
		expect(lateChargesProblem({ original: '123.45', multa: { modalidade: 1, valorPerc: '2.47' } })).toContain('2,00%');
		expect(lateChargesProblem({ original: '123.45', multa: { modalidade: 1, valorPerc: '2.46' } })).toBeNull();
		expect(lateChargesProblem({ original: '100.00', juros: { modalidade: 2, valorPerc: '2.00' } })).toContain('60,00% ao mês');
		expect(lateChargesProblem({ original: '100.00', juros: { modalidade: 4, valorPerc: '12.00' } })).toBeNull();
		expect(lateChargesProblem({ original: '100.00', juros: { modalidade: 8, valorPerc: '12.01' } })).not.toBeNull();
		expect(lateChargesProblem({ original: '100.00', juros: { modalidade: 9, valorPerc: '0.10' } })).toBe('Modalidade de juros inválida.');
	});

	it('refuses bad documents, amounts and dates', () => {
		expect(cobvBody({ ...base, debtor: { document: '123', name: 'X' } }).ok).toBe(false);
		expect(cobvBody({ ...base, amountCents: 0 }).ok).toBe(false);
		expect(cobvBody({ ...base, dueDate: '10/12/2026' }).ok).toBe(false);
	});
});

describe('API txid', () => {
	it('is 35 alphanumerics, as the Pix API allows for charges (26–35)', () => {
		const t = newPspTxid();
		expect(t).toMatch(/^[A-Z0-9]{35}$/);
		expect(isPspTxid(t)).toBe(true);
		expect(isPspTxid(t.slice(0, 25))).toBe(false);
		expect(newPspTxid()).not.toBe(t);
	});
});

describe('webhook notification', () => {
	const item = { endToEndId: 'E12345678202009091221kkkkkkkkkkk', txid: 'c3e0e7a4e7f1469a9f782d3d4999343c', valor: '110.00', horario: '2020-09-09T20:15:00.358Z' };
	it('reads the spec\'s {"pix": [...]} and a bare array alike', () => {
		expect(notificationItems({ pix: [item] })).toEqual([item]);
		expect(notificationItems([item])).toEqual([item]);
	});
	it('drops items without a valid endToEndId and refuses other shapes', () => {
		expect(notificationItems({ pix: [{ ...item, endToEndId: 'curto' }, item] })).toEqual([item]);
		expect(notificationItems({ cobs: [] })).toBeNull();
		expect(notificationItems('x')).toBeNull();
	});
});

describe('dynamic BR Code', () => {
	const location = 'pix.example.com/qr/c2/cobv/9d36b84fc70b478fb95c12729b90ca25';
	it('points field 26-25 at the location, without amount, with txid *** and point of initiation 12', () => {
		const code = buildDynamicPixBrCode({ location, merchantName: 'Loja Exemplo Ltda', merchantCity: 'São Paulo' });
		expect(code).toBe(
			'000201010212' +
				'2681' + '0014br.gov.bcb.pix' + '2559' + location +
				'52040000530398658' + '02BR' + '5917Loja Exemplo Ltda' + '6009Sao Paulo' + '62070503***' + '6304' +
				crc16ccitt(code.slice(0, -4))
		);
		const p = parseBrCode(code);
		expect(p).toMatchObject({ location, key: null, amountCents: null, txid: '***', crcValid: true });
		const check = parsePix(code);
		expect(!hasError(check) && check.type).toBe('DYNAMIC');
	});
	it('drops an https:// the PSP may have put in front', () => {
		expect(parseBrCode(buildDynamicPixBrCode({ location: `https://${location}`, merchantName: 'A', merchantCity: 'B' })).location).toBe(location);
	});
});
