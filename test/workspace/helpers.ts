import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect } from 'vitest';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { RunOptions, RunResult, Sandbox } from '../../src/sandbox/types.js';
import { git } from '../helpers/git-remote.js';

export type SourceFile = string | Uint8Array | { content: string; executable: true } | { symlink: string };

export interface SourceRepo {
  dir: string;
  url: string;
  sha: string;
  treeSha: string;
}

/** A real repository in a temp dir with one commit on `main`, cloned over file:// by the tests. */
export function makeSourceRepo(files: Record<string, SourceFile>): SourceRepo {
  const dir = mkdtempSync(join(tmpdir(), 'issue-agent-source-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return {
    dir,
    url: pathToFileURL(dir).href,
    sha: git(dir, 'rev-parse', 'HEAD'),
    treeSha: git(dir, 'rev-parse', 'HEAD^{tree}'),
  };
}

export function writeFiles(dir: string, files: Record<string, SourceFile>): void {
  for (const [path, file] of Object.entries(files)) {
    const abs = join(dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof file === 'string' || file instanceof Uint8Array) writeFileSync(abs, file);
    else if ('symlink' in file) symlinkSync(file.symlink, abs);
    else {
      writeFileSync(abs, file.content);
      chmodSync(abs, 0o755);
    }
  }
}

export interface RecordedRun {
  cmd: string;
  env: Record<string, string>;
}

/** Wraps a sandbox and records every command line and the env it was given. */
export class RecordingSandbox implements Sandbox {
  readonly runs: RecordedRun[] = [];
  constructor(private readonly inner: Sandbox) {}
  get id(): string {
    return this.inner.id;
  }
  get home(): string {
    return this.inner.home;
  }
  run(cmd: string, opts?: RunOptions): Promise<RunResult> {
    this.runs.push({ cmd, env: { ...opts?.env } });
    return this.inner.run(cmd, opts);
  }
  readFile(path: string): Promise<Uint8Array> {
    return this.inner.readFile(path);
  }
  writeFile(path: string, data: Uint8Array | string): Promise<void> {
    return this.inner.writeFile(path, data);
  }
  setTimeout(ms: number): Promise<void> {
    return this.inner.setTimeout(ms);
  }

  pause(): Promise<void> {
    return this.inner.pause();
  }

  kill(): Promise<void> {
    return this.inner.kill();
  }
}

/** A fresh local sandbox; kill it in afterEach. */
export async function newSandbox(): Promise<RecordingSandbox> {
  const inner = await new LocalSandboxProvider().create({ template: 'test', metadata: {}, timeoutMs: 120_000 });
  return new RecordingSandbox(inner);
}

export interface SandboxPerTest {
  /** The sandbox of the running test, if it made one. */
  readonly sandbox: RecordingSandbox | undefined;
  /** A source repository with one commit of `files`, and a fresh sandbox; the clone is to go to `dir`. */
  repoAndSandbox(
    files: Record<string, SourceFile>,
  ): Promise<{ repo: SourceRepo; sandbox: RecordingSandbox; dir: string }>;
}

/** For a test file: the sandbox and source repositories each test makes, killed and removed after it. */
export function sandboxPerTest(): SandboxPerTest {
  let sandbox: RecordingSandbox | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await sandbox?.kill();
    sandbox = undefined;
    dirs.splice(0).forEach(removeDir);
  });
  return {
    get sandbox() {
      return sandbox;
    },
    async repoAndSandbox(files) {
      const repo = makeSourceRepo(files);
      dirs.push(repo.dir);
      sandbox = await newSandbox();
      return { repo, sandbox, dir: `${sandbox.home}/repo` };
    },
  };
}

/** Runs a shell command as the agent would, inside the sandbox, and fails the test on error. */
export async function agent(sandbox: Sandbox, cwd: string, script: string): Promise<void> {
  const env = {
    GIT_AUTHOR_NAME: 'Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.com',
    GIT_COMMITTER_NAME: 'Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.com',
  };
  const result = await sandbox.run(script, { cwd, env });
  expect(result.exitCode, result.stderr).toBe(0);
}

/** Every file below `root` (symlinks not followed) whose bytes contain one of the needles. */
export function filesContaining(root: string, needles: string[]): string[] {
  const hits: string[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = readFileSync(path);
    if (needles.some((n) => bytes.includes(n))) hits.push(path);
  }
  return hits;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
