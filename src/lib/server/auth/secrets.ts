import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase64urlNoPadding, decodeBase64urlIgnorePadding, encodeHexLowerCase } from '@oslojs/encoding';
import { config } from '../config';

const enc = new TextEncoder();

export function mac(purpose: string, message: string): Uint8Array {
	return hmac(SHA256, enc.encode(`${purpose}:${config().appSecret}`), enc.encode(message));
}

export function macHex(purpose: string, message: string): string {
	return encodeHexLowerCase(mac(purpose, message));
}

export function equalHex(a: string, b: string): boolean {
	return a.length === b.length && constantTimeEqual(enc.encode(a), enc.encode(b));
}

/** `payload.signature`, both base64url: for campaign links. */
export function sign(purpose: string, payload: object): string {
	const body = encodeBase64urlNoPadding(enc.encode(JSON.stringify(payload)));
	return `${body}.${encodeBase64urlNoPadding(mac(purpose, body).slice(0, 16))}`;
}

export function verify<T>(purpose: string, token: string): T | null {
	const [body, sig] = token.split('.');
	if (!body || !sig) return null;
	try {
		const expected = mac(purpose, body).slice(0, 16);
		const given = decodeBase64urlIgnorePadding(sig);
		if (given.length !== expected.length || !constantTimeEqual(given, expected)) return null;
		return JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(body))) as T;
	} catch {
		return null;
	}
}
