import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { auditLog, staff } from '../db/schema';

export type AuditFilter = { agencyId: string; action?: string; actor?: string; entityId?: string; from?: string; to?: string; before?: number };

/** One page of the agency's audit log, newest first, with the staff member's e-mail. */
export async function page(db: DbOrTx, f: AuditFilter, limit = 50) {
	const where: SQL[] = [eq(auditLog.agencyId, f.agencyId)];
	if (f.action) where.push(eq(auditLog.action, f.action));
	if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
	if (f.actor) where.push(sql`(${staff.email} ilike ${'%' + f.actor + '%'} or ${auditLog.actorId} = ${f.actor})`);
	// Calendar dates in São Paulo, as people read them.
	if (f.from) where.push(gte(auditLog.at, sql`(${f.from}::date::timestamp at time zone 'America/Sao_Paulo')`));
	if (f.to) where.push(lt(auditLog.at, sql`((${f.to}::date + 1)::timestamp at time zone 'America/Sao_Paulo')`));
	if (f.before) where.push(lt(auditLog.id, f.before));
	const rows = await db
		.select({ entry: auditLog, email: staff.email })
		.from(auditLog)
		.leftJoin(staff, sql`${auditLog.actorType} = 'staff' and ${staff.id}::text = ${auditLog.actorId}`)
		.where(and(...where))
		.orderBy(desc(auditLog.id))
		.limit(limit + 1);
	return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1].entry.id : null };
}

export async function actions(db: DbOrTx, agencyId: string): Promise<string[]> {
	const rows = await db.selectDistinct({ action: auditLog.action }).from(auditLog).where(eq(auditLog.agencyId, agencyId)).orderBy(auditLog.action);
	return rows.map((r) => r.action);
}
