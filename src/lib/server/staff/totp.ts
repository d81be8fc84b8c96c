import { randomBytes } from 'node:crypto';
import { createTOTPKeyURI, verifyHOTP } from '@oslojs/otp';
import { seal, unseal } from '../auth/secrets';

// TOTP keys are stored sealed (AES-256-GCM, key derived from APP_SECRET): a database dump alone
// does not give away anyone's second factor.
export function newTotpKey(): Uint8Array {
	return new Uint8Array(randomBytes(20));
}

export function sealTotpKey(key: Uint8Array): string {
	return seal('totp-key', key);
}

export function openTotpKey(sealed: string): Uint8Array {
	return unseal('totp-key', sealed);
}

export function totpUri(email: string, key: Uint8Array): string {
	return createTOTPKeyURI('Acerto', email, key, 30, 6);
}

const STEP_SECONDS = 30;

/**
 * The time step a 30-second code belongs to (one step of grace either side for clock drift), or
 * null. The caller accepts a step only once (RFC 6238 §5.2: a code seen once is spent).
 */
export function totpStep(key: Uint8Array, code: string, now = Date.now()): number | null {
	if (!/^\d{6}$/.test(code)) return null;
	const current = Math.floor(now / 1000 / STEP_SECONDS);
	for (const step of [current, current - 1, current + 1]) {
		if (verifyHOTP(key, BigInt(step), 6, code)) return step;
	}
	return null;
}
