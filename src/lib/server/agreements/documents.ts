import { isOpenInstallment } from '../../agreements/status';
import { openSlip } from '../payments/view';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { agencies } from '../db/schema';
import type { byCode } from './index';
import { renderTermoPdf, type TermoData } from './termo-pdf';
import { renderBoletoPdf } from '../payments/boleto/pdf';
import { boletoFor, pixFor } from '../payments/instruments';
import { bradescoNossoNumeroDigit } from '../payments/boleto/barcode';
import { formatDocument } from '../../format/document';
import type { Offer } from '../offers/engine';

type Found = NonNullable<Awaited<ReturnType<typeof byCode>>>;
type Debtor = { name: string; document: string };

/** The termo de acordo exactly as accepted: figures come from what was stored at acceptance. */
export async function termoPdf(db: DbOrTx, found: Found, debtor: Debtor): Promise<Buffer> {
	const a = found.agreement;
	const agency = await db.query.agencies.findFirst({ where: eq(agencies.id, found.creditor.agencyId) });
	const offer = (a.terms as { offer?: Offer }).offer;
	const data: TermoData = {
		code: a.code,
		issuedAt: a.createdAt.toISOString(),
		acceptedAt: a.createdAt.toISOString(),
		creditor: {
			legalName: found.creditor.legalName,
			tradeName: found.creditor.displayName,
			cnpj: formatDocument(found.creditor.cnpj),
			address: found.creditor.address
		},
		agency: agency ? { name: agency.name, cnpj: formatDocument(agency.cnpj) } : null,
		debtor: { name: debtor.name, document: formatDocument(debtor.document) },
		debts: found.debts.map(({ link, debt }) => ({
			contractId: debt.externalId,
			description: debt.description,
			originalDueDate: debt.dueDate,
			originalCents: link.originalCents,
			lateFeeCents: link.lateFeeCents,
			interestCents: link.interestCents,
			creditCents: link.creditCents,
			updatedCents: link.updatedCents
		})),
		totals: {
			updatedCents: a.updatedTotalCents,
			discountCents: a.discountCents,
			installmentInterestCents: a.interestCents,
			agreementTotalCents: a.totalCents,
			cetMonthly: offer?.cetMonthly ?? null,
			cetYearly: offer?.cetYearly ?? null
		},
		installments: found.installments.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amountCents: i.amountCents })),
		breakToleranceDays: a.breakToleranceDays,
		remainderNote: offer?.remainderNote
	};
	return renderTermoPdf(data);
}

/** A boleto (with its Pix QR: boleto híbrido) for one open installment. */
export async function boletoPdf(found: Found, seq: number, debtor: Debtor): Promise<Buffer | null> {
	const found1 = found.installments.find((i) => i.seq === seq);
	if (!found1 || !isOpenInstallment(found1.status)) return null;
	// A partly paid installment: the slip is for what is still open.
	const inst = openSlip(found1);
	const c = found.creditor;
	const { barcode, linha } = boletoFor(inst);
	const nn = inst.boletoBankCode === '237' ? `${inst.boletoWallet}/${inst.nossoNumero}-${bradescoNossoNumeroDigit(inst.boletoWallet, inst.nossoNumero)}` : inst.nossoNumero;
	return renderBoletoPdf({
		beneficiary: { name: c.legalName, cnpj: formatDocument(c.cnpj), address: c.address },
		payer: { name: debtor.name, document: formatDocument(debtor.document) },
		bankCode: inst.boletoBankCode,
		agency: inst.boletoAgency,
		account: inst.boletoAccount,
		wallet: inst.boletoWallet,
		nossoNumero: nn,
		documentNumber: `${found.agreement.code.replace(/^AC-/, '')}-${String(inst.seq).padStart(2, '0')}`,
		dueDate: inst.dueDate,
		amountCents: inst.amountCents,
		linha,
		barcode,
		pixPayload: pixFor(inst),
		instructions: [
			`Acordo ${found.agreement.code}, parcela ${inst.seq} de ${found.installments.length}.`,
			'Pagável em qualquer banco, lotérica ou pelo Pix (QR Code ao lado) até o vencimento.',
			'Não receber após o vencimento: após essa data, gere um novo boleto no portal.'
		],
		processedAt: new Date().toISOString()
	});
}
