import { inject } from 'vitest';
import { TEST_APP_SECRET } from './constants';

// Runs in each test worker before the test file: point the app's lazy database client at this run's database.
process.env.DATABASE_URL = inject('databaseUrl');
process.env.APP_SECRET ??= TEST_APP_SECRET;
process.env.NODE_ENV = 'test';
