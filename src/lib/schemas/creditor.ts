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

/**
 * Logos are stored inline (a data: URL) and drawn on every portal page: they must stay small. The
 * limit holds for the file sent and for the PNG the server draws from it (server/brand/logo.ts).
 */
export const LOGO_MAX_BYTES = 200 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];
/** LGPD art. 15/16: data is kept only as long as needed; a year is the shortest period the agency may set. */
export const RETENTION_DAYS_MIN = 365;
export const RETENTION_DAYS_MAX = 7300;

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


/** The image type the bytes really are (magic bytes), whatever the file name or browser said. */
export function sniffLogoType(bytes: Uint8Array): LogoType | null {
	const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
	if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
	if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
	const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 1024)).replace(/^\uFEFF/, '');
	// Optional XML declaration, comments and doctype, then the <svg> root.
	if (/^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*|<!DOCTYPE[^>[]*>\s*)*<svg[\s>]/i.test(head)) return 'image/svg+xml';
	return null;
}

function decodeEntities(s: string): string {
	return s
		.replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(parseInt(h, 16) % 0x110000))
		.replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Number(d) % 0x110000))
		.replace(/&colon;/gi, ':')
		.replace(/&tab;|&newline;/gi, '');
}

/**
 * Why an SVG logo is refused, or `null` when it is acceptable. The server stores and serves only
 * the PNG it draws from an SVG, but the admin form previews the file as sent, and the drawing
 * would read a file named by an href from the server's disk: anything active (scripts, event
 * handlers, javascript: URLs) or anything fetched from elsewhere is refused rather than cleaned.
 */
export function svgLogoProblem(svg: string): string | null {
	const text = decodeEntities(svg);
	const compact = text.replace(/[\s\u0000-\u001f]+/g, '');
	if (/<script/i.test(text)) return 'O SVG contém script (<script>), o que não é permitido.';
	if (/<!ENTITY/i.test(text)) return 'O SVG declara entidades XML (<!ENTITY>), o que não é permitido.';
	if (/[\s"'/]on[a-z]+\s*=/i.test(text)) return 'O SVG contém atributos de evento (on…=), o que não é permitido.';
	if (/javascript:|vbscript:/i.test(compact)) return 'O SVG contém um link javascript:, o que não é permitido.';
	if (/<foreignObject/i.test(text)) return 'O SVG contém <foreignObject>, o que não é permitido.';
	if (/@import/i.test(text)) return 'O SVG importa estilos externos (@import), o que não é permitido.';
	// SMIL could rewrite a link after the checks below: <set attributeName="href" to="https://…">.
	if (/attributeName\s*=\s*["']?(?:xlink:)?href/i.test(text)) return 'O SVG anima um link (attributeName="href"), o que não é permitido.';
	for (const m of text.matchAll(/(?:xlink:)?href\s*=\s*(["'])([\s\S]*?)\1|(?:xlink:)?href\s*=\s*([^\s>]+)/gi)) {
		const target = (m[2] ?? m[3] ?? '').trim();
		if (!target.startsWith('#')) return 'O SVG aponta para um endereço externo (href); use só referências internas (#id).';
	}
	for (const m of text.matchAll(/url\(\s*(["']?)([^"')]*)\1\s*\)/gi)) {
		if (!m[2].trim().startsWith('#')) return 'O SVG carrega um recurso externo (url(…)); use só referências internas (#id).';
	}
	return null;
}

function bytesToBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(binary);
}

function base64ToBytes(b64: string): Uint8Array | null {
	try {
		const binary = atob(b64);
		const out = new Uint8Array(binary.length);
		for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
		return out;
	} catch {
		return null;
	}
}

/** An uploaded file as the data: URL stored in `creditors.logo`, typed by its magic bytes (validated later by the schema). */
export function logoDataUrl(bytes: Uint8Array): string {
	return `data:${sniffLogoType(bytes) ?? 'application/octet-stream'};base64,${bytesToBase64(bytes)}`;
}

/** Why a logo (as a data: URL) is refused, or `null`: type by magic bytes, size, and SVG safety. */
export function logoProblem(dataUrl: string): string | null {
	const m = /^data:([a-z0-9.+/-]+);base64,([A-Za-z0-9+/=]*)$/i.exec(dataUrl);
	if (!m) return 'Logo inválido: envie um arquivo PNG, SVG ou JPEG.';
	const bytes = base64ToBytes(m[2]);
	if (!bytes || bytes.length === 0) return 'Logo inválido: o arquivo está vazio ou corrompido.';
	if (bytes.length > LOGO_MAX_BYTES) {
		return `Logo grande demais (${Math.ceil(bytes.length / 1024)} KB): o limite é ${LOGO_MAX_BYTES / 1024} KB.`;
	}
	const type = sniffLogoType(bytes);
	if (!type) return 'Logo inválido: o conteúdo não é PNG, SVG nem JPEG.';
	if (type !== m[1].toLowerCase()) return 'Logo inválido: o tipo declarado não corresponde ao conteúdo do arquivo.';
	if (type === 'image/svg+xml') return svgLogoProblem(new TextDecoder().decode(bytes));
	return null;
}

const logoSchema = z.string().superRefine((v, ctx) => {
	const problem = logoProblem(v);
	if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

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
		/** `null` removes the logo (when editing); absent keeps it. */
		logo: z.preprocess(blankToUndefined, z.union([z.null(), logoSchema]).optional()),
		// What an SMS alphanumeric sender ID may be: up to 11 letters and digits, no spaces.
		smsSender: optional(
			z
				.string()
				.trim()
				.regex(/^[A-Za-z0-9]{1,11}$/, 'Remetente de SMS: até 11 letras ou números, sem espaços nem acentos.')
		),
		// The creditor's own WhatsApp number in the agency's Cloud API account: Meta's numeric phone number ID.
		whatsappPhoneNumberId: optional(
			z
				.string()
				.trim()
				.regex(/^\d{5,20}$/, 'Número de WhatsApp do credor: informe o identificador do número (phone number ID) da Meta, só com números.')
		),
		emailSenderName: optional(
			text('o nome do remetente de e-mail', 60).refine(
				(v) => !/[<>"\r\n@]/.test(v),
				'Nome do remetente de e-mail: não use <, >, aspas, @ nem quebras de linha.'
			)
		),
		retentionDays: optional(
			z.coerce
				.number({ error: 'Retenção: informe um número de dias.' })
				.int('Retenção: informe um número inteiro de dias.')
				.min(RETENTION_DAYS_MIN, `Retenção: no mínimo ${RETENTION_DAYS_MIN} dias.`)
				.max(RETENTION_DAYS_MAX, `Retenção: no máximo ${RETENTION_DAYS_MAX} dias (20 anos).`)
		),
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
