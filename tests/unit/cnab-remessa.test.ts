import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { alpha, num, record } from '../../src/lib/server/payments/cnab/fixed';
import { sharedPath } from '../support/shared';
import {
	buildRemessa,
	cnab240Registration,
	dailyInterestCents,
	loweredTitle,
	saoPauloDateTime,
	type BankSettings,
	type RemessaInput,
	type Title
} from '../../src/lib/server/payments/cnab/remessa';

// Positions copied from the FEBRABAN "Layout Padrão 240 posições" v10.6 (§2.2 and §3.2.2),
// [first, last], 1-based and inclusive, independently of the generator's own tables.
const FILE_HEADER = {
	bank: [1, 3], batch: [4, 7], type: [8, 8], cnab1: [9, 17], inscriptionType: [18, 18],
	inscription: [19, 32], convenio: [33, 52], agency: [53, 57], agencyDigit: [58, 58],
	account: [59, 70], accountDigit: [71, 71], agencyAccountDigit: [72, 72], companyName: [73, 102],
	bankName: [103, 132], cnab2: [133, 142], code: [143, 143], date: [144, 151], time: [152, 157],
	nsa: [158, 163], layout: [164, 166], density: [167, 171], cnab3: [212, 240]
} as const;
const BATCH_HEADER = {
	bank: [1, 3], batch: [4, 7], type: [8, 8], operation: [9, 9], service: [10, 11],
	layout: [14, 16], inscriptionType: [18, 18], inscription: [19, 33], convenio: [34, 53],
	agency: [54, 58], agencyDigit: [59, 59], account: [60, 71], accountDigit: [72, 72],
	companyName: [74, 103], message1: [104, 143], message2: [144, 183], remessaNumber: [184, 191],
	recordingDate: [192, 199], creditDate: [200, 207], cnab: [208, 240]
} as const;
const SEGMENT_P = {
	bank: [1, 3], batch: [4, 7], type: [8, 8], seq: [9, 13], segment: [14, 14], movement: [16, 17],
	agency: [18, 22], agencyDigit: [23, 23], account: [24, 35], accountDigit: [36, 36],
	nossoNumero: [38, 57], wallet: [58, 58], registration: [59, 59], documentType: [60, 60],
	emission: [61, 61], distribution: [62, 62], documentNumber: [63, 77], dueDate: [78, 85],
	value: [86, 100], collectingAgency: [101, 105], species: [107, 108], accepted: [109, 109],
	issueDate: [110, 117], interestCode: [118, 118], interestDate: [119, 126], interest: [127, 141],
	discountCode: [142, 142], discountDate: [143, 150], discount: [151, 165], iof: [166, 180],
	rebate: [181, 195], companyUse: [196, 220], protestCode: [221, 221], protestDays: [222, 223],
	writeOffCode: [224, 224], writeOffDays: [225, 227], currency: [228, 229], contract: [230, 239]
} as const;
const SEGMENT_Q = {
	seq: [9, 13], segment: [14, 14], movement: [16, 17], inscriptionType: [18, 18],
	inscription: [19, 33], name: [34, 73], address: [74, 113], district: [114, 128], cep: [129, 133],
	cepSuffix: [134, 136], city: [137, 151], state: [152, 153], guarantorType: [154, 154],
	guarantorInscription: [155, 169], guarantorName: [170, 209]
} as const;
const SEGMENT_R = {
	seq: [9, 13], segment: [14, 14], movement: [16, 17], discount2Code: [18, 18],
	discount2Value: [27, 41], discount3Code: [42, 42], discount3Value: [51, 65], fineCode: [66, 66],
	fineDate: [67, 74], fine: [75, 89], message3: [100, 139]
} as const;
const BATCH_TRAILER = {
	bank: [1, 3], batch: [4, 7], type: [8, 8], records: [18, 23], simpleCount: [24, 29],
	simpleTotal: [30, 46], linkedCount: [47, 52], linkedTotal: [53, 69]
} as const;
const FILE_TRAILER = { bank: [1, 3], batch: [4, 7], type: [8, 8], batches: [18, 23], records: [24, 29] } as const;

type Layout = Record<string, readonly [number, number]>;

