import { randomUUID } from 'node:crypto';

/**
 * OFX 1.x statements as a bank exports them (SGML, CRLF, Windows-1252), for tests that need a
 * statement naming their own installments.
 */
export type Entry = { fitId: string; postedOn: string; amountCents: number; memo: string; name?: string; refNum?: string; type?: string };

const cents = (c: number) => `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
const day = (iso: string) => iso.replaceAll('-', '');

export function ofxStatement(opts: { bankId?: string; branchId?: string; accountId?: string; start: string; end: string; entries: Entry[] }): Buffer {
	const trns = opts.entries
		.map((e) =>
			[
				'<STMTTRN>',
				`<TRNTYPE>${e.type ?? (e.amountCents < 0 ? 'DEBIT' : 'CREDIT')}`,
				`<DTPOSTED>${day(e.postedOn)}120000[-03:EST]`,
				`<TRNAMT>${cents(e.amountCents)}`,
				`<FITID>${e.fitId}`,
				...(e.refNum ? [`<REFNUM>${e.refNum}`] : []),
				...(e.name ? [`<NAME>${e.name}`] : []),
				`<MEMO>${e.memo}`,
				'</STMTTRN>'
			].join('\r\n')
		)
		.join('\r\n');
	const text = [
		'OFXHEADER:100', 'DATA:OFXSGML', 'VERSION:102', 'SECURITY:NONE', 'ENCODING:USASCII', 'CHARSET:1252', 'COMPRESSION:NONE', 'OLDFILEUID:NONE', 'NEWFILEUID:NONE', '',
		'<OFX>', '<SIGNONMSGSRSV1>', '<SONRS>', '<STATUS>', '<CODE>0', '<SEVERITY>INFO', '</STATUS>', `<DTSERVER>${day(opts.end)}`, '<LANGUAGE>POR', '</SONRS>', '</SIGNONMSGSRSV1>',
		'<BANKMSGSRSV1>', '<STMTTRNRS>', '<TRNUID>1', '<STATUS>', '<CODE>0', '<SEVERITY>INFO', '</STATUS>', '<STMTRS>', '<CURDEF>BRL',
		'<BANKACCTFROM>', `<BANKID>${opts.bankId ?? '0341'}`, `<BRANCHID>${opts.branchId ?? '1234'}`, `<ACCTID>${opts.accountId ?? '56789-0'}`, '<ACCTTYPE>CHECKING', '</BANKACCTFROM>',
		'<BANKTRANLIST>', `<DTSTART>${day(opts.start)}`, `<DTEND>${day(opts.end)}`, trns, '</BANKTRANLIST>',
		'<LEDGERBAL>', '<BALAMT>1000.00', `<DTASOF>${day(opts.end)}`, '</LEDGERBAL>', '</STMTRS>', '</STMTTRNRS>', '</BANKMSGSRSV1>', '</OFX>', ''
	].join('\r\n');
	// Windows-1252 = latin1 for the accents these tests use.
	return Buffer.from(text, 'latin1');
}

/** A Pix end-to-end id as the Central Bank shapes it, new each call. */
export function endToEndId(postedOn: string): string {
	return `E60701190${day(postedOn)}1200${randomUUID().replaceAll('-', '').slice(0, 11)}`;
}
