import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { fakeAgentBin, type FakeAgentScript } from '../helpers/fake-agent.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload, labeledPayload, pullRequestClosedPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, jobsCreated, R, resetNock, startApp, statusEdits } from './harness.js';

const OPENAI_KEY = 'sk-proj-theOpenAIKeyUnderTest0000000000';
const BASE = 'agent/1-pager-skips-the-last-page';

/** Codex's JSON stream as the real CLI prints it, its final message the structured output. */
function codexLines(summary: string): string[] {
  const structured = { title: summary, summary, testing: '', risks: '', threads: [] };
  return [
    JSON.stringify({ type: 'thread.started', thread_id: 'thread-1' }),
    JSON.stringify({ type: 'turn.started' }),
    JSON.stringify({
      type: 'item.completed',
      item: { id: 'i1', type: 'agent_message', text: JSON.stringify(structured) },
    }),
    JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 100, cached_input_tokens: 0, output_tokens: 20 } }),
  ];
}

const CLAUDE: FakeAgentScript = {
  writes: { 'src/pager.ts': 'export const last = (n: number) => n - 1;\n', 'docs/pager.md': 'Pages start at 1.\n' },
  lines: claudeLines('Fixed the pager and documented it.'),
};
const CODEX: FakeAgentScript = {
  writes: { 'src/pager.ts': 'export const last = (n: number) => n - 1; // 1-based\n' },
  lines: codexLines('Fixed the off-by-one.'),
};

/** The app with a stand-in `claude` and a stand-in `codex`, each with its own script. */
async function startCompare(claude: FakeAgentScript, codex: FakeAgentScript) {
  const codexBin = fakeAgentBin('codex', codex);
  const h = await startApp(claude, {
    env: { OPENAI_API_KEY: OPENAI_KEY },
    provider: (claudeBin) => new LocalSandboxProvider({ pathPrefix: [claudeBin, codexBin] }),
  });
  return { h, codexBin };
}

/** GitHub, with a commit SHA per agent and the lines each changed as GitHub's compare API counts them. */
function compareGitHub(remote: { sha: string }, config?: string, extra: Parameters<typeof happyGitHub>[0] = {}) {
  const lines = {
    claude: [
      { additions: 1, deletions: 1 },
      { additions: 1, deletions: 0 },
    ],
    codex: [{ additions: 1, deletions: 1 }],
  };
  return happyGitHub({
    ...(config !== undefined && { [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] }),
    [`POST ${R}/git/trees`]: (body) => [201, { sha: `tree-${agentOfTree(body)}` }],
    [`POST ${R}/git/commits`]: (body) => {
      const message = (body as { message: string }).message;
      return [201, { sha: `sha-${/Made by (\w+)/.exec(message)?.[1] ?? 'switch'}` }];
    },
    [`GET ${R}/compare/${remote.sha}...sha-claude`]: () => [200, { files: lines.claude }],
    [`GET ${R}/compare/${remote.sha}...sha-codex`]: () => [200, { files: lines.codex }],
    // The 👀 on the later comments of a test (`pick`, `stop`).
    ...Object.fromEntries(
      [555, 777, 888].map((id) => [`POST ${R}/issues/comments/${id}/reactions`, () => [201, { content: 'eyes' }]]),
    ),
    ...extra,
  });
}

/** Which agent's tree a createTree body is: claude's adds docs/pager.md. */
function agentOfTree(body: unknown): string {
  return (body as { tree: { path: string }[] }).tree.some((t) => t.path === 'docs/pager.md') ? 'claude' : 'codex';
}

const issueComment = (body: string, cloneUrl: string, id = 492700400) => {
  const p = commentPayload(body, { cloneUrl, title: 'Pager skips the last page' });
  (p.comment as { id: number }).id = id;
  return p;
};

