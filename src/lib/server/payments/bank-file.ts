import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { creditors } from '../db/schema';

/** Who imports a bank file: staff in the admin area, the CLI, or an API key. */
export type BankFileActor = { type: 'staff' | 'cli' | 'system'; id?: string | null };

/** What every bank-file import (return file, statement) is given. */
export type BankFileImportInput = {
	agencyId: string;
	/** Limit matching to this creditor's installments (a scoped staff member, a chosen creditor, `--credor`). */
	creditorId?: string | null;
	content: string | Uint8Array;
	fileName: string;
	actor: BankFileActor;
	ip?: string | null;
	/** Records (or credits) per transaction. */
	batchSize?: number;
};

/**
 * What the bank-file importers (return files, statements) share before they touch the database: the
 * upload within its limit, read by the file's own reader, and its SHA-256 (a file is imported once
 * per agency by its content). A reader's own error becomes the pt-BR message it carries.
 */
export function openBankFile<T>(
	content: string | Uint8Array,
	opts: { encoding: BufferEncoding; maxMb: number; read: (bytes: Buffer) => T; readError: abstract new (...args: never[]) => Error }
): { ok: true; bytes: Buffer; parsed: T; sha256: string } | { ok: false; message: string } {
	const bytes = typeof content === 'string' ? Buffer.from(content, opts.encoding) : Buffer.from(content);
	if (bytes.length === 0) return { ok: false, message: 'O arquivo está vazio.' };
	if (bytes.length > opts.maxMb * 1024 * 1024) return { ok: false, message: `Arquivo grande demais (o limite é ${opts.maxMb} MB).` };
	try {
		return { ok: true, bytes, parsed: opts.read(bytes), sha256: createHash('sha256').update(bytes).digest('hex') };
	} catch (e) {
		if (e instanceof opts.readError) return { ok: false, message: e.message };
		throw e;
	}
}

/** Whether a creditor named by an import is the agency's (a file for another agency's creditor is refused as unknown). */
export async function isAgencyCreditor(db: DbOrTx, agencyId: string, creditorId: string): Promise<boolean> {
	const [c] = await db.select({ id: creditors.id }).from(creditors).where(and(eq(creditors.id, creditorId), eq(creditors.agencyId, agencyId)));
	return !!c;
}