/** Reads named fields of one record at the manual's positions. */
function read<L extends Layout>(line: string, layout: L): { [K in keyof L]: string } {
	return Object.fromEntries(
		Object.entries(layout).map(([name, [from, to]]) => [name, line.slice(from - 1, to)])
	) as { [K in keyof L]: string };
}

function linesOf(content: string): string[] {
	expect(content.endsWith('\r\n')).toBe(true);
	const lines = content.slice(0, -2).split('\r\n');
	for (const l of lines) expect(l).not.toContain('\n');
	return lines;
}

const COMPANY_CNPJ = '11.222.333/0001-81';
const PAYER_CPF = '123.456.789-09';
const PAYER_CNPJ = '12.ABC.345/01DE-35'; // alphanumeric, domain.md

const settings: BankSettings = {
	bankCode: '756',
	bankName: 'Sicoob',
	convenio: '123456',
	agency: '4321',
	agencyDigit: '0',
	account: '98765',
	accountDigit: 'x',
	wallet: '1',
	companyDocument: COMPANY_CNPJ,
	companyName: 'Lojas Pôr-do-Sol Comércio Ltda',
	writeOffAfterDays: 60
};

function title(over: Partial<Title> = {}): Title {
	return {
		nossoNumero: '00000001234',
		documentNumber: 'AC-7K3M-9QXF/01',
		reference: 'AC7K3M9QXF01ABCDEFGHIJKLM',
		destination: { bankCode: '756', agency: '04321', account: '98765', wallet: '01' },
		issueDate: '2026-12-01',
		dueDate: '2026-12-10',
		amountCents: 12_345,
		lateFeeBp: 200,
		interestMonthlyBp: 100,
		payer: {
			document: PAYER_CPF,
			name: 'José da Conceição Araújo',
			address: {
				street: 'Rua São João, 123 – apto 4',
				district: 'Jardim Ângela',
				cep: '04913-000',
				city: 'São Paulo',
				state: 'sp'
			}
		},
		...over
	};
}

function input(over: Partial<RemessaInput> = {}): RemessaInput {
	return {
		settings,
		fileSequence: 42,
		generatedAt: { date: '2026-12-02', time: '09:05:07' },
		movements: [{ movement: 'entry', title: title() }],
		...over
	};
}

function build(over: Partial<RemessaInput> = {}) {
	const result = buildRemessa(input(over));
	if (!result.ok) throw new Error(result.message);
	return result.file;
}

