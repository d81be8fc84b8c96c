import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		projects: [
			{
				extends: true,
				test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } }
			},
			{
				extends: true,
				test: {
					name: 'integration',
					// The projects run one after another: the browser tests' 30 s waits must not share the
					// two cores with the integration tests' million-row imports.
					sequence: { groupOrder: 1 },
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/support/global-db.ts'],
					setupFiles: ['tests/support/setup-env.ts'],
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 120_000
				}
			},
			{
				extends: true,
				test: {
					// Bad input of every kind at every action, endpoint and page of the built app (issue 7 §5):
					// after the integration tests, before the browser ones. `npm run fuzz` runs it long.
					name: 'fuzz',
					sequence: { groupOrder: 2 },
					include: ['tests/fuzz/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/support/global-db.ts'],
					setupFiles: ['tests/support/setup-env.ts'],
					fileParallelism: false,
					testTimeout: Number(process.env.FUZZ_TIMEOUT_MS ?? 600_000),
					hookTimeout: 180_000
				}
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					sequence: { groupOrder: 3 },
					include: ['tests/e2e/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/support/global-db.ts', 'tests/support/global-server.ts'],
					setupFiles: ['tests/support/setup-env.ts'],
					fileParallelism: false,
					testTimeout: 120_000,
					hookTimeout: 120_000
				}
			}
		]
	}
});
