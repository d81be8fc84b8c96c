/**
 * Boleto registration: the bank is told which titles to register (entrada), which to write off
 * (pedido de baixa) and which now ask less (after a partial payment: alteração do valor nominal,
 * or an abatimento where the bank takes no other way) in a CNAB 240 remessa file, FEBRABAN
 * layout v10.6, with per-bank departures in `banks.ts`. Pure: the file sequence number and the generation time come in.
 *
 * One lot (serviço 01 cobrança, operação R) holds every title; each title is segments P (the
 * title), Q (the payer) and R (the fine), all with the same movement code.
 */
import { z } from 'zod';
import { MAX_AMOUNT_CENTS } from '../../../format/money';
import { addDays, isIsoDate } from '../../../format/dates';
import { documentKind, normalizeDocument } from '../../../format/document';
import { UFS } from '../../../format/contact';
import { alpha, blanks, cnabText, ddmmyyyy, hhmmss, num, record, zeros, type Field } from './fixed';
import { bankLayout, type BankLayout } from './banks';

// CDC art. 52 §1: a consumer late fee is at most 2 %.
export const MAX_LATE_FEE_BP = 200;
// Default interest (juros de mora) on a slip: at most 1 % a month, charged pro rata per day.
export const MAX_INTEREST_MONTHLY_BP = 100;
// Segment sequence (G038) has 5 digits and each title takes 3 records.
export const MAX_TITLES_PER_FILE = 33_000;

/** FEBRABAN C004, the movements we send; a bank may send a lower amount its own way (`banks.ts`). */
export const MOVEMENT_CODES = { entry: '01', write_off: '02', amount_change: '47' } as const;
export type Movement = keyof typeof MOVEMENT_CODES;

const isoDate = z.string().refine(isIsoDate, 'Data inválida: use AAAA-MM-DD.');
const digits = (label: string, max: number) =>
	z.string().trim().regex(new RegExp(`^\\d{1,${max}}$`), `${label}: de 1 a ${max} dígitos.`);
const checkDigit = (label: string) =>
	z
		.string()
		.trim()
		.toUpperCase()
		.regex(/^[0-9X]?$/, `${label}: um dígito ou X.`)
		.default('');
/** Free text that still says something once reduced to CNAB's characters. */
const text = (message: string) =>
	z
		.string()
		.trim()
		.refine((t) => cnabText(t) !== '', message);
const bankCode = z.string().regex(/^\d{3}$/, 'Código do banco: 3 dígitos.');
const document = (label: string) =>
	z
		.string()
		.transform(normalizeDocument)
		.refine((d) => documentKind(d) !== null, `${label}: CPF ou CNPJ inválido.`);
const cents = (label: string) =>
	z
		.number({ error: `${label}: informe um valor em centavos.` })
		.int(`${label}: valor em centavos inteiros.`)
		.min(1, `${label}: valor deve ser positivo.`)
		.max(MAX_AMOUNT_CENTS, `${label}: acima de R$ 99.999.999,99.`);

export const bankSettingsSchema = z.object({
	bankCode,
	bankName: z.string().trim().min(1, 'Nome do banco: até 30 caracteres.').max(30, 'Nome do banco: até 30 caracteres.').optional(),
	/** Convênio / código do beneficiário, as the bank gave it. */
	convenio: z
		.string()
		.trim()
		.regex(/^[0-9A-Za-z]{1,20}$/, 'Convênio: até 20 letras ou dígitos.'),
	agency: digits('Agência', 5),
	agencyDigit: checkDigit('Dígito da agência'),
	account: digits('Conta', 12),
	accountDigit: checkDigit('Dígito da conta'),
	/** The bank's carteira (e.g. BB 17); `walletVariation` is BB's variação. */
	wallet: digits('Carteira', 3),
	walletVariation: digits('Variação da carteira', 3).optional(),
	companyDocument: document('Documento do beneficiário'),
	companyName: text('Informe o nome do beneficiário.'),
	/** Days after the due date when the bank writes off an unpaid title (C029). */
	writeOffAfterDays: z
		.number({ error: 'Prazo de baixa: de 1 a 999 dias.' })
		.int()
		.min(1, 'Prazo de baixa: de 1 a 999 dias.')
		.max(999, 'Prazo de baixa: de 1 a 999 dias.'),
	/** FEBRABAN C015; each bank's table has a default. */
	species: z
		.string()
		.regex(/^\d{2}$/, 'Espécie do título: 2 dígitos.')
		.optional()
});
export type BankSettings = z.input<typeof bankSettingsSchema>;

