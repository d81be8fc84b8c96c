/**
 * Pix BR Code (EMV® QRCPS Merchant-Presented Mode), static and dynamic codes.
 *
 * Reference: BCB, "Manual de Padrões para Iniciação do Pix" (BR Code) and
 * EMV QR Code Specification for Payment Systems — Merchant-Presented Mode.
 *
 * The TLV is assembled here rather than by `pix-utils`' `createStaticPix`, because
 * pix-utils upper-cases name and city, so it cannot reproduce the BCB's own test vector
 * (`5913Fulano de Tal`). Every code built here is still parsed back with pix-utils'
 * `parsePix` and compared field by field, so an independent implementation vouches for it.
 */
import { parsePix, hasError } from 'pix-utils';
import QRCode from 'qrcode';

export interface PixBrCodeInput {
	/** DICT key exactly as registered: CPF/CNPJ digits, +55 phone, e-mail or EVP (UUID). */
	key: string;
	merchantName: string;
	merchantCity: string;
	/** Integer cents; 0 leaves field 54 out so the payer types the amount. */
	amountCents: number;
	/** Reconciliation id; sanitised to ≤ 25 alphanumerics, `***` when empty. */
	txid?: string;
	/** Free text shown to the payer (26-02). Cut so field 26 stays within 99 characters. */
	description?: string;
}

export interface ParsedBrCode {
	key: string | null;
	/** Payload URL of a dynamic code (26-25), null in a static one. */
	location: string | null;
	/** null when field 54 is absent (payer chooses the amount). */
	amountCents: number | null;
	txid: string | null;
	merchantName: string | null;
	merchantCity: string | null;
	description: string | null;
	crcValid: boolean;
}

// BCB Manual de Padrões para Iniciação do Pix: 59 Merchant Name ≤ 25, 60 Merchant City ≤ 15.
export const PIX_NAME_MAX = 25;
export const PIX_CITY_MAX = 15;
// BCB Manual: in a static code 62-05 (txid) is up to 25 alphanumerics, or `***` when unused.
export const PIX_TXID_MAX = 25;
// DICT: the longest key is an e-mail of up to 77 characters.
const PIX_KEY_MAX = 77;
const PIX_GUI = 'br.gov.bcb.pix';

// Letters that NFD does not decompose into base + combining mark.
const LIGATURES: Record<string, string> = {
	ß: 'ss',
	æ: 'ae',
	Æ: 'AE',
	œ: 'oe',
	Œ: 'OE',
	ø: 'o',
	Ø: 'O',
	đ: 'd',
	Đ: 'D',
	ł: 'l',
	Ł: 'L',
	þ: 'th',
	Þ: 'TH'
};

/**
 * Makes free text safe for a BR Code: strips accents, drops characters bank apps reject
 * (anything outside letters, digits, space and `. , - /`), collapses spaces, trims and cuts
 * to `max`. Bank apps are known to refuse codes with accented or exotic characters even
 * though EMV's `ans` set allows more, so we keep to the subset every app accepts.
 */
