/**
 * vitest globalSetup: every temporary directory the tests make (git remotes, sandboxes, fake
 * agent executables, data dirs, child apps) goes under one directory for the run, removed at
 * its end, so test runs do not pile up in /tmp. Test processes inherit TMPDIR, which
 * `os.tmpdir()` reads. Runs after the PostgreSQL setup: the cluster's directory must stay
 * reachable for the postgres user, and this one is private to us.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function setup(): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'issue-agent-tests-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return async () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
