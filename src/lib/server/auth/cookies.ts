import { config } from '../config';

/**
 * httpOnly, sameSite=lax, secure outside development, explicit expiry (Lucia guide). Browsers
 * accept secure cookies from http://localhost and 127.0.0.1, so tests run with them on too.
 */
export function sessionCookieOptions(expires: Date) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: config().NODE_ENV !== 'development',
		expires
	};
}

/** Which one-time-code challenge this browser is answering; lives as long as the code. */
export const OTP_COOKIE = 'acerto_otp';

export function otpCookieOptions() {
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config().NODE_ENV !== 'development', maxAge: 10 * 60 };
}

export { SESSION_COOKIE as SESSION_COOKIE_NAME } from './session';
