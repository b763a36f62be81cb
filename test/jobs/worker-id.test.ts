import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isDeadOnThisHost, newWorkerId } from '../../src/jobs/worker-id.js';

describe('worker ids', () => {
  const here = hostname();

  it('name the host and the process, and differ each time', () => {
    const id = newWorkerId();
    expect(id).toMatch(new RegExp(`^${here.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{8}$`));
    expect(newWorkerId()).not.toBe(id);
  });

  it('a worker of this host whose process is gone is dead; a live one, or one of another host, is not known to be', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(isDeadOnThisHost(`${here}:${gone}:aaaaaaaa`)).toBe(true);
    expect(isDeadOnThisHost(`${here}:${process.ppid}:aaaaaaaa`)).toBe(false);
    expect(isDeadOnThisHost(`another-host:${gone}:aaaaaaaa`)).toBe(false);
    expect(isDeadOnThisHost('not a worker id')).toBe(false);
  });

  it("this process's own pid in an old id is a predecessor that had it (PID 1 in a restarted container)", () => {
    expect(isDeadOnThisHost(`${here}:${process.pid}:bbbbbbbb`)).toBe(true);
  });
});
