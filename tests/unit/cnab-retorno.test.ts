import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
	CnabError,
	parseRetorno,
	type RetornoFile
} from '../../src/lib/server/payments/cnab/retorno';
import {
	cents,
	dateFromDDMMYY,
	dateFromDDMMYYYY,
	reasonCodes,
	splitLines,
	text
} from '../../src/lib/server/payments/cnab/fields';
import { BANCO_DO_BRASIL_240, FEBRABAN_240, SICOOB_240 } from '../../src/lib/server/payments/cnab/layout-240';
import { BRADESCO_400, ITAU_400 } from '../../src/lib/server/payments/cnab/layout-400';
import { interpret } from '../../src/lib/server/payments/cnab/movements';
import { sharedPath } from '../support/shared';

const FIXTURES = sharedPath('fixtures', 'cnab');
const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
const FIXTURE_NAMES = readdirSync(FIXTURES).filter((f) => /\.ret$/i.test(f));

const paidCount = (file: RetornoFile) =>
	file.records.filter((r) => r.movement.kind === 'paid' || r.movement.kind === 'paid_after_write_off').length;

describe('every fixture', () => {
	it('is in the list (seven real files)', () => {
		expect(FIXTURE_NAMES).toHaveLength(7);
	});

	it.each(FIXTURE_NAMES)('%s parses, with records and known bank', (name) => {
		const file = parseRetorno(fixture(name));
		expect(file.records.length).toBeGreaterThan(0);
		expect(file.bankName).toBeTruthy();
		for (const r of file.records) {
			expect(r.movement.kind).not.toBe('unknown');
			expect(Number.isInteger(r.faceValueCents) && r.faceValueCents >= 0).toBe(true);
			expect(Number.isInteger(r.paidCents) && r.paidCents >= 0).toBe(true);
			if (r.dueDate) expect(r.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		}
	});
});

// brcobranca spec/brcobranca/retorno/retorno_cnab_240_spec.rb reads spec/arquivos/CNAB240.RET;
// br_boleto test/br_boleto/retorno/cnab240/banco_brasil_test.rb reads the same file. The fixture
// README calls it "Caixa-style", but its header says 001 BANCO DO BRASIL, and so does br_boleto.
describe('brcobranca CNAB240.RET (Banco do Brasil 240)', () => {
	const file = parseRetorno(fixture('brcobranca-CNAB240.RET'));

	it('file header', () => {
		expect(file.format).toBe('cnab240');
		expect(file.bankCode).toBe('001');
		expect(file.bankName).toBe('Banco do Brasil S.A.');
		expect(file.generatedOn).toBe('2011-12-29');
		expect(file.fileSequence).toBe(2108);
		// agencia_com_dv '012345', cedente_com_dv '0000000054321'
		expect(file.company).toEqual({
			document: '35643899000145',
			name: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
			agency: '012345',
			account: '0000000054321'
		});
		expect(file.warnings).toEqual([]);
	});

	it('has 35 payments, all 17 (liquidação após baixa) with motivo 03', () => {
		expect(file.records).toHaveLength(35);
		for (const r of file.records) {
			expect(r.movement.code).toBe('17');
			expect(r.movement.kind).toBe('paid_after_write_off');
			expect(r.movement.reasonCodes).toEqual(['03']);
			expect(r.movement.reasons).toEqual(['03 – Liquidação no Guichê de Caixa em Dinheiro']);
			expect(r.occurredOn).toBe('2011-12-29');
			expect(r.creditedOn).toBe('2012-01-02');
			expect(r.wallet).toBe('7');
			expect(r.feeCents).toBe(103);
		}
	});

	it('first payment, field by field', () => {
		const r = file.records[0];
		expect(r.line).toBe(3);
		// brcobranca asserts nosso_numero '00020673': the last 8 of the 17 positions. BB's manual
		// (G069) makes the whole 17 digits (convênio 1449957 + sequence) the nosso número, as
		// br_boleto reads it ('14499570000020673').
		expect(r.nossoNumero).toBe('14499570000020673');
		expect(r.nossoNumero.endsWith('00020673')).toBe(true);
		expect(r.nossoNumeroDigits).toBe('14499570000020673');
		// The 59–73 field is blank in this file (br_boleto: numero_documento "").
		expect(r.documentNumber).toBeUndefined();
		expect(r.dueDate).toBeUndefined(); // '00000000'
		expect(r.faceValueCents).toBe(34400);
		expect(r.collectedBy).toEqual({ bankCode: '001', agency: '020850' });
		expect(r.otherExpensesCents).toBe(4);
		expect(r.iofCents).toBe(3);
		expect(r.rebateCents).toBe(2);
		expect(r.discountCents).toBe(1);
		expect(r.paidCents).toBe(34400);
		expect(r.creditCents).toBe(34297);
		expect(r.interestCents).toBe(9);
		expect(r.otherCreditsCents).toBe(5);
		expect(r.payer).toBeUndefined(); // BB: "Não informado" (zeros)
	});

	it('payments 2 to 5 and 35 as br_boleto asserts them', () => {
		const expected = [
			[1, '14499570000020807', 32117, '237', '003210', 32014],
			[2, '14499570000020821', 75147, '237', '003210', 75044],
			[3, '14499570000020823', 86618, '001', '043915', 86515],
			[4, '14499570000020826', 83000, '237', '021340', 82897],
			[34, '14499570007451702', 38000, '001', '043699', 37897]
		] as const;
		for (const [i, nn, value, bank, agency, net] of expected) {
			const r = file.records[i];
			expect(r.nossoNumero).toBe(nn);
			expect(r.faceValueCents).toBe(value);
			expect(r.paidCents).toBe(value);
			expect(r.creditCents).toBe(net);
			expect(r.collectedBy).toEqual({ bankCode: bank, agency });
			expect(r.interestCents + r.discountCents + r.rebateCents + r.iofCents).toBe(0);
		}
	});
});

// brcobranca spec/brcobranca/retorno/cnab240/sicoob_spec.rb
describe('brcobranca CNAB240SICOOB.RET (Sicoob 240)', () => {
	const file = parseRetorno(fixture('brcobranca-CNAB240SICOOB.RET'));

	it('file header', () => {
		expect(file.bankCode).toBe('756');
		expect(file.company).toEqual({
			document: '82991308000100',
			name: 'RAZAO SOCIAL SICOOB',
			agency: '030390',
			account: '0000000489816'
		});
		// This test file's header is 17 characters short in the middle (its bank name was cut when
		// it was anonymised): the date sits at 127–134 instead of FEBRABAN's 144–151. The manual
		// decides, so the date is not guessed and the file says so.
		expect(file.generatedOn).toBeUndefined();
		expect(file.warnings).toEqual(['Header: data inválida "00108500" ignorada.']);
	});

	it('three payments; the first field by field', () => {
		expect(file.records).toHaveLength(3);
		const r = file.records[0];
		expect(r.nossoNumero).toBe('0000000083');
		// The older spec asserted numero_documento '000000000123456'; this file holds …001.
		expect(r.documentNumber).toBe('000000000000001');
		expect(r.companyReference).toBeUndefined(); // zeros: not informed
		expect(r.wallet).toBe('1');
		expect(r.dueDate).toBe('2015-08-13');
		expect(r.faceValueCents).toBe(200);
		expect(r.collectedBy).toEqual({ bankCode: '756', agency: '030390' });
		expect(r.movement).toMatchObject({ code: '06', kind: 'paid', reasonCodes: ['03'] });
		expect(r.occurredOn).toBe('2015-08-10');
		expect(r.creditedOn).toBe('2015-08-10');
		expect(r.otherExpensesCents).toBe(0);
		expect(r.iofCents).toBe(0);
		expect(r.rebateCents).toBe(0);
		expect(r.discountCents).toBe(0);
		expect(r.paidCents).toBe(200);
		expect(r.interestCents).toBe(0);
		expect(r.otherCreditsCents).toBe(0);
		expect(r.feeCents).toBe(170);
		expect(r.payer).toEqual({ document: '03997783000118', name: '2A MATERIAIS ELETRICOS' });
		expect(file.records.map((x) => x.nossoNumero)).toEqual(['0000000083', '0000000116', '0000000123']);
	});
});

// laravel-boleto tests/Retorno/files/cnab240/banco_brasil.ret (its test suite only checks Santander 240).
describe('laravel-boleto banco_brasil.ret (Banco do Brasil 240)', () => {
	const file = parseRetorno(fixture('laravel-boleto-cnab240-banco_brasil.ret'));

	it('header and five payments', () => {
		expect(file.bankCode).toBe('001');
		expect(file.generatedOn).toBe('2011-03-21');
		expect(file.fileSequence).toBe(257);
		expect(file.company.name).toBe('SAPATARIA E CONFECSOES JIBA');
		expect(file.records).toHaveLength(5);
		expect(paidCount(file)).toBe(5);
		const r = file.records[0];
		expect(r).toMatchObject({
			nossoNumero: '32948600000000196',
			wallet: '1',
			dueDate: '2011-03-23',
			faceValueCents: 4000,
			paidCents: 4000,
			creditCents: 3500,
			feeCents: 500,
			occurredOn: '2011-03-21',
			creditedOn: '2011-03-23',
			collectedBy: { bankCode: '237', agency: '009880' }
		});
		expect(file.records[4]).toMatchObject({ nossoNumero: '32948600000005048', faceValueCents: 2880, line: 11 });
	});
});

// brcobranca spec/brcobranca/retorno/cnab400/bradesco_spec.rb
describe('brcobranca CNAB400BRADESCO.RET (Bradesco 400)', () => {
	const file = parseRetorno(fixture('brcobranca-CNAB400BRADESCO.RET'));

	it('header', () => {
		expect(file.format).toBe('cnab400');
		expect(file.bankCode).toBe('237');
		expect(file.bankName).toBe('Banco Bradesco S.A.');
		expect(file.generatedOn).toBe('2015-05-15');
		expect(file.warnings).toEqual([]);
	});

	it('skips the header and trailer: six records', () => {
		// brcobranca counts 7 because it also reads the trailer (line 8) as a record.
		expect(file.records).toHaveLength(6);
		expect(file.records[0].line).toBe(2); // sequencial '000002'
	});

	it('first record, field by field', () => {
		const r = file.records[0];
		expect(file.company.account).toBe('0019669P'); // cedente_com_dv
		expect(file.company.agency).toBe('01467'); // agencia_com_dv '01467-2': the 2 is computed, not in the file
		expect(r.nossoNumero).toBe('000000000303');
		expect(r.wallet).toBe('009');
		expect(r.dueDate).toBe('2015-05-25');
		expect(r.faceValueCents).toBe(145000);
		expect(r.collectedBy).toEqual({ bankCode: '237', agency: '04157' });
		expect(r.feeCents).toBe(160);
		expect(r.iofCents).toBe(0);
		expect(r.rebateCents).toBe(0);
		expect(r.discountCents).toBe(0);
		// 254–266 "Valor Pago" holds 1450,00 even on this entry confirmation; it is reported as
		// the bank wrote it, and the kind (entry_confirmed) is what says nothing was paid.
		expect(r.paidCents).toBe(145000);
		expect(r.interestCents).toBe(0);
		expect(r.otherCreditsCents).toBe(0);
		expect(r.creditedOn).toBe('2015-05-15');
		expect(r.movement).toMatchObject({ code: '02', kind: 'entry_confirmed', label: 'Entrada Confirmada' });
		expect(r.occurredOn).toBe('2015-05-15');
	});

	it('a check digit P stays in nosso número, and a write-off is written_off', () => {
		expect(file.records[1].nossoNumero).toBe('51350000004P');
		expect(file.records[1].nossoNumeroDigits).toBe('51350000004');
		expect(file.records[5].movement).toMatchObject({ code: '10', kind: 'written_off' });
	});
});

// laravel-boleto tests/Retorno/RetornoCnab400Test.php: testRetornoBradescoCnab400, testRetornoOcorrencia
describe('laravel-boleto bradesco.ret (Bradesco 400)', () => {
	const file = parseRetorno(fixture('laravel-boleto-cnab400-bradesco.ret'));
	it('bank, six settled, first is 02', () => {
		expect(file.bankName).toBe('Banco Bradesco S.A.');
		expect(file.bankCode).toBe('237');
		expect(paidCount(file)).toBe(6);
		expect(file.records[0].movement.code).toBe('02');
		expect(file.records.filter((r) => r.movement.kind === 'paid_after_write_off')).toHaveLength(5);
		expect(file.records[1]).toMatchObject({ paidCents: 500, creditedOn: '2012-04-13', nossoNumero: '000000000097' });
	});
});

// brcobranca spec/brcobranca/retorno/cnab400/itau_spec.rb
describe('brcobranca CNAB400ITAU.RET (Itaú 400)', () => {
	const file = parseRetorno(fixture('brcobranca-CNAB400ITAU.RET'));

	it('header', () => {
		expect(file.bankCode).toBe('341');
		expect(file.bankName).toBe('Itaú Unibanco S.A.');
		expect(file.generatedOn).toBe('2013-05-20');
		expect(file.fileSequence).toBe(25);
		expect(file.company).toMatchObject({ agency: '0730', account: '035110', name: 'PLUTO ALTO ELENTAS LTDA ME' });
	});

	it('52 records (brcobranca counts 53: it also reads the trailer)', () => {
		expect(file.records).toHaveLength(52);
		expect(file.records[0].line).toBe(2);
	});

	it('first record, field by field', () => {
		const r = file.records[0];
		expect(r.nossoNumero).toBe('00000011');
		expect(r.wallet).toBe('109'); // carteira_variacao; carteira 'I' is the code at 108
		expect(r.dueDate).toBeUndefined(); // '000000'
		expect(r.faceValueCents).toBe(4000);
		expect(r.collectedBy).toEqual({ bankCode: '104', agency: '18739' });
		expect(r.feeCents).toBe(210);
		expect(r.iofCents).toBe(0);
		expect(r.rebateCents).toBe(0);
		expect(r.discountCents).toBe(0);
		// brcobranca's valor_recebido is 254–266 (37,90). The manual names that field "valor lançado
		// em conta corrente": the credit, net of the 2,10 fee. The payer paid 40,00.
		expect(r.creditCents).toBe(3790);
		expect(r.paidCents).toBe(4000);
		expect(r.interestCents).toBe(0);
		expect(r.otherCreditsCents).toBe(0);
		expect(r.movement).toMatchObject({ code: '06', kind: 'paid', reasonCodes: [] });
		expect(r.occurredOn).toBe('2013-05-20');
		expect(r.creditedOn).toBe('2013-05-21');
	});

	it('paid equals face value plus interest in every settled record', () => {
		for (const r of file.records.filter((x) => x.movement.kind === 'paid')) {
			expect(r.paidCents).toBe(r.faceValueCents + r.interestCents - r.discountCents - r.rebateCents);
		}
		const late = file.records.find((r) => r.nossoNumero === '00003136')!;
		expect(late).toMatchObject({ faceValueCents: 4875, interestCents: 102, creditCents: 4767, paidCents: 4977 });
	});

	it('a settlement without a credit in this file (10, e.g. paid by Pix) reports no amount paid', () => {
		const lines = fixture('brcobranca-CNAB400ITAU.RET').toString('latin1').split('\n');
		lines[1] = lines[1].slice(0, 108) + '10' + lines[1].slice(110, 253) + '0'.repeat(13) + lines[1].slice(266);
		const r = parseRetorno(lines.join('\n')).records[0];
		expect(r.movement).toMatchObject({ code: '10', kind: 'paid' });
		expect(r).toMatchObject({ creditCents: 0, feeCents: 210, paidCents: 0 });
	});

	it('the write-off (09) pays nothing and names its payer', () => {
		const r = file.records[51];
		expect(r.movement).toMatchObject({ code: '09', kind: 'written_off' });
		expect(r.paidCents).toBe(0);
		expect(r.documentNumber).toBe('0000002068');
		expect(r.dueDate).toBe('2013-05-10');
		expect(r.payer).toEqual({ name: 'MIRCALO TIADORO' });
	});
});

// laravel-boleto tests/Retorno/RetornoCnab400Test.php: testRetornoItauCnab400
describe('laravel-boleto itau.ret (Itaú 400)', () => {
	const file = parseRetorno(fixture('laravel-boleto-cnab400-itau.ret'));
	it('bank and three settled', () => {
		expect(file.bankName).toBe('Itaú Unibanco S.A.');
		expect(file.bankCode).toBe('341');
		expect(paidCount(file)).toBe(3);
	});
	it('a payer claim (25) is other, never paid', () => {
		// This test file puts '1842' at 378–381; Itaú's NOTA 20 puts a 25's code at 302–305, so
		// no reason is read from 378.
		const r = file.records[1];
		expect(r.movement).toMatchObject({ code: '25', kind: 'other', label: 'ALEGAÇÕES DO PAGADOR' });
		expect(r.paidCents).toBe(0);
	});
});

describe('dirty files read exactly like clean ones', () => {
	const variants: Record<string, (s: string) => string> = {
		'no trailing spaces': (s) => s.replace(/ +(?=\r?\n|$)/g, ''),
		'LF only': (s) => s.replace(/\r\n/g, '\n'),
		'CRLF': (s) => s.replace(/\r?\n/g, '\r\n'),
		'CR only': (s) => s.replace(/\r?\n/g, '\r'),
		'mixed endings': (s) => s.split(/\r?\n/).map((l, i) => l + (i % 2 ? '\r\n' : '\n')).join(''),
		'no final newline': (s) => s.replace(/(\r?\n)+$/, ''),
		'Ctrl-Z and blank lines at the end': (s) => s.replace(/(\r?\n)*$/, '\r\n\r\n  \r\n\x1A'),
		'all of it': (s) =>
			s
				.replace(/ +(?=\r?\n|$)/g, '')
				.replace(/\r?\n/g, '\n')
				.replace(/\n$/, '\x1A')
	};

	for (const name of FIXTURE_NAMES) {
		const original = fixture(name).toString('latin1');
		const clean = parseRetorno(original);
		for (const [variant, transform] of Object.entries(variants)) {
			it(`${name}: ${variant}`, () => {
				const dirty = transform(original);
				expect(dirty).not.toBe(original.replace(/\r/g, '') + 'x'); // the transform ran
				expect(parseRetorno(dirty)).toEqual(clean);
				expect(parseRetorno(Buffer.from(dirty, 'latin1'))).toEqual(clean);
			});
		}
	}

	it('stripping trailing spaces leaves 240 lines as short as real files have them', () => {
		const lengths = variants['no trailing spaces'](fixture('laravel-boleto-cnab240-banco_brasil.ret').toString('latin1'))
			.split('\n')
			.map((l) => l.length)
			.filter((n) => n > 0);
		expect(Math.min(...lengths)).toBeLessThan(240);
	});

	it('decodes a Buffer as Latin-1 (accented payer names)', () => {
		const original = fixture('brcobranca-CNAB400ITAU.RET').toString('latin1').split('\n');
		const i = 52; // line 53: the write-off with a payer name at 325–354
		original[i] = original[i].slice(0, 324) + 'JOÃO DA CONCEIÇÃO'.padEnd(30) + original[i].slice(354);
		const file = parseRetorno(Buffer.from(original.join('\n'), 'latin1'));
		expect(file.records[51].payer).toEqual({ name: 'JOÃO DA CONCEIÇÃO' });
	});

	it('a blank line in the middle is skipped with a warning', () => {
		const lines = fixture('laravel-boleto-cnab400-itau.ret').toString('latin1').split('\r\n');
		lines.splice(2, 0, '');
		const file = parseRetorno(lines.join('\r\n'));
		expect(file.records).toHaveLength(4);
		expect(file.warnings).toEqual(['Linha 3 em branco ignorada.']);
		expect(file.records[1].line).toBe(4);
	});
});

describe('unknown and under-review movements are never paid', () => {
	const withCode = (name: string, code: string): RetornoFile => {
		const lines = fixture(name).toString('latin1').split(/\r?\n/);
		const format = parseRetorno(fixture(name)).format;
		const changed = lines.map((l) => {
			if (format === 'cnab400' && l[0] === '1') return l.slice(0, 108) + code + l.slice(110);
			if (format === 'cnab240' && l[7] === '3') return l.slice(0, 15) + code + l.slice(17);
			return l;
		});
		return parseRetorno(changed.join('\n'));
	};

	it.each(FIXTURE_NAMES)('%s with codes no manual lists', (name) => {
		for (const code of ['99', 'XX', '  ', '00']) {
			const file = withCode(name, code);
			for (const r of file.records) {
				expect(r.movement.kind).toBe('unknown');
				expect(r.movement.label).toMatch(/^Código de movimento desconhecido/);
			}
		}
	});

	it.each([
		['laravel-boleto-cnab400-itau.ret', '95'], // baixa operacional: "não corresponde à liquidação"
		['laravel-boleto-cnab400-itau.ret', '65'], // cheque aguardando compensação
		['laravel-boleto-cnab400-itau.ret', '69'], // cheque devolvido
		['laravel-boleto-cnab400-itau.ret', '07'], // liquidação parcial
		['laravel-boleto-cnab400-bradesco.ret', '16'], // pago em cheque – vinculado
		['laravel-boleto-cnab400-bradesco.ret', '40'], // estorno de pagamento
		['laravel-boleto-cnab240-banco_brasil.ret', '50'], // pago com cheque pendente
		['laravel-boleto-cnab240-banco_brasil.ret', '44'], // pago com cheque devolvido
		['brcobranca-CNAB240SICOOB.RET', '45']
	])('%s movement %s goes to review (unknown)', (name, code) => {
		const file = withCode(name, code);
		for (const r of file.records) {
			expect(r.movement.kind).toBe('unknown');
			expect(r.movement.label).not.toMatch(/desconhecido/);
		}
		if (file.format === 'cnab400' && file.bankCode === '341') {
			for (const r of file.records) expect(r.paidCents).toBe(0);
		}
	});

	it('the movement tables map only liquidation codes to paid', () => {
		const paidCodes = (t: { kinds: Readonly<Record<string, string>> }) =>
			Object.entries(t.kinds)
				.filter(([, k]) => k === 'paid' || k === 'paid_after_write_off')
				.map(([c]) => c)
				.sort();
		expect(paidCodes(FEBRABAN_240.movements)).toEqual(['06', '17']);
		expect(paidCodes(BANCO_DO_BRASIL_240.movements)).toEqual(['06', '17']);
		expect(paidCodes(SICOOB_240.movements)).toEqual(['06', '17']);
		expect(paidCodes(BRADESCO_400.movements)).toEqual(['06', '15', '17']);
		expect(paidCodes(ITAU_400.movements)).toEqual(['06', '08', '10']);
	});

	it('every paid code has a label in its manual table', () => {
		for (const t of [FEBRABAN_240, BANCO_DO_BRASIL_240, BRADESCO_400, ITAU_400].map((l) => l.movements)) {
			for (const [code, kind] of Object.entries(t.kinds)) {
				if (kind === 'paid' || kind === 'paid_after_write_off') expect(t.labels[code]).toBeTruthy();
			}
		}
	});
});

describe('movement reasons', () => {
	it('FEBRABAN codes read through the table of the movement (C047 A, B, C)', () => {
		const t = FEBRABAN_240.movements;
		expect(interpret(t, '06', ['A9', '03']).reasons).toEqual(['A9', '03 – Liquidação no Guichê de Caixa em Dinheiro']);
		expect(interpret(t, '03', ['A9', '16']).reasons).toEqual([
			'A9 – Não autoriza pagamento parcial',
			'16 – Data de Vencimento Inválida'
		]);
		expect(interpret(t, '28', ['04']).reasons).toEqual(['04 – Tarifa de Protesto']);
		expect(interpret(t, '03', ['52']).reasons).toEqual(['52 – Unidade da Federação Inválida']);
	});

	it('Banco do Brasil gives rejection 52 its own meaning', () => {
		expect(interpret(BANCO_DO_BRASIL_240.movements, '03', ['52']).reasons).toEqual([
			'52 – Registro de Título já liquidado Cart. 17'
		]);
	});

	it('Bradesco and Itaú reasons come from their own tables', () => {
		expect(interpret(BRADESCO_400.movements, '03', ['08', '09']).reasons).toEqual([
			'08 – Nosso número inválido',
			'09 – Nosso número duplicado'
		]);
		expect(interpret(ITAU_400.movements, '03', ['14']).reasons[0]).toMatch(/^14 – NOSSO NÚMERO: NOSSO NÚMERO JÁ REGISTRADO/);
		expect(interpret(ITAU_400.movements, '25', ['1842']).reasons).toEqual([
			'1842 – BOLETO DDA, DIVIDA NÃO RECONHECIDA PELO PAGADOR'
		]);
	});

	it('reads rejection reasons from a Bradesco record', () => {
		const lines = fixture('laravel-boleto-cnab400-bradesco.ret').toString('latin1').split('\r\n');
		lines[1] = lines[1].slice(0, 108) + '03' + lines[1].slice(110, 318) + '0809000000' + lines[1].slice(328);
		const r = parseRetorno(lines.join('\r\n')).records[0];
		expect(r.movement).toMatchObject({ code: '03', kind: 'rejected', reasonCodes: ['08', '09'] });
	});
});

describe('what is not a return file is refused with a pt-BR message', () => {
	const refuse = (content: string | Buffer) => () => parseRetorno(content);

	it('empty, blank or random content', () => {
		expect(refuse('')).toThrow(CnabError);
		expect(refuse('\r\n  \n\x1A')).toThrow('Arquivo de retorno não reconhecido: o arquivo está vazio.');
		expect(refuse('nome;valor\nFulano;10,00\n')).toThrow(/^Arquivo de retorno não reconhecido: a primeira linha/);
	});

	it('a remessa, 400 or 240', () => {
		const header400 = '01REMESSA01COBRANCA'.padEnd(400, ' ');
		expect(refuse(header400)).toThrow(/arquivo de remessa, não de retorno/);
		const bb = fixture('laravel-boleto-cnab240-banco_brasil.ret').toString('latin1').split('\n');
		bb[0] = bb[0].slice(0, 142) + '1' + bb[0].slice(143);
		expect(refuse(bb.join('\n'))).toThrow(/arquivo de remessa, não de retorno/);
	});

	it('a CNAB 400 of a bank without a layout', () => {
		const lines = fixture('laravel-boleto-cnab400-itau.ret').toString('latin1').split('\r\n');
		lines[0] = lines[0].slice(0, 76) + '104' + lines[0].slice(79);
		expect(refuse(lines.join('\r\n'))).toThrow('Arquivo de retorno não reconhecido: CNAB 400 do banco 104');
	});

	it('a CNAB 240 of another bank is read by the FEBRABAN positions, with a warning', () => {
		const lines = fixture('laravel-boleto-cnab240-banco_brasil.ret').toString('latin1').split('\n');
		const file = parseRetorno(lines.map((l) => (l ? '104' + l.slice(3) : l)).join('\n'));
		expect(file.bankCode).toBe('104');
		expect(file.records).toHaveLength(5);
		expect(file.warnings).toEqual(['Banco 104 sem tabela própria: lido pelas posições do padrão FEBRABAN 240.']);
	});

	it('a garbled amount names its line', () => {
		const lines = fixture('laravel-boleto-cnab400-itau.ret').toString('latin1').split('\r\n');
		lines[2] = lines[2].slice(0, 152) + '00000000A4000' + lines[2].slice(165);
		expect(refuse(lines.join('\r\n'))).toThrow(
			'Linha 3: Valor inválido em valor do título (posições 153 a 165): "00000000A4000"'
		);
	});

	it('a line longer than the layout with content past the end', () => {
		const lines = fixture('laravel-boleto-cnab240-banco_brasil.ret').toString('latin1').split('\n');
		lines[3] = lines[3].padEnd(240, ' ') + 'XYZ';
		expect(refuse(lines.join('\n'))).toThrow('Arquivo de retorno não reconhecido: a linha 4 tem 243 caracteres; o layout tem 240.');
	});

	it('a line that is not a record', () => {
		const lines = fixture('laravel-boleto-cnab400-bradesco.ret').toString('latin1').split('\r\n');
		lines.splice(3, 0, 'Observações do operador');
		expect(refuse(lines.join('\r\n'))).toThrow(/a linha 4 não é um registro CNAB 400/);
	});

	it('a truncated 240 file is read, with the trailer count as a warning', () => {
		const lines = fixture('brcobranca-CNAB240.RET').toString('latin1').split('\n');
		lines.splice(10, 2); // drop one T/U pair
		const file = parseRetorno(lines.join('\n'));
		expect(file.records).toHaveLength(34);
		expect(file.warnings).toEqual([
			'O trailer declara 74 registros, mas o arquivo tem 72 linhas: confira se ele veio inteiro.'
		]);
	});
});

describe('fields', () => {
	it('positions are 1-based and inclusive; short lines read as blanks', () => {
		expect(text('0010001300001T 17', [14, 14])).toBe('T');
		expect(text('0010001300001T 17', [16, 17])).toBe('17');
		expect(text('001', [10, 20])).toBe('');
		expect(cents('xx0000000034400', [3, 15], 'valor')).toBe(34400);
		expect(cents('   ', [1, 3], 'valor')).toBe(0);
		expect(() => cents('12a', [1, 3], 'valor')).toThrow('Valor inválido em valor (posições 1 a 3): "12a"');
	});

	it('dates: DDMMAAAA and DDMMAA with the century rule', () => {
		expect(dateFromDDMMYYYY('29122011')).toBe('2011-12-29');
		expect(dateFromDDMMYYYY('00000000')).toBeUndefined();
		expect(dateFromDDMMYYYY('        ')).toBeUndefined();
		expect(dateFromDDMMYYYY('31022024')).toBeNull();
		expect(dateFromDDMMYYYY('29022024')).toBe('2024-02-29');
		expect(dateFromDDMMYY('150515')).toBe('2015-05-15');
		expect(dateFromDDMMYY('010100')).toBe('2000-01-01');
		expect(dateFromDDMMYY('311279')).toBe('2079-12-31');
		expect(dateFromDDMMYY('010180')).toBe('1980-01-01');
		expect(dateFromDDMMYY('311299')).toBe('1999-12-31');
		expect(dateFromDDMMYY('000000')).toBeUndefined();
		expect(dateFromDDMMYY('32..15')).toBeNull();
	});

	it('reason codes drop empty and 00 slots', () => {
		expect(reasonCodes('A9A4152216')).toEqual(['A9', 'A4', '15', '22', '16']);
		expect(reasonCodes('0311000000')).toEqual(['03', '11']);
		expect(reasonCodes('03        ')).toEqual(['03']);
		expect(reasonCodes('0000000000')).toEqual([]);
		expect(reasonCodes('1842    ', 4)).toEqual(['1842']);
	});

	it('lines: any ending, Ctrl-Z and trailing blanks, original numbers kept', () => {
		expect(splitLines('a\r\nb\nc\rd\x1A\r\n\r\n')).toEqual([
			{ number: 1, text: 'a' },
			{ number: 2, text: 'b' },
			{ number: 3, text: 'c' },
			{ number: 4, text: 'd' }
		]);
	});
});
