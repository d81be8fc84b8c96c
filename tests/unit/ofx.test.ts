import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { amountToCents, dateToSaoPaulo, parseOfx, OfxError, type OfxFile } from '../../src/lib/server/payments/ofx/parse';
import { isEndToEndId } from '../../src/lib/server/payments/pix/end-to-end';
import { amountMatches, decide, endToEndIds, entryKey, statementExternalId, textOf, txidCandidates, type OpenInstallment } from '../../src/lib/server/payments/ofx/match';

const fixture = (name: string) => fs.readFileSync(path.resolve(__dirname, '../fixtures/ofx', name));
const parse = (name: string): OfxFile => parseOfx(fixture(name));
const refusal = (content: Uint8Array | string): string => {
	try {
		parseOfx(typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
	} catch (e) {
		if (e instanceof OfxError) return e.message;
		throw e;
	}
	throw new Error('the file was accepted');
};

describe('OFX amounts', () => {
	it('reads dot and comma decimals to exact cents, debits negative', () => {
		expect(amountToCents('123.45')).toBe(12_345);
		expect(amountToCents('123,45')).toBe(12_345);
		expect(amountToCents('-12.90')).toBe(-1_290);
		expect(amountToCents('+50')).toBe(5_000);
		expect(amountToCents('0.1')).toBe(10);
		expect(amountToCents('.5')).toBe(50);
		expect(amountToCents('1.234,56')).toBe(123_456);
		expect(amountToCents('1,234.56')).toBe(123_456);
		expect(amountToCents('-1.234.567,89')).toBe(-123_456_789);
		expect(amountToCents('100.000')).toBe(10_000);
		// 0.1 + 0.2 and friends: the digits, never a float.
		expect(amountToCents('0.29')).toBe(29);
		expect(amountToCents('1.005')).toBeNull();
		expect(amountToCents('4.35')).toBe(435);
		expect(amountToCents('99999999.99')).toBe(9_999_999_999);
	});
	it('refuses what is not an amount', () => {
		for (const bad of ['R$ 150', '', '-', '1,2,3.4.5', '12a', '1.2.3,4.5', '--5']) expect(amountToCents(bad), bad).toBeNull();
	});
});

describe('OFX dates', () => {
	it('gives the São Paulo calendar day', () => {
		expect(dateToSaoPaulo('20261130')).toBe('2026-11-30');
		expect(dateToSaoPaulo('20261130120000')).toBe('2026-11-30');
		expect(dateToSaoPaulo('20261130120000.000')).toBe('2026-11-30');
		expect(dateToSaoPaulo('20261130120000[-3:BRT]')).toBe('2026-11-30');
		expect(dateToSaoPaulo('20261130000000[-03:EST]')).toBe('2026-11-30');
		// 02:00 GMT on the 1st is 23:00 of the 30th in São Paulo.
		expect(dateToSaoPaulo('20261201020000[0:GMT]')).toBe('2026-11-30');
		expect(dateToSaoPaulo('20261201020000[+0:UTC]')).toBe('2026-11-30');
		expect(dateToSaoPaulo('20261130230000[-0500]')).toBe('2026-12-01');
		expect(dateToSaoPaulo('20261130223000[+5.30:IST]')).toBe('2026-11-30');
	});
	it('refuses impossible dates', () => {
		for (const bad of ['20261131', '2026-11-30', '20261130250000', '202611', '20261130120000[-99:X]']) expect(dateToSaoPaulo(bad), bad).toBeNull();
	});
});

describe('reading bank exports', () => {
	it('Itaú (SGML, CRLF, Windows-1252): the account, the period, credits and debits', () => {
		const f = parse('itau-extrato.ofx');
		expect(f.version).toBe(1);
		expect(f.warnings).toEqual([]);
		const [s] = f.statements;
		expect(s.account).toEqual({ bankId: '0341', branchId: '1234', accountId: '56789-0', accountType: 'CHECKING' });
		expect([s.start, s.end, s.currency]).toEqual(['2026-11-01', '2026-11-30', 'BRL']);
		expect(s.transactions.map((t) => [t.trnType, t.postedOn, t.amountCents, t.credit])).toEqual([
			['CREDIT', '2026-11-03', 15_000, true],
			['DEBIT', '2026-11-04', -1_290, false],
			['CREDIT', '2026-11-10', 8_990, true],
			['DEBIT', '2026-11-15', -150_000, false]
		]);
		expect(s.transactions[0]).toMatchObject({ fitId: '20261103001', memo: 'PIX RECEBIDO JOSÉ DA CONCEIÇÃO' });
		// 0x96 is an en dash in Windows-1252 (latin1 would give a control character).
		expect(s.transactions[1].memo).toBe('TAR PACOTE ITAÚ – NOV');
		expect(s.transactions[2].line).toBeGreaterThan(s.transactions[1].line);
	});
	it('Bradesco (LF, comma decimals, dates without time)', () => {
		const [s] = parse('bradesco-extrato.ofx').statements;
		expect(s.account).toMatchObject({ bankId: '0237', branchId: '3456', accountId: '0012345-6' });
		expect(s.transactions.map((t) => t.amountCents)).toEqual([25_000, -3_550, 123_456]);
		expect(s.transactions[0]).toMatchObject({ name: 'PIX REC', postedOn: '2026-11-05' });
		expect(s.transactions[2].memo).toBe('DEP DINHEIRO AG 3456 – CAIXA');
	});
	it('Banco do Brasil: CHECKNUM, REFNUM with the end-to-end id, a GMT time that is the previous day here', () => {
		const [s] = parse('bb-extrato.ofx').statements;
		expect(s.account).toMatchObject({ bankId: '1', branchId: '1234-5', accountId: '98765-0' });
		expect(s.transactions[0]).toMatchObject({ checkNum: '110701', refNum: 'E00000000202611071022ABCDEF12345', memo: 'Pix - Recebido 07/11 10:22 00012345678 FRANCISCO JOSÉ' });
		expect(s.transactions[1]).toMatchObject({ trnType: 'OTHER', amountCents: -4_500, credit: false, memo: 'Pagamento de Boleto – ÁGUA' });
		expect(s.transactions[2]).toMatchObject({ postedOn: '2026-11-30', amountCents: 7_500 });
		expect(endToEndIds(textOf(s.transactions[0]))).toEqual(['E00000000202611071022ABCDEF12345']);
	});
	it('Caixa: a FITID repeated for two entries keeps both apart', () => {
		const f = parse('caixa-extrato.ofx');
		const [s] = f.statements;
		expect(s.transactions.map((t) => [t.fitId, t.amountCents])).toEqual([
			['20261112', 10_000],
			['20261112#2', 20_000],
			['20261113', -1_000]
		]);
		expect(f.warnings.join(' ')).toContain('se repete');
	});
	it('Nubank (OFX 2 XML, UTF-8, entities)', () => {
		const f = parse('nubank-extrato.ofx');
		expect(f.version).toBe(2);
		const [s] = f.statements;
		expect(s.account).toMatchObject({ bankId: '0260', accountId: '1234567-8' });
		expect(s.transactions[0]).toMatchObject({ amountCents: 41_237, postedOn: '2026-11-18', fitId: '6734b1e2-9c1f-4a8e-b5d2-3f0a7c9e1d44', credit: true });
		expect(s.transactions[0].memo).toContain('JOÃO PEDRO SANTOS - •••.456.789-••');
		expect(s.transactions[1].memo).toBe('Compra no débito - PADARIA SÃO JOSÉ & FILHOS');
	});
	it('Inter: says Windows-1252 but sends UTF-8; a PAYMENT with a positive amount is not money received', () => {
		const f = parse('inter-extrato.ofx');
		const [s] = f.statements;
		expect(s.transactions[0].memo).toBe('Pix recebido: "Cp :00000000-CONCEIÇÃO ALVES" TXID AC7Q2M4K9X1B5N8R3T6V0Z2W4');
		expect(s.transactions[1]).toMatchObject({ trnType: 'PAYMENT', amountCents: 8_000, credit: false });
		expect(f.warnings.join(' ')).toContain('UTF-8');
		expect(f.warnings.join(' ')).toContain('tratado como débito');
		expect(txidCandidates(textOf(s.transactions[0]))).toContain('AC7Q2M4K9X1B5N8R3T6V0Z2W4');
	});
	it('refuses dirty files with a message naming the problem', () => {
		expect(refusal(fixture('cortado.ofx'))).toMatch(/termina sem fechar <STMTTRN> \(aberta na linha \d+\)/);
		expect(refusal(fixture('valor-ruim.ofx'))).toMatch(/^Linha \d+: valor "R\$ 150" ilegível/);
		expect(refusal(fixture('data-ruim.ofx'))).toMatch(/^Linha \d+: data "20261131" ilegível/);
		expect(refusal(fixture('nao-e-ofx.csv'))).toContain('não é um extrato OFX');
		expect(refusal('OFXHEADER:100\n\n<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>BRL</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>')).toContain('cartão de crédito');
		expect(refusal('OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR<MESSAGE>Senha inválida</STATUS></SONRS></SIGNONMSGSRSV1></OFX>')).toContain('código 15500');
		expect(refusal('OFXHEADER:100\n\n<OFX>\n<BANKMSGSRSV1>\n</STMTRS>\n</OFX>')).toBe('Linha 5: </STMTRS> fecha uma marca que não foi aberta. O arquivo está incompleto ou corrompido.');
		const noAmount = fixture('itau-extrato.ofx').toString('latin1').replace('<TRNAMT>150.00\r\n', '');
		expect(refusal(noAmount)).toMatch(/^Linha \d+: lançamento sem valor/);
	});
	it('a missing FITID gets a stable id built from the entry, and a warning', () => {
		const text = fixture('itau-extrato.ofx').toString('latin1').replace('<FITID>20261103001\r\n', '');
		const a = parseOfx(Buffer.from(text, 'latin1'));
		const b = parseOfx(Buffer.from(text, 'latin1'));
		expect(a.statements[0].transactions[0].fitId).toMatch(/^sem-fitid:/);
		expect(a.statements[0].transactions[0].fitId).toBe(b.statements[0].transactions[0].fitId);
		expect(a.warnings.join(' ')).toContain('sem identificador');
	});
});

describe('matching statement credits', () => {
	const account = { bankId: '0341', accountId: '56789-0' };
	const open = (over: Partial<OpenInstallment>): OpenInstallment => ({ id: 'i1', creditorId: 'c1', agreementCode: 'AC-1', seq: 1, dueDate: '2026-11-10', openCents: 15_000, ...over });
	const credit = { amountCents: 15_000, postedOn: '2026-11-12', fitId: 'F1' };

	it('finds end-to-end ids and txids in the text, not other numbers', () => {
		const text = 'PIX REC E18236120202611121530s012345678a TXID:KXQ2M4K9X1B5N8R3T6V0Z2W4P 12345678901';
		expect(endToEndIds(text)).toEqual(['E18236120202611121530s012345678a']);
		expect(txidCandidates(text)).toEqual(['KXQ2M4K9X1B5N8R3T6V0Z2W4P']);
		expect(endToEndIds('E1823612020261312153000000000000')).toEqual([]);
		expect(txidCandidates('abcdefghijklmnopqrstuvwxy')).toEqual(['abcdefghijklmnopqrstuvwxy', 'ABCDEFGHIJKLMNOPQRSTUVWXY']);
	});
	it('knows an end-to-end id by its shape (E, ISPB, yyyyMMddHHmm, 11 alphanumerics)', () => {
		expect(isEndToEndId('E00000000202611071022ABCDEF12345')).toBe(true);
		expect(isEndToEndId('E0000000020261107102ABCDEF12345')).toBe(false);
		expect(isEndToEndId('E00000000202613071022ABCDEF12345')).toBe(false);
		expect(isEndToEndId('ofx:0341:56789-0:F1')).toBe(false);
		expect(isEndToEndId('boleto:237:1234:2026-11-09:10000')).toBe(false);
	});
	it('uses the end-to-end id as the external id, else bank, account and FITID', () => {
		expect(statementExternalId(account, 'F1', 'E18236120202611121530s012345678a')).toBe('E18236120202611121530s012345678a');
		expect(statementExternalId(account, 'F1', null)).toBe('ofx:0341:56789-0:F1');
		expect(entryKey({ fitId: 'F1', postedOn: '2026-11-12', amountCents: 15_000 })).toBe('F1|2026-11-12|15000');
	});
	it('records by txid; a known end-to-end id is not recorded again', () => {
		const ctx = { account, endToEndId: null, byTxid: [{ id: 'i9', creditorId: 'c1' }], knownPayment: null, open: [open({})] };
		expect(decide(credit, ctx)).toMatchObject({ action: 'record', installment: { id: 'i9' }, externalId: 'ofx:0341:56789-0:F1' });
		expect(decide(credit, { ...ctx, endToEndId: 'E1', knownPayment: { id: 'p1', installmentId: 'i9' } })).toEqual({ action: 'known', paymentId: 'p1', installmentId: 'i9' });
		// A text naming two of our installments is not an id: a person decides.
		expect(decide(credit, { ...ctx, byTxid: [{ id: 'i9', creditorId: 'c1' }, { id: 'i8', creditorId: 'c1' }] })).toMatchObject({ action: 'propose' });
	});
	it('an equal amount due near the day is only proposed; nearest due date first; far or different amounts are not', () => {
		const list = [open({ id: 'far', dueDate: '2026-12-20' }), open({ id: 'near', dueDate: '2026-11-11' }), open({ id: 'other', dueDate: '2026-11-02' }), open({ id: 'cents', openCents: 15_001 })];
		expect(amountMatches(credit, list).map((i) => i.id)).toEqual(['near', 'other']);
		expect(decide(credit, { account, endToEndId: null, byTxid: [], knownPayment: null, open: list })).toMatchObject({ action: 'propose', candidates: [{ id: 'near' }, { id: 'other' }] });
		expect(decide(credit, { account, endToEndId: null, byTxid: [], knownPayment: null, open: [open({ openCents: 14_999 })] })).toMatchObject({ action: 'unmatched', externalId: 'ofx:0341:56789-0:F1' });
	});
});

describe('OFX text', () => {
	it('drops control characters a broken export leaves in a value', () => {
		const text = fixture('itau-extrato.ofx').toString('latin1').replace('PIX RECEBIDO JOSÉ', 'PIX\u0000 RECEBIDO\u0007 JOSÉ');
		expect(parseOfx(Buffer.from(text, 'latin1')).statements[0].transactions[0].memo).toBe('PIX RECEBIDO JOSÉ DA CONCEIÇÃO');
	});
});

describe('any damaged statement', () => {
	const sources = ['itau-extrato.ofx', 'bradesco-extrato.ofx', 'bb-extrato.ofx', 'nubank-extrato.ofx', 'inter-extrato.ofx'].map(fixture);
	it('is read or refused with an OfxError, never anything else', () => {
		fc.assert(
			fc.property(fc.nat(sources.length - 1), fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 8 }), fc.nat(), (which, edits, cut) => {
				let bytes = [...sources[which]];
				for (const [at, value] of edits) {
					const k = at % bytes.length;
					if (value < 0) bytes.splice(k, 1);
					else bytes[k] = value;
				}
				if (cut % 3 === 0) bytes = bytes.slice(0, cut % bytes.length);
				try {
					const f = parseOfx(Uint8Array.from(bytes));
					for (const t of f.statements.flatMap((s) => s.transactions)) {
						expect(Number.isSafeInteger(t.amountCents)).toBe(true);
						expect(t.postedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
					}
				} catch (e) {
					if (!(e instanceof OfxError)) throw e;
					expect(e.message.length).toBeGreaterThan(10);
				}
			}),
			{ numRuns: 2_000 }
		);
	});
});
