import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import { db as database, type Db, type Tx } from '../db/client';
import * as keys from './keys';
import * as idempotency from './idempotency';
import { problem, toResponse, type ApiResult } from './problem';

/**
 * The HTTP shell of the API: every endpoint authenticates its bearer key itself (authorise at
 * every use), POSTs run in one transaction with their `Idempotency-Key`, and every error leaves
 * as problem+json, unexpected ones included (logged with an id, as `handleError` does).
 */

type Params = Record<string, string>;
export type ReadContext = { key: keys.ApiPrincipal; url: URL; params: Params };
export type WriteContext = ReadContext & { body: unknown };

const CHALLENGE = { 'www-authenticate': 'Bearer realm="acerto-api"' };

async function principal(event: RequestEvent, write: boolean): Promise<keys.ApiPrincipal | ApiResult> {
	const header = event.request.headers.get('authorization') ?? '';
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
	if (!m) {
		return problem(event.url, 'nao-autenticado', 'Envie a chave de API no cabeçalho Authorization: Bearer <chave>.', undefined, CHALLENGE);
	}
	const key = await keys.authenticate(database(), m[1]);
	if (!key) {
		return problem(event.url, 'nao-autenticado', 'Chave de API inválida ou revogada.', undefined, {
			'www-authenticate': 'Bearer realm="acerto-api", error="invalid_token"'
		});
	}
	if (write && key.scope !== 'read_write') {
		return problem(event.url, 'sem-permissao', 'Esta chave é só de leitura: a operação pede uma chave de leitura e escrita.');
	}
	return key;
}

/** A NUL or other C0 control character (tab, CR and LF aside) in any string of a JSON value, keys included. */
function hasControl(value: unknown): boolean {
	if (typeof value === 'string') return /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value);
	if (Array.isArray(value)) return value.some(hasControl);
	if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => hasControl(k) || hasControl(v));
	return false;
}

function crashed(event: RequestEvent, e: unknown): Response {
	const errorId = crypto.randomUUID().slice(0, 8);
	console.error(JSON.stringify({ type: 'error', errorId, path: event.url.pathname, status: 500, error: String((e as Error)?.stack ?? e) }));
	return toResponse(problem(event.url, 'erro-interno', `Algo deu errado do nosso lado e nada foi gravado. Tente de novo em instantes (erro ${errorId}).`));
}

/** A GET endpoint: any valid key of the creditor. */
export function read(run: (db: Db, ctx: ReadContext) => Promise<ApiResult>): RequestHandler {
	return async (event) => {
		try {
			const key = await principal(event, false);
			if (!('keyId' in key)) return toResponse(key);
			return toResponse(await run(database(), { key, url: event.url, params: event.params as Params }));
		} catch (e) {
			return crashed(event, e);
		}
	};
}

/** A POST endpoint: a read-write key; the work runs in one transaction, under the Idempotency-Key when given. */
export function write(run: (tx: Tx, ctx: WriteContext) => Promise<ApiResult>): RequestHandler {
	return async (event) => {
		try {
			const key = await principal(event, true);
			if (!('keyId' in key)) return toResponse(key);
			const { url, request } = event;
			const type = request.headers.get('content-type');
			let text: string;
			try {
				text = await request.text();
			} catch (e) {
				// adapter-node stops reading past BODY_SIZE_LIMIT (413); anything else is a body cut short.
				if ((e as { status?: number })?.status === 413) {
					return toResponse(problem(url, 'corpo-grande-demais', 'O corpo passa do limite de tamanho do servidor: divida o envio em chamadas menores.'));
				}
				return toResponse(problem(url, 'requisicao-invalida', 'Não foi possível ler o corpo da requisição.'));
			}
			if (text.trim() !== '' && type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
				return toResponse(problem(url, 'tipo-de-conteudo', `Corpo em ${type.split(';')[0]}: envie application/json.`));
			}
			let body: unknown = undefined;
			if (text.trim() !== '') {
				try {
					body = JSON.parse(text);
				} catch {
					return toResponse(problem(url, 'requisicao-invalida', 'O corpo não é um JSON válido.'));
				}
				if (hasControl(body)) {
					return toResponse(problem(url, 'requisicao-invalida', 'O corpo tem caracteres de controle (como \\u0000) em um texto: nenhum campo os aceita.'));
				}
			}
			const idemKey = request.headers.get('idempotency-key');
			if (idemKey !== null && !idempotency.validKey(idemKey)) {
				return toResponse(
					problem(url, 'requisicao-invalida', 'Idempotency-Key inválida: use de 1 a 255 caracteres visíveis (um UUID, por exemplo).', [
						{ field: 'Idempotency-Key', message: 'De 1 a 255 caracteres ASCII visíveis, sem espaços.' }
					])
				);
			}
			const ctx: WriteContext = { key, url, params: event.params as Params, body };
			const result = await database().transaction(async (tx) => {
				if (idemKey === null) return run(tx, ctx);
				const claimed = await idempotency.claim(tx, key.keyId, idemKey, idempotency.requestHash(request.method, url, text));
				if (claimed.kind === 'mismatch') {
					return problem(url, 'chave-de-idempotencia', 'Esta Idempotency-Key já foi usada com outro corpo ou outro caminho. Use uma chave nova para uma operação nova.');
				}
				if (claimed.kind === 'replay') return { ...claimed.result, headers: { 'idempotent-replayed': 'true' } };
				const fresh = await run(tx, ctx);
				await idempotency.store(tx, key.keyId, idemKey, fresh);
				return fresh;
			});
			return toResponse(result);
		} catch (e) {
			return crashed(event, e);
		}
	};
}

/**
 * A POST whose body is a file, not JSON (a bank return file): a read-write key; the work manages
 * its own transactions and is idempotent by the file's content, so no Idempotency-Key is needed.
 */
export function upload(run: (db: Db, ctx: ReadContext & { bytes: Uint8Array }) => Promise<ApiResult>): RequestHandler {
	return async (event) => {
		try {
			const key = await principal(event, true);
			if (!('keyId' in key)) return toResponse(key);
			let bytes: Uint8Array;
			try {
				bytes = new Uint8Array(await event.request.arrayBuffer());
			} catch (e) {
				if ((e as { status?: number })?.status === 413) {
					return toResponse(problem(event.url, 'corpo-grande-demais', 'O arquivo passa do limite de tamanho do servidor.'));
				}
				return toResponse(problem(event.url, 'requisicao-invalida', 'Não foi possível ler o corpo da requisição.'));
			}
			return toResponse(await run(database(), { key, url: event.url, params: event.params as Params, bytes }));
		} catch (e) {
			return crashed(event, e);
		}
	};
}

/** For the methods an endpoint does not have: 405 with `Allow`. */
export function methodNotAllowed(...allowed: string[]): RequestHandler {
	return async (event) =>
		toResponse(problem(event.url, 'metodo-nao-permitido', `Use ${allowed.join(' ou ')} em ${event.url.pathname}.`, undefined, { allow: allowed.join(', ') }));
}

/** Any other path under /api/v1. */
export const notFound: RequestHandler = async (event) =>
	toResponse(problem(event.url, 'nao-encontrado', `Não há endpoint em ${event.url.pathname}. Veja a referência em /api/v1/docs.`));
