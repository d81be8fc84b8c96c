import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (m = 19 MiB, t = 2, p = 1).
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export function hashPassword(password: string): Promise<string> {
	return hash(password, OPTIONS);
}

export function verifyPassword(stored: string, password: string): Promise<boolean> {
	return verify(stored, password).catch(() => false);
}

/** A hash to verify against when the e-mail is unknown, so both paths cost the same. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
	decoy ??= hashPassword('decoy-password-never-valid');
	return decoy;
}

export function passwordProblem(password: string, email: string): string | null {
	if (password.length < 10) return 'A senha precisa de pelo menos 10 caracteres.';
	if (password.length > 200) return 'A senha pode ter no máximo 200 caracteres.';
	if (password.toLowerCase().includes(email.split('@')[0].toLowerCase())) return 'A senha não pode conter o seu e-mail.';
	if (/^(.)\1+$/.test(password) || /^(0123456789|1234567890|senha|password)/i.test(password)) return 'Escolha uma senha menos previsível.';
	return null;
}
