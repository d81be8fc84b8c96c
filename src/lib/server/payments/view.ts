import type { Installment } from '../agreements';
import type { Db } from '../db/client';
import { config } from '../config';
import { todayInSaoPaulo } from '../../format/dates';
import { chargeMatches, openSlip, pixFor, boletoFor } from './instruments';

export { openSlip };
import { pixQrSvg } from './pix/brcode';
import { isOpenInstallment } from '../../agreements/status';
import { ensureCharge, automatico } from './psp';

export type PaymentView = {
	seq: number;
	dueDate: string;
	amountCents: number;
	/** What is still to pay (the installment less any part paid). */
	openCents: number;
	status: Installment['status'];
	kind: Installment['kind'];
	pix: string | null;
	/** The code points at a charge the PSP keeps (the bank app reads the amount from it). */
	pixDynamic: boolean;
	qrSvg: string | null;
	linha: string | null;
	/** The code is Pix Automático's composite QR: paying it can also authorise the monthly debits of the rest. */
	autoDebitOffer: boolean;
};


/**
 * What the portal shows to pay one installment. A cancelled or paid installment shows no codes:
 * a superseded slip must never be offered.
 */
export async function paymentView(inst: Installment, withQr: boolean, composite: string | null = null): Promise<PaymentView> {
	const payable = isOpenInstallment(inst.status);
	const slip = openSlip(inst);
	// The composite QR pays the same charge (its location is inside), so it is shown under the same rule.
	const offer = payable && !!composite && chargeMatches(slip);
	const pix = payable ? (offer ? composite : pixFor(slip)) : null;
	return {
		seq: inst.seq,
		dueDate: inst.dueDate,
		amountCents: inst.amountCents,
		openCents: payable ? slip.amountCents : 0,
		status: inst.status,
		kind: inst.kind,
		pix,
		pixDynamic: payable && chargeMatches(slip),
		qrSvg: pix && withQr ? await pixQrSvg(pix) : null,
		linha: payable ? boletoFor(slip).linha : null,
		autoDebitOffer: offer
	};
}

/**
 * `paymentView` for the installment the debtor is about to pay: its PSP charge is created first when
 * its creditor has a PSP (once; later views reuse it). Without one, or with the PSP unreachable, the
 * static code is shown.
 */
export async function payableView(db: Db, inst: Installment, withQr: boolean): Promise<PaymentView> {
	const charged = isOpenInstallment(inst.status) ? await ensureCharge(db, inst.id, { baseUrl: config().baseUrl, today: todayInSaoPaulo() }) : null;
	return paymentView(charged ?? inst, withQr, charged ? await automatico.compositeFor(db, charged) : null);
}
