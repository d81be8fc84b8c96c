export * from './tenancy';
export * from './debts';
export * from './agreements';
export * from './auth';
export * from './ops';
export * from './staff';
export * from './integration';
export * from './payments';
