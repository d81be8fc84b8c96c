/**
 * A Pix PSP's API v2 (BCB "API Pix" 2.9.0) over mutual TLS: OAuth2 client credentials, charges with
 * a due date (`cobv`), received Pix and the webhook. Expected failures come back as values.
 */
import fs from 'node:fs';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { request, isAnswer, type Answer } from '../../messaging/wire-http';
import { lateChargesProblem, type CobvBody, type ReceivedPix } from './cobv';

export type PspCredentials = {
	/** Base of the API, e.g. `https://pix.psp.example/api/v2` (paths like `/cobv/{txid}` follow). */
	apiUrl: string;
	oauthUrl: string;
	clientId: string;
	clientSecret: string;
	/** Client certificate, key and (optional) CA: each a PEM file path or the PEM itself. */
	cert: string;
	key: string;
	ca?: string;
	/** The secret part of our webhook URL, so only the PSP (that was told it) can call it. */
	webhookSecret: string;
	fineBp: number;
	interestMonthlyBp: number;
	/** The PSP offers Pix Automático (recurrences and recurring charges), and the account they are paid into. */
	pixAutomatico?: boolean;
	automaticoConta?: string;
	automaticoTipoConta?: 'CORRENTE' | 'POUPANCA' | 'PAGAMENTO';
};

export const SCOPES = 'cobv.write cobv.read pix.read webhook.write';
// Asked only of a PSP said to offer Pix Automático: another may refuse scopes it does not know.
export const AUTOMATICO_SCOPES = 'cob.write cob.read rec.write rec.read cobr.write cobr.read payloadlocationrec.write payloadlocationrec.read webhookrec.write webhookcobr.write';

export function scopesOf(c: Pick<PspCredentials, 'pixAutomatico'>): string {
	return c.pixAutomatico ? `${SCOPES} ${AUTOMATICO_SCOPES}` : SCOPES;
}
// The debtor waits on the first charge of an installment: a PSP that hangs falls back to the static code soon.
const TIMEOUT_MS = 5_000;
// A token is renewed this long before the PSP said it expires.
const TOKEN_MARGIN_MS = 60_000;

export type PspFailure = { ok: false; status: number | null; message: string };
export type PspResult<T> = { ok: true; status: number; data: T } | PspFailure;

export type CobvAnswer = {
	txid: string;
	status: 'ATIVA' | 'CONCLUIDA' | 'REMOVIDA_PELO_USUARIO_RECEBEDOR' | 'REMOVIDA_PELO_PSP';
	location?: string;
	loc?: { location?: string };
	pixCopiaECola?: string;
	valor: { original: string };
	calendario: { dataDeVencimento: string };
	pix?: ReceivedPix[];
};

/** A charge's payload URL, wherever the PSP put it (the spec names both `location` and `loc.location`). */
export function locationOf(c: Pick<CobvAnswer, 'location' | 'loc'>): string | null {
	return c.location ?? c.loc?.location ?? null;
}

/** A PEM given inline, or read from the path given. */
function pem(value: string): string {
	return value.includes('-----BEGIN') ? value : fs.readFileSync(value, 'utf8');
}

type Session = { agent: https.Agent; token: { value: string; until: number } | null; pending: Promise<string | PspFailure> | null };
// One TLS agent and token per set of credentials, for the life of the process.
const sessions = new Map<string, Session>();

function sessionFor(c: PspCredentials): Session {
	const id = createHash('sha256').update(JSON.stringify([c.apiUrl, c.oauthUrl, c.clientId, c.clientSecret, c.cert, c.key, c.ca ?? '', scopesOf(c)])).digest('hex');
	let s = sessions.get(id);
	if (!s) {
		s = {
			agent: new https.Agent({ keepAlive: true, maxSockets: 32, cert: pem(c.cert), key: pem(c.key), ...(c.ca && { ca: pem(c.ca) }) }),
			token: null,
			pending: null
		};
		sessions.set(id, s);
	}
	return s;
}

