import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { formatDateBR, todayInSaoPaulo } from '../../format/dates';

export type AnonymizeCheck = { allowed: true } | { allowed: false; message: string };

/**
 * Whether the debtor may be anonymised now: nothing owed anywhere in the agency (no open debt, no
 * debt in an agreement, no active agreement) and, for every creditor the debtor had debts with,
 * that creditor's retention_days have passed since its last debt was closed or settled. The
 * check spans the whole agency (the debtor row is shared by its creditors), but the message names
 * no other creditor.
 */
export async function anonymizeCheck(db: DbOrTx, debtor: { id: string; anonymizedAt: Date | null }, today = todayInSaoPaulo()): Promise<AnonymizeCheck> {
	if (debtor.anonymizedAt) return { allowed: false, message: 'Os dados deste devedor já foram anonimizados.' };
	const [owed] = await db.execute<{ debts: number; agreements: number }>(sql`
		select (select count(*)::int from debts where debtor_id = ${debtor.id} and status in ('open', 'in_agreement')) as debts,
		       (select count(*)::int from agreements where debtor_id = ${debtor.id} and status = 'active') as agreements`);
	if (owed.debts > 0 || owed.agreements > 0) {
		return { allowed: false, message: 'Não é possível anonimizar: ainda há dívida em aberto ou acordo ativo com este devedor.' };
	}
	// Per creditor: the last closure (closed_at, or the last change for debts closed before it existed).
	const retention = await db.execute<{ until: string }>(sql`
		select to_char(max((coalesce(d.closed_at, d.updated_at) at time zone 'America/Sao_Paulo')::date + c.retention_days), 'YYYY-MM-DD') as until
		from debts d join creditors c on c.id = d.creditor_id
		where d.debtor_id = ${debtor.id}`);
	const until = retention[0]?.until;
	if (until && until > today) {
		return { allowed: false, message: `Ainda dentro do prazo de guarda definido pelo credor: a anonimização será possível a partir de ${formatDateBR(until)}.` };
	}
	return { allowed: true };
}
