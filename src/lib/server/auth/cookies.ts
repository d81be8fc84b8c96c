import { getRequestEvent } from '$app/server';
import { config } from '../config';

/**
 * `Secure` when the portal is reached over https: the scheme of ORIGIN, or of the request itself
 * behind a proxy that says so (PROTOCOL_HEADER). Never tied to NODE_ENV: a development setup on
 * https keeps its cookies off plain http, and a plain-http demo still works.
 */
export function isHttps(url: URL = getRequestEvent().url): boolean {
	return config().https || url.protocol === 'https:';
}

/** For `cookies.delete`: the same path and `Secure` flag the cookie was set with. */
export function cookieScope() {
	return { path: '/', secure: isHttps() };
}

/** httpOnly, sameSite=lax, secure under https, explicit expiry (Lucia guide). */
export function sessionCookieOptions(expires: Date) {
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: isHttps(), expires };
}

/** Which one-time-code challenge this browser is answering; lives as long as the code. */
export const OTP_COOKIE = 'acerto_otp';

export function otpCookieOptions() {
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: isHttps(), maxAge: 10 * 60 };
}

export { SESSION_COOKIE as SESSION_COOKIE_NAME } from './session';

/**
 * Where a message's link leads inside the portal (an installment, an agreement), kept while the
 * debtor confirms with the code: a path of the portal only, never an address elsewhere.
 */
export const DESTINATION_COOKIE = 'acerto_destino';
const PORTAL_PATH = /^\/(acordos|dividas)(\/[A-Za-z0-9-]{1,40}){0,3}$/;

export function portalDestination(value: string | null | undefined): string | null {
	return value && PORTAL_PATH.test(value) ? value : null;
}