function failure(a: Answer, what: string): PspFailure {
	const p = a.json as { title?: string; detail?: string } | undefined;
	const detail = p?.detail ?? p?.title ?? a.text.slice(0, 200);
	return { ok: false, status: a.status, message: `${what}: PSP respondeu ${a.status}${detail ? ` (${detail})` : ''}` };
}

async function fetchToken(c: PspCredentials, s: Session): Promise<string | PspFailure> {
	const basic = Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64');
	const r = await request(
		'POST',
		c.oauthUrl,
		{
			headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
			body: new URLSearchParams({ grant_type: 'client_credentials', scope: scopesOf(c) }).toString()
		},
		{ timeoutMs: TIMEOUT_MS, agent: s.agent }
	);
	if (!isAnswer(r)) return { ok: false, status: null, message: `OAuth do PSP: ${r.reason}` };
	const body = r.json as { access_token?: unknown; expires_in?: unknown } | undefined;
	if (r.status !== 200 || typeof body?.access_token !== 'string') return failure(r, 'OAuth do PSP');
	const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
	// Renew a minute early, or at half-life for tokens shorter than two minutes.
	s.token = { value: body.access_token, until: Date.now() + Math.max(seconds * 1000 - TOKEN_MARGIN_MS, (seconds * 1000) / 2) };
	return body.access_token;
}

/**
 * Asks the OAuth endpoint for a new token through mutual TLS, as every call would: what the admin's
 * "test the connection" button does. A certificate or key that cannot be read is a failure, not a throw.
 */
export async function checkConnection(c: PspCredentials): Promise<{ ok: true } | PspFailure> {
	let s: Session;
	try {
		s = sessionFor(c);
	} catch (e) {
		return { ok: false, status: null, message: `Certificado ou chave ilegível (${(e as Error).message})` };
	}
	const t = await fetchToken(c, s);
	return typeof t === 'string' ? { ok: true } : t;
}

/** The cached token, or a new one; concurrent callers share one request. */
function token(c: PspCredentials, s: Session): Promise<string | PspFailure> {
	if (s.token && s.token.until > Date.now()) return Promise.resolve(s.token.value);
	s.pending ??= fetchToken(c, s).finally(() => (s.pending = null));
	return s.pending;
}

async function call<T>(c: PspCredentials, method: string, path: string, what: string, body?: unknown, ok: number[] = [200]): Promise<PspResult<T>> {
	const s = sessionFor(c);
	for (let attempt = 0; ; attempt++) {
		const t = await token(c, s);
		if (typeof t !== 'string') return t;
		const r = await request(
			method,
			c.apiUrl.replace(/\/$/, '') + path,
			{
				headers: {
					authorization: `Bearer ${t}`,
					accept: 'application/json',
					...(body !== undefined && { 'content-type': 'application/json' })
				},
				...(body !== undefined && { body: JSON.stringify(body) })
			},
			{ timeoutMs: TIMEOUT_MS, agent: s.agent }
		);
		if (!isAnswer(r)) return { ok: false, status: null, message: `${what}: ${r.reason}` };
		// A token the PSP revoked early: one new token, one more try.
		if (r.status === 401 && attempt === 0) {
			s.token = null;
			continue;
		}
		if (!ok.includes(r.status)) return failure(r, what);
		return { ok: true, status: r.status, data: r.json as T };
	}
}

/**
 * Creates the charge `txid` (`PUT /cobv/{txid}`). A retry is the same PUT: when the PSP answers that
 * the txid exists, the charge is read back, and it is ours only if it asks the same amount.
 * Late fee and interest above the consumer caps are refused here, before anything is sent.
 */