const payerSchema = z.object({
	document: document('Documento do pagador'),
	name: text('Informe o nome do pagador.'),
	address: z.object({
		street: text('Informe o endereço do pagador.'),
		district: z.string().trim().default(''),
		cep: z
			.string()
			.transform((c) => c.replace(/\D/g, ''))
			.refine((c) => /^\d{8}$/.test(c) && c !== '00000000', 'CEP do pagador: 8 dígitos.'),
		city: text('Informe a cidade do pagador.'),
		state: z
			.string()
			.trim()
			.toUpperCase()
			.pipe(z.enum(UFS, 'UF do pagador inválida.'))
	})
});

export const titleSchema = z
	.object({
		/** The installment's nosso número, digits only, without a check digit. */
		nossoNumero: z
			.string()
			.trim()
			.regex(/^\d{1,20}$/, 'Nosso número: de 1 a 20 dígitos.'),
		/** Número do documento printed on the slip (C011), e.g. the agreement code and installment. */
		documentNumber: z
			.string()
			.trim()
			.min(1, 'Informe o número do documento.')
			.max(15, 'Número do documento: até 15 caracteres.'),
		/** Our id for the title, returned in the retorno (G072): the installment's txid. */
		reference: z.string().regex(/^[A-Za-z0-9]{1,25}$/, 'Identificação do título: até 25 letras ou dígitos.'),
		/** Where the installment's money goes, as frozen on it; must be the file's account. */
		destination: z.object({
			bankCode,
			agency: digits('Agência do título', 5),
			account: digits('Conta do título', 12),
			wallet: digits('Carteira do título', 3)
		}),
		issueDate: isoDate,
		dueDate: isoDate,
		/** What the slip asks now. */
		amountCents: cents('Valor do título'),
		/**
		 * The nominal value the bank keeps when it lowers a title by an abatimento instead of a new
		 * nominal value (Banco do Brasil): segment P says this, and the difference as abatimento.
		 */
		nominalCents: cents('Valor nominal registrado').optional(),
		lateFeeBp: z
			.number({ error: 'Multa: informe em centésimos de ponto percentual (200 = 2%).' })
			.int()
			.min(0, 'Multa inválida.')
			.max(MAX_LATE_FEE_BP, 'A multa por atraso não pode passar de 2% (CDC art. 52, § 1º).'),
		interestMonthlyBp: z
			.number({ error: 'Juros: informe em centésimos de ponto percentual ao mês (100 = 1%).' })
			.int()
			.min(0, 'Juros inválidos.')
			.max(MAX_INTEREST_MONTHLY_BP, 'Os juros de mora não podem passar de 1% ao mês.'),
		/** A fixed discount for paying until a date (code 1, C021). */
		discount: z
			.object({ amountCents: cents('Desconto'), until: isoDate })
			.nullable()
			.default(null),
		payer: payerSchema
	})
	.superRefine((t, ctx) => {
		if (isIsoDate(t.issueDate) && isIsoDate(t.dueDate) && t.dueDate < t.issueDate) {
			ctx.addIssue({ code: 'custom', path: ['dueDate'], message: 'O vencimento não pode ser anterior à emissão.' });
		}
		if (t.nominalCents !== undefined && t.nominalCents < t.amountCents) {
			ctx.addIssue({ code: 'custom', path: ['nominalCents'], message: 'O valor nominal registrado não pode ser menor que o valor a cobrar.' });
		}
		if (t.discount && t.discount.amountCents >= t.amountCents) {
			ctx.addIssue({ code: 'custom', path: ['discount', 'amountCents'], message: 'O desconto deve ser menor que o valor do título.' });
		}
		if (t.discount && t.discount.until > t.dueDate) {
			ctx.addIssue({ code: 'custom', path: ['discount', 'until'], message: 'O desconto não pode valer depois do vencimento.' });
		}
	});
