import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, R, resetNock, startApp, statusEdits } from './harness.js';

/**
 * AMP from trigger to PR. Its agent loop runs on Amp's servers, so no local model can drive
 * the real CLI: a stand-in `amp` prints the stream-json Amp documents (Claude Code's format)
 * and writes the file, and everything of ours around it is real.
 */
describe('amp: trigger to pull request (stand-in CLI)', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('`/agent amp ...` runs amp headless with its key only, and the file lands in the PR commit', async () => {
    const remote = makeRemote({ 'README.md': '# Hello\n' });
    const h = await startApp(
      { writes: { 'hello.txt': 'hello from amp\n' }, lines: claudeLines('I wrote hello.txt.') },
      { bin: 'amp', env: { AMP_API_KEY: 'sgamp_user_test_key_0123456789' } },
    );
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'amp',
      name: 'issue_comment',
      payload: commentPayload('/agent amp write hello.txt', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();

    expect(statusEdits(gh).at(-1)).toMatch(/✅ Opened pull request #42/);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      {
        base_tree: remote.tree,
        tree: [{ path: 'hello.txt', mode: '100644', type: 'blob', content: 'hello from amp\n' }],
      },
    ]);
    expect((gh.bodiesOf('POST', `${R}/pulls`)[0] as { body: string }).body).toContain('| Agent | amp |');
    const record = join(h.agentBin, 'record');
    expect(readFileSync(join(record, 'argv'), 'utf8')).toBe(
      '-x\n--stream-json\n--dangerously-allow-all\n--no-notifications\n--no-ide\n',
    );
    const env = readFileSync(join(record, 'env'), 'utf8');
    expect(env).toContain('AMP_API_KEY=sgamp_user_test_key_0123456789');
    expect(env).not.toContain('ANTHROPIC_API_KEY'); // only the chosen agent's variables enter its sandbox
    expect(readFileSync(join(record, 'stdin'), 'utf8')).toContain('write hello.txt');
  });
});
