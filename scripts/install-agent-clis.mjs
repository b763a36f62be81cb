#!/usr/bin/env node
// Installs the pinned agent CLIs of agents/manifest.json into a cache outside the repo, once.
// Usage: node scripts/install-agent-clis.mjs [claude codex ...]   (no names: all)
// Prints, per agent, the directory to put on PATH. Idempotent: an installed version is kept.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * @typedef {object} ManifestEntry
 * @property {string} package
 * @property {string} version
 * @property {string[]} [installScripts]
 * @property {{ package: string; version: string }} [node] a newer Node the CLI needs, from npm
 */
/** @type {unknown} */
const manifestJson = JSON.parse(readFileSync(join(root, 'agents/manifest.json'), 'utf8'));
// Keys starting with `$` are comments.
const manifest = /** @type {Record<string, ManifestEntry | undefined>} */ (manifestJson);
export const cacheDir = process.env.AGENT_CLI_CACHE ?? join(homedir(), '.cache/issue-agent/agent-clis');

const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : Object.keys(manifest).filter((k) => !k.startsWith('$'));
for (const name of names) {
  const entry = manifest[name];
  if (!entry) throw new Error(`unknown agent ${name}; known: ${Object.keys(manifest).join(', ')}`);
  const dir = join(cacheDir, `${name}@${entry.version}`);
  const done = join(dir, '.installed');
  if (!existsSync(done)) {
    mkdirSync(dir, { recursive: true });
    // npm 12 runs a dependency's install scripts only when package.json allows them; these
    // CLIs need theirs (native binaries, bundled plugins). npm 11 reads the same field.
    const allowScripts = Object.fromEntries((entry.installScripts ?? []).map((pkg) => [pkg, true]));
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, allowScripts }, null, 2)}\n`);
    const pkgs = [`${entry.package}@${entry.version}`];
    const bin = join(dir, 'node_modules/.bin');
    let env = process.env;
    if (entry.node) {
      // A CLI that needs a newer Node than ours (OpenClaw) gets it from an npm package whose
      // binary lands in the same .bin directory, so that directory on PATH selects it. Its own
      // preinstall script already checks `node --version`: install Node first and put it on PATH.
      const nodePkg = `${entry.node.package}@${entry.node.version}`;
      console.error(`installing ${nodePkg} into ${dir} ...`);
      execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', dir, nodePkg], {
        stdio: 'inherit',
      });
      pkgs.push(nodePkg); // installed again with the CLI, or npm prunes it as extraneous
      env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    }
    console.error(`installing ${pkgs.join(' ')} into ${dir} ...`);
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', dir, ...pkgs], {
      stdio: 'inherit',
      env,
    });
    writeFileSync(done, new Date().toISOString());
  }
  console.log(`${name}\t${join(dir, 'node_modules/.bin')}`);
}