describe('CNAB 240 remessa, FEBRABAN layout', () => {
	const secondPayer = title({
		nossoNumero: '1235',
		amountCents: 50_000,
		payer: { ...title().payer, document: PAYER_CNPJ, name: 'Padaria Irmãos Ávila' }
	});
	const file = build({
		movements: [
			{ movement: 'entry', title: title() },
			{ movement: 'entry', title: secondPayer }
		]
	});
	const lines = linesOf(file.content);

	it('every record is 240 ASCII characters ending in CRLF, two headers + 3 per title + two trailers', () => {
		expect(lines).toHaveLength(2 + 3 * 2 + 2);
		for (const l of lines) {
			expect(l).toHaveLength(240);
			expect(l).toMatch(/^[\x20-\x7e]+$/);
		}
		expect(lines.map((l) => l[7] + (l[7] === '3' ? l[13] : ''))).toEqual(['0', '1', '3P', '3Q', '3R', '3P', '3Q', '3R', '5', '9']);
		expect(file.fileName).toBe('REM_756_20261202_000042.REM');
	});

	it('header de arquivo', () => {
		const h = read(lines[0], FILE_HEADER);
		expect(h).toMatchObject({
			bank: '756', batch: '0000', type: '0', cnab1: ' '.repeat(9), inscriptionType: '2',
			inscription: '11222333000181', convenio: '123456'.padEnd(20), agency: '04321', agencyDigit: '0',
			account: '000000098765', accountDigit: 'X', agencyAccountDigit: ' ',
			companyName: 'LOJAS POR-DO-SOL COMERCIO LTDA', bankName: 'SICOOB'.padEnd(30), code: '1',
			date: '02122026', time: '090507', nsa: '000042', layout: '103', cnab3: ' '.repeat(29)
		});
	});

	it('header de lote: serviço 01 cobrança, operação R', () => {
		const h = read(lines[1], BATCH_HEADER);
		expect(h).toMatchObject({
			bank: '756', batch: '0001', type: '1', operation: 'R', service: '01', layout: '060',
			inscriptionType: '2', inscription: '011222333000181', convenio: '123456'.padEnd(20),
			agency: '04321', agencyDigit: '0', account: '000000098765', accountDigit: 'X',
			companyName: 'LOJAS POR-DO-SOL COMERCIO LTDA', remessaNumber: '00000042',
			recordingDate: '02122026', creditDate: '00000000'
		});
	});

	it('segment P carries the title: nosso número, dates, value, interest, never protest, write-off days', () => {
		const p = read(lines[2], SEGMENT_P);
		expect(p).toMatchObject({
			bank: '756', batch: '0001', type: '3', seq: '00001', segment: 'P', movement: '01',
			agency: '04321', agencyDigit: '0', account: '000000098765', accountDigit: 'X',
			nossoNumero: '00000001234'.padEnd(20), wallet: '1', registration: '1',
			documentNumber: 'AC-7K3M-9QXF/01', dueDate: '10122026', value: '000000000012345',
			collectingAgency: '00000', species: '99', accepted: 'N', issueDate: '01122026',
			// 1 % a month over 30 days on R$ 123,45: 4.115 cents a day, rounded down.
			interestCode: '1', interestDate: '11122026', interest: '000000000000004',
			discountCode: '0', discountDate: '00000000', discount: '0'.repeat(15),
			iof: '0'.repeat(15), rebate: '0'.repeat(15), companyUse: 'AC7K3M9QXF01ABCDEFGHIJKLM',
			protestCode: '3', protestDays: '00', writeOffCode: '1', writeOffDays: '060', currency: '09',
			contract: '0'.repeat(10)
		});
		const p2 = read(lines[5], SEGMENT_P);
		expect(p2).toMatchObject({ seq: '00004', nossoNumero: '1235'.padEnd(20), value: '000000000050000', interest: '000000000000016' });
	});

	it('segment Q carries the payer, accents stripped and upper-cased; CPF is type 1, CNPJ type 2', () => {
		const q = read(lines[3], SEGMENT_Q);
		expect(q).toMatchObject({
			seq: '00002', segment: 'Q', movement: '01', inscriptionType: '1', inscription: '000012345678909',
			name: 'JOSE DA CONCEICAO ARAUJO'.padEnd(40), address: 'RUA SAO JOAO, 123 APTO 4'.padEnd(40),
			district: 'JARDIM ANGELA'.padEnd(15), cep: '04913', cepSuffix: '000', city: 'SAO PAULO'.padEnd(15),
			state: 'SP', guarantorType: '0', guarantorInscription: '0'.repeat(15), guarantorName: ' '.repeat(40)
		});
		const q2 = read(lines[6], SEGMENT_Q);
		expect(q2).toMatchObject({ seq: '00005', inscriptionType: '2', inscription: '012ABC34501DE35', name: 'PADARIA IRMAOS AVILA'.padEnd(40) });
	});

	it('segment R carries the fine as a percentage from the day after the due date; discounts 2 and 3 empty', () => {
		const r = read(lines[4], SEGMENT_R);
		expect(r).toMatchObject({
			seq: '00003', segment: 'R', movement: '01', discount2Code: '0', discount2Value: '0'.repeat(15),
			discount3Code: '0', discount3Value: '0'.repeat(15), fineCode: '2', fineDate: '11122026',
			fine: '000000000000200', message3: ' '.repeat(40)
		});
	});

	it('trailers count records and sum the titles', () => {
		expect(read(lines[8], BATCH_TRAILER)).toMatchObject({
			bank: '756', batch: '0001', type: '5', records: '000008', simpleCount: '000002',
			simpleTotal: '00000000000062345', linkedCount: '000000', linkedTotal: '0'.repeat(17)
		});
		expect(read(lines[9], FILE_TRAILER)).toMatchObject({ bank: '756', batch: '9999', type: '9', batches: '000001', records: '000010' });
		expect(file.titleCount).toBe(2);
		expect(file.totalCents).toBe(62_345);
	});

	it('no interest and no fine: juros code 3 (isento), multa code 0; a discount until a date is code 1', () => {
		const f = build({
			movements: [
				{
					movement: 'entry',
					title: title({ lateFeeBp: 0, interestMonthlyBp: 0, discount: { amountCents: 1_000, until: '2026-12-05' } })
				}
			]
		});
		const [, , pLine, , rLine] = linesOf(f.content);
		expect(read(pLine, SEGMENT_P)).toMatchObject({
			interestCode: '3', interestDate: '00000000', interest: '0'.repeat(15),
			discountCode: '1', discountDate: '05122026', discount: '000000000001000'
		});
		expect(read(rLine, SEGMENT_R)).toMatchObject({ fineCode: '0', fineDate: '00000000', fine: '0'.repeat(15) });
	});
});

