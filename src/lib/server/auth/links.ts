import { sign, verify } from './secrets';

/** Campaign links `/c/{slug}/l/{token}`: signed, expiring, for one debtor of one creditor. */
type LinkPayload = { c: string; d: string; e: number };

export function createLinkToken(creditorId: string, debtorId: string, ttlDays: number, now = Date.now()): string {
	return sign('link', { c: creditorId, d: debtorId, e: Math.floor(now / 1000) + ttlDays * 86_400 } satisfies LinkPayload);
}

export function readLinkToken(
	token: string,
	creditorId: string,
	now = Date.now()
): { ok: true; debtorId: string } | { ok: false; message: string } {
	const p = verify<LinkPayload>('link', token);
	if (!p || p.c !== creditorId || typeof p.d !== 'string') {
		return { ok: false, message: 'Este link não é válido. Informe seu CPF ou CNPJ para continuar.' };
	}
	if (p.e * 1000 < now) return { ok: false, message: 'Este link expirou. Informe seu CPF ou CNPJ para continuar.' };
	return { ok: true, debtorId: p.d };
}
