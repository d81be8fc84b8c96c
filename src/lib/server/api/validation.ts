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