describe('CDC caps and bad input are refused in pt-BR, with no file', () => {
	it('a late fee above 2 % (CDC art. 52 §1)', () => {
		const r = buildRemessa(input({ movements: [{ movement: 'entry', title: title({ lateFeeBp: 201 }) }] }));
		expect(r.ok).toBe(false);
		if (!r.ok) {
			expect(r.message).toContain('multa por atraso não pode passar de 2%');
			expect(r.issues[0].path).toBe('movements.0.title.lateFeeBp');
		}
	});

	it('interest above 1 % a month', () => {
		const r = buildRemessa(input({ movements: [{ movement: 'entry', title: title({ interestMonthlyBp: 101 }) }] }));
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toContain('juros de mora não podem passar de 1% ao mês');
	});

	it.each([
		['an invalid CPF', { payer: { ...title().payer, document: '123.456.789-00' } }, 'Documento do pagador: CPF ou CNPJ inválido.'],
		['a CEP without 8 digits', { payer: { ...title().payer, address: { ...title().payer.address, cep: '0491' } } }, 'CEP do pagador: 8 dígitos.'],
		['a name with nothing a bank can read', { payer: { ...title().payer, name: ' ¿? ' } }, 'Informe o nome do pagador.'],
		['an unknown UF', { payer: { ...title().payer, address: { ...title().payer.address, state: 'XX' } } }, 'UF do pagador inválida.'],
		['a due date before the issue date', { dueDate: '2026-11-30' }, 'O vencimento não pode ser anterior à emissão.'],
		['an impossible date', { dueDate: '2026-02-30' }, 'Data inválida: use AAAA-MM-DD.'],
		['cents sent as text', { amountCents: '123,45' }, 'Valor do título: informe um valor em centavos.'],
		['cents that are not whole', { amountCents: 10.5 }, 'Valor do título: valor em centavos inteiros.'],
		['a title of another account', { destination: { bankCode: '756', agency: '4321', account: '11111', wallet: '1' } }, 'é de outra conta de cobrança'],
		['an issue date after the file', { issueDate: '2026-12-03' }, 'A data de emissão não pode ser posterior à geração do arquivo.']
	] as const)('%s', (_name, over, message) => {
		const r = buildRemessa(input({ movements: [{ movement: 'entry', title: title(over as Partial<Title>) }] }));
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.issues.map((i) => i.message).join(' | ')).toContain(message);
	});

	it('the same nosso número twice in one movement', () => {
		const r = buildRemessa(input({ movements: [{ movement: 'entry', title: title() }, { movement: 'entry', title: title({ nossoNumero: '1234' }) }] }));
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toContain('repetido');
	});

	it('a bank outside the table needs its name', () => {
		const r = buildRemessa(input({ settings: { ...settings, bankName: undefined } }));
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toBe('Remessa não gerada: Informe o nome do banco.');
	});
});

