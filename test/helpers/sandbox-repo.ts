import { afterEach } from 'vitest';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { Sandbox } from '../../src/sandbox/types.js';

/**
 * Repository directories in one local sandbox per test (killed after each): `repo(files, links)`
 * makes one holding `files` (path -> content) and `links` (path -> symlink target).
 */
export function sandboxRepos(): {
  repo: (files: Record<string, string>, links?: Record<string, string>) => Promise<string>;
  sandbox: () => Sandbox | undefined;
} {
  let sandbox: Sandbox | undefined;
  let repos = 0;
  afterEach(async () => {
    await sandbox?.kill();
    sandbox = undefined;
  });
  return {
    sandbox: () => sandbox,
    repo: async (files, links = {}) => {
      sandbox ??= await new LocalSandboxProvider().create({ template: 't', metadata: {}, timeoutMs: 60_000 });
      const dir = `${sandbox.home}/repo-${++repos}`;
      await sandbox.run(`mkdir -p ${dir}`);
      for (const [path, content] of Object.entries(files)) await sandbox.writeFile(`${dir}/${path}`, content);
      for (const [path, target] of Object.entries(links)) await sandbox.run(`ln -s '${target}' '${dir}/${path}'`);
      return dir;
    },
  };
}
