import { describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { db } from '../../src/lib/server/db/client';
import { installments, outbox, shortLinks, staff } from '../../src/lib/server/db/schema';
import * as agreements from '../../src/lib/server/agreements';
import { record } from '../../src/lib/server/payments/record';
import * as receipts from '../../src/lib/server/payments/receipts';
import * as backoffice from '../../src/lib/server/backoffice';
import { formatBRL } from '../../src/lib/format/money';
import { formatDateBR, todayInSaoPaulo } from '../../src/lib/format/dates';
import { maskDocument } from '../../src/lib/format/document';
import { pdfText } from '../support/tools';
import * as factory from '../support/factory';

let refs = 0;
const pay = (installmentId: string, amountCents: number, externalId = `E2E${Date.now()}R${refs++}`, paidAt = new Date()) =>
	db().transaction((tx) => record(tx, { installmentId, amountCents, paidAt, method: 'pix', source: 'webhook', externalId, actor: { type: 'system' } }));
const receiptsOf = (debtorId: string) => db().select().from(outbox).where(and(eq(outbox.debtorId, debtorId), eq(outbox.kind, 'receipt'))).orderBy(asc(outbox.createdAt));

describe('receipts when money arrives', () => {
	it('each payment queues one receipt message with a portal link; a duplicate queues nothing; settlement brings the termo de quitação', async () => {
		const w = await factory.world();
		const a = await factory.acceptPlan(w.debtor, [w.debt.id], 2);
		const inst = await db().select().from(installments).where(eq(installments.agreementId, a.id)).orderBy(asc(installments.seq));
		const paidAt = new Date('2026-12-08T02:05:00Z');

		const first = await pay(inst[0].id, inst[0].amountCents, 'E2E-RECEIPT-1', paidAt);
		expect(first.ok && !first.duplicate).toBe(true);
		let msgs = await receiptsOf(w.debtor.id);
		expect(msgs).toHaveLength(1);
		expect(msgs[0].channel).toBe('sms');
		expect(msgs[0].to).toBe(w.debtor.phone);
		expect(msgs[0].text).toContain(`recebemos seu pagamento de ${formatBRL(inst[0].amountCents)} em 07/12/2026 (acordo ${a.code}, parcela 1)`);
		expect(msgs[0].text).toContain(w.creditor.displayName);
		expect(msgs[0].text).toMatch(/\/l\/[A-Za-z0-9]{10}$/);
		const [link] = await db().select().from(shortLinks).where(eq(shortLinks.messageId, msgs[0].id));
		expect(link.target).toBe(`/acordos/${a.code}`);
		expect(link.debtorId).toBe(w.debtor.id);

		// Webhooks and return files are retried: the same reference again records and sends nothing.
		const again = await pay(inst[0].id, inst[0].amountCents, 'E2E-RECEIPT-1', paidAt);
		expect(again.ok && again.duplicate).toBe(true);
		expect(await receiptsOf(w.debtor.id)).toHaveLength(1);

		// The comprovante: exact amounts, masked document, what stays open.
		const listed = await receipts.paymentsOf(db(), a.id);
		expect(listed.map((p) => [p.seq, p.amountCents])).toEqual([[1, inst[0].amountCents]]);
		const text = pdfText((await receipts.receiptPdf(db(), a.id, listed[0].id))!);
		expect(text).toContain(w.creditor.legalName);
		expect(text).toContain(w.debtor.name);
		expect(text).toContain(maskDocument(w.debtor.document));
		expect(text).toContain(formatBRL(inst[0].amountCents));
		expect(text).toContain('07/12/2026 às 23:05');
		expect(text).toContain('E2E-RECEIPT-1');
		expect(text).toMatch(new RegExp(`após este pagamento\\s+${formatBRL(inst[1].amountCents).replace(/[$.]/g, '\\$&')}`));
		// Not settled yet: no termo de quitação.
		expect(await receipts.quitacaoPdf(db(), a.id)).toBeNull();
		// Another agreement's payment id is not this agreement's receipt.
		const other = await factory.world();
		const b = await factory.acceptPlan(other.debtor, [other.debt.id], 1);
		expect(await receipts.receiptPdf(db(), b.id, listed[0].id)).toBeNull();
		// And the portal's lookup (what the routes use to answer 404) finds the agreement only for its debtor.
		expect(await agreements.byCode(db(), other.debtor.agencyId, other.debtor.id, a.code)).toBeNull();

		const last = await pay(inst[1].id, inst[1].amountCents, 'E2E-RECEIPT-2', new Date('2026-12-09T15:00:00Z'));
		expect(last.ok && !last.duplicate && last.settled).toBe(true);
		msgs = await receiptsOf(w.debtor.id);
		expect(msgs).toHaveLength(2);
		expect(msgs[1].text).toContain('Seu acordo está quitado');
		expect(msgs[1].text).toContain('termo de quitação');

		const q = pdfText((await receipts.quitacaoPdf(db(), a.id))!);
		expect(q).toContain('Termo de quitação');
		expect(q).toContain(w.debt.externalId);
		expect(q).toContain(w.debt.description);
		expect(q).toMatch(new RegExp(`Total pago\\s+${formatBRL(a.totalCents).replace(/[$.]/g, '\\$&')}`));
		expect(q).toContain(`quitado em ${formatDateBR(todayInSaoPaulo())}`);
		expect(q).toMatch(/Súmula\s+548/);
		// Counted from the first payment (07/12/2026 in São Paulo), as the delisting webhook does.
		const flat = q.replace(/\s+/g, ' ');
		expect(flat).toContain('contados do primeiro pagamento do acordo, em 07/12/2026, o prazo terminou ou termina em 14/12/2026');
	});

	it('the debtor timeline shows the payment and the receipt message', async () => {
		const w = await factory.world();
		const a = await factory.acceptPlan(w.debtor, [w.debt.id], 1);
		const [inst] = await db().select().from(installments).where(eq(installments.agreementId, a.id));
		await pay(inst.id, inst.amountCents);
		const [row] = await db().insert(staff).values({ agencyId: w.agency.id, email: `op.${Date.now()}@assessoria.example`, role: 'operator', name: 'Operadora' }).returning();
		const who = { id: row.id, agencyId: w.agency.id, role: 'operator' as const, creditorId: null, email: row.email, name: 'Operadora' };
		const page = await backoffice.debtor.open(db(), who, w.debtor.id);
		const events = page!.timeline;
		expect(events.some((e) => e.kind === 'payment' && e.title === `Pagamento da parcela 1 do acordo ${a.code}` && e.detail?.includes(formatBRL(inst.amountCents)))).toBe(true);
		expect(events.some((e) => e.kind === 'message' && e.title.includes('Comprovante') && e.detail?.includes('recebemos seu pagamento'))).toBe(true);
	});

	it('the printed codes verify a comprovante and a termo de quitação, and only at their own creditor', async () => {
		const w = await factory.world();
		const a = await factory.acceptPlan(w.debtor, [w.debt.id], 2);
		const inst = await db().select().from(installments).where(eq(installments.agreementId, a.id)).orderBy(asc(installments.seq));
		await pay(inst[0].id, inst[0].amountCents);
		const [p1] = await receipts.paymentsOf(db(), a.id);
		const printed = (pdf: Buffer) => /Código de verificação:\s*([0-9A-F-]{19})/.exec(pdfText(pdf))![1];
		const receiptCode = printed((await receipts.receiptPdf(db(), a.id, p1.id))!);

		expect(await receipts.verify(db(), w.creditor.id, a.code, receiptCode)).toMatchObject({
			kind: 'receipt',
			agreementCode: a.code,
			amountCents: inst[0].amountCents,
			label: 'Entrada',
			debtorName: w.debtor.name,
			debtorDocument: maskDocument(w.debtor.document)
		});
		// However it is typed: lower case, spaces instead of dashes.
		expect(await receipts.verify(db(), w.creditor.id, ` ${a.code.toLowerCase()} `, receiptCode.toLowerCase().replaceAll('-', ' '))).toMatchObject({ kind: 'receipt' });
		// Another creditor's portal, another agreement's code, one character off, or nonsense: nothing.
		const other = await factory.world();
		expect(await receipts.verify(db(), other.creditor.id, a.code, receiptCode)).toBeNull();
		const b = await factory.acceptPlan(other.debtor, [other.debt.id], 1);
		expect(await receipts.verify(db(), other.creditor.id, b.code, receiptCode)).toBeNull();
		const off = receiptCode.slice(0, -1) + (receiptCode.endsWith('0') ? '1' : '0');
		expect(await receipts.verify(db(), w.creditor.id, a.code, off)).toBeNull();
		expect(await receipts.verify(db(), w.creditor.id, 'AC-NAO-EXISTE', receiptCode)).toBeNull();
		expect(await receipts.verify(db(), w.creditor.id, a.code, 'xyz')).toBeNull();

		// Settled: the termo's own code verifies it; the comprovante's still verifies the comprovante.
		await pay(inst[1].id, inst[1].amountCents);
		const termoCode = printed((await receipts.quitacaoPdf(db(), a.id))!);
		expect(termoCode).not.toBe(receiptCode);
		expect(await receipts.verify(db(), w.creditor.id, a.code, termoCode)).toMatchObject({ kind: 'quitacao', totalPaidCents: a.totalCents, agreementCode: a.code });
		expect(await receipts.verify(db(), w.creditor.id, a.code, receiptCode)).toMatchObject({ kind: 'receipt' });
	});
});
