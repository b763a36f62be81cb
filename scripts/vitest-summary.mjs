#!/usr/bin/env node
// Runs vitest with a JSON report and ends with the line CI reads: `N passed, N failed`.
// Usage: node scripts/vitest-summary.mjs [vitest args...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const report = join(mkdtempSync(join(tmpdir(), 'vitest-report-')), 'report.json');
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  /** @type {unknown} */
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const r = /** @type {Report} */ (json);
  passed = r.numPassedTests ?? 0;
  failed = (r.numFailedTests ?? 0) + countFilesFailedWithoutFailedTests(r);
}
rmSync(dirname(report), { recursive: true, force: true });
if (run.status !== 0 && failed === 0) failed = 1; // vitest itself failed (e.g. a file did not load)
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status ?? 1);

/**
 * The parts of vitest's JSON report read here.
 * @typedef {object} Report
 * @property {number} [numPassedTests]
 * @property {number} [numFailedTests]
 * @property {{ status: string; assertionResults?: { status: string }[] }[]} [testResults]
 */

// A file that failed without a failed test (it did not load, a hook threw) counts as one failure.
/** @param {Report} r */
function countFilesFailedWithoutFailedTests(r) {
  return (r.testResults ?? []).filter(
    (s) => s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
}
