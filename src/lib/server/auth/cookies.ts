import { config } from '../config';

/** httpOnly, sameSite=lax, secure outside development, explicit expiry (Lucia guide). */
export function sessionCookieOptions(expires: Date) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: config().NODE_ENV === 'production',
		expires
	};
}

/** Which one-time-code challenge this browser is answering; lives as long as the code. */
export const OTP_COOKIE = 'acerto_otp';

export function otpCookieOptions() {
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config().NODE_ENV === 'production', maxAge: 10 * 60 };
}

export { SESSION_COOKIE as SESSION_COOKIE_NAME } from './session';
