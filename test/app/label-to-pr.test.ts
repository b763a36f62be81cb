import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentPayload, labeledPayload } from '../helpers/payloads.js';
import { makeRemote } from '../helpers/git-remote.js';
import {
  callsOfARun,
  claudeLines,
  expectPagerAgentInput,
  expectPagerPullRequest,
  happyGitHub,
  phaseLines,
  R,
  resetNock,
  startApp,
  statusEdits,
} from './harness.js';

describe('label or comment to pull request, the whole flow', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('labels an issue `agent` and ends with a PR whose commit holds the agent changes', async () => {
    const remote = makeRemote({ 'README.md': '# Hello\n', 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const h = await startApp({
      writes: { 'src/pager.ts': 'export const last = (n: number) => n - 1;\n', 'docs/pager.md': 'Pages start at 1.\n' },
      lines: claudeLines('Fixed the off-by-one in the pager.'),
    });
    const gh = happyGitHub();

    await h.probot.receive({
      id: 'delivery-1',
      name: 'issues',
      payload: labeledPayload('agent', {
        cloneUrl: remote.url,
        title: 'Pager skips the last page',
        body: 'The last page is never shown.',
      }) as never,
    });
    await h.app.idle();

    // Every call, as a set (the handler makes some in parallel) ...
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh));
    // ... and the publishing ones in order.
    const publishing = gh.lines().filter((l) => /git\/|pulls/.test(l));
    expect(publishing).toEqual([
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `POST ${R}/git/refs`,
      `POST ${R}/pulls`,
      `POST ${R}/pulls/42/requested_reviewers`,
    ]);

    expect(gh.bodiesOf('POST', `${R}/issues/1/reactions`)).toEqual([{ content: 'eyes' }]);
    expect(gh.bodiesOf('POST', '/app/installations/1/access_tokens')).toContainEqual({
      repositories: ['Hello-World'],
      permissions: { contents: 'read' },
    });
    expectPagerPullRequest(gh, remote);

    const edits = statusEdits(gh);
    // Live progress: the agent's Write shows up while it runs; the final edit keeps the action log.
    expect(edits.some((e) => e.includes('Running claude') && e.includes('wrote src/pager.ts'))).toBe(true);
    expect(edits.at(-1)).toContain('<details><summary>');
    expect(phaseLines(edits)).toEqual([
      '🚀 Starting the sandbox…',
      '📥 Cloning the repository…',
      '🤖 Running claude…',
      '📝 Committing the changes…',
      expect.stringMatching(
        /^✅ Opened pull request #42 in \d+ s: https:\/\/github\.com\/Codertocat\/Hello-World\/pull\/42$/,
      ),
    ]);

    expectPagerAgentInput(h);
  });

  it('a `/agent <instructions>` comment runs with the instructions and reacts on the comment', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Changed a to b.') });
    const gh = happyGitHub();

    await h.probot.receive({
      id: 'delivery-2',
      name: 'issue_comment',
      payload: commentPayload('/agent fix the off-by-one in the pager\nand keep the API', {
        cloneUrl: remote.url,
      }) as never,
    });
    await h.app.idle();

    // The same conversation as for a label, with the reaction on the comment instead of the issue.
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh, `POST ${R}/issues/comments/492700400/reactions`));
    expect(gh.bodiesOf('POST', `${R}/issues/comments/492700400/reactions`)).toEqual([{ content: 'eyes' }]);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      { base_tree: remote.tree, tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'b\n' }] },
    ]);
    expect(gh.bodiesOf('POST', `${R}/git/commits`)).toEqual([expect.objectContaining({ parents: [remote.sha] })]);
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { head: string; base: string; body: string }[];
    expect(pr).toMatchObject({ head: expect.stringMatching(/^agent\/1-/), base: 'master', draft: false });
    expect(pr!.body).toContain('Changed a to b.');
    expect(pr!.body).toContain('Closes #1');
    expect(gh.bodiesOf('POST', `${R}/pulls/42/requested_reviewers`)).toEqual([{ reviewers: ['Codertocat'] }]);
    const prompt = readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8');
    expect(prompt).toContain('fix the off-by-one in the pager\nand keep the API');
    expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
  });
});
