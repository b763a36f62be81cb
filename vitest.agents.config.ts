// The agent CLI contract tests (test/agents-cli): the real, pinned CLIs against local fake model
// servers. Run through `npm run test:agents`, which installs the CLIs first.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  // Not mergeConfig: it would append to `include`/`exclude` instead of replacing them.
  test: {
    ...base.test,
    include: ['test/agents-cli/**/*.cli.test.ts'],
    exclude: ['node_modules/**'],
    // Some CLIs start slowly (OpenClaw about 10 s a run); a test may run one several times.
    testTimeout: 180_000,
  },
});
