/**
 * Reads a bank statement export (OFX): 1.x SGML (`OFXHEADER:100`, leaf tags left open, Windows-1252)
 * and 2.x XML. Pure: bytes in, statements out, no clock and no database. What Brazilian banks send
 * is often not quite the spec (UTF-8 declared as 1252, `123,45`, local times without a zone, a
 * missing FITID): what can be read safely is read and noted in `warnings`; what cannot is an
 * `OfxError` naming the line.
 */
import { createHash } from 'node:crypto';
import { isIsoDate, todayInSaoPaulo } from '../../../format/dates';

export class OfxError extends Error {}

export type OfxAccount = { bankId: string; branchId: string | null; accountId: string; accountType: string | null };

export type OfxTransaction = {
	/** Line of `<STMTTRN>` in the file. */
	line: number;
	trnType: string;
	/** The São Paulo calendar date of DTPOSTED. */
	postedOn: string;
	/** Signed: negative for debits. */
	amountCents: number;
	/** True for money received (a candidate payment). */
	credit: boolean;
	/** The bank's id; synthesized (and warned) when the bank sent none. */
	fitId: string;
	checkNum: string | null;
	refNum: string | null;
	name: string | null;
	memo: string | null;
	payeeId: string | null;
};

export type OfxStatement = { account: OfxAccount; currency: string | null; start: string | null; end: string | null; transactions: OfxTransaction[] };
export type OfxFile = { version: 1 | 2; statements: OfxStatement[]; warnings: string[] };

/** Aggregates (elements holding elements). Every other element is a leaf: its value ends at the next tag. */
const AGGREGATES = new Set([
	'OFX', 'SIGNONMSGSRSV1', 'SONRS', 'STATUS', 'FI', 'BANKMSGSRSV1', 'STMTTRNRS', 'STMTRS', 'BANKACCTFROM', 'BANKACCTTO',
	'BANKTRANLIST', 'STMTTRN', 'LEDGERBAL', 'AVAILBAL', 'BALLIST', 'BAL', 'PAYEE', 'CURRENCY', 'ORIGCURRENCY', 'CCACCTTO',
	'CREDITCARDMSGSRSV1', 'CCSTMTTRNRS', 'CCSTMTRS', 'CCACCTFROM', 'SIGNUPMSGSRSV1', 'MKTGINFO', 'INVSTMTMSGSRSV1'
]);

const DEBIT_TYPES = new Set(['DEBIT', 'PAYMENT', 'CHECK', 'ATM', 'POS', 'FEE', 'SRVCHG', 'CASH', 'DIRECTDEBIT', 'REPEATPMT']);

type Element = { name: string; line: number; value?: string; children: Element[] };

/** Decodes the bytes as the header says, trusting the bytes over the header when they are plainly UTF-8. */
export function decodeOfx(bytes: Uint8Array): { text: string; version: 1 | 2; warnings: string[] } {
	const warnings: string[] = [];
	let data = bytes;
	const bom = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
	if (bom) data = data.subarray(3);
	// Headers are ASCII in every charset the spec allows: read them as latin1 first.
	const head = Buffer.from(data.subarray(0, 2048)).toString('latin1');
	const firstTag = head.indexOf('<');
	const isXml = /^\s*<\?xml/i.test(head) || /<\?OFX\s/i.test(head);
	const isSgml = /^\s*OFXHEADER\s*:/i.test(head);
	if (!isXml && !isSgml) {
		if (firstTag >= 0 && /<OFX>/i.test(head)) warnings.push('O arquivo não tem o cabeçalho OFX (OFXHEADER): lido como OFX 1.x mesmo assim.');
		else throw new OfxError('Este arquivo não é um extrato OFX: falta o cabeçalho OFXHEADER e a marca <OFX>. Exporte o extrato no formato OFX (Money/Quicken) no internet banking.');
	}
	let declared: string;
	if (isXml) {
		declared = (/encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1] ?? 'UTF-8').toUpperCase();
	} else {
		const header = Object.fromEntries(
			head
				.slice(0, firstTag < 0 ? undefined : firstTag)
				.split(/\r\n|\r|\n/)
				.map((l) => /^\s*([A-Z]+)\s*:\s*(.*?)\s*$/i.exec(l))
				.filter((m): m is RegExpExecArray => m !== null)
				.map((m) => [m[1].toUpperCase(), m[2].toUpperCase()])
		);
		if (header.OFXHEADER && header.OFXHEADER !== '100') warnings.push(`Cabeçalho OFXHEADER:${header.OFXHEADER} inesperado (o OFX 1.x usa 100): lido mesmo assim.`);
		declared = header.ENCODING === 'UTF-8' || header.ENCODING === 'UTF8' ? 'UTF-8' : header.CHARSET === 'ISO-8859-1' || header.CHARSET === '8859-1' ? 'ISO-8859-1' : 'WINDOWS-1252';
	}
	const isUtf8 = declared === 'UTF-8' || declared === 'UTF8';
	let text: string;
	const asUtf8 = strictUtf8(data);
	if (isUtf8 || bom) {
		if (asUtf8 === null) {
			text = windows1252(data);
			warnings.push('O arquivo diz UTF-8 mas não é: lido como Windows-1252 (confira os acentos).');
		} else text = asUtf8;
	} else if (asUtf8 !== null && /[^\x00-\x7f]/.test(asUtf8)) {
		// Banks that declare CHARSET:1252 and send UTF-8: Windows-1252 accents are never valid UTF-8.
		text = asUtf8;
		warnings.push('O arquivo diz Windows-1252 mas está em UTF-8: lido como UTF-8.');
	} else {
		text = declared === 'ISO-8859-1' ? Buffer.from(data).toString('latin1') : windows1252(data);
	}
	return { text, version: isXml ? 2 : 1, warnings };
}

