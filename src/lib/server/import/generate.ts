import fs from 'node:fs';
import { once } from 'node:events';
import { formatDocument, generateCnpj, generateCpf } from '../../format/document';
import { addDays, formatDateBR, todayInSaoPaulo } from '../../format/dates';
import { formatBRL } from '../../format/money';
import { UFS } from '../../format/contact';
import { csvLine } from '../../format/csv';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS } from './rows';

/**
 * Writes a portfolio CSV the way a creditor's Excel would (pt-BR: `;`, CRLF, `1.234,56`,
 * `DD/MM/AAAA`, punctuated CPF/CNPJ), deterministic for a seed: for tests and the benchmark.
 */

export type GenerateOptions = {
	rows: number;
	/** The creditor every row belongs to. */
	creditorCnpj: string;
	separator?: ';' | ',';
	seed?: number;
	/** windows-1252 is what Excel writes for "CSV (separado por vírgulas)" on a Brazilian Windows. */
	encoding?: 'utf-8' | 'windows-1252';
	/** A UTF-8 byte-order mark, as Excel's "CSV UTF-8" writes. */
	bom?: boolean;
	/** Due dates are 1 to 1,800 days before this date. */
	today?: string;
	/** Prefix of the debt ids (`CT-00000001`). */
	debtIdPrefix?: string;
};

export type GenerateResult = { rows: number; debtors: number; bytes: number };

const FIRST = ['Maria', 'José', 'Ana', 'João', 'Antônio', 'Francisca', 'Carlos', 'Luíza', 'Paulo', 'Adriana', 'Lucas', 'Juliana', 'Márcio', 'Fernanda', 'Sebastião', 'Patrícia', 'Raimundo', 'Cláudia', 'Thiago', 'Conceição'];
const LAST = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'Araújo', 'Ribeiro', 'Carvalho', 'Conceição', 'Simões', 'Gonçalves', 'Magalhães', 'Assunção'];
const COMPANY = ['Padaria Pão de Mel', 'Mercadinho São João', 'Oficina Irmãos Araújo', 'Confecções Estrela', 'Farmácia Boa Saúde', 'Restaurante Sabor & Cia', 'Papelaria Ação'];
const ITEMS = ['Geladeira Frost Free 375 L - carnê', 'Cartão de crédito - fatura', 'Smart TV 50" - carnê', 'Mensalidade escolar', 'Empréstimo pessoal - contrato', 'Conta de energia', 'Plano de internet - mensalidades', 'Colchão casal; cama box - carnê'];
const DOMAINS = ['gmail.com', 'hotmail.com', 'outlook.com', 'yahoo.com.br', 'uol.com.br', 'bol.com.br'];
const DDDS = ['11', '21', '31', '41', '51', '61', '71', '81', '85', '91', '62', '27', '48', '19', '13'];

/** mulberry32: small, fast and good enough for test data. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function ascii(s: string): string {
	return s
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '.');
}

export async function generateCsv(filePath: string, options: GenerateOptions): Promise<GenerateResult> {
	const sep = options.separator ?? ';';
	const rng = seededRandom(options.seed ?? 1);
	const today = options.today ?? todayInSaoPaulo();
	const prefix = options.debtIdPrefix ?? 'CT-';
	const encoding = options.encoding === 'windows-1252' ? 'latin1' : 'utf8';
	const pick = <T>(list: readonly T[]) => list[Math.floor(rng() * list.length)];
	const creditor = formatDocument(options.creditorCnpj);

	const out = fs.createWriteStream(filePath);
	let bytes = 0;
	const write = async (text: string) => {
		const buf = Buffer.from(text, encoding);
		bytes += buf.length;
		if (!out.write(buf)) await once(out, 'drain');
	};
	if (options.bom && encoding === 'utf8') {
		bytes += 3;
		out.write(Buffer.from([0xef, 0xbb, 0xbf]));
	}
	await write([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].join(sep) + '\r\n');

	let debtors = 0;
	let person: string[] = [];
	let chunk = '';
	for (let i = 0; i < options.rows; i++) {
		// About a third of the debtors owe more than one debt: the next row repeats them.
		if (i === 0 || rng() >= 0.35) {
			debtors++;
			const kind = rng();
			const company = kind >= 0.9;
			const document = company ? generateCnpj(rng, kind >= 0.98) : generateCpf(rng);
			const name = company ? `${pick(COMPANY)} Ltda.` : `${pick(FIRST)} ${pick(LAST)} ${pick(LAST)}`;
			const hasPhone = rng() < 0.85;
			const hasEmail = !hasPhone || rng() < 0.6;
			const subscriber = String(Math.floor(rng() * 1e8)).padStart(8, '0');
			const phone = hasPhone ? `(${pick(DDDS)}) 9${subscriber.slice(0, 4)}-${subscriber.slice(4)}` : '';
			const email = hasEmail ? `${ascii(name).replace(/\.$/, '')}${Math.floor(rng() * 1000)}@${pick(DOMAINS)}` : '';
			person = [formatDocument(document), name, phone, email, pick(UFS)];
		}
		const due = addDays(today, -(1 + Math.floor(rng() * 1800)));
		// Log-uniform from R$ 50 to R$ 50.000: many small debts, a few large ones.
		const cents = Math.round(5000 * Math.pow(1000, rng()));
		const fee = rng();
		const row = [
			creditor,
			...person,
			`${prefix}${String(i + 1).padStart(8, '0')}`,
			`${pick(ITEMS)} ${String(1 + Math.floor(rng() * 12)).padStart(2, '0')}/${due.slice(0, 4)}`,
			formatDateBR(due),
			formatBRL(cents).replace('R$ ', ''),
			fee < 0.7 ? '2,00' : fee < 0.9 ? '' : '1,5',
			rng() < 0.8 ? '1,00' : ''
		];
		chunk += csvLine(row, sep);
		if (chunk.length > 1 << 20) {
			await write(chunk);
			chunk = '';
		}
	}
	if (chunk) await write(chunk);
	out.end();
	await once(out, 'finish');
	return { rows: options.rows, debtors, bytes };
}
