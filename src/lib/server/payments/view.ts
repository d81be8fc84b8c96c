import type { Installment } from '../agreements';
import { pixFor, boletoFor } from './instruments';
import { pixQrSvg } from './pix/brcode';

export type PaymentView = {
	seq: number;
	dueDate: string;
	amountCents: number;
	status: Installment['status'];
	pix: string | null;
	qrSvg: string | null;
	linha: string | null;
};

/**
 * What the portal shows to pay one installment. A cancelled or paid installment shows no codes:
 * a superseded slip must never be offered.
 */
export async function paymentView(inst: Installment, withQr: boolean): Promise<PaymentView> {
	const payable = inst.status === 'pending';
	const pix = payable ? pixFor(inst) : null;
	return {
		seq: inst.seq,
		dueDate: inst.dueDate,
		amountCents: inst.amountCents,
		status: inst.status,
		pix,
		qrSvg: pix && withQr ? await pixQrSvg(pix) : null,
		linha: payable ? boletoFor(inst).linha : null
	};
}