describe('/agent compare: agents side by side, one PR for the best result', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('two agents with different diffs: two branches, one PR for the winner, the table in the status comment and the PR', async () => {
    const remote = makeRemote({ 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const { h, codexBin } = await startCompare(CLAUDE, CODEX);
    const gh = compareGitHub(remote);

    await h.probot.receive({
      id: 'compare-1',
      name: 'issue_comment',
      payload: issueComment('/agent compare claude,codex keep the API', remote.url) as never,
    });
    await h.app.idle();

    // One job, one status comment for the group.
    expect(await jobsCreated(h)).toBe(1);
    expect(gh.bodiesOf('POST', `${R}/issues/1/comments`)).toEqual([
      { body: '**issue-agent** · claude vs codex\n\n⏳ Queued…' },
    ]);
    // Each agent's changes on a branch of its own, then one PR from the winner's.
    expect(gh.bodiesOf('POST', `${R}/git/refs`)).toEqual(
      expect.arrayContaining([
        { ref: `refs/heads/${BASE}-claude`, sha: 'sha-claude' },
        { ref: `refs/heads/${BASE}-codex`, sha: 'sha-codex' },
      ]),
    );
    expect(gh.bodiesOf('POST', `${R}/git/refs`)).toHaveLength(2);
    for (const agent of ['claude', 'codex']) {
      expect(gh.bodiesOf('POST', `${R}/git/commits`)).toContainEqual({
        message: expect.stringContaining(`Made by ${agent} through issue-agent for #1.`),
        tree: `tree-${agent}`,
        parents: [remote.sha],
      });
    }
    const prs = gh.bodiesOf('POST', `${R}/pulls`) as { head: string; base: string; draft: boolean; body: string }[];
    expect(prs).toHaveLength(1);
    // Both pass (no verify commands): codex changed 2 lines, claude 3.
    expect(prs[0]).toMatchObject({ head: `${BASE}-codex`, base: 'master', draft: false });
    expect(prs[0]!.body).toContain('Closes #1');
    expect(prs[0]!.body).toContain("this pull request holds codex's result");
    expect(prs[0]!.body).toMatch(/\| codex 🏆 \| default \| changed files \| none configured \| 1 \| \+1 −1 \|/);
    expect(prs[0]!.body).toMatch(/\| claude \| default \| changed files \| none configured \| 2 \| \+2 −1 \|/);
    expect(prs[0]!.body).toContain(`/compare/master...${BASE}-claude)`);
    expect(gh.bodiesOf('POST', `${R}/pulls/42/requested_reviewers`)).toEqual([{ reviewers: ['Codertocat'] }]);

    // Every call, as a set.
    const edits = statusEdits(gh);
    expect([...gh.lines()].sort()).toEqual(
      [
        'POST /app/installations/1/access_tokens',
        `GET ${R}/contents/.github%2Fissue-agent.yml`,
        'GET /repos/Codertocat/.github/contents/.github%2Fissue-agent.yml',
        `GET ${R}/collaborators/Codertocat/permission`,
        `POST ${R}/issues/comments/492700400/reactions`,
        `POST ${R}/issues/1/comments`,
        ...Array<string>(edits.length).fill(`PATCH ${R}/issues/comments/1001`),
        ...['claude', 'codex'].flatMap((agent) => [
          'POST /app/installations/1/access_tokens', // each sandbox's read-only clone token
          `POST ${R}/git/trees`,
          `POST ${R}/git/commits`,
          `POST ${R}/git/refs`,
          `GET ${R}/compare/${remote.sha}...sha-${agent}`,
        ]),
        `POST ${R}/pulls`,
        `POST ${R}/pulls/42/requested_reviewers`,
        `POST ${R}/check-runs`,
        `PATCH ${R}/check-runs/77`,
      ].sort(),
    );

    // The status comment showed each agent's phase, then the outcome with the table.
    expect(edits.some((e) => /- \*\*claude\*\*: 🤖 Running claude…/.test(e))).toBe(true);
    expect(edits.some((e) => /- \*\*codex\*\*: /.test(e))).toBe(true);
    const last = edits.at(-1)!;
    expect(last).toMatch(
      /^\*\*issue-agent\*\* · claude vs codex\n\n✅ Opened pull request #42 in \d+ s with codex's result: /,
    );
    expect(last).toContain('| Agent | Model | Outcome | Verify | Files | Lines | Cost | Duration | Branch | Summary |');
    expect(last).toContain('`Fixed the off-by-one.`');
    // Each agent's record in this repository's compares, and the same in /metrics.
    expect(last).toMatch(
      /\nSo far in this repository's compares: claude won 0 of 1, \$0\.04 in all; codex won 1 of 1, \$[\d.]+ in all\.\n/,
    );
    const metrics = await h.metrics.registry.metrics();
    expect(metrics).toContain('issue_agent_compare_wins_total{agent="codex"} 1');
    expect(metrics).toContain('issue_agent_compare_runs_total{agent="claude",outcome="changed"} 1');
    expect(metrics).toContain('issue_agent_compare_cost_usd_total{agent="claude"} 0.0421');

    // Both got the same task, each in its own sandbox.
    const claudePrompt = readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8');
    const codexPrompt = readFileSync(join(codexBin, 'record', 'argv'), 'utf8');
    expect(claudePrompt).toContain('keep the API');
    expect(codexPrompt).toContain('exec');
    expect(readFileSync(join(h.agentBin, 'record', 'cwd'), 'utf8')).not.toBe(
      readFileSync(join(codexBin, 'record', 'cwd'), 'utf8'),
    );
  });

  it('verify decides before lines; one agent failing never wins', async () => {
    const remote = makeRemote({ 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    // The verify command fails for codex's one-line change (it has no docs): claude wins on verify.
    const { h } = await startCompare(CLAUDE, CODEX);
    const gh = compareGitHub(remote, 'verify:\n  - test -f docs/pager.md\nfixAttempts: 0\n');
    await h.probot.receive({
      id: 'c2',
      name: 'issue_comment',
      payload: issueComment('/agent compare codex,claude', remote.url) as never,
    });
    await h.app.idle();
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { head: string; body: string }[];
    expect(pr!.head).toBe(`${BASE}-claude`);
    expect(pr!.body).toMatch(/\| codex \| default \| changed files \| ❌ 1 of 1 failed \|/);
    expect(pr!.body).toMatch(/\| claude 🏆 \| default \| changed files \| ✅ 1 passed \|/);

    resetNock();
    const failing = await startCompare(CLAUDE, { ...CODEX, exitCode: 1, lines: [] });
    const gh2 = compareGitHub(remote);
    await failing.h.probot.receive({
      id: 'c3',
      name: 'issue_comment',
      payload: issueComment('/agent compare codex,claude', remote.url) as never,
    });
    await failing.h.app.idle();
    const [pr2] = gh2.bodiesOf('POST', `${R}/pulls`) as { head: string; body: string }[];
    expect(pr2!.head).toBe(`${BASE}-claude`);
    expect(pr2!.body).toMatch(/\| codex \| default \| failed \| – \| 0 \| \+0 −0 \|/);
    expect(gh2.bodiesOf('POST', `${R}/git/refs`)).toEqual([{ ref: `refs/heads/${BASE}-claude`, sha: 'sha-claude' }]);
  });

  it('every verify failing with `pick: manual`: no PR, the table; `/agent pick` then opens it', async () => {
    const remote = makeRemote({ 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const { h } = await startCompare(CLAUDE, CODEX);
    const gh = compareGitHub(remote, 'verify:\n  - "false"\nfixAttempts: 0\ncompare:\n  pick: manual\n', {
      [`DELETE ${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-codex`)}`]: () => [204, {}],
    });
    await h.probot.receive({
      id: 'c4',
      name: 'issue_comment',
      payload: issueComment('/agent compare claude,codex', remote.url) as never,
    });
    await h.app.idle();
    expect(gh.bodiesOf('POST', `${R}/pulls`)).toEqual([]);
    expect(gh.bodiesOf('POST', `${R}/git/refs`)).toHaveLength(2);
    const last = statusEdits(gh).at(-1)!;
    expect(last).toMatch(
      /⚖️ Compared 2 agents in \d+ s\. codex's result ranks first, but its verify commands fail and `compare.pick` is `manual`/,
    );
    expect(last).toMatch(/\| codex 🏆 \| default \| changed files \| ❌ 1 of 1 failed \|/);

    await h.probot.receive({
      id: 'c5',
      name: 'issue_comment',
      payload: issueComment('/agent pick claude', remote.url, 555) as never,
    });
    await h.app.idle();
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { head: string; draft: boolean; body: string }[];
    expect(pr).toMatchObject({ head: `${BASE}-claude`, draft: true });
    expect(pr!.body).toMatch(/\| claude 🏆 \|/);
    expect(gh.bodiesOf('POST', `${R}/issues/comments/555/reactions`)).toEqual([{ content: 'eyes' }]);
    expect(statusEdits(gh).at(-1)).toMatch(/✅ Opened pull request #42 with claude's result/);
    expect(await jobsCreated(h)).toBe(1);

    // Closing the PR `pick` opened deletes the other agent's branch.
    const closed = pullRequestClosedPayload(42) as { pull_request: { head: { ref: string } } };
    closed.pull_request.head.ref = `${BASE}-claude`;
    await h.probot.receive({ id: 'c5-closed', name: 'pull_request', payload: closed as never });
    await h.app.idle();
    expect(gh.lines().filter((l) => l.startsWith('DELETE'))).toEqual([
      `DELETE ${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-codex`)}`,
    ]);
  });

  it("`/agent pick` on the PR: a new commit on the PR branch with the other agent's tree; closing the PR deletes the losing branch", async () => {
    const remote = makeRemote({ 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const { h } = await startCompare(CLAUDE, CODEX);
    const gh = compareGitHub(remote, undefined, {
      [`GET ${R}/git/commits/sha-claude`]: () => [200, { sha: 'sha-claude', tree: { sha: 'tree-claude' } }],
      [`GET ${R}/pulls/42`]: () => [
        200,
        {
          number: 42,
          state: 'open',
          html_url: 'https://github.com/Codertocat/Hello-World/pull/42',
          head: { ref: `${BASE}-codex`, sha: 'sha-codex' },
        },
      ],
      [`PATCH ${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-codex`)}`]: () => [200, {}],
      [`PATCH ${R}/pulls/42`]: () => [200, {}],
      [`DELETE ${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-claude`)}`]: () => [204, {}],
    });
    await h.probot.receive({
      id: 'c6',
      name: 'issue_comment',
      payload: issueComment('/agent compare claude,codex', remote.url) as never,
    });
    await h.app.idle();
    expect((gh.bodiesOf('POST', `${R}/pulls`)[0] as { head: string }).head).toBe(`${BASE}-codex`);

    const onPr = issueComment('/agent pick claude', remote.url, 777);
    onPr.issue.number = 42;
    onPr.issue.pull_request = { url: 'u', html_url: 'h', diff_url: 'd', patch_url: 'p', merged_at: null };
    const before = gh.calls.length;
    await h.probot.receive({ id: 'c7', name: 'issue_comment', payload: onPr as never });
    await h.app.idle();
    expect(
      gh
        .lines()
        .slice(before)
        .filter((l) => !/access_tokens|issue-agent.yml|permission/.test(l)),
    ).toEqual([
      `GET ${R}/pulls/42`,
      `GET ${R}/git/commits/sha-claude`,
      `POST ${R}/git/commits`,
      `PATCH ${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-codex`)}`,
      `PATCH ${R}/pulls/42`,
      `POST ${R}/issues/comments/777/reactions`,
      `PATCH ${R}/issues/comments/1001`,
    ]);
    expect(gh.bodiesOf('POST', `${R}/git/commits`).at(-1)).toEqual({
      message:
        "Switch to claude's result (#1)\n\nPicked by @Codertocat with `pick` from `agent/1-pager-skips-the-last-page-claude`.",
      tree: 'tree-claude',
      parents: ['sha-codex'],
    });
    expect(gh.bodiesOf('PATCH', `${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-codex`)}`)).toEqual([
      { sha: 'sha-switch', force: false },
    ]);
    expect((gh.bodiesOf('PATCH', `${R}/pulls/42`)[0] as { body: string }).body).toMatch(/\| claude 🏆 \|/);
    expect(statusEdits(gh).at(-1)).toMatch(/✅ Opened pull request #42 with claude's result/);

    const closed = pullRequestClosedPayload(42) as { pull_request: { head: { ref: string } } };
    closed.pull_request.head.ref = `${BASE}-codex`;
    await h.probot.receive({ id: 'c8', name: 'pull_request', payload: closed as never });
    await h.app.idle();
    expect(gh.lines().filter((l) => l.startsWith('DELETE'))).toEqual([
      `DELETE ${R}/git/refs/heads%2F${encodeURIComponent(`${BASE}-claude`)}`,
    ]);
  });

  it('`/agent stop` stops the whole group: every agent, one final state', async () => {
    const remote = makeRemote({ 'src/pager.ts': 'x\n' });
    const { h } = await startCompare({ ...CLAUDE, sleep: 30 }, { ...CODEX, sleep: 30 });
    const gh = compareGitHub(remote);
    await h.probot.receive({
      id: 'c9',
      name: 'issue_comment',
      payload: issueComment('/agent compare claude,codex', remote.url) as never,
    });
    for (let i = 0; i < 400 && !statusEdits(gh).some((e) => /codex\*\*: 🤖/.test(e) && /claude\*\*: 🤖/.test(e)); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const started = Date.now();
    await h.probot.receive({
      id: 'c10',
      name: 'issue_comment',
      payload: issueComment('/agent stop', remote.url, 888) as never,
    });
    await h.app.idle();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(statusEdits(gh).at(-1)).toMatch(/^\*\*issue-agent\*\* · claude vs codex\n\n🛑 Cancelled by @Codertocat/);
    expect(gh.bodiesOf('POST', `${R}/git/refs`)).toEqual([]);
    expect(gh.bodiesOf('POST', `${R}/pulls`)).toEqual([]);
  });

  it('the `agent:compare` label runs the configured agents', async () => {
    const remote = makeRemote({ 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const { h } = await startCompare(CLAUDE, CODEX);
    const gh = compareGitHub(remote, 'compare:\n  agents: [codex, claude]\n');
    await h.probot.receive({
      id: 'c11',
      name: 'issues',
      payload: labeledPayload('agent:compare', { cloneUrl: remote.url, title: 'Pager skips the last page' }) as never,
    });
    await h.app.idle();
    expect(gh.bodiesOf('POST', `${R}/issues/1/comments`)).toEqual([
      { body: '**issue-agent** · codex vs claude\n\n⏳ Queued…' },
    ]);
    expect((gh.bodiesOf('POST', `${R}/pulls`)[0] as { head: string }).head).toBe(`${BASE}-codex`);
  });
});

describe('/agent pick without a compare to pick from', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('replies, and changes nothing', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({}, { env: { OPENAI_API_KEY: OPENAI_KEY } });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'p1',
      name: 'issue_comment',
      payload: commentPayload('/agent pick codex', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
    expect(gh.bodiesOf('POST', `${R}/issues/1/comments`)).toEqual([
      { body: 'There is no compare here to pick from: `pick` chooses among the results of a compare.' },
    ]);
    expect(gh.lines().filter((l) => !/^GET|access_tokens/.test(l))).toEqual([`POST ${R}/issues/1/comments`]);
    expect(await jobsCreated(h)).toBe(0);
  });
});

describe('/agent compare: bad input gets one reply and no run', () => {
  beforeEach(resetNock);
  afterEach(resetNock);
  const cloneUrl = makeRemote({ 'a.txt': 'a\n' }).url;

  it.each([
    ['/agent compare claude', undefined, {}, /^A compare needs at least two different agents/],
    ['/agent compare claude,claude', undefined, {}, /^`claude` is named twice/],
    ['/agent compare claude,gpt', undefined, {}, /^`gpt` is not an agent that can run in this repository/],
    [
      '/agent compare claude,codex',
      'agents: [claude, opencode]\n',
      {},
      /^`codex` is not an agent that can run in this repository/,
    ],
    [
      '/agent compare claude,codex,opencode',
      'compare:\n  max: 2\n',
      {},
      /^At most 2 agents can be compared in this repository/,
    ],
    ['/agent compare claude,codex', 'compare:\n  max: 0\n', {}, /^Comparing agents is turned off in this repository/],
    [
      '/agent compare claude,codex',
      undefined,
      { OPENAI_API_KEY: '' },
      /^No compare was started: these agents cannot run\.\n\n- `codex`: the app has no `CODEX_API_KEY` or `OPENAI_API_KEY` set\./,
    ],
  ])('%s (config %j, env %j)', async (comment, config, env, reply) => {
    const h = await startApp({}, { env: { OPENAI_API_KEY: OPENAI_KEY, ...env } });
    const gh = happyGitHub(
      config === undefined ? {} : { [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] },
    );
    await h.probot.receive({
      id: 'bad',
      name: 'issue_comment',
      payload: commentPayload(comment, { cloneUrl }) as never,
    });
    expect(gh.bodiesOf('POST', `${R}/issues/1/comments`)).toEqual([{ body: expect.stringMatching(reply) }]);
    expect(gh.lines()).not.toContain(`POST ${R}/issues/comments/492700400/reactions`);
    expect(await jobsCreated(h)).toBe(0);
  });
});
