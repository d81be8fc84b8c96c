/**
 * Pix through a PSP speaking the Central Bank's Pix API v2: dynamic charges with a due date per
 * installment, the payment webhook, and a sweep that records what a lost webhook missed.
 */
export { ensureCharge, withdrawStale } from './charges';
export { receive, sweep, apply } from './received';
export * as accounts from './accounts';
export * as client from './client';
export { cobvBody, lateChargesProblem, newPspTxid, notificationItems, FINE_CAP_BP, INTEREST_CAP_MONTHLY_BP } from './cobv';
export type { CobvBody, ReceivedPix } from './cobv';
export * as accountAdmin from './account-admin';
/** Pix Automático (JORNADA_3): the entry's composite QR authorises monthly debits of the rest. */
export * as automatico from './recurrence';
export { cobBody, recBody, cobrBody, cobrDue, parseReceivingAccount } from './automatico';