export type Title = z.input<typeof titleSchema>;
type ParsedTitle = z.output<typeof titleSchema>;

export const remessaInputSchema = z.object({
	settings: bankSettingsSchema,
	/** NSA (G018), also the batch's número remessa (G079): one more for every file sent. */
	fileSequence: z
		.number({ error: 'Número sequencial do arquivo: de 1 a 999999.' })
		.int()
		.min(1, 'Número sequencial do arquivo: de 1 a 999999.')
		.max(999_999, 'Número sequencial do arquivo: de 1 a 999999.'),
	/** Wall-clock date and time in São Paulo when the file is generated. */
	generatedAt: z.object({
		date: isoDate,
		time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'Hora inválida: use HH:MM:SS.')
	}),
	movements: z
		.array(z.object({ movement: z.enum(['entry', 'write_off', 'amount_change']), title: titleSchema }))
		.min(1, 'Nenhum título para a remessa.')
		.max(MAX_TITLES_PER_FILE, `No máximo ${MAX_TITLES_PER_FILE} títulos por remessa.`)
});
export type RemessaInput = z.input<typeof remessaInputSchema>;
type ParsedInput = z.output<typeof remessaInputSchema>;
type ParsedSettings = ParsedInput['settings'];

export interface RemessaIssue {
	path: string;
	message: string;
}

export interface RemessaFile {
	fileName: string;
	/** CRLF after every record, each exactly 240 ASCII characters. */
	content: string;
	fileSequence: number;
	titleCount: number;
	totalCents: number;
}

export type RemessaResult =
	| { ok: true; file: RemessaFile }
	| { ok: false; message: string; issues: RemessaIssue[] };

const sameNumber = (a: string, b: string): boolean => a.replace(/^0+/, '') === b.replace(/^0+/, '');

/** Checks across fields and titles that zod's per-field rules cannot see. */
function crossCheck(input: ParsedInput): RemessaIssue[] {
	const s = input.settings;
	const layout = bankLayout(s.bankCode);
	const issues: RemessaIssue[] = layout.checkSettings(s).map((message) => ({ path: 'settings', message }));
	if (!layout.bankName && !s.bankName) issues.push({ path: 'settings.bankName', message: 'Informe o nome do banco.' });
	const seen = new Set<string>();
	input.movements.forEach(({ movement, title }, i) => {
		const path = `movements.${i}.title`;
		const d = title.destination;
		if (
			d.bankCode !== s.bankCode ||
			!sameNumber(d.agency, s.agency) ||
			!sameNumber(d.account, s.account) ||
			!sameNumber(d.wallet, s.wallet)
		) {
			issues.push({
				path: `${path}.destination`,
				message: `O título ${title.nossoNumero} é de outra conta de cobrança (banco, agência, conta ou carteira).`
			});
		}
		if (title.issueDate > input.generatedAt.date) {
			issues.push({ path: `${path}.issueDate`, message: 'A data de emissão não pode ser posterior à geração do arquivo.' });
		}
		const nossoNumeroProblem = layout.checkNossoNumero(title.nossoNumero);
		if (nossoNumeroProblem) issues.push({ path: `${path}.nossoNumero`, message: nossoNumeroProblem });
		const key = `${movement}:${BigInt(title.nossoNumero)}`;
		if (seen.has(key)) {
			issues.push({ path: `${path}.nossoNumero`, message: `Nosso número ${title.nossoNumero} repetido na remessa.` });
		}
		seen.add(key);
	});
	return issues;
}

