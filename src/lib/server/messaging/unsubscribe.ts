import { sign, verify } from '../auth/secrets';
import { config } from '../config';

/**
 * The e-mail's unsubscribe link `/u/{token}`: signed, for one address of one agency (and the
 * creditor that wrote, to name it). Never expires: an old e-mail's link must still work.
 */
type Payload = { a: string; c: string | null; e: string };

export function unsubscribeToken(agencyId: string, creditorId: string | null, email: string): string {
	return sign('unsubscribe', { a: agencyId, c: creditorId, e: email.toLowerCase() } satisfies Payload);
}

export function unsubscribeUrl(agencyId: string, creditorId: string | null, email: string): string {
	return `${config().baseUrl}/u/${unsubscribeToken(agencyId, creditorId, email)}`;
}

export function readUnsubscribeToken(token: string): { agencyId: string; creditorId: string | null; email: string } | null {
	const p = verify<Payload>('unsubscribe', token);
	if (!p || typeof p.a !== 'string' || typeof p.e !== 'string' || !/^[0-9a-f-]{36}$/i.test(p.a)) return null;
	return { agencyId: p.a, creditorId: typeof p.c === 'string' && /^[0-9a-f-]{36}$/i.test(p.c) ? p.c : null, email: p.e };
}
