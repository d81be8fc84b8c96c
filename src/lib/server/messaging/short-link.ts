/**
 * Short links in campaign messages: `/l/{code}`. The code is random, at most 10 characters (an
 * SMS has no room for more), and only its SHA-256 is stored, so a copy of the database cannot be
 * turned back into working links.
 */
import { createHash, getRandomValues } from 'node:crypto';

/** URL-safe and unambiguous when read aloud or copied by hand: no 0/O/o, 1/l/I. 56 symbols. */
export const SHORT_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz';
export const SHORT_CODE_LENGTH = 10; // 56^10 ≈ 2^58

const SHAPE = new RegExp(`^[${SHORT_CODE_ALPHABET}]{${SHORT_CODE_LENGTH}}$`);
// 224 = 4 × 56: bytes at or above it are dropped, so every symbol is equally likely (no modulo bias).
const LIMIT = 256 - (256 % SHORT_CODE_ALPHABET.length);

export function newShortCode(): string {
	let code = '';
	const bytes = new Uint8Array(16);
	while (code.length < SHORT_CODE_LENGTH) {
		getRandomValues(bytes);
		for (const b of bytes) {
			if (b < LIMIT && code.length < SHORT_CODE_LENGTH) code += SHORT_CODE_ALPHABET[b % SHORT_CODE_ALPHABET.length];
		}
	}
	return code;
}

/** What the database stores and looks up: SHA-256, lowercase hex. */
export function shortCodeHash(code: string): string {
	return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** The shape of a code, checked before any lookup so a scan of random paths never reaches the database. */
export function isShortCode(s: string): boolean {
	return SHAPE.test(s);
}