// Windows-1252's printable 0x80–0x9f (Node's TextDecoder reads 'windows-1252' as latin1 there).
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function windows1252(data: Uint8Array): string {
	return Buffer.from(data).toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function strictUtf8(data: Uint8Array): string | null {
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(data);
	} catch {
		return null;
	}
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
	return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
		if (e[0] === '#') {
			const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
			return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
		}
		return ENTITIES[e.toLowerCase()] ?? whole;
	});
}

/** Builds the element tree. Leaves close at the next tag (SGML) or at their own end tag (XML). */
function tree(text: string): Element {
	const root: Element = { name: '#root', line: 1, children: [] };
	const stack: Element[] = [root];
	const start = text.search(/<OFX[\s>]/i);
	if (start < 0) throw new OfxError('O arquivo não tem a marca <OFX>: não é um extrato OFX.');
	let line = 1 + countNewlines(text, 0, start);
	const token = /<([/?!]?)([^<>]*)>|([^<]+)/g;
	token.lastIndex = start;
	let m: RegExpExecArray | null;
	const top = () => stack[stack.length - 1];
	while ((m = token.exec(text))) {
		const tokenLine = line;
		line += countNewlines(m[0], 0, m[0].length);
		if (m[3] !== undefined) {
			const value = m[3].trim();
			if (value === '') continue;
			const el = top();
			if (el === root || AGGREGATES.has(el.name)) {
				if (el === root) continue;
				throw new OfxError(`Linha ${tokenLine}: texto solto dentro de <${el.name}> ("${value.slice(0, 40)}").`);
			}
			// Control characters (a NUL from a broken export) are never text: PostgreSQL refuses them.
			el.value = (el.value ?? '') + decodeEntities(value).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
			continue;
		}
		const [, kind, rawName] = m;
		if (kind === '?' || kind === '!') continue;
		const name = rawName.trim().split(/\s/)[0].toUpperCase();
		if (name === '' || !/^[A-Z0-9._]+$/.test(name)) throw new OfxError(`Linha ${tokenLine}: marca inválida <${kind}${rawName.slice(0, 30)}>.`);
		if (kind === '') {
			if (rawName.trim().endsWith('/')) continue; // <MEMO/> in XML: empty.
			if (top() !== root && !AGGREGATES.has(top().name)) stack.pop();
			const el: Element = { name, line: tokenLine, children: [] };
			top().children.push(el);
			stack.push(el);
			continue;
		}
		// An end tag: closes everything up to its element; a leaf's end tag that is no longer open is harmless.
		const at = stack.map((e) => e.name).lastIndexOf(name);
		if (at <= 0) {
			if (AGGREGATES.has(name)) throw new OfxError(`Linha ${tokenLine}: </${name}> fecha uma marca que não foi aberta. O arquivo está incompleto ou corrompido.`);
			continue;
		}
		for (let k = stack.length - 1; k > at; k--) {
			if (AGGREGATES.has(stack[k].name)) throw new OfxError(`Linha ${tokenLine}: </${name}> antes de fechar <${stack[k].name}> (aberta na linha ${stack[k].line}).`);
		}
		stack.length = at;
	}
	const open = stack.slice(1).filter((e) => AGGREGATES.has(e.name));
	if (open.length > 0) throw new OfxError(`O arquivo termina sem fechar <${open[open.length - 1].name}> (aberta na linha ${open[open.length - 1].line}): ele parece cortado. Exporte o extrato de novo.`);
	return root;
}

function countNewlines(s: string, from: number, to: number): number {
	let n = 0;
	for (let k = from; k < to; k++) if (s.charCodeAt(k) === 10) n++;
	return n;
}

