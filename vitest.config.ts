import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'collectors/**/*.test.ts', 'psa/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-each.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // nock patches process-wide HTTP; keep files isolated in their own workers.
    pool: 'forks',
  },
});
