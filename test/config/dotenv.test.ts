import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDotEnv } from '../../src/config/dotenv.js';
import { EnvError } from '../../src/config/env.js';

/** A .env in its own directory, as Probot's setup page leaves it in the working directory. */
function dotEnv(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'issue-agent-dotenv-')), '.env');
  writeFileSync(path, text);
  return path;
}

function problemsOf(path: string): string[] {
  try {
    applyDotEnv(path, {});
  } catch (error) {
    if (error instanceof EnvError) return [...error.problems];
    throw error;
  }
  throw new Error('expected applyDotEnv to throw');
}

const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';

describe('applyDotEnv', () => {
  it("reads the file Probot's setup page writes; variables already set win, even empty ones", () => {
    // updateEnv's format: KEY=value lines, the PEM's newlines escaped as \n.
    const pem = `-----BEGIN RSA PRIVATE KEY-----\\n${PEM_BODY}\\n-----END RSA PRIVATE KEY-----\\n`;
    const path = dotEnv(
      `APP_ID=123\nPRIVATE_KEY=${pem}\nWEBHOOK_SECRET=from-file\nPORT=4000\nHOST=0.0.0.0\nGITHUB_CLIENT_ID=Iv1.abc`,
    );
    const env: NodeJS.ProcessEnv = { WEBHOOK_SECRET: 'from-env', PORT: '3001', HOST: '' };
    expect(applyDotEnv(path, env)).toBe(true);
    expect(env).toEqual({
      APP_ID: '123',
      PRIVATE_KEY: pem,
      WEBHOOK_SECRET: 'from-env',
      PORT: '3001',
      HOST: '',
      GITHUB_CLIENT_ID: 'Iv1.abc',
    });
  });

  it('reads comments, export, spaces around =, CRLF, a BOM and quoted values spanning lines', () => {
    const path = dotEnv(
      `\uFEFF# registered app\r\nexport APP_ID=7\r\n\r\nA = 1\r\nKEY="-----BEGIN\n${PEM_BODY}\n-----END"\nB='x' # trailing\n`,
    );
    const env: NodeJS.ProcessEnv = {};
    applyDotEnv(path, env);
    expect(env).toEqual({ APP_ID: '7', A: '1', KEY: `-----BEGIN\n${PEM_BODY}\n-----END`, B: 'x' });
  });

  it('no file: nothing to do', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(applyDotEnv(join(mkdtempSync(join(tmpdir(), 'issue-agent-dotenv-')), '.env'), env)).toBe(false);
    expect(env).toEqual({});
  });

  it("refuses lines Node's parser would silently merge into the next variable, naming line numbers and never content", () => {
    // Each of these makes Node 20's parser lose WEBHOOK_SECRET, the line after it (or a trailing line is dropped).
    const path = dotEnv(
      `APP_ID=1\n-----BEGIN RSA PRIVATE KEY-----\nWEBHOOK_SECRET=s\n  # indented comment\nA=1\n=x\nB C=2\n${PEM_BODY}`,
    );
    const problems = problemsOf(path);
    const line = (n: number) => `${path} line ${n}: expected NAME=value, or a comment with # at the start of the line`;
    // The indented comment only counts where the parser misreads it (Node 20 does; newer ones may not).
    expect(problems.filter((p) => !p.startsWith(`${path} line 4:`))).toEqual([line(2), line(6), line(7), line(8)]);
    expect(problems.join('\n')).not.toMatch(/BEGIN|MIIE|indented/);
  });

  it('refuses a quote that is never closed', () => {
    const path = dotEnv(`PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\n${PEM_BODY}\nAPP_ID=1\n`);
    expect(problemsOf(path)).toEqual([`${path} line 1: the value of PRIVATE_KEY opens a " quote that is never closed`]);
  });

  it('a .env that cannot be read is an EnvError, not a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'issue-agent-dotenv-'));
    mkdirSync(join(dir, '.env'));
    expect(problemsOf(join(dir, '.env'))).toEqual([`${join(dir, '.env')}: cannot be read (EISDIR)`]);
  });
});
