import { z } from 'zod';
import type { ItemError } from '../../schemas/api';

/** zod issues as the API reports them: `{ field, message }` in Portuguese, one per problem. */

const fallback = z.locales.ptBR().localeError;
const TYPES: Record<string, string> = {
	string: 'um texto',
	number: 'um número',
	int: 'um número inteiro',
	boolean: 'true ou false',
	array: 'uma lista',
	object: 'um objeto'
};

export const errorMap: z.core.$ZodErrorMap = (issue) => {
	if (issue.code === 'invalid_type') {
		if (issue.input === undefined) return 'Campo obrigatório.';
		return `Deve ser ${TYPES[issue.expected] ?? issue.expected}.`;
	}
	if (issue.code === 'too_small' && issue.origin === 'array' && issue.minimum === 1) return 'A lista não pode ser vazia.';
	return fallback(issue);
};

export function parse<T extends z.ZodType>(schema: T, input: unknown) {
	return schema.safeParse(input, { error: errorMap });
}

export function toErrors(error: z.ZodError, index?: number): ItemError[] {
	const at = index === undefined ? {} : { index };
	const out: ItemError[] = [];
	for (const issue of error.issues) {
		const base = issue.path.map(String).join('.');
		if (issue.code === 'unrecognized_keys') {
			for (const k of issue.keys) out.push({ ...at, field: base ? `${base}.${k}` : k, message: 'Campo desconhecido.' });
		} else {
			out.push({ ...at, field: base || null, message: issue.message });
		}
	}
	return out;
}

/** Instants the API takes (closed_at, updated_since): years a debt, a payment or a sync can have. */
export const INSTANT_YEARS = { min: 1900, max: 2100 } as const;

/**
 * Whether an ISO 8601 instant already valid for its schema falls in `INSTANT_YEARS`. Year 0000 or
 * 9999 parse as dates, but PostgreSQL stores year 0000 as 1 BC, which reads back as no date at all.
 */
export function instantInRange(iso: string): boolean {
	const year = new Date(iso).getUTCFullYear();
	return year >= INSTANT_YEARS.min && year <= INSTANT_YEARS.max;
}

export const INSTANT_OUT_OF_RANGE = `Data fora do intervalo aceito: use um ano entre ${INSTANT_YEARS.min} e ${INSTANT_YEARS.max}.`;