function child(el: Element | undefined, name: string): Element | undefined {
	return el?.children.find((c) => c.name === name);
}
function valueOf(el: Element | undefined, name: string): string | null {
	const v = child(el, name)?.value?.trim();
	return v ? v : null;
}
function all(el: Element, name: string, out: Element[] = []): Element[] {
	for (const c of el.children) {
		if (c.name === name) out.push(c);
		else all(c, name, out);
	}
	return out;
}

/**
 * OFX amount to integer cents, from the digits (no float): `123.45`, `123,45`, `-1.234,56`,
 * `1,234.56`, `+50`. A single separator is the decimal one; repeated, it separates thousands.
 * Null when it is not a number or carries fractions of a cent.
 */
export function amountToCents(raw: string): number | null {
	const s = raw.replace(/\s/g, '');
	const m = /^([+-]?)([0-9.,]*[0-9][0-9.,]*)$/.exec(s);
	if (!m) return null;
	const [, sign, body] = m;
	let intPart = body;
	let frac = '';
	const lastDot = body.lastIndexOf('.');
	const lastComma = body.lastIndexOf(',');
	const dots = body.split('.').length - 1;
	const commas = body.split(',').length - 1;
	if (dots > 0 && commas > 0) {
		const decimal = lastDot > lastComma ? '.' : ',';
		if ((decimal === '.' ? dots : commas) > 1) return null;
		const at = Math.max(lastDot, lastComma);
		intPart = body.slice(0, at).replace(/[.,]/g, '');
		frac = body.slice(at + 1);
		if (/[.,]/.test(frac)) return null;
	} else if (dots + commas === 1) {
		const at = Math.max(lastDot, lastComma);
		intPart = body.slice(0, at);
		frac = body.slice(at + 1);
	} else if (dots + commas > 1) {
		if (!/^\d{1,3}([.,]\d{3})+$/.test(body)) return null;
		intPart = body.replace(/[.,]/g, '');
	}
	if (!/^\d*$/.test(intPart) || !/^\d*$/.test(frac) || intPart + frac === '') return null;
	if (/[1-9]/.test(frac.slice(2))) return null;
	const cents = Number(intPart || '0') * 100 + Number((frac + '00').slice(0, 2));
	if (!Number.isSafeInteger(cents)) return null;
	return sign === '-' ? -cents : cents;
}

/**
 * OFX date to the São Paulo calendar date: `20261130`, `20261130120000`, `20261130120000.000`,
 * `20261130120000[-3:BRT]`, `[+5.30:IST]`, `[-0300]`. With a zone, the instant is placed in São
 * Paulo; without one the date is taken as written (Brazilian banks write their local time with no
 * zone, though the spec would read it as GMT: the day on the bank's own statement is the one kept).
 */
export function dateToSaoPaulo(raw: string): string | null {
	const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:[.,]\d{1,6})?)?)?\s*(?:\[\s*([+-]?\d+(?:[.,]\d+)?)?\s*(?::[^\]]*)?\])?$/.exec(raw.trim());
	if (!m) return null;
	const [, y, mo, d, hh, mi, ss, zone] = m;
	const date = `${y}-${mo}-${d}`;
	if (!isIsoDate(date)) return null;
	if (hh === undefined || zone === undefined) {
		if (hh !== undefined && (Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? 0) > 59)) return null;
		return date;
	}
	if (Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? 0) > 59) return null;
	let offsetMinutes: number;
	const z = zone.replace(',', '.');
	const digits = z.replace(/^[+-]/, '');
	if (/^\d{4}$/.test(digits)) offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * (z.startsWith('-') ? -1 : 1);
	else offsetMinutes = Math.round(Number(z) * 60);
	if (!Number.isFinite(offsetMinutes) || Math.abs(offsetMinutes) > 14 * 60) return null;
	const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi), Number(ss ?? 0)) - offsetMinutes * 60_000;
	return todayInSaoPaulo(new Date(utc));
}

/** Parses a statement file. Throws `OfxError` (pt-BR, with the line) when it cannot be read safely. */
export function parseOfx(bytes: Uint8Array): OfxFile {
	const { text, version, warnings } = decodeOfx(bytes);
	const root = tree(text);
	const ofx = child(root, 'OFX');
	if (!ofx) throw new OfxError('O arquivo não tem a marca <OFX>: não é um extrato OFX.');
	const status = child(child(child(ofx, 'SIGNONMSGSRSV1'), 'SONRS'), 'STATUS');
	const code = valueOf(status, 'CODE');
	if (code && code !== '0') throw new OfxError(`O banco gerou o arquivo com erro (código ${code}${valueOf(status, 'MESSAGE') ? `: ${valueOf(status, 'MESSAGE')}` : ''}): exporte o extrato de novo.`);

	const statements: OfxStatement[] = [];
	for (const rs of all(ofx, 'STMTRS')) statements.push(statement(rs, warnings));
	if (statements.length === 0) {
		if (all(ofx, 'CCSTMTRS').length > 0) throw new OfxError('Este é um extrato de cartão de crédito: envie o extrato da conta corrente onde os pagamentos caem.');
		throw new OfxError('O arquivo não traz extrato de conta (<STMTRS>): exporte o extrato da conta corrente em OFX.');
	}
	return { version, statements, warnings };
}

