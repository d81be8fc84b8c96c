/**
 * Writes bank return files for tests and benchmarks: CNAB 400 (Bradesco) and CNAB 240 (Banco do
 * Brasil, FEBRABAN positions), field by field at the manuals' 1-based positions, so our own
 * nosso números come back the way a bank would send them.
 */

export type Movement = {
	/** The bank's movement code ('06' paid, '02' entry confirmed, '03' rejected…). */
	code: string;
	nossoNumero: string;
	paidCents?: number;
	faceValueCents?: number;
	/** YYYY-MM-DD */
	occurredOn?: string;
	dueDate?: string;
	/** Reason codes, two digits each. */
	reasons?: string[];
};

function put(line: string[], from: number, to: number, value: string): void {
	const width = to - from + 1;
	if (value.length > width) throw new Error(`${value} não cabe em ${from}-${to}`);
	for (let k = 0; k < width; k++) line[from - 1 + k] = value[k] ?? ' ';
}
const num = (v: number | string, w: number) => String(v).padStart(w, '0');
const alpha = (v: string, w: number) => v.padEnd(w, ' ');
const ddmmyy = (iso?: string) => (iso ? `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(2, 4)}` : '000000');
const ddmmyyyy = (iso?: string) => (iso ? `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(0, 4)}` : '00000000');

/** Bradesco CNAB 400 retorno. `nossoNumero` is our 11 digits; the bank adds its check digit. */
export function cnab400Bradesco(opts: { agency: string; account: string; generatedOn: string; sequence?: number; movements: Movement[] }): string {
	const lines: string[] = [];
	const h = Array(400).fill(' ');
	put(h, 1, 26, '02RETORNO01COBRANCA       ');
	put(h, 27, 46, num(1234567, 20));
	put(h, 47, 76, alpha('CREDOR TESTE LTDA', 30));
	put(h, 77, 79, '237');
	put(h, 80, 94, alpha('BRADESCO', 15));
	put(h, 95, 100, ddmmyy(opts.generatedOn));
	put(h, 101, 108, '01600000');
	put(h, 109, 113, num(opts.sequence ?? 1, 5));
	put(h, 395, 400, num(1, 6));
	lines.push(h.join(''));
	opts.movements.forEach((m, k) => {
		const l = Array(400).fill(' ');
		put(l, 1, 1, '1');
		put(l, 2, 3, '02');
		put(l, 4, 17, num('12345678000195', 14));
		put(l, 18, 20, '000');
		put(l, 21, 24, '0009');
		put(l, 25, 29, num(opts.agency, 5));
		put(l, 30, 37, num(opts.account, 7) + '0');
		put(l, 38, 62, alpha(`ACERTO ${m.nossoNumero}`, 25));
		put(l, 63, 70, num(0, 8));
		put(l, 71, 82, num(m.nossoNumero, 11) + '0');
		put(l, 109, 110, m.code);
		put(l, 111, 116, ddmmyy(m.occurredOn));
		put(l, 117, 126, alpha(m.nossoNumero.slice(-10), 10));
		put(l, 147, 152, ddmmyy(m.dueDate));
		put(l, 153, 165, num(m.faceValueCents ?? 0, 13));
		put(l, 166, 168, '237');
		put(l, 169, 173, num(opts.agency, 5));
		for (const [a, b] of [[176, 188], [189, 201], [202, 214], [215, 227], [228, 240], [241, 253]]) put(l, a, b, num(0, b - a + 1));
		put(l, 254, 266, num(m.paidCents ?? 0, 13));
		put(l, 267, 279, num(0, 13));
		put(l, 280, 292, num(0, 13));
		put(l, 296, 301, ddmmyy(m.occurredOn));
		put(l, 319, 328, alpha((m.reasons ?? []).join(''), 10).replace(/ /g, '0'));
		put(l, 395, 400, num(k + 2, 6));
		lines.push(l.join(''));
	});
	const t = Array(400).fill(' ');
	put(t, 1, 4, '9201');
	put(t, 5, 7, '237');
	put(t, 395, 400, num(opts.movements.length + 2, 6));
	lines.push(t.join(''));
	return lines.join('\r\n') + '\r\n';
}