export async function putCobv(c: PspCredentials, txid: string, body: CobvBody): Promise<PspResult<CobvAnswer>> {
	const problem = lateChargesProblem(body.valor);
	if (problem) return { ok: false, status: null, message: problem };
	const put = await call<CobvAnswer>(c, 'PUT', `/cobv/${encodeURIComponent(txid)}`, 'Criar cobrança Pix', body, [200, 201]);
	if (put.ok || put.status === null || put.status >= 500 || put.status === 401 || put.status === 403) return put;
	const existing = await getCobv(c, txid);
	if (!existing.ok) return put;
	if (existing.data.valor?.original !== body.valor.original || existing.data.calendario?.dataDeVencimento !== body.calendario.dataDeVencimento) {
		return { ok: false, status: put.status, message: `Criar cobrança Pix: o txid ${txid} já existe no PSP com outro valor ou vencimento.` };
	}
	return existing;
}

/** Withdraws a charge (`PATCH /cobv/{txid}`, status REMOVIDA_PELO_USUARIO_RECEBEDOR): it can no longer be paid. */
export function withdrawCobv(c: PspCredentials, txid: string): Promise<PspResult<CobvAnswer>> {
	return call<CobvAnswer>(c, 'PATCH', `/cobv/${encodeURIComponent(txid)}`, 'Retirar cobrança Pix', { status: 'REMOVIDA_PELO_USUARIO_RECEBEDOR' });
}

/** Revises a charge's amounts (`PATCH /cobv/{txid}` with `valor`); txid and location stay. */
export async function reviseCobv(c: PspCredentials, txid: string, valor: CobvBody['valor']): Promise<PspResult<CobvAnswer>> {
	const problem = lateChargesProblem(valor);
	if (problem) return { ok: false, status: null, message: problem };
	return call<CobvAnswer>(c, 'PATCH', `/cobv/${encodeURIComponent(txid)}`, 'Revisar cobrança Pix', { valor });
}

export function getCobv(c: PspCredentials, txid: string): Promise<PspResult<CobvAnswer>> {
	return call<CobvAnswer>(c, 'GET', `/cobv/${encodeURIComponent(txid)}`, 'Consultar cobrança Pix');
}

export function getPix(c: PspCredentials, e2eid: string): Promise<PspResult<ReceivedPix>> {
	return call<ReceivedPix>(c, 'GET', `/pix/${encodeURIComponent(e2eid)}`, 'Consultar Pix');
}

type PixPage = { pix?: ReceivedPix[]; parametros?: { paginacao?: { paginaAtual?: number; quantidadeDePaginas?: number } } };

/** Every Pix received between `inicio` and `fim` (`GET /pix`), all pages. */
export async function listPix(c: PspCredentials, inicio: Date, fim: Date, perPage = 100): Promise<PspResult<ReceivedPix[]>> {
	const out: ReceivedPix[] = [];
	for (let page = 0; ; page++) {
		const q = new URLSearchParams({
			inicio: inicio.toISOString(),
			fim: fim.toISOString(),
			'paginacao.paginaAtual': String(page),
			'paginacao.itensPorPagina': String(perPage)
		});
		const r = await call<PixPage>(c, 'GET', `/pix?${q}`, 'Consultar Pix recebidos');
		if (!r.ok) return r;
		out.push(...(r.data.pix ?? []));
		const pages = r.data.parametros?.paginacao?.quantidadeDePaginas ?? 1;
		// A page past the end, or a PSP that keeps answering, ends the loop (at most 1,000 pages).
		if (page + 1 >= pages || (r.data.pix ?? []).length === 0 || page >= 999) return { ok: true, status: r.status, data: out };
	}
}

/** Tells the PSP where to notify Pix received on `chave` (`PUT /webhook/{chave}`); it posts to `{url}/pix`. */
export async function putWebhook(c: PspCredentials, chave: string, webhookUrl: string): Promise<PspResult<null>> {
	const r = await call<unknown>(c, 'PUT', `/webhook/${encodeURIComponent(chave)}`, 'Registrar webhook Pix', { webhookUrl }, [200, 201, 204]);
	return r.ok ? { ok: true, status: r.status, data: null } : r;
}

// ——— Pix Automático (JORNADA_3): cob for the entry, locrec + rec, cobr per installment ———

/** An immediate charge (`cob`) as the PSP answers it. */
export type CobAnswer = Omit<CobvAnswer, 'calendario'> & { calendario: { expiracao: number; criacao?: string } };

