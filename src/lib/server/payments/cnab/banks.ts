/**
 * Where a bank's CNAB 240 remessa departs from the FEBRABAN layout (v10.6), in the fields we
 * fill. One table per bank; every other bank gets FEBRABAN's generic reading, which its own
 * "particularidades" manual may still refine: add its table here before sending it files.
 */
import { alpha, blanks, num } from './fixed';

export interface LayoutSettings {
	convenio: string;
	wallet: string;
	walletVariation?: string;
	species?: string;
}

export interface BankLayout {
	/** Header de arquivo 20.0 (164-166) and header de lote 07.1 (14-16). */
	fileLayoutVersion: string;
	batchLayoutVersion: string;
	/** Header de arquivo 14.0 (103-132), when the settings do not name the bank. */
	bankName: string | null;
	/** Segment P 24.3P (107-108) when the settings do not choose; `allowedSpecies` when restricted. */
	defaultSpecies: string;
	allowedSpecies: readonly string[] | null;
	/** Header de arquivo 07.0 (33-52) and header de lote 11.1 (34-53): 20 characters. */
	convenioField(s: LayoutSettings): string;
	/** Segment P 13.3P (38-57): 20 characters. */
	nossoNumeroField(s: LayoutSettings, nossoNumero: string): string;
	/** Segment P 14.3P (58), FEBRABAN C006. */
	walletCode(s: LayoutSettings): string;
	/** Segment P 17.3P (61) and 18.3P (62): who prints and who delivers the slip (C009, C010). */
	emission: string;
	distribution: string;
	/** Segment P 38.3P (224) and 39.3P (225-227): write off and return unpaid titles after N days. */
	writeOffFields(days: number): string;
	/** Trailer de lote 06.5/07.5: count and sum of the titles (cobrança simples). */
	batchTotals: boolean;
	/**
	 * How a registered title is told to ask less (after a partial payment): the movement code
	 * (C004) and whether the nominal value stays, the difference going as abatimento (34.3P).
	 */
	amountChange: { code: string; keepsNominal: boolean };
	/** pt-BR problems with these settings, for this bank. */
	checkSettings(s: LayoutSettings): string[];
	/** A pt-BR problem with this nosso número for this bank, or null. */
	checkNossoNumero(nossoNumero: string): string | null;
}

const generic: BankLayout = {
	// FEBRABAN v10.6: file layout '103' (G019 default), batch '060' (G030 default of 07.1).
	fileLayoutVersion: '103',
	batchLayoutVersion: '060',
	bankName: null,
	// C015 '99' = Outros: an agreement installment is none of the commercial papers listed.
	defaultSpecies: '99',
	allowedSpecies: null,
	convenioField: (s) => alpha(s.convenio, 20),
	nossoNumeroField: (_s, nossoNumero) => alpha(nossoNumero, 20),
	// C006 '1' = cobrança simples.
	walletCode: () => '1',
	// C009 '2' = cliente emite, C010 '2' = cliente distribui: the portal issues and sends the slip.
	emission: '2',
	distribution: '2',
	// C028 '1' = baixar / devolver, C029 days after the due date.
	writeOffFields: (days) => '1' + num(days, 3),
	batchTotals: true,
	// C004 '47': alteração do valor nominal.
	amountChange: { code: '47', keepsNominal: false },
	checkSettings: () => [],
	// The schema already limits it to 20 digits, the width of 13.3P.
	checkNossoNumero: () => null
};

// BB "Particularidades BB — Leiaute CNAB 240" (2017): the 7-digit convênio is the one in use
// today; 4- and 6-digit convênios carry a check digit in the nosso número that we do not compute.
const BB_WALLET_CODE: Record<string, string> = { '11': '1', '12': '1', '17': '7' };
// BB, 24.3P: species accepted for carteiras 11 and 17, modalidade simples.
const BB_SPECIES = ['01', '02', '04', '06', '07', '12', '17', '19', '26', '27', '28', '29'] as const;

const bancoDoBrasil: BankLayout = {
	// BB: file layout 083 goes with batch layout 042 (notes to 20.0 and 07.1).
	fileLayoutVersion: '083',
	batchLayoutVersion: '042',
	bankName: 'BANCO DO BRASIL S.A.',
	// '19' = Nota de Débito: BB sends only DM, DR, DS, LC and dívida ativa to protest, never this.
	defaultSpecies: '19',
	allowedSpecies: BB_SPECIES,
	// BB 07.0 / 11.1: convênio(9) + '0014' (cobrança cedente) + carteira(2) + variação(3) + 2 blanks.
	convenioField: (s) => num(s.convenio, 9) + '0014' + num(s.wallet, 2) + num(s.walletVariation ?? '', 3) + blanks(2),
	// BB 13.3P, convênio of 7 digits: convênio(7) + sequence(10), no check digit, left-aligned.
	nossoNumeroField: (s, nossoNumero) =>
		alpha(num(s.convenio, 7) + num(String(BigInt(nossoNumero)), 10), 20),
	walletCode: (s) => BB_WALLET_CODE[num(s.wallet, 2)] ?? '',
	// BB 17.3P, 18.3P: not read; zero leaves it to what the convênio registered.
	emission: '0',
	distribution: '0',
	// BB 38.3P, 39.3P: not read ("informar zeros"); the carteira's registration decides.
	writeOffFields: () => '0000',
	// BB trailer de lote: only the record count; "informar zeros e brancos" after it.
	batchTotals: false,
	// BB 07.3P lists no 47 among the movements it treats: a lower amount is '04' (concessão de
	// abatimento), the nominal value kept and the abatimento "deduzido do valor original" (34.3P).
	amountChange: { code: '04', keepsNominal: true },
	checkSettings(s) {
		const problems: string[] = [];
		if (!/^\d{7}$/.test(s.convenio)) {
			problems.push('Banco do Brasil: o convênio de cobrança deve ter 7 dígitos (convênios de 4 ou 6 dígitos não são suportados).');
		}
		if (!BB_WALLET_CODE[s.wallet.padStart(2, '0')]) {
			problems.push('Banco do Brasil: carteira de cobrança simples 11, 12 ou 17.');
		}
		if (s.walletVariation === undefined) problems.push('Banco do Brasil: informe a variação da carteira.');
		if (s.species !== undefined && !(BB_SPECIES as readonly string[]).includes(s.species)) {
			problems.push(`Banco do Brasil não aceita a espécie ${s.species} na cobrança simples.`);
		}
		return problems;
	},
	checkNossoNumero: (nossoNumero) =>
		BigInt(nossoNumero) > 9_999_999_999n
			? `Banco do Brasil: o nosso número ${nossoNumero} passa de 10 dígitos de sequência.`
			: null
};

const LAYOUTS: Record<string, BankLayout> = { '001': bancoDoBrasil };

export function bankLayout(bankCode: string): BankLayout {
	return LAYOUTS[bankCode] ?? generic;
}
