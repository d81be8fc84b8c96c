export { parseOfx, decodeOfx, amountToCents, dateToSaoPaulo, OfxError, type OfxFile, type OfxStatement, type OfxTransaction, type OfxAccount } from './parse';
export { decide, amountMatches, endToEndIds, txidCandidates, textOf, statementExternalId, entryKey, DUE_WINDOW_DAYS, type OpenInstallment, type StatementDecision } from './match';