/**
 * Creates the immediate charge `txid` (`PUT /cob/{txid}`). A retry is the same PUT: when the PSP says
 * the txid exists, the charge is read back, and it is ours only if it asks the same amount.
 */
export async function putCob(c: PspCredentials, txid: string, body: unknown & { valor: { original: string } }): Promise<PspResult<CobAnswer>> {
	const put = await call<CobAnswer>(c, 'PUT', `/cob/${encodeURIComponent(txid)}`, 'Criar cobrança Pix imediata', body, [200, 201]);
	if (put.ok || put.status === null || put.status >= 500 || put.status === 401 || put.status === 403) return put;
	const existing = await getCob(c, txid);
	if (!existing.ok) return put;
	if (existing.data.valor?.original !== body.valor.original) return { ok: false, status: put.status, message: `Criar cobrança Pix imediata: o txid ${txid} já existe no PSP com outro valor.` };
	return existing;
}

export function getCob(c: PspCredentials, txid: string): Promise<PspResult<CobAnswer>> {
	return call<CobAnswer>(c, 'GET', `/cob/${encodeURIComponent(txid)}`, 'Consultar cobrança Pix imediata');
}

/** Withdraws an immediate charge (`PATCH /cob/{txid}`, REMOVIDA_PELO_USUARIO_RECEBEDOR). */
export function withdrawCob(c: PspCredentials, txid: string): Promise<PspResult<CobAnswer>> {
	return call<CobAnswer>(c, 'PATCH', `/cob/${encodeURIComponent(txid)}`, 'Retirar cobrança Pix imediata', { status: 'REMOVIDA_PELO_USUARIO_RECEBEDOR' });
}

/** Revises an immediate charge's amount (`PATCH /cob/{txid}` with `valor`); txid and location stay. */
export function reviseCob(c: PspCredentials, txid: string, valor: { original: string }): Promise<PspResult<CobAnswer>> {
	return call<CobAnswer>(c, 'PATCH', `/cob/${encodeURIComponent(txid)}`, 'Revisar cobrança Pix imediata', { valor });
}

export type LocRecAnswer = { id: number; location: string; criacao: string; idRec?: string };

/** A payload location for a recurrence (`POST /locrec`). */
export function createLocRec(c: PspCredentials): Promise<PspResult<LocRecAnswer>> {
	// The spec's POST /locrec takes no body (PayloadLocationRecBody is defined but never used).
	return call<LocRecAnswer>(c, 'POST', '/locrec', 'Criar location da recorrência', undefined, [200, 201]);
}

export function getLocRec(c: PspCredentials, id: string): Promise<PspResult<LocRecAnswer>> {
	return call<LocRecAnswer>(c, 'GET', `/locrec/${encodeURIComponent(id)}`, 'Consultar location da recorrência');
}

export type RecStatus = 'CRIADA' | 'APROVADA' | 'REJEITADA' | 'EXPIRADA' | 'CANCELADA';
export type RecAnswer = {
	idRec: string;
	status: RecStatus;
	loc?: LocRecAnswer;
	ativacao?: { tipoJornada?: string; dadosJornada?: { txid?: string } };
	dadosQR?: { jornada?: string; pixCopiaECola?: string };
	[k: string]: unknown;
};

/** Creates a recurrence (`POST /rec`): the PSP gives its idRec. */
export function createRec(c: PspCredentials, body: unknown): Promise<PspResult<RecAnswer>> {
	return call<RecAnswer>(c, 'POST', '/rec', 'Criar recorrência Pix Automático', body, [200, 201]);
}

/** A recurrence as the PSP has it; with the entry's txid, `dadosQR` carries the composite QR (JORNADA_3). */
export function getRec(c: PspCredentials, idRec: string, txid?: string): Promise<PspResult<RecAnswer>> {
	const q = txid ? `?${new URLSearchParams({ txid })}` : '';
	return call<RecAnswer>(c, 'GET', `/rec/${encodeURIComponent(idRec)}${q}`, 'Consultar recorrência Pix Automático');
}

