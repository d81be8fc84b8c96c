import type { Creditor } from '../tenancy';
import type { Installment } from '../agreements';
import { buildPixBrCode } from './pix/brcode';
import { buildBarcode, freeField, linhaDigitavel } from './boleto/barcode';

/** The Pix copia-e-cola for one installment: amount equals the installment, txid unique to it. */
export function pixFor(
	creditor: Pick<Creditor, 'pixKey' | 'pixMerchantName' | 'pixMerchantCity'>,
	installment: Pick<Installment, 'amountCents' | 'txid'>
): string {
	return buildPixBrCode({
		key: creditor.pixKey,
		merchantName: creditor.pixMerchantName,
		merchantCity: creditor.pixMerchantCity,
		amountCents: installment.amountCents,
		txid: installment.txid
	});
}

export type BoletoDigits = { barcode: string; linha: string };

/** Barcode and linha digitável for one installment, from the creditor's bank settings. */
export function boletoFor(
	creditor: Pick<Creditor, 'boletoBankCode' | 'boletoAgency' | 'boletoAccount' | 'boletoWallet'>,
	installment: Pick<Installment, 'amountCents' | 'dueDate' | 'nossoNumero'>
): BoletoDigits {
	const barcode = buildBarcode({
		bankCode: creditor.boletoBankCode,
		dueDate: installment.dueDate,
		amountCents: installment.amountCents,
		freeField: freeField(creditor.boletoBankCode, {
			agency: creditor.boletoAgency,
			account: creditor.boletoAccount,
			wallet: creditor.boletoWallet,
			nossoNumero: installment.nossoNumero
		})
	});
	return { barcode, linha: linhaDigitavel(barcode) };
}
