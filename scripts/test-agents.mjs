#!/usr/bin/env node
// `npm run test:agents [-- claude codex ...]`: installs the pinned agent CLIs (once, into a cache
// outside the repo) and runs their contract tests against local fake model servers.
// No names: every agent of agents/manifest.json. Ends with the line CI reads: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = process.argv.slice(2);

const install = spawnSync(process.execPath, [join(root, 'scripts/install-agent-clis.mjs'), ...names], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (install.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Only the named agents' test files; an agent without one (amp: tested with a stand-in) adds none.
const files = names.map((n) => `test/agents-cli/${n}.cli.test.ts`).filter((f) => existsSync(join(root, f)));
if (names.length > 0 && files.length === 0) {
  console.log('0 passed, 0 failed');
  process.exit(0);
}
const run = spawnSync(
  process.execPath,
  [join(root, 'scripts/vitest-summary.mjs'), '--config', 'vitest.agents.config.ts', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(run.status ?? 1);
