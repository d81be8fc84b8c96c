import type { Creditor } from '../tenancy';
import type { Installment } from '../agreements';
import { buildDynamicPixBrCode, buildPixBrCode } from './pix/brcode';
import { buildBarcode, freeField, linhaDigitavel } from './boleto/barcode';

/**
 * Where an installment's money goes: the Pix key and merchant, the bank account of the boleto.
 * Copied from the creditor's settings when the installment is issued and never changed after:
 * new settings apply to new installments, and re-issuing old ones is an explicit, audited act.
 */
export type Destination = Pick<
	Installment,
	'pixKey' | 'pixMerchantName' | 'pixMerchantCity' | 'boletoBankCode' | 'boletoAgency' | 'boletoAccount' | 'boletoWallet'
>;

export const DESTINATION_FIELDS = [
	'pixKey',
	'pixMerchantName',
	'pixMerchantCity',
	'boletoBankCode',
	'boletoAgency',
	'boletoAccount',
	'boletoWallet'
] as const satisfies readonly (keyof Destination & keyof Creditor)[];

/** The destination a new installment is issued with: the creditor's settings now. */
export function destinationOf(creditor: Destination): Destination {
	return Object.fromEntries(DESTINATION_FIELDS.map((f) => [f, creditor[f]])) as Destination;
}

export function sameDestination(a: Destination, b: Destination): boolean {
	return DESTINATION_FIELDS.every((f) => a[f] === b[f]);
}

/** The installment as a slip for what is still open: a partly paid installment is paid by its remainder. */
export function openSlip<T extends Pick<Installment, 'amountCents' | 'paidCents'>>(inst: T): T {
	return { ...inst, amountCents: inst.amountCents - (inst.paidCents ?? 0) };
}

/** The installment's PSP charge is open and asks exactly `amountCents` (the slip's open amount). */
export function chargeMatches(i: Pick<Installment, 'amountCents'> & Partial<Pick<Installment, 'pspLocation' | 'pspStatus' | 'pspAmountCents'>>): i is typeof i & { pspLocation: string } {
	return !!i.pspLocation && i.pspStatus === 'ATIVA' && i.pspAmountCents === i.amountCents;
}

/**
 * The Pix copia-e-cola for one installment: the dynamic code of its PSP charge while that charge is
 * open and asks the open amount (the PSP charges exactly that), else the static code with the amount
 * equal to the installment and a txid unique to it.
 */
export function pixFor(installment: Pick<Installment, 'amountCents' | 'txid'> & Partial<Pick<Installment, 'pspLocation' | 'pspStatus' | 'pspAmountCents'>> & Destination): string {
	if (chargeMatches(installment)) {
		return buildDynamicPixBrCode({ location: installment.pspLocation, merchantName: installment.pixMerchantName, merchantCity: installment.pixMerchantCity });
	}
	return buildPixBrCode({
		key: installment.pixKey,
		merchantName: installment.pixMerchantName,
		merchantCity: installment.pixMerchantCity,
		amountCents: installment.amountCents,
		txid: installment.txid
	});
}

export type BoletoDigits = { barcode: string; linha: string };

/** Barcode and linha digitável for one installment, from the bank account it was issued with. */
export function boletoFor(installment: Pick<Installment, 'amountCents' | 'dueDate' | 'nossoNumero'> & Destination): BoletoDigits {
	const barcode = buildBarcode({
		bankCode: installment.boletoBankCode,
		dueDate: installment.dueDate,
		amountCents: installment.amountCents,
		freeField: freeField(installment.boletoBankCode, {
			agency: installment.boletoAgency,
			account: installment.boletoAccount,
			wallet: installment.boletoWallet,
			nossoNumero: installment.nossoNumero
		})
	});
	return { barcode, linha: linhaDigitavel(barcode) };
}