function zodIssues(error: z.ZodError): RemessaIssue[] {
	return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** Validates the input; on success, the parsed values the renderer needs. */
export function parseRemessaInput(
	input: unknown
): { ok: true; input: ParsedInput } | { ok: false; message: string; issues: RemessaIssue[] } {
	const parsed = remessaInputSchema.safeParse(input);
	const issues = parsed.success ? crossCheck(parsed.data) : zodIssues(parsed.error);
	if (issues.length > 0) return { ok: false, message: `Remessa não gerada: ${issues[0].message}`, issues };
	return { ok: true, input: parsed.data! };
}

/** Builds the remessa, or says in pt-BR why it cannot. Nothing else changes either way. */
export function buildRemessa(input: RemessaInput): RemessaResult {
	const parsed = parseRemessaInput(input);
	if (!parsed.ok) return parsed;
	return { ok: true, file: render(parsed.input) };
}

const BATCH = '0001';

function inscriptionType(doc: string): string {
	// G005: 1 = CPF, 2 = CNPJ (the only two accepted in cobrança since 2015).
	return documentKind(doc) === 'cpf' ? '1' : '2';
}

// G006 is numeric; an alphanumeric CNPJ (IN RFB 2.229/2024) is written as it is, right-aligned
// with zeros, as FEBRABAN's note on the alphanumeric CNPJ keeps the field's position and width.
function inscription(doc: string, width: number): string {
	return doc.padStart(width, '0');
}

function render(input: ParsedInput): RemessaFile {
	const s = input.settings;
	const layout = bankLayout(s.bankCode);
	const lines: string[] = [fileHeader(input, layout), batchHeader(input, layout)];
	let seq = 0;
	let totalCents = 0;
	for (const { movement, title } of input.movements) {
		const code = movement === 'amount_change' ? layout.amountChange.code : MOVEMENT_CODES[movement];
		lines.push(segmentP(s, layout, ++seq, code, title));
		lines.push(segmentQ(s, ++seq, code, title));
		lines.push(segmentR(s, ++seq, code, title));
		totalCents += title.amountCents;
	}
	const titleCount = input.movements.length;
	lines.push(batchTrailer(s, layout, seq + 2, titleCount, totalCents));
	lines.push(fileTrailer(s, lines.length + 1));
	const date = input.generatedAt.date.replaceAll('-', '');
	return {
		fileName: `REM_${s.bankCode}_${date}_${num(input.fileSequence, 6)}.REM`,
		content: lines.map((l) => l + '\r\n').join(''),
		fileSequence: input.fileSequence,
		titleCount,
		totalCents
	};
}

/** Agency(5) DV(1) account(12) DV(1) DV ag/conta(1), as in G008–G012. */
function accountFields(s: ParsedSettings): string {
	return num(s.agency, 5) + alpha(s.agencyDigit, 1) + num(s.account, 12) + alpha(s.accountDigit, 1) + blanks(1);
}

function fileHeader(input: ParsedInput, layout: BankLayout): string {
	const s = input.settings;
	const f: Field[] = [
		[1, 3, s.bankCode],
		[4, 7, '0000'],
		[8, 8, '0'],
		[9, 17, blanks(9)],
		[18, 18, inscriptionType(s.companyDocument)],
		[19, 32, inscription(s.companyDocument, 14)],
		[33, 52, layout.convenioField(s)],
		[53, 72, accountFields(s)],
		[73, 102, alpha(s.companyName, 30)],
		[103, 132, alpha(s.bankName ?? layout.bankName ?? '', 30)],
		[133, 142, blanks(10)],
		[143, 143, '1'], // G015: remessa
		[144, 151, ddmmyyyy(input.generatedAt.date)],
		[152, 157, hhmmss(input.generatedAt.time)],
		[158, 163, num(input.fileSequence, 6)],
		[164, 166, layout.fileLayoutVersion],
		[167, 171, '01600'], // G020: 1600 BPI
		[172, 191, blanks(20)],
		[192, 211, blanks(20)],
		[212, 240, blanks(29)]
	];
	return record(f);
}

function batchHeader(input: ParsedInput, layout: BankLayout): string {
	const s = input.settings;
	const f: Field[] = [
		[1, 3, s.bankCode],
		[4, 7, BATCH],
		[8, 8, '1'],
		[9, 9, 'R'], // G028: arquivo remessa
		[10, 11, '01'], // G025: cobrança
		[12, 13, blanks(2)],
		[14, 16, layout.batchLayoutVersion],
		[17, 17, blanks(1)],
		[18, 18, inscriptionType(s.companyDocument)],
		[19, 33, inscription(s.companyDocument, 15)],
		[34, 53, layout.convenioField(s)],
		[54, 73, accountFields(s)],
		[74, 103, alpha(s.companyName, 30)],
		[104, 143, blanks(40)],
		[144, 183, blanks(40)],
		[184, 191, num(input.fileSequence, 8)],
		[192, 199, ddmmyyyy(input.generatedAt.date)],
		[200, 207, zeros(8)],
		[208, 240, blanks(33)]
	];
	return record(f);
}

function detailStart(s: ParsedSettings, seq: number, segment: string, code: string): Field[] {
	return [
		[1, 3, s.bankCode],
		[4, 7, BATCH],
		[8, 8, '3'],
		[9, 13, num(seq, 5)],
		[14, 14, segment],
		[15, 15, blanks(1)],
		[16, 17, code]
	];
}

/** Juros de mora per day, in cents: the monthly rate over 30 days, rounded down so it never exceeds it. */
export function dailyInterestCents(amountCents: number, monthlyBp: number): number {
	return Math.floor((amountCents * monthlyBp) / (10_000 * 30));
}

function segmentP(s: ParsedSettings, layout: BankLayout, seq: number, code: string, t: ParsedTitle): string {
	const perDay = dailyInterestCents(t.amountCents, t.interestMonthlyBp);
	// C018: '1' = valor por dia, from the day after the due date (C019); '3' = isento.
	const interest = perDay > 0 ? '1' + ddmmyyyy(addDays(t.dueDate, 1)) + num(perDay, 15) : '3' + zeros(8) + zeros(15);
	// C021: '1' = valor fixo até a data informada; '0' = sem desconto.
	const discount = t.discount
		? '1' + ddmmyyyy(t.discount.until) + num(t.discount.amountCents, 15)
		: '0' + zeros(8) + zeros(15);
	const f: Field[] = [
		...detailStart(s, seq, 'P', code),
		[18, 37, accountFields(s)],
		[38, 57, layout.nossoNumeroField(s, t.nossoNumero)],
		[58, 58, layout.walletCode(s)],
		[59, 59, '1'], // C007: com cadastramento (cobrança registrada)
		[60, 60, '1'], // C008: tradicional
		[61, 61, layout.emission],
		[62, 62, layout.distribution],
		[63, 77, alpha(t.documentNumber, 15)],
		[78, 85, ddmmyyyy(t.dueDate)],
		[86, 100, num(t.nominalCents ?? t.amountCents, 15)],
		[101, 105, zeros(5)], // C014: the bank picks the collecting branch by the payer's CEP
		[106, 106, blanks(1)],
		[107, 108, s.species ?? layout.defaultSpecies],
		[109, 109, 'N'], // C016: não aceite, the payer signed no acceptance
		[110, 117, ddmmyyyy(t.issueDate)],
		[118, 141, interest],
		[142, 165, discount],
		[166, 180, zeros(15)], // IOF
		[181, 195, num((t.nominalCents ?? t.amountCents) - t.amountCents, 15)], // abatimento (G045)
		[196, 220, alpha(t.reference, 25)],
		// C026 '3' = não protestar: a portal agreement is never sent to protest automatically.
		[221, 221, '3'],
		[222, 223, zeros(2)],
		[224, 227, layout.writeOffFields(s.writeOffAfterDays)],
		[228, 229, '09'], // G065: real
		[230, 239, zeros(10)],
		[240, 240, blanks(1)]
	];
	return record(f);
}

function segmentQ(s: ParsedSettings, seq: number, code: string, t: ParsedTitle): string {
	const p = t.payer;
	const f: Field[] = [
		...detailStart(s, seq, 'Q', code),
		[18, 18, inscriptionType(p.document)],
		[19, 33, inscription(p.document, 15)],
		[34, 73, alpha(p.name, 40)],
		[74, 113, alpha(p.address.street, 40)],
		[114, 128, alpha(p.address.district, 15)],
		[129, 136, p.address.cep], // CEP(5) + sufixo(3)
		[137, 151, alpha(p.address.city, 15)],
		[152, 153, p.address.state],
		// Sacador/avalista: none, the creditor is the original beneficiary.
		[154, 154, '0'],
		[155, 169, zeros(15)],
		[170, 209, blanks(40)],
		[210, 212, zeros(3)],
		[213, 232, blanks(20)],
		[233, 240, blanks(8)]
	];
	return record(f);
}

function segmentR(s: ParsedSettings, seq: number, code: string, t: ParsedTitle): string {
	// G073 '2' = percentual, from the day after the due date (G074); bp are hundredths of a
	// percent, exactly the field's two decimals. '0' = no fine.
	const fine = t.lateFeeBp > 0 ? '2' + ddmmyyyy(addDays(t.dueDate, 1)) + num(t.lateFeeBp, 15) : '0' + zeros(8) + zeros(15);
	const f: Field[] = [
		...detailStart(s, seq, 'R', code),
		[18, 41, '0' + zeros(8) + zeros(15)], // desconto 2
		[42, 65, '0' + zeros(8) + zeros(15)], // desconto 3
		[66, 89, fine],
		[90, 99, blanks(10)],
		[100, 139, blanks(40)],
		[140, 179, blanks(40)],
		[180, 199, blanks(20)],
		[200, 207, zeros(8)],
		// Débito automático: not used.
		[208, 210, zeros(3)],
		[211, 215, zeros(5)],
		[216, 216, blanks(1)],
		[217, 228, zeros(12)],
		[229, 230, blanks(2)],
		[231, 231, '0'],
		[232, 240, blanks(9)]
	];
	return record(f);
}

function batchTrailer(s: ParsedSettings, layout: BankLayout, records: number, titles: number, totalCents: number): string {
	const [count, sum] = layout.batchTotals ? [titles, totalCents] : [0, 0];
	const f: Field[] = [
		[1, 3, s.bankCode],
		[4, 7, BATCH],
		[8, 8, '5'],
		[9, 17, blanks(9)],
		[18, 23, num(records, 6)],
		[24, 29, num(count, 6)], // cobrança simples
		[30, 46, num(sum, 17)],
		[47, 115, zeros(69)], // vinculada, caucionada, descontada
		[116, 123, blanks(8)],
		[124, 240, blanks(117)]
	];
	return record(f);
}

function fileTrailer(s: ParsedSettings, records: number): string {
	const f: Field[] = [
		[1, 3, s.bankCode],
		[4, 7, '9999'],
		[8, 8, '9'],
		[9, 17, blanks(9)],
		[18, 23, num(1, 6)],
		[24, 29, num(records, 6)],
		[30, 35, zeros(6)],
		[36, 240, blanks(205)]
	];
	return record(f);
}

/** A due date moves: the old title is written off and its replacement (a new nosso número) entered. */
export interface DueDateChange {
	old: Title;
	replacement: Title;
}

/** What the bank is asked; an adapter that answers through an API would return receipts instead of a file. */
export type RegistrationResult = RemessaResult;

/** How a bank registration is asked for, whatever carries it (a remessa file here). */
export type RegistrationAdapter = {
	/** Entrada de títulos (01). */
	register(titles: Title[]): Promise<RegistrationResult>;
	/** Pedido de baixa (02): the titles stop being payable. */
	writeOff(titles: Title[]): Promise<RegistrationResult>;
	/**
	 * A changed due date is a new registration: each old title is written off (02) and its
	 * replacement entered (01), write-offs first, in one file.
	 */
	changeDueDate(changes: DueDateChange[]): Promise<RegistrationResult>;
	/** A lower amount (47, or the bank's own way): each title from `loweredTitle`, its amount what is left to pay. */
	changeAmount(titles: Title[]): Promise<RegistrationResult>;
};

const saoPauloClock = new Intl.DateTimeFormat('en-GB', {
	timeZone: 'America/Sao_Paulo',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	second: '2-digit',
	hourCycle: 'h23'
});

/** São Paulo's wall-clock date and time at `at`, as the file header wants them. */
export function saoPauloDateTime(at: Date): { date: string; time: string } {
	const p = Object.fromEntries(saoPauloClock.formatToParts(at).map((x) => [x.type, x.value]));
	return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}` };
}

function changeIssues(changes: DueDateChange[]): RemessaIssue[] {
	const issues: RemessaIssue[] = [];
	changes.forEach(({ old, replacement }, i) => {
		if (sameNumber(String(old.nossoNumero).trim(), String(replacement.nossoNumero).trim())) {
			issues.push({
				path: `changes.${i}.replacement.nossoNumero`,
				message: 'O novo título precisa de outro nosso número: o banco não registra de novo um título baixado.'
			});
		}
		if (old.dueDate === replacement.dueDate) {
			issues.push({ path: `changes.${i}.replacement.dueDate`, message: 'O novo vencimento é igual ao anterior.' });
		}
	});
	return issues;
}

/**
 * The title the bank holds once told that `registered` now asks `toCents`: a new nominal value
 * (FEBRABAN 47), or, where the bank keeps the nominal value, the same one with the difference as
 * abatimento (`nominalCents`).
 */
export function loweredTitle(bankCode: string, registered: Title, toCents: number): Title {
	const { nominalCents, ...rest } = registered;
	if (!bankLayout(bankCode).amountChange.keepsNominal) return { ...rest, amountCents: toCents };
	return { ...rest, nominalCents: nominalCents ?? registered.amountCents, amountCents: toCents };
}

/**
 * The CNAB 240 registration: every call yields one remessa file. The file sequence (NSA) is
 * only taken once the titles are known to be valid, so a refused call leaves no gap.
 */
export function cnab240Registration(deps: {
	settings: BankSettings;
	nextFileSequence: () => Promise<number>;
	now: () => Date;
}): RegistrationAdapter {
	async function fileFor(movements: RemessaInput['movements']): Promise<RegistrationResult> {
		const draft = { settings: deps.settings, fileSequence: 1, generatedAt: saoPauloDateTime(deps.now()), movements };
		const checked = parseRemessaInput(draft);
		if (!checked.ok) return checked;
		return buildRemessa({ ...draft, fileSequence: await deps.nextFileSequence() });
	}
	return {
		register: (titles) => fileFor(titles.map((title) => ({ movement: 'entry', title }))),
		writeOff: (titles) => fileFor(titles.map((title) => ({ movement: 'write_off', title }))),
		changeAmount: (titles) => fileFor(titles.map((title) => ({ movement: 'amount_change', title }))),
		async changeDueDate(changes) {
			const issues = changeIssues(changes);
			if (issues.length > 0) return { ok: false, message: `Remessa não gerada: ${issues[0].message}`, issues };
			return fileFor([
				...changes.map(({ old }) => ({ movement: 'write_off' as const, title: old })),
				...changes.map(({ replacement }) => ({ movement: 'entry' as const, title: replacement }))
			]);
		}
	};
}