describe('Banco do Brasil (001) fills its own convênio and nosso número fields', () => {
	const bb: BankSettings = {
		...settings,
		bankCode: '001',
		bankName: undefined,
		convenio: '1234567',
		wallet: '17',
		walletVariation: '19'
	};
	const bbTitle = title({ nossoNumero: '00000001234', destination: { bankCode: '001', agency: '4321', account: '98765', wallet: '17' } });
	const result = buildRemessa(input({ settings: bb, movements: [{ movement: 'entry', title: bbTitle }] }));

	it('builds, with BB layout versions 083/042 and its name', () => {
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		const lines = linesOf(result.file.content);
		for (const l of lines) expect(l).toHaveLength(240);
		// BB 07.0: convênio(9) 0014 carteira(2) variação(3) and two blanks.
		expect(read(lines[0], FILE_HEADER)).toMatchObject({ bank: '001', convenio: '001234567001417019  ', bankName: 'BANCO DO BRASIL S.A.'.padEnd(30), layout: '083' });
		expect(read(lines[1], BATCH_HEADER)).toMatchObject({ convenio: '001234567001417019  ', layout: '042' });
		// BB 13.3P, 7-digit convênio: convênio(7) + sequence(10), left-aligned; 14.3P: 7 for carteira 17.
		expect(read(lines[2], SEGMENT_P)).toMatchObject({
			nossoNumero: '12345670000001234   ', wallet: '7', species: '19', emission: '0', distribution: '0',
			writeOffCode: '0', writeOffDays: '000', protestCode: '3'
		});
		// BB trailer de lote: only the record count.
		expect(read(lines[5], BATCH_TRAILER)).toMatchObject({ records: '000005', simpleCount: '000000', simpleTotal: '0'.repeat(17) });
	});

	it('refuses a 6-digit convênio, a wallet other than 11/12/17 and a species BB does not take', () => {
		const r = buildRemessa(
			input({
				settings: { ...bb, convenio: '123456', wallet: '31', species: '99' },
				movements: [{ movement: 'entry', title: { ...bbTitle, destination: { ...bbTitle.destination, wallet: '31' } } }]
			})
		);
		expect(r.ok).toBe(false);
		if (!r.ok) {
			const all = r.issues.map((i) => i.message);
			expect(all).toContain('Banco do Brasil: o convênio de cobrança deve ter 7 dígitos (convênios de 4 ou 6 dígitos não são suportados).');
			expect(all).toContain('Banco do Brasil: carteira de cobrança simples 11, 12 ou 17.');
			expect(all).toContain('Banco do Brasil não aceita a espécie 99 na cobrança simples.');
		}
	});

	it('a title paid in part asks less by abatimento (04): the nominal value stays, the difference goes to 34.3P, twice over', () => {
		// BB 07.3P treats no 47 (alteração do valor nominal); its abatimento is "deduzido do valor original".
		const once = loweredTitle('001', bbTitle, 10_000);
		expect(once).toMatchObject({ amountCents: 10_000, nominalCents: 12_345 });
		const twice = loweredTitle('001', once, 4_000);
		expect(twice).toMatchObject({ amountCents: 4_000, nominalCents: 12_345 });
		const r = buildRemessa(input({ settings: bb, movements: [{ movement: 'amount_change', title: twice }] }));
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		const lines = linesOf(r.file.content);
		expect(lines.slice(2, 5).map((l) => `${l[13]}${l.slice(15, 17)}`)).toEqual(['P04', 'Q04', 'R04']);
		expect(read(lines[2], SEGMENT_P)).toMatchObject({ value: num(12_345, 15), rebate: num(8_345, 15), nossoNumero: '12345670000001234   ' });
		// Written off later, the title still says what the bank holds: nominal and abatimento.
		const off = buildRemessa(input({ settings: bb, movements: [{ movement: 'write_off', title: twice }] }));
		expect(off.ok && read(linesOf(off.file.content)[2], SEGMENT_P)).toMatchObject({ movement: '02', value: num(12_345, 15), rebate: num(8_345, 15) });
		// A nominal value below what is asked is refused.
		const wrong = buildRemessa(input({ settings: bb, movements: [{ movement: 'amount_change', title: { ...bbTitle, nominalCents: 100 } }] }));
		expect(wrong.ok).toBe(false);
		if (!wrong.ok) expect(wrong.message).toContain('O valor nominal registrado não pode ser menor que o valor a cobrar.');
	});

	it('refuses a nosso número that does not fit the 10-digit sequence', () => {
		const r = buildRemessa(input({ settings: bb, movements: [{ movement: 'entry', title: { ...bbTitle, nossoNumero: '12345678901' } }] }));
		expect(r.ok).toBe(false);
	});
});

