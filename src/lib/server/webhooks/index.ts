/**
 * Webhooks to a creditor's ERP (Standard Webhooks): an outbox written in the caller's transaction
 * (`emit` and the event builders), a delivery job with retries, and the endpoints' management.
 */
export { emit, body, EVENT_TYPES, EVENT_LABELS, RETRY_WINDOW_MS, type EventType, type Event } from './outbox';
export { agreementCreated, paymentRecorded, agreementCancelled, agreementBroken } from './events';
export { deliverDue, retryDelayMs, type DeliverReport, type DeliverOptions } from './deliver';
export { delistingDeadline, addBusinessDays } from './deadline';
export { sign, newSecret, headers as signedHeaders } from './signature';
export { checkUrl, isPrivateAddress } from './url';
export * as endpoints from './endpoints';