/** Banco do Brasil CNAB 240 retorno, segments T and U. Nosso número: convênio (7) + our number (10). */
export function cnab240BancoDoBrasil(opts: { convenio: string; agency: string; account: string; generatedOn: string; sequence?: number; movements: Movement[] }): string {
	const lines: string[] = [];
	const line = () => Array(240).fill(' ');
	const h = line();
	put(h, 1, 8, '00100000');
	put(h, 18, 18, '2');
	put(h, 19, 32, num('12345678000195', 14));
	put(h, 33, 52, alpha(num(opts.convenio, 9) + '0014' + '17' + '019', 20));
	put(h, 53, 57, num(opts.agency.slice(0, -1), 5));
	put(h, 58, 58, opts.agency.slice(-1));
	put(h, 59, 70, num(opts.account.slice(0, -1), 12));
	put(h, 71, 71, opts.account.slice(-1));
	put(h, 73, 102, alpha('CREDOR TESTE LTDA', 30));
	put(h, 103, 132, alpha('BANCO DO BRASIL', 30));
	put(h, 143, 143, '2');
	put(h, 144, 151, ddmmyyyy(opts.generatedOn));
	put(h, 152, 157, '120000');
	put(h, 158, 163, num(opts.sequence ?? 1, 6));
	put(h, 164, 166, '083');
	lines.push(h.join(''));
	const bh = line();
	put(bh, 1, 17, '00100011T0100020 ');
	put(bh, 18, 18, '2');
	put(bh, 19, 33, num('12345678000195', 15));
	lines.push(bh.join(''));
	let n = 0;
	for (const m of opts.movements) {
		const t = line();
		put(t, 1, 8, '00100013');
		put(t, 9, 13, num(++n, 5));
		put(t, 14, 14, 'T');
		put(t, 16, 17, m.code);
		put(t, 18, 22, num(opts.agency.slice(0, -1), 5));
		put(t, 23, 23, opts.agency.slice(-1));
		put(t, 24, 35, num(opts.account.slice(0, -1), 12));
		put(t, 36, 36, opts.account.slice(-1));
		put(t, 38, 57, alpha(num(opts.convenio, 7) + num(BigInt(m.nossoNumero).toString(), 10), 20));
		put(t, 58, 58, '7');
		put(t, 59, 73, alpha(m.nossoNumero.slice(-10), 15));
		put(t, 74, 81, ddmmyyyy(m.dueDate));
		put(t, 82, 96, num(m.faceValueCents ?? 0, 15));
		put(t, 97, 99, '001');
		put(t, 100, 105, num(opts.agency, 6));
		put(t, 106, 130, alpha(`ACERTO ${m.nossoNumero}`, 25));
		put(t, 131, 132, '09');
		put(t, 133, 133, '1');
		put(t, 134, 148, num('52998224725', 15));
		put(t, 149, 188, alpha('PESSOA TESTE', 40));
		put(t, 199, 213, num(0, 15));
		put(t, 214, 223, alpha((m.reasons ?? []).join(''), 10));
		lines.push(t.join(''));
		const u = line();
		put(u, 1, 8, '00100013');
		put(u, 9, 13, num(++n, 5));
		put(u, 14, 14, 'U');
		put(u, 16, 17, m.code);
		for (const [a, b] of [[18, 32], [33, 47], [48, 62], [63, 77]]) put(u, a, b, num(0, 15));
		put(u, 78, 92, num(m.paidCents ?? 0, 15));
		put(u, 93, 107, num(m.paidCents ?? 0, 15));
		put(u, 108, 122, num(0, 15));
		put(u, 123, 137, num(0, 15));
		put(u, 138, 145, ddmmyyyy(m.occurredOn));
		put(u, 146, 153, ddmmyyyy(m.occurredOn));
		lines.push(u.join(''));
	}
	const bt = line();
	put(bt, 1, 8, '00100015');
	put(bt, 18, 23, num(n + 2, 6));
	lines.push(bt.join(''));
	const ft = line();
	put(ft, 1, 8, '00199999');
	put(ft, 18, 23, num(1, 6));
	put(ft, 24, 29, num(n + 4, 6));
	lines.push(ft.join(''));
	return lines.join('\n') + '\n';
}
