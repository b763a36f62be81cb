import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Agent CLI contract tests need large pinned CLIs: they run with `npm run test:agents`.
    exclude: ['test/agents-cli/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A throwaway PostgreSQL cluster for the job store's contract tests (scripts/postgres-for-tests.sh
    // installs it), and one temporary directory per run for everything the tests write.
    globalSetup: ['test/setup/postgres.ts', 'test/setup/tmpdir.ts'],
  },
});
