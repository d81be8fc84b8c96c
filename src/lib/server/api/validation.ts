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

/** Instants the API stores (closed_at): years a debt can have been paid or written off in. */
export const INSTANT_YEARS = { min: 1900, max: 2100 } as const;
/** Instants the API filters by (updated_since): any from 1900, a date far ahead simply matches nothing. */
export const FILTER_YEARS = { min: 1900, max: 9999 } as const;

/**
 * Whether an ISO 8601 instant already valid for its schema falls in `years`. Year 0000 parses as a
 * date, but PostgreSQL refuses it in a filter and stores it as 1 BC, which reads back as no date.
 */
export function instantInRange(iso: string, years: { min: number; max: number } = INSTANT_YEARS): boolean {
	const year = new Date(iso).getUTCFullYear();
	return year >= years.min && year <= years.max;
}

export const outOfRange = (years: { min: number; max: number } = INSTANT_YEARS) =>
	`Data fora do intervalo aceito: use um ano entre ${years.min} e ${years.max}.`;
