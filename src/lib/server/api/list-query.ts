import { listQuerySchema, type ItemError } from '../../schemas/api';
import { FILTER_YEARS, instantInRange, outOfRange, parse, toErrors } from './validation';

/**
 * `?limit=&cursor=&updated_since=` of the list endpoints. The cursor is opaque to clients:
 * base64url of the list it belongs to and the last row's (instant to the microsecond, id).
 */

export type Cursor = { kind: 'agreements' | 'installments' | 'payments'; at: string; id: string };
export type PageQuery = { limit: number; since?: string; after?: { at: string; id: string } };

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(c: Cursor): string {
	return Buffer.from(JSON.stringify([c.kind, c.at, c.id])).toString('base64url');
}

export function decodeCursor(kind: Cursor['kind'], text: string): { at: string; id: string } | null {
	try {
		const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
		if (!Array.isArray(v) || v.length !== 3 || v[0] !== kind || !AT.test(v[1]) || !UUID.test(v[2])) return null;
		return { at: v[1], id: v[2] };
	} catch {
		return null;
	}
}

export function parseListQuery(url: URL, kind: Cursor['kind']): { ok: true; query: PageQuery } | { ok: false; message: string; errors: ItemError[] } {
	const raw: Record<string, string> = {};
	for (const [k, v] of url.searchParams) raw[k] = v;
	const parsed = parse(listQuerySchema, raw);
	if (!parsed.success) return { ok: false, message: 'Parâmetros de consulta inválidos.', errors: toErrors(parsed.error) };
	const { limit, cursor, updated_since } = parsed.data;
	if (updated_since !== undefined && !instantInRange(updated_since, FILTER_YEARS)) {
		return { ok: false, message: 'Parâmetros de consulta inválidos.', errors: [{ field: 'updated_since', message: outOfRange(FILTER_YEARS) }] };
	}
	let after: PageQuery['after'];
	if (cursor !== undefined) {
		after = decodeCursor(kind, cursor) ?? undefined;
		if (!after) {
			return {
				ok: false,
				message: 'Cursor inválido: use o next_cursor devolvido por esta mesma lista.',
				errors: [{ field: 'cursor', message: 'Cursor inválido ou de outra lista.' }]
			};
		}
	}
	return { ok: true, query: { limit, since: updated_since, after } };
}