function statement(rs: Element, warnings: string[]): OfxStatement {
	const from = child(rs, 'BANKACCTFROM');
	const bankId = valueOf(from, 'BANKID');
	const accountId = valueOf(from, 'ACCTID');
	if (!from || !accountId) throw new OfxError(`Linha ${rs.line}: o extrato não diz de que conta é (<BANKACCTFROM> com <ACCTID>).`);
	if (!bankId) warnings.push(`A conta ${accountId} veio sem o código do banco (<BANKID>).`);
	const account: OfxAccount = { bankId: bankId ?? '', branchId: valueOf(from, 'BRANCHID'), accountId, accountType: valueOf(from, 'ACCTTYPE') };
	const list = child(rs, 'BANKTRANLIST');
	const when = (name: string) => {
		const raw = valueOf(list, name);
		if (!raw) return null;
		const d = dateToSaoPaulo(raw);
		if (!d) warnings.push(`Data ${name} "${raw}" ilegível: ignorada.`);
		return d;
	};
	const transactions: OfxTransaction[] = [];
	const seen = new Map<string, number>();
	for (const t of list?.children.filter((c) => c.name === 'STMTTRN') ?? []) {
		const tx = transaction(t, warnings);
		// Some banks repeat a FITID inside one file for different entries: keep them apart.
		const n = seen.get(tx.fitId) ?? 0;
		seen.set(tx.fitId, n + 1);
		if (n > 0) {
			warnings.push(`Linha ${t.line}: o identificador ${tx.fitId} se repete no arquivo; o lançamento foi mantido separado.`);
			tx.fitId = `${tx.fitId}#${n + 1}`;
		}
		transactions.push(tx);
	}
	return { account, currency: valueOf(rs, 'CURDEF'), start: when('DTSTART'), end: when('DTEND'), transactions };
}

function transaction(t: Element, warnings: string[]): OfxTransaction {
	const amountRaw = valueOf(t, 'TRNAMT');
	const postedRaw = valueOf(t, 'DTPOSTED');
	if (!amountRaw) throw new OfxError(`Linha ${t.line}: lançamento sem valor (<TRNAMT>).`);
	if (!postedRaw) throw new OfxError(`Linha ${t.line}: lançamento sem data (<DTPOSTED>).`);
	const amountCents = amountToCents(amountRaw);
	if (amountCents === null) throw new OfxError(`Linha ${child(t, 'TRNAMT')!.line}: valor "${amountRaw}" ilegível (use 123.45 ou 123,45).`);
	const postedOn = dateToSaoPaulo(postedRaw);
	if (!postedOn) throw new OfxError(`Linha ${child(t, 'DTPOSTED')!.line}: data "${postedRaw}" ilegível (o OFX usa AAAAMMDD, com hora e fuso opcionais).`);
	const trnType = (valueOf(t, 'TRNTYPE') ?? 'OTHER').toUpperCase();
	const name = valueOf(t, 'NAME') ?? valueOf(child(t, 'PAYEE'), 'NAME');
	const memo = valueOf(t, 'MEMO');
	let fitId = valueOf(t, 'FITID');
	if (!fitId) {
		// Same entry, same id across exports: built from what the entry says.
		fitId = 'sem-fitid:' + createHash('sha256').update([postedOn, amountCents, trnType, name, memo, valueOf(t, 'CHECKNUM'), valueOf(t, 'REFNUM')].join('|')).digest('hex').slice(0, 20);
		warnings.push(`Linha ${t.line}: lançamento sem identificador do banco (<FITID>).`);
	}
	let credit = amountCents > 0;
	if (credit && DEBIT_TYPES.has(trnType)) {
		credit = false;
		warnings.push(`Linha ${t.line}: lançamento do tipo ${trnType} com valor positivo: tratado como débito, não como recebimento.`);
	}
	return { line: t.line, trnType, postedOn, amountCents, credit, fitId, checkNum: valueOf(t, 'CHECKNUM'), refNum: valueOf(t, 'REFNUM'), name, memo, payeeId: valueOf(t, 'PAYEEID') };
}
