import { quote } from '../sandbox/shell.js';
import type { Sandbox } from '../sandbox/types.js';

/** The folders GitHub looks in for a pull request template, in the order we prefer them. */
const TEMPLATE_DIRS = ['.github', '.', 'docs'];
/** A template longer than this is not one a prompt should carry; it is ignored. */
export const MAX_TEMPLATE_BYTES = 16 * 1024;

/**
 * The repository's pull request template (`pull_request_template.md`, any case, in `.github/`,
 * the root or `docs/`), read from the fresh clone of the base branch, or undefined. Regular
 * files only: a symlink could point the read anywhere in the sandbox.
 */
export async function readPullRequestTemplate(
  sandbox: Sandbox,
  dir: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const finds = TEMPLATE_DIRS.map(
    (d) =>
      `[ -d ${quote(d)} ] && [ ! -L ${quote(d)} ] && find ${quote(d)} -maxdepth 1 -type f -iname pull_request_template.md -size -${MAX_TEMPLATE_BYTES + 1}c 2>/dev/null | LC_ALL=C sort`,
  );
  const found = await sandbox.run(`{ ${finds.join('; ')}; } | head -n 1`, { cwd: dir, signal });
  const path = found.stdout.split('\n')[0]?.trim();
  if (!path) return undefined;
  const text = new TextDecoder().decode(await sandbox.readFile(`${dir}/${path.replace(/^\.\//, '')}`));
  return text.trim() ? text : undefined;
}
