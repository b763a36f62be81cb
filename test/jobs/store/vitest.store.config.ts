// Runs the job store tests with the PostgreSQL globalSetup, for work on the store alone:
//   npx vitest run -c test/jobs/store/vitest.store.config.ts
import { defineConfig } from 'vitest/config';
import base from '../../../vitest.config.js';

export default defineConfig({
  ...base,
  root: new URL('../../..', import.meta.url).pathname,
  // Not mergeConfig: it would append to `include` instead of replacing it.
  test: { ...base.test, include: ['test/jobs/store/**/*.test.ts'], globalSetup: ['test/setup/postgres.ts'] },
});