describe('what Banco do Brasil itself writes agrees with our BB table', () => {
	// A real BB 240 retorno (laravel-boleto's fixture): convênio 3294860. Segment T keeps the
	// nosso número at 38-57 like segment P, and the headers keep the convênio where we write it.
	const real = readFileSync(sharedPath('fixtures', 'cnab', 'laravel-boleto-cnab240-banco_brasil.ret'), 'latin1')
		.split(/\r?\n/)
		.filter((l) => l.length > 0);
	const firstT = real.find((l) => l[7] === '3' && l[13] === 'T')!;
	const ours = buildRemessa(
		input({
			settings: { ...settings, bankCode: '001', bankName: undefined, convenio: '3294860', wallet: '17', walletVariation: '19' },
			movements: [
				{
					movement: 'entry',
					title: title({ nossoNumero: '196', destination: { bankCode: '001', agency: '4321', account: '98765', wallet: '17' } })
				}
			]
		})
	);

	it('the same nosso número field for the same title', () => {
		expect(firstT.slice(37, 57)).toBe('32948600000000196   ');
		expect(ours.ok).toBe(true);
		if (ours.ok) expect(read(linesOf(ours.file.content)[2], SEGMENT_P).nossoNumero).toBe(firstT.slice(37, 57));
	});

	it('the same convênio(9) + 0014 at the start of the header convênio fields', () => {
		expect(ours.ok).toBe(true);
		if (!ours.ok) return;
		const [fileHeader, batchHeader] = linesOf(ours.file.content);
		expect(read(fileHeader, FILE_HEADER).convenio.slice(0, 13)).toBe(read(real[0], FILE_HEADER).convenio.slice(0, 13));
		expect(read(batchHeader, BATCH_HEADER).convenio.slice(0, 13)).toBe(read(real[1], BATCH_HEADER).convenio.slice(0, 13));
	});
});

describe('the registration adapter', () => {
	function adapter(sequences: number[]) {
		const taken: number[] = [];
		const a = cnab240Registration({
			settings,
			nextFileSequence: async () => {
				const n = sequences.shift()!;
				taken.push(n);
				return n;
			},
			// 02:30 UTC is still the evening before in São Paulo (UTC−3).
			now: () => new Date('2026-12-07T02:30:15Z')
		});
		return { a, taken };
	}

	it('a moved due date: the old title is written off (02), then its replacement entered (01), in one file', async () => {
		const { a, taken } = adapter([7]);
		const old = title();
		const replacement = title({ nossoNumero: '00000001300', dueDate: '2026-12-20', reference: 'AC7K3M9QXF01R' });
		const r = await a.changeDueDate([{ old, replacement }]);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		const lines = linesOf(r.file.content);
		expect(lines).toHaveLength(10);
		const h = read(lines[0], FILE_HEADER);
		expect([h.nsa, h.date, h.time]).toEqual(['000007', '06122026', '233015']);
		const segments = lines.slice(2, 8).map((l) => `${l[13]}${l.slice(15, 17)}`);
		expect(segments).toEqual(['P02', 'Q02', 'R02', 'P01', 'Q01', 'R01']);
		expect(read(lines[2], SEGMENT_P)).toMatchObject({ nossoNumero: '00000001234'.padEnd(20), dueDate: '10122026' });
		expect(read(lines[5], SEGMENT_P)).toMatchObject({ nossoNumero: '00000001300'.padEnd(20), dueDate: '20122026', seq: '00004' });
		expect(taken).toEqual([7]);
	});

	it('a lower amount elsewhere is a new nominal value (47) with no abatimento', async () => {
		const { a } = adapter([11]);
		const lowered = loweredTitle('756', title({ nominalCents: 12_345 }), 5_000);
		expect(lowered.nominalCents).toBeUndefined();
		const r = await a.changeAmount([lowered]);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		const lines = linesOf(r.file.content);
		expect(lines.slice(2, 5).map((l) => l.slice(15, 17))).toEqual(['47', '47', '47']);
		expect(read(lines[2], SEGMENT_P)).toMatchObject({ value: num(5_000, 15), rebate: num(0, 15) });
	});

	it('write-off alone uses movement 02 on every segment', async () => {
		const { a } = adapter([8]);
		const r = await a.writeOff([title()]);
		expect(r.ok).toBe(true);
		if (r.ok) expect(linesOf(r.file.content).slice(2, 5).map((l) => l.slice(15, 17))).toEqual(['02', '02', '02']);
	});

	it('a refused call takes no file sequence number', async () => {
		const { a, taken } = adapter([9, 10]);
		const same = await a.changeDueDate([{ old: title(), replacement: title({ nossoNumero: '1234', dueDate: '2026-12-20' }) }]);
		expect(same.ok).toBe(false);
		if (!same.ok) expect(same.message).toContain('outro nosso número');
		const capped = await a.register([title({ lateFeeBp: 300 })]);
		expect(capped.ok).toBe(false);
		expect(taken).toEqual([]);
		const ok = await a.register([title()]);
		expect(ok.ok && ok.file.fileSequence).toBe(9);
	});
});

