import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A worker's id: `<host>:<pid>:<random>`, so a process starting on the same host can tell whether it is gone. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * True only when `workerId` surely belongs to a process that is gone: one of this host whose pid
 * is no longer alive, or is this very process (restarted under the same pid, as PID 1 in a
 * container is). A worker of another host may be alive: only its lease can tell.
 */
export function isDeadOnThisHost(workerId: string, self = { host: hostname(), pid: process.pid }): boolean {
  const [host, pidText] = workerId.split(':');
  const pid = Number(pidText);
  if (host !== self.host || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === self.pid) return true; // not us: our worker id is new
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
