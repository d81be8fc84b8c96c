/** Pix the PSP confirmed that no installment could take: they wait for a person in the one review queue. */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { agreements, creditors, installments } from '../../db/schema';
import * as review from '../review';
import { todayInSaoPaulo } from '../../../format/dates';
import { amountToCents } from '../pix/brcode';
import { owner, type PspAccount } from './accounts';
import type { ReceivedPix } from './cobv';

export type KeepReason = 'unknown_txid' | 'not_found' | 'conflict';
const KEEP_LABELS: Record<KeepReason, string> = {
	unknown_txid: 'Pix sem parcela correspondente',
	conflict: 'Pix com referência já usada',
	not_found: 'Pix não lançado'
};
const KEEP_MESSAGES: Record<KeepReason, string> = {
	unknown_txid: 'O PSP confirmou este Pix, mas o identificador (txid) não é de nenhuma parcela desta conta. Associe-o à parcela certa ou descarte-o com o motivo.',
	conflict: 'O PSP confirmou este Pix, mas a referência dele já foi lançada em outra parcela. Confira antes de associar.',
	not_found: 'O PSP confirmou este Pix, mas ele não pôde ser lançado na parcela indicada.'
};

/** The payer as some PSPs add it (`pagador`, outside the spec's Pix object): for suggestions only. */
function payerOf(pix: ReceivedPix): { document: string | null; name: string | null } {
	const p = pix.pagador && typeof pix.pagador === 'object' ? (pix.pagador as Record<string, unknown>) : {};
	const doc = typeof p.cpf === 'string' ? p.cpf : typeof p.cnpj === 'string' ? p.cnpj : null;
	return { document: doc ? doc.replace(/\D/g, '') || null : null, name: typeof p.nome === 'string' ? p.nome.slice(0, 200) : null };
}

/**
 * Keeps a Pix the PSP confirmed but no installment could take, in the review queue of whoever the
 * money is for: the installment's creditor, else the account's owner. Once per endToEndId.
 */
export async function keepForReview(tx: Tx, account: PspAccount, pix: ReceivedPix, reason: KeepReason, installmentId: string | null): Promise<'review'> {
	const cents = amountToCents(pix.valor) ?? 0;
	const paidAt = new Date(pix.horario);
	const [target] = installmentId
		? await tx
				.select({ agencyId: creditors.agencyId, creditorId: agreements.creditorId })
				.from(installments)
				.innerJoin(agreements, eq(agreements.id, installments.agreementId))
				.innerJoin(creditors, eq(creditors.id, agreements.creditorId))
				.where(eq(installments.id, installmentId))
		: [];
	const whose = target ?? (await owner(tx, account));
	console.error(JSON.stringify({ type: 'warning', where: 'psp.received', endToEndId: pix.endToEndId, reason }));
	if (!whose) throw new Error('Pix recebido sem nenhuma agência cadastrada para revisá-lo');
	const payer = payerOf(pix);
	await review.enqueue(tx, [
		{
			agencyId: whose.agencyId,
			creditorId: whose.creditorId,
			source: 'pix',
			sourceRef: pix.endToEndId,
			reason,
			message: KEEP_MESSAGES[reason],
			amountCents: cents,
			paidOn: Number.isNaN(paidAt.getTime()) ? null : todayInSaoPaulo(paidAt),
			reference: pix.txid || pix.endToEndId,
			payerDocument: payer.document,
			payerName: payer.name,
			method: 'pix',
			externalId: pix.endToEndId,
			installmentId,
			details: { accountId: account.id, reasonLabel: KEEP_LABELS[reason], pix }
		}
	]);
	return 'review';
}

