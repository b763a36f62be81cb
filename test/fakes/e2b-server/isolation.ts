import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_HOME } from './paths.js';

/**
 * How the fake runs a sandbox's processes so that `/home/user/...` means the sandbox's own
 * directory and never the host's `/home`:
 *
 * - `namespace`: each process starts in a private mount namespace (an unprivileged user
 *   namespace, `unshare -Urm`) where the sandbox's `home` directory is bind-mounted over
 *   `/home`. Any absolute path a command computes at run time is covered. Preferred.
 * - `rewrite`: where user namespaces are unavailable, `/home/user` is rewritten to the
 *   sandbox's directory in the command arguments, cwd and env. A path assembled at run time
 *   from pieces would escape it, so tests that prove isolation should check `mode`.
 */
export type IsolationMode = 'namespace' | 'rewrite';

/** Runs `exec "$@"` after mounting the sandbox's home (arg 1) over /home and entering cwd (arg 2). */
const NAMESPACE_ENTRY = 'mount --bind "$1" /home || exit 125; cd "$2" || exit 126; shift 2; exec "$@"';

export function detectIsolation(): IsolationMode {
  const probe = mkdtempSync(join(tmpdir(), 'e2b-fake-probe-'));
  try {
    mkdirSync(join(probe, 'home', 'user'), { recursive: true });
    const r = spawnSync(
      'unshare',
      [
        '--user',
        '--map-root-user',
        '--mount',
        '--',
        '/bin/sh',
        '-c',
        NAMESPACE_ENTRY,
        'sh',
        join(probe, 'home'),
        SANDBOX_HOME,
        '/bin/true',
      ],
      {
        stdio: 'ignore',
        timeout: 5_000,
      },
    );
    return r.status === 0 ? 'namespace' : 'rewrite';
  } catch {
    return 'rewrite';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

export interface SpawnPlan {
  file: string;
  args: string[];
  /** Host directory the spawned process starts in. */
  cwd: string;
  env: Record<string, string>;
}

export interface ProcessRequest {
  cmd: string;
  args: string[];
  /** Sandbox path. */
  cwd: string;
  env: Record<string, string>;
}

/** Builds the host command that runs `request` inside the sandbox whose directory is `sandboxDir`. */
export function planSpawn(mode: IsolationMode, sandboxDir: string, request: ProcessRequest): SpawnPlan {
  if (mode === 'namespace') {
    return {
      file: 'unshare',
      args: [
        '--user',
        '--map-root-user',
        '--mount',
        '--',
        '/bin/sh',
        '-c',
        NAMESPACE_ENTRY,
        'sh',
        join(sandboxDir, 'home'),
        request.cwd,
        request.cmd,
        ...request.args,
      ],
      cwd: sandboxDir,
      env: { ...request.env, HOME: SANDBOX_HOME },
    };
  }
  const hostHome = join(sandboxDir, SANDBOX_HOME);
  const rewrite = (s: string) => s.split(SANDBOX_HOME).join(hostHome);
  return {
    file: request.cmd,
    args: request.args.map(rewrite),
    cwd: rewrite(request.cwd),
    env: Object.fromEntries(Object.entries({ ...request.env, HOME: SANDBOX_HOME }).map(([k, v]) => [k, rewrite(v)])),
  };
}