/** Cancels a recurrence (`PATCH /rec/{idRec}`, status CANCELADA): no more debits. */
export function cancelRec(c: PspCredentials, idRec: string): Promise<PspResult<RecAnswer>> {
	return call<RecAnswer>(c, 'PATCH', `/rec/${encodeURIComponent(idRec)}`, 'Cancelar recorrência Pix Automático', { status: 'CANCELADA' });
}

export type CobrStatus = 'CRIADA' | 'ATIVA' | 'CONCLUIDA' | 'EXPIRADA' | 'REJEITADA' | 'CANCELADA';
export type CobrAnswer = {
	idRec: string;
	txid: string;
	status: CobrStatus;
	valor: { original: string };
	calendario: { dataDeVencimento: string; criacao?: string };
	politicaRetentativa?: 'NAO_PERMITE' | 'PERMITE_3R_7D';
	tentativas?: { dataLiquidacao: string; tipo: string; status: string; endToEndId: string }[];
	pix?: ReceivedPix[];
	[k: string]: unknown;
};

/**
 * Creates the recurring charge `txid` (`PUT /cobr/{txid}`). A retry is the same PUT: when the PSP
 * says the txid exists, the charge is read back and is ours only with the same amount, due date and idRec.
 */
export async function putCobr(c: PspCredentials, txid: string, body: { idRec: string; valor: { original: string }; calendario: { dataDeVencimento: string } }): Promise<PspResult<CobrAnswer>> {
	const put = await call<CobrAnswer>(c, 'PUT', `/cobr/${encodeURIComponent(txid)}`, 'Criar cobrança recorrente', body, [200, 201]);
	if (put.ok || put.status === null || put.status >= 500 || put.status === 401 || put.status === 403) return put;
	const existing = await getCobr(c, txid);
	if (!existing.ok) return put;
	const e = existing.data;
	if (e.idRec !== body.idRec || e.valor?.original !== body.valor.original || e.calendario?.dataDeVencimento !== body.calendario.dataDeVencimento) {
		return { ok: false, status: put.status, message: `Criar cobrança recorrente: o txid ${txid} já existe no PSP com outros dados.` };
	}
	return existing;
}

export function getCobr(c: PspCredentials, txid: string): Promise<PspResult<CobrAnswer>> {
	return call<CobrAnswer>(c, 'GET', `/cobr/${encodeURIComponent(txid)}`, 'Consultar cobrança recorrente');
}

/** Cancels a recurring charge (`PATCH /cobr/{txid}`, CANCELADA): allowed until the day before its due date. */
export function cancelCobr(c: PspCredentials, txid: string): Promise<PspResult<CobrAnswer>> {
	return call<CobrAnswer>(c, 'PATCH', `/cobr/${encodeURIComponent(txid)}`, 'Cancelar cobrança recorrente', { status: 'CANCELADA' });
}

/** Asks one more debit attempt on `data` (`POST /cobr/{txid}/retentativa/{data}`), where the recurrence allows retries. */
export function retryCobr(c: PspCredentials, txid: string, data: string): Promise<PspResult<CobrAnswer>> {
	return call<CobrAnswer>(c, 'POST', `/cobr/${encodeURIComponent(txid)}/retentativa/${data}`, 'Pedir nova tentativa de débito', undefined, [200, 201]);
}

/** Tells the PSP where to notify recurrences (`PUT /webhookrec`; it posts to `{url}/rec`) or recurring charges (`PUT /webhookcobr`; `{url}/cobr`). */
export async function putWebhookAutomatico(c: PspCredentials, which: 'rec' | 'cobr', webhookUrl: string): Promise<PspResult<null>> {
	const r = await call<unknown>(c, 'PUT', `/webhook${which}`, `Registrar webhook ${which}`, { webhookUrl }, [200, 201, 204]);
	return r.ok ? { ok: true, status: r.status, data: null } : r;
}
