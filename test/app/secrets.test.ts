import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { INSTALLATION_TOKEN, READ_TOKEN } from '../helpers/github-mock.js';
import { commentPayload, labeledPayload } from '../helpers/payloads.js';
import { API_KEY, claudeLines, happyGitHub, R, resetNock, startApp, statusEdits, type Harness } from './harness.js';

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
      writes: { 'a.txt': `b\n` },
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

describe('the content guard: a change holding a secret the app holds is not committed', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  /** A labelled issue run by a stand-in agent that writes `writes` and runs `extra`. */
  async function run(script: { writes?: Record<string, string>; extra?: string }) {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({ ...script, lines: claudeLines('Done.') });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'd',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
    return { h, gh };
  }

  /** Nothing of the change reached GitHub: no blob, tree, commit, branch or pull request. */
  function expectNothingCommitted(gh: ReturnType<typeof happyGitHub>): void {
    const paths = gh.lines();
    expect(paths).toContain(`PATCH ${R}/issues/comments/1001`);
    for (const write of ['blobs', 'trees', 'commits', 'refs']) expect(paths).not.toContain(`POST ${R}/git/${write}`);
    expect(paths).not.toContain(`POST ${R}/pulls`);
  }

  it('the key in a file as is: the run fails naming the file, not the value', async () => {
    const { h, gh } = await run({ writes: { 'a.txt': 'b\n', 'env.txt': `ANTHROPIC_API_KEY=${API_KEY}\n` } });

    expectNothingCommitted(gh);
    expect(statusEdits(gh).at(-1)).toMatch(
      /❌ Failed in \d+ s: the changes were rejected: `env\.txt` contains a secret the app holds \(in plain text\); nothing was committed$/m,
    );
    expectNoSecretLeft(h, gh);
    expect(h.logLines.join('\n')).toContain('"files":[{"path":"env.txt","encoding":"verbatim"}]');
  });

  it('the environment dumped through `base64` (lines wrapped at 76): the run fails naming the file', async () => {
    const { h, gh } = await run({ writes: { 'a.txt': 'b\n' }, extra: 'env | base64 > env.b64' });

    expectNothingCommitted(gh);
    expect(statusEdits(gh).at(-1)).toMatch(
      /the changes were rejected: `env\.b64` contains a secret the app holds \(base64-encoded\); nothing was committed$/m,
    );
    const sent = expectNoSecretLeft(h, gh);
    expect(sent).not.toContain(Buffer.from(API_KEY).toString('base64').slice(0, 16));
  });
});

describe('credential-shaped strings the app does not know', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  // Built here, so no scanner mistakes this file for a leak.
  const githubToken = `ghp_${'aB3dE6gH9kM2'.repeat(3)}`;
  const openaiKey = `sk-proj-${'Zq7Xw2Lp9Rt4'.repeat(6)}`;
  const awsKeyId = 'AKIAIOSFODNN7EXAMPLE';

  it('are masked in the PR title and body, the commit message, every other request and the logs; a file holding one is committed as written', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const fixture = `export const fakeToken = '${githubToken}';\n`;
    const h = await startApp({
      writes: { 'test/fixture.ts': fixture },
      lines: claudeLines(`Done. I found ${githubToken} and ${openaiKey} in the logs.`, {
        structured: { title: `Rotate ${awsKeyId}` },
      }),
    });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'd',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url, title: `Rotate ${awsKeyId}` }) as never,
    });
    await h.app.idle();

    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { title: string; body: string }[];
    expect(pr!.title).toBe('Rotate ***');
    expect(pr!.body).toContain(`Done. I found *** and *** in the logs.`);
    const [commit] = gh.bodiesOf('POST', `${R}/git/commits`) as { message: string }[];
    expect(commit!.message).toMatch(/^Rotate \*\*\* \(#1\)/);
    // A repository's fixtures hold such strings: the file is committed as the agent wrote it.
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      expect.objectContaining({ tree: [expect.objectContaining({ path: 'test/fixture.ts', content: fixture })] }),
    ]);
    const prose = JSON.stringify(gh.calls.filter((c) => !c.path.endsWith('/git/trees')).map((c) => c.body));
    const logs = h.logLines.join('\n');
    for (const shape of [githubToken, openaiKey, awsKeyId]) {
      expect(prose).not.toContain(shape);
      expect(logs).not.toContain(shape);
    }
  });
});
