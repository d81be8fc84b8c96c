import * as lifecycle from '../agreements/lifecycle';

/**
 * Recording a payment is a transition of the agreement's state machine: it lives in
 * `agreements/lifecycle.ts` (`recordPayment`). This name stays for the payment sources
 * (Pix webhook, bank return files, staff) that call it.
 */
export type { RecordPaymentInput, RecordPaymentResult } from '../agreements/lifecycle';
export type Payment = Extract<lifecycle.RecordPaymentResult, { ok: true }>['payment'];

export const record = lifecycle.recordPayment;
