import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `scripts/install-agent-clis.mjs` puts a pinned agent CLI; put the result on PATH. */
export function agentCliBinDir(name: string): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const manifest = JSON.parse(readFileSync(join(root, 'agents/manifest.json'), 'utf8')) as Record<
    string,
    { version: string }
  >;
  const entry = manifest[name];
  if (!entry) throw new Error(`no agent ${name} in agents/manifest.json`);
  const cache = process.env.AGENT_CLI_CACHE ?? join(homedir(), '.cache/issue-agent/agent-clis');
  return join(cache, `${name}@${entry.version}`, 'node_modules/.bin');
}
