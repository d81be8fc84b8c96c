import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBoletoPdf, type BoletoData } from '../../src/lib/server/payments/boleto/pdf';
import {
	bradescoNossoNumeroDigit,
	buildBarcode,
	freeField,
	linhaDigitavel
} from '../../src/lib/server/payments/boleto/barcode';
import { buildPixBrCode } from '../../src/lib/server/payments/pix/brcode';

/** Runs a poppler/zbar tool; a missing tool fails the test loudly instead of skipping it. */
function run(tool: string, args: string[]): string {
	const r = spawnSync(tool, args, { encoding: 'utf8' });
	if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
		throw new Error(
			`${tool} não está instalado: a verificação do PDF precisa de poppler-utils (pdftotext, pdftoppm) e zbar-tools (zbarimg). apt-get install -y poppler-utils zbar-tools`
		);
	}
	if (r.error) throw r.error;
	return r.stdout;
}

function boletoData(): BoletoData {
	const amountCents = 123456;
	const dueDate = '2026-12-10';
	const ff = freeField('237', { agency: '1229', wallet: '25', nossoNumero: '00000001000', account: '469' });
	const barcode = buildBarcode({ bankCode: '237', dueDate, amountCents, freeField: ff });
	return {
		beneficiary: {
			name: 'Loja Exemplo Comércio de Roupas Ltda',
			cnpj: '12.345.678/0001-95',
			address: 'Av. Paulista, 1000, sala 12 — Bela Vista, São Paulo/SP, CEP 01310-100'
		},
		payer: {
			name: 'Maria da Conceição Souza',
			document: '123.456.789-09',
			address: 'Rua das Flores, 45, apto 12 — Centro, Belo Horizonte/MG, CEP 30110-000'
		},
		bankCode: '237',
		agency: '1229-0',
		account: '0000469-1',
		wallet: '25',
		nossoNumero: `25/00000001000-${bradescoNossoNumeroDigit('25', '00000001000')}`,
		documentNumber: 'AC-7K3M-9QXF 01/06',
		dueDate,
		amountCents,
		linha: linhaDigitavel(barcode),
		barcode,
		pixPayload: buildPixBrCode({
			key: '12345678000195',
			merchantName: 'Loja Exemplo Comércio',
			merchantCity: 'São Paulo',
			amountCents,
			txid: 'AC7K3M9QXF01'
		}),
		instructions: [
			'Parcela 1 de 6 do acordo AC-7K3M-9QXF.',
			'Pagável em qualquer banco, app ou pelo Pix até o vencimento.'
		],
		processedAt: '2026-11-20T13:05:00Z'
	};
}

describe('boleto PDF', () => {
	let dir: string;
	let pdfPath: string;
	let pdf: Buffer;
	const data = boletoData();

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'acerto-boleto-'));
		pdf = await renderBoletoPdf(data);
		pdfPath = join(dir, 'boleto.pdf');
		writeFileSync(pdfPath, pdf);
	});

	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('is a one-page PDF', () => {
		expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
		expect(run('pdfinfo', [pdfPath])).toMatch(/Pages:\s+1\n/);
	});

	it('prints the linha digitável, bank code, CNPJ, amount, due date and payer', () => {
		const text = run('pdftotext', ['-layout', pdfPath, '-']).replace(/[ \t]+/g, ' ');
		expect(text).toContain(data.linha);
		expect(text).toContain('237-2');
		expect(text).toContain('12.345.678/0001-95');
		expect(text).toContain('R$ 1.234,56');
		expect(text).toContain('10/12/2026');
		expect(text).toContain('123.456.789-09');
		expect(text).toContain('Pagável em qualquer banco ou pelo Pix');
		expect(text).toContain('Pague com Pix');
	});

	it('has a scannable I2of5 barcode and Pix QR code at 200 dpi', { timeout: 30_000 }, () => {
		run('pdftoppm', ['-r', '200', '-png', pdfPath, join(dir, 'page')]);
		const png = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'));
		expect(png, 'pdftoppm não gerou a página').toBeDefined();
		const symbols = run('zbarimg', ['-q', join(dir, png!)]).trim().split('\n');
		expect(symbols).toContain(`I2/5:${data.barcode}`);
		expect(symbols).toContain(`QR-Code:${data.pixPayload}`);
	});

	it('refuses to print a linha that does not match the barcode', async () => {
		const other = linhaDigitavel(
			buildBarcode({ bankCode: '237', dueDate: '2026-12-11', amountCents: 123456, freeField: '0'.repeat(25) })
		);
		await expect(renderBoletoPdf({ ...data, linha: other })).rejects.toThrow(/Linha digitável/);
		await expect(renderBoletoPdf({ ...data, amountCents: 100 })).rejects.toThrow(/Valor/);
	});
});
