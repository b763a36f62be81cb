import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { INSTALLATION_TOKEN, READ_TOKEN } from '../helpers/github-mock.js';
import { commentPayload, labeledPayload } from '../helpers/payloads.js';
import { API_KEY, claudeLines, happyGitHub, R, resetNock, startApp, type Harness } from './harness.js';

/** Every secret the agent could know (its own key, at worst the read-only clone token), and the app's own token. */
const SECRETS = [API_KEY, READ_TOKEN, INSTALLATION_TOKEN];

/** Nothing of a secret in any request body or log line; returns the bodies, as JSON, for more checks. */
function expectNoSecretLeft(h: Harness, gh: ReturnType<typeof happyGitHub>): string {
  const sent = JSON.stringify(gh.calls.map((c) => c.body));
  const logs = h.logLines.join('\n');
  expect(logs.length).toBeGreaterThan(0);
  for (const secret of SECRETS) {
    expect(sent).not.toContain(secret);
    expect(logs).not.toContain(secret);
    // Nor a long piece of one (a text cut short by a renderer).
    expect(sent).not.toContain(secret.slice(0, 16));
  }
  return sent;
}

/** A Claude Code tool call whose command shows the key: its description reaches the live status comment. */
function leakyToolLine(command: string): string {
  return JSON.stringify({
    type: 'assistant',
    message: { content: [{ type: 'tool_use', id: 't9', name: 'Bash', input: { command } }] },
    session_id: 'sess-123',
  });
}

describe('secrets never leave the app: every GitHub write passes the redactor at the edge', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('a run that opens a PR: status comment edits, action log, commit tree, PR body, check run', async () => {
    const leak = `key ${API_KEY} token ${READ_TOKEN}`;
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({
      writes: { 'a.txt': `b\n`, 'leak.txt': `${leak}\n` },
      lines: [
        // Long enough that the action log cuts it in the middle of the key.
        leakyToolLine(`curl -H "x-api-key: ${API_KEY}" https://api.anthropic.com/v1/messages/with/a/long/path`),
        ...claudeLines(`Done. By the way: ${leak}`),
      ],
    });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'd',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();

    const paths = gh.lines();
    for (const write of [
      `PATCH ${R}/issues/comments/1001`,
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `POST ${R}/pulls`,
      `PATCH ${R}/check-runs/77`,
    ]) {
      expect(paths).toContain(write);
    }
    const sent = expectNoSecretLeft(h, gh);
    expect(sent).toContain('Done. By the way: key *** token ***'); // the summary made it, masked
    expect(sent).toContain('key *** token ***\\n'); // the committed file, masked
    expect(sent).toMatch(/x-api-key: \*\*\*/); // the action, masked where it was cut
  });

  it('a run whose agent fails with the key in its error: the failed status comment', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({ lines: claudeLines(`invalid x-api-key ${API_KEY}`, { isError: true }), exitCode: 1 });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'd',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();

    const sent = expectNoSecretLeft(h, gh);
    expect(sent).toContain('invalid x-api-key ***');
  });

  it('a reply on the webhook path: a config error that quotes the value a maintainer pasted', async () => {
    const h = await startApp({});
    const gh = happyGitHub({
      [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, `agent: ${API_KEY}\n`],
    });
    await h.probot.receive({
      id: 'd',
      name: 'issue_comment',
      payload: commentPayload('/agent', { cloneUrl: 'x' }) as never,
    });

    expect(gh.lines()).toContain(`POST ${R}/issues/1/comments`);
    const sent = expectNoSecretLeft(h, gh);
    expect(sent).toContain('***');
  });
});
