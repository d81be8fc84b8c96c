import type { DbOrTx } from '../db/client';
import { auditLog } from '../db/schema';

export type AuditEntry = {
	agencyId?: string | null;
	actorType: 'debtor' | 'staff' | 'system' | 'cli';
	actorId?: string | null;
	action: string;
	entity?: string;
	entityId?: string;
	ip?: string | null;
	data?: unknown;
};

/** Appends to the audit log inside the caller's transaction, so the record and the change commit together. */
export async function record(tx: DbOrTx, entry: AuditEntry): Promise<void> {
	await tx.insert(auditLog).values({
		agencyId: entry.agencyId ?? null,
		actorType: entry.actorType,
		actorId: entry.actorId ?? null,
		action: entry.action,
		entity: entry.entity ?? null,
		entityId: entry.entityId ?? null,
		ip: entry.ip ?? null,
		data: entry.data ?? null
	});
}