export function sanitizePixText(s: string, max: number): string {
	const plain = s
		.replace(/[ßæÆœŒøØđĐłŁþÞ]/g, (c) => LIGATURES[c] ?? '')
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/['’`´]/g, '') // D'Ávila → DAvila, not "D Avila"
		.replace(/[^A-Za-z0-9 .,\-/]/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return plain.slice(0, Math.max(0, max)).trim();
}

function tlv(id: string, value: string): string {
	if (value.length > 99) throw new Error(`Campo ${id} do BR Code excede 99 caracteres`);
	return id + String(value.length).padStart(2, '0') + value;
}

/** CRC16-CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) as 4 uppercase hex digits. */
export function crc16ccitt(s: string): string {
	const bytes = new TextEncoder().encode(s);
	let crc = 0xffff;
	for (const b of bytes) {
		crc ^= b << 8;
		for (let i = 0; i < 8; i++) {
			crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
		}
	}
	return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** Integer cents as the `0.00` form EMV field 54 and the Pix API use. */
export function centsToAmount(cents: number): string {
	const whole = Math.floor(cents / 100);
	const frac = cents % 100;
	return `${whole}.${String(frac).padStart(2, '0')}`;
}

/** `123.45` (at most 2 decimals) as integer cents; null when it is not that form. */
export function amountToCents(amount: string): number | null {
	// EMV: up to 13 characters, digits with an optional '.' and at most 2 decimals.
	const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
	if (!m) return null;
	return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

function sanitizeTxid(txid: string | undefined): string {
	if (txid === undefined || txid === '***') return '***';
	const clean = txid
		.normalize('NFD')
		.replace(/[^A-Za-z0-9]/g, '')
		.slice(0, PIX_TXID_MAX);
	return clean === '' ? '***' : clean;
}

/** Name and city as field 59 and 60 carry them; throws when nothing is left after sanitising. */
function merchantFields(merchantName: string, merchantCity: string): { name: string; city: string } {
	const name = sanitizePixText(merchantName, PIX_NAME_MAX);
	const city = sanitizePixText(merchantCity, PIX_CITY_MAX);
	if (name === '') throw new Error('Nome do recebedor vazio após sanitização');
	if (city === '') throw new Error('Cidade do recebedor vazia após sanitização');
	return { name, city };
}

/** Everything around field 26 (and 54), with the CRC: the part static and dynamic codes share. */
function assemble(opts: { oneTime: boolean; account: string; amountCents: number; name: string; city: string; txid: string }): string {
	const body =
		tlv('00', '01') +
		// BCB Manual: 01 = "12" marks a code that can be paid once (a dynamic charge).
		(opts.oneTime ? tlv('01', '12') : '') +
		tlv('26', opts.account) +
		tlv('52', '0000') +
		tlv('53', '986') + // ISO 4217: BRL
		(opts.amountCents > 0 ? tlv('54', centsToAmount(opts.amountCents)) : '') +
		tlv('58', 'BR') +
		tlv('59', opts.name) +
		tlv('60', opts.city) +
		tlv('62', tlv('05', opts.txid)) +
		'6304';
	return body + crc16ccitt(body);
}

/** Builds a static Pix BR Code and checks it against pix-utils' parser before returning it. */
export function buildPixBrCode(input: PixBrCodeInput): string {
	const key = input.key.trim();
	if (key === '' || key.length > PIX_KEY_MAX || !/^[\x21-\x7e]+$/.test(key)) {
		throw new Error('Chave Pix inválida');
	}
	const { amountCents } = input;
	// EMV field 54 has at most 13 characters ("9999999999.99").
	if (!Number.isSafeInteger(amountCents) || amountCents < 0 || amountCents > 999_999_999_999) {
		throw new RangeError(`Valor Pix inválido: ${amountCents}`);
	}
	const { name, city } = merchantFields(input.merchantName, input.merchantCity);
	const txid = sanitizeTxid(input.txid);

	const gui = tlv('00', PIX_GUI);
	const keyField = tlv('01', key);
	// Field 26 as a whole is limited to 99 characters: the description gets what is left.
	const room = 99 - gui.length - keyField.length - 4;
	const description = input.description ? sanitizePixText(input.description, room) : '';
	const account = gui + keyField + (description ? tlv('02', description) : '');
	const code = assemble({ oneTime: false, account, amountCents, name, city, txid });

	// Second opinion from an independent implementation: a code it rejects never leaves here.
	const check = parsePix(code);
	if (hasError(check) || check.type !== 'STATIC') {
		throw new Error(`BR Code recusado pelo pix-utils: ${hasError(check) ? check.message : check.type}`);
	}
	const checkCents = Math.round((check.transactionAmount ?? 0) * 100);
	if (
		check.pixKey !== key ||
		check.merchantName !== name ||
		check.merchantCity !== city ||
		(check.txid ?? '***') !== txid ||
		checkCents !== amountCents
	) {
		throw new Error('BR Code divergente na verificação com pix-utils');
	}
	return code;
}

export interface DynamicPixBrCodeInput {
	/** The charge's payload URL as the PSP returned it (`loc.location`), with or without `https://`. */
	location: string;
	merchantName: string;
	merchantCity: string;
}

/**
 * A dynamic BR Code for a charge the PSP keeps (`cob`/`cobv`). BCB Manual: field 26-25 carries the
 * payload URL without its scheme; the amount (54) is left out, since the payer's app reads it from
 * the payload, and 62-05 is `***`, since the txid travels in the payload too.
 */
export function buildDynamicPixBrCode(input: DynamicPixBrCodeInput): string {
	const url = input.location.trim().replace(/^https:\/\//i, '');
	if (url === '' || !/^[\x21-\x7e]+$/.test(url) || /^[a-z]+:\/\//i.test(url)) throw new Error('Location do Pix inválida');
	const { name, city } = merchantFields(input.merchantName, input.merchantCity);
	const account = tlv('00', PIX_GUI) + tlv('25', url);
	const code = assemble({ oneTime: true, account, amountCents: 0, name, city, txid: '***' });

	const check = parsePix(code);
	if (hasError(check) || check.type !== 'DYNAMIC') {
		throw new Error(`BR Code recusado pelo pix-utils: ${hasError(check) ? check.message : check.type}`);
	}
	if (check.url !== url || check.merchantName !== name || check.merchantCity !== city) {
		throw new Error('BR Code divergente na verificação com pix-utils');
	}
	return code;
}

interface TlvField {
	id: string;
	value: string;
}

function parseTlv(s: string): TlvField[] {
	const out: TlvField[] = [];
	let i = 0;
	while (i < s.length) {
		if (i + 4 > s.length) throw new Error('BR Code malformado: TLV truncado');
		const id = s.slice(i, i + 2);
		const lenText = s.slice(i + 2, i + 4);
		if (!/^\d{2}$/.test(id) || !/^\d{2}$/.test(lenText)) {
			throw new Error(`BR Code malformado na posição ${i}`);
		}
		const len = Number(lenText);
		const value = s.slice(i + 4, i + 4 + len);
		if (value.length !== len) throw new Error(`BR Code malformado: campo ${id} truncado`);
		out.push({ id, value });
		i += 4 + len;
	}
	return out;
}

const fieldOf = (fields: TlvField[], id: string): string | null =>
	fields.find((f) => f.id === id)?.value ?? null;

/**
 * Reads a static or dynamic BR Code. Throws on a structurally broken TLV; a wrong checksum
 * is reported as `crcValid: false` so the caller can tell the user the code was mistyped.
 */
export function parseBrCode(payload: string): ParsedBrCode {
	const s = payload.trim();
	const fields = parseTlv(s);
	const last = fields.at(-1);
	if (!last || last.id !== '63' || last.value.length !== 4) {
		throw new Error('BR Code sem CRC (campo 63) no final');
	}
	const crcValid = crc16ccitt(s.slice(0, -4)) === last.value.toUpperCase();

	const accountText = fieldOf(fields, '26');
	const account = accountText ? parseTlv(accountText) : [];
	if (accountText && fieldOf(account, '00')?.toLowerCase() !== PIX_GUI) {
		throw new Error('BR Code não é Pix (GUI diferente de br.gov.bcb.pix)');
	}
	const additionalText = fieldOf(fields, '62');
	const additional = additionalText ? parseTlv(additionalText) : [];
	const amountText = fieldOf(fields, '54');

	return {
		key: fieldOf(account, '01'),
		location: fieldOf(account, '25'),
		amountCents: amountText === null ? null : amountToCents(amountText),
		txid: fieldOf(additional, '05'),
		merchantName: fieldOf(fields, '59'),
		merchantCity: fieldOf(fields, '60'),
		description: fieldOf(account, '02'),
		crcValid
	};
}

const TXID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Random uppercase alphanumerics: 25 by default, the longest txid a static code carries (the Pix
 * API's charges take 26–35).
 */
export function newTxid(length: number = PIX_TXID_MAX): string {
	let out = '';
	const buf = new Uint8Array(64);
	while (out.length < length) {
		crypto.getRandomValues(buf);
		for (const b of buf) {
			// 252 = 7 × 36: rejecting the top bytes keeps every character equally likely.
			if (b < 252 && out.length < length) out += TXID_ALPHABET[b % 36];
		}
	}
	return out;
}

// Error correction M: the BCB manual's recommendation balances density and damage tolerance.
export function pixQrSvg(payload: string): Promise<string> {
	return QRCode.toString(payload, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
}

export function pixQrPngBuffer(payload: string, widthPx: number): Promise<Buffer> {
	return QRCode.toBuffer(payload, {
		type: 'png',
		margin: 2,
		errorCorrectionLevel: 'M',
		width: widthPx
	});
}
