import { inject } from 'vitest';

// Runs in each test worker before the test file: point the app's lazy database client at this run's database.
process.env.DATABASE_URL = inject('databaseUrl');
process.env.APP_SECRET ??= 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
process.env.NODE_ENV = 'test';
