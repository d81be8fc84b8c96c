/**
 * The back office (issue 3 §5, §8): debtor search, the debtor page and its timeline, agreement
 * actions (cancel, due date, manual payment) and LGPD (export, anonymise). Everything is scoped
 * to what the staff member reaches; every write is one transaction with an audit entry.
 */
export * as search from './search';
export * as debtor from './debtor';
export * as agreements from './agreements';
export * as lgpd from './lgpd';
export * as contacts from './contacts';
export { debtorInReach, agreementInReach } from './scope';
