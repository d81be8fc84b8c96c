import { z } from 'zod';
import { isValidCnpj, isValidCpf, normalizeDocument } from '../format/document';
import { isValidEmail, normalizePhoneBR } from '../format/contact';

/**
 * A new creditor, as the CLI (`acerto creditor add`) and the admin form send it. Field names
 * are the creditor's columns. Optional text fields accept '' (what an empty form input sends).
 */

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,40}$/;
const HOST_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EVP_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const capitalized = (label: string) => {
	const bare = label.replace(/^(?:o|a) /, '');
	return bare[0].toUpperCase() + bare.slice(1);
};

const text = (label: string, max: number) =>
	z
		.string({ error: `Informe ${label}.` })
		.trim()
		.min(1, `Informe ${label}.`)
		.max(max, `${capitalized(label)}: no máximo ${max} caracteres.`);

const cnpj = (what: string) =>
	z
		.string({ error: `Informe o CNPJ ${what}.` })
		.trim()
		.min(1, `Informe o CNPJ ${what}.`)
		.transform(normalizeDocument)
		// IN RFB 2.229/2024: alphanumeric CNPJs are valid too.
		.refine(isValidCnpj, `CNPJ ${what} inválido: confira os caracteres e os dígitos verificadores.`);

const digits = (label: string, max: number) =>
	z
		.string()
		.trim()
		.regex(new RegExp(`^\\d{1,${max}}$`), `${label}: use até ${max} dígitos.`)
		.transform((v) => v.padStart(max, '0'));

/** The Pix key types of the DICT: CPF/CNPJ, e-mail, phone (+55…) or random key (EVP). Returns the key as DICT writes it. */
export function normalizePixKey(input: string): string | null {
	const s = input.trim();
	if (EVP_PATTERN.test(s.toLowerCase())) return s.toLowerCase();
	if (s.includes('@')) return isValidEmail(s) ? s.toLowerCase() : null;
	if (s.startsWith('+')) return normalizePhoneBR(s);
	const doc = normalizeDocument(s);
	if (isValidCpf(doc) || isValidCnpj(doc)) return doc;
	return null;
}

/** `…, São Paulo/SP, CEP 01310-100` or `… - Belo Horizonte - MG` → the city, for the Pix merchant city. */
export function cityFromAddress(address: string): string | null {
	const m = /(?:^|[,-])\s*([^,/-]+?)\s*[/-]\s*[A-Z]{2}\b/.exec(address);
	return m ? m[1].trim() : null;
}

export const creditorSchema = z
	.object({
		cnpj: cnpj('do credor'),
		legalName: text('a razão social', 200),
		slug: z
			.string({ error: 'Informe o identificador (slug) do credor.' })
			.trim()
			.regex(
				SLUG_PATTERN,
				'Identificador (slug) inválido: de 2 a 41 caracteres, letras minúsculas, números e hífens, começando por letra ou número.'
			),
		displayName: optional(text('o nome de exibição', 80)),
		// CDC art. 42-A: every collection document names the creditor with its CNPJ and address.
		address: text('o endereço', 300),
		primaryColor: optional(
			z
				.string()
				.trim()
				.regex(/^#[0-9a-fA-F]{6}$/, 'Cor inválida: use o formato #rrggbb, por exemplo #1d4ed8.')
				.transform((v) => v.toLowerCase())
		),
		host: optional(
			z
				.string()
				.trim()
				.toLowerCase()
				.regex(HOST_PATTERN, 'Domínio inválido: use só o nome, por exemplo negocie.credor.com.br (sem https:// nem porta).')
		),
		pixKey: optional(
			z
				.string()
				.trim()
				.transform((v, ctx) => {
					const key = normalizePixKey(v);
					if (!key) {
						ctx.addIssue({
							code: 'custom',
							message: 'Chave Pix inválida: use CNPJ, CPF, e-mail, telefone (+55…) ou chave aleatória.'
						});
						return z.NEVER;
					}
					return key;
				})
		),
		pixMerchantName: optional(text('o nome do recebedor Pix', 100)),
		pixMerchantCity: optional(text('a cidade do recebedor Pix', 60)),
		boletoBankCode: optional(z.string().trim().regex(/^\d{3}$/, 'Banco: use o código de 3 dígitos, por exemplo 237.')),
		boletoAgency: optional(digits('Agência', 4)),
		boletoAccount: optional(digits('Conta', 7)),
		boletoWallet: optional(digits('Carteira', 2)),
		agencyCnpj: optional(cnpj('da assessoria')),
		agencyName: optional(text('o nome da assessoria', 200))
	})
	.transform((c, ctx) => {
		const displayName = c.displayName ?? c.legalName;
		const pixMerchantCity = c.pixMerchantCity ?? (c.address ? cityFromAddress(c.address) : null);
		if (!pixMerchantCity) {
			ctx.addIssue({
				code: 'custom',
				path: ['pixMerchantCity'],
				message: 'Informe a cidade do recebedor Pix, ou um endereço que termine em "Cidade/UF".'
			});
			return z.NEVER;
		}
		return {
			...c,
			displayName,
			address: c.address,
			primaryColor: c.primaryColor ?? '#1d4ed8',
			// A CNPJ is a Pix key type of its own: the natural default for a company.
			pixKey: c.pixKey ?? c.cnpj,
			pixMerchantName: c.pixMerchantName ?? displayName,
			pixMerchantCity
		};
	});

export type CreditorInput = z.input<typeof creditorSchema>;
export type NewCreditor = z.output<typeof creditorSchema>;