describe('helpers', () => {
	it('São Paulo wall clock', () => {
		expect(saoPauloDateTime(new Date('2026-01-01T12:00:00Z'))).toEqual({ date: '2026-01-01', time: '09:00:00' });
	});

	it('daily interest never exceeds the monthly rate over 30 days', () => {
		expect(dailyInterestCents(300_000, 100)).toBe(100);
		expect(dailyInterestCents(299_999, 100)).toBe(99);
		expect(dailyInterestCents(12_345, 0)).toBe(0);
	});
});

describe('any valid batch of titles', () => {
	it('gives 240-character records, consecutive sequence numbers and trailers that add up', () => {
		const arbTitle = fc.record({
			n: fc.integer({ min: 1, max: 99_999_999_999 }),
			amountCents: fc.integer({ min: 1, max: 9_999_999_999 }),
			lateFeeBp: fc.integer({ min: 0, max: 200 }),
			interestMonthlyBp: fc.integer({ min: 0, max: 100 }),
			name: fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /[A-Za-z0-9]/.test(s)),
			writeOff: fc.boolean()
		});
		fc.assert(
			fc.property(fc.uniqueArray(arbTitle, { minLength: 1, maxLength: 12, selector: (t) => t.n }), (ts) => {
				const r = buildRemessa(
					input({
						movements: ts.map((t) => ({
							movement: t.writeOff ? ('write_off' as const) : ('entry' as const),
							title: title({
								nossoNumero: String(t.n),
								amountCents: t.amountCents,
								lateFeeBp: t.lateFeeBp,
								interestMonthlyBp: t.interestMonthlyBp,
								payer: { ...title().payer, name: t.name }
							})
						}))
					})
				);
				if (!r.ok) throw new Error(r.message);
				const lines = linesOf(r.file.content);
				expect(lines).toHaveLength(3 * ts.length + 4);
				for (const l of lines) expect(l).toMatch(/^[\x20-\x7e]{240}$/);
				lines.slice(2, -2).forEach((l, i) => expect(Number(read(l, SEGMENT_P).seq)).toBe(i + 1));
				const trailer = read(lines[lines.length - 2], BATCH_TRAILER);
				expect(Number(trailer.records)).toBe(3 * ts.length + 2);
				expect(Number(trailer.simpleCount)).toBe(ts.length);
				expect(Number(trailer.simpleTotal)).toBe(ts.reduce((sum, t) => sum + t.amountCents, 0));
				expect(Number(read(lines[lines.length - 1], FILE_TRAILER).records)).toBe(lines.length);
			}),
			{ numRuns: 60 }
		);
	});
});

describe('fixed-width fields', () => {
	it('a record must cover 1–240 without gap or overlap', () => {
		expect(() => record([[1, 3, '001'], [5, 240, ' '.repeat(236)]])).toThrow('esperado 4');
		expect(() => record([[1, 3, '0010']])).toThrow('4 caracteres');
		expect(() => record([[1, 3, '001']])).toThrow('esperado 240');
	});

	it('numbers never overflow silently; text is cut and padded', () => {
		expect(num(42, 5)).toBe('00042');
		expect(() => num(123_456, 5)).toThrow(RangeError);
		expect(() => num(-1, 5)).toThrow(RangeError);
		expect(alpha('Ação çedilha ñ', 10)).toBe('ACAO CEDIL');
		expect(alpha('ab', 4)).toBe('AB  ');
	});
});
