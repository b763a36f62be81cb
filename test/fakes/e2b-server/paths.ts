import { join, posix } from 'node:path';

/** The sandbox user's home, as in E2B's templates. */
export const SANDBOX_HOME = '/home/user';

export class PathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathError';
  }
}

/**
 * Where a sandbox path lives on the host. A sandbox sees the host's filesystem except
 * `/home`, which is the sandbox's own directory (`<sandboxDir>/home`): that is what keeps
 * `/home/user/repo` from ever touching the host's `/home`. Relative paths are relative to
 * the user's home, as envd resolves them. The file API reaches only `/home` and `/tmp`, so a
 * buggy test cannot write over the host's system directories through it.
 */
export function toHostPath(sandboxDir: string, path: string): string {
  const abs = posix.resolve(SANDBOX_HOME, path);
  if (abs === '/home' || abs.startsWith('/home/')) return join(sandboxDir, abs);
  if (abs === '/tmp' || abs.startsWith('/tmp/')) return abs;
  throw new PathError(`path ${path} is outside /home and /tmp, which is all this fake sandbox exposes`);
}

/** The inverse of {@link toHostPath} for paths inside the sandbox directory. */
export function toSandboxPath(sandboxDir: string, hostPath: string): string {
  return hostPath.startsWith(sandboxDir + '/') ? hostPath.slice(sandboxDir.length) : hostPath;
}
