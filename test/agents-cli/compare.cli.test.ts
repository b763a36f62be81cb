import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentName } from '../../src/agents/types.js';
import { formatCost } from '../../src/github/progress.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { SandboxProvider } from '../../src/sandbox/types.js';
import { happyGitHub, R, resetNock, startApp, statusEdits } from '../app/harness.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { requireCli, startFlowFake, type Fake } from './harness.js';
import { FILE, TEST_KEY, type ScenarioAgent } from './scenarios.js';

/**
 * `/agent compare claude,codex` with the REAL CLIs: each runs in its own sandbox at the same
 * time, calls its fake model through the app's broker, and writes hello.txt (Claude one line
 * more); each result is committed to its own branch and the one PR is the winner's, with the
 * comparison table. The metered cost of the group is the sum of both agents' model calls.
 */
describe('compare with the real Claude Code and Codex CLIs', () => {
  const fakes: Fake[] = [];
  beforeEach(resetNock);
  afterEach(async () => {
    resetNock();
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('two branches, one PR for the winner, the table, the cost of both', async () => {
    const bins = { claude: requireCli('claude' as ScenarioAgent), codex: requireCli('codex') };
    const h = await startApp(
      {},
      {
        broker: true,
        env: { ANTHROPIC_API_KEY: TEST_KEY, OPENAI_API_KEY: TEST_KEY },
        provider: (): SandboxProvider => {
          const local = new LocalSandboxProvider({ pathPrefix: [bins.claude, bins.codex] });
          return {
            name: 'local',
            create: async (spec) => {
              const sb = await local.create(spec);
              const agent = Object.entries(spec.metadata).find(([k]) => k.endsWith('agent'))?.[1] as AgentName;
              // Claude writes one line more than Codex: Codex's change is the smaller.
              const fake = await startFlowFake(agent, `${sb.home}/repo`, `${FILE.content}and more\n`);
              fakes.push(fake);
              Object.assign(h.agentEnv, fake.env);
              return sb;
            },
          };
        },
      },
    );
    const remote = makeRemote({ 'README.md': '# Hello\n' });
    const lines = { claude: 2, codex: 1 };
    const gh = happyGitHub({
      [`POST ${R}/git/commits`]: (body) => [
        201,
        { sha: `sha-${/Made by (\w+)/.exec((body as { message: string }).message)?.[1]}` },
      ],
      [`GET ${R}/compare/${remote.sha}...sha-claude`]: () => [
        200,
        { files: [{ additions: lines.claude, deletions: 0 }] },
      ],
      [`GET ${R}/compare/${remote.sha}...sha-codex`]: () => [
        200,
        { files: [{ additions: lines.codex, deletions: 0 }] },
      ],
    });

    await h.probot.receive({
      id: 'compare-cli',
      name: 'issue_comment',
      payload: commentPayload('/agent compare claude,codex write hello.txt', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();

    // Each CLI's own file tool wrote the file it was told to; each went to its own branch.
    const trees = gh.bodiesOf('POST', `${R}/git/trees`) as { tree: { path: string; content: string }[] }[];
    expect(trees.map((t) => t.tree.map((e) => [e.path, e.content])).sort()).toEqual([
      [[FILE.path, FILE.content]],
      [[FILE.path, `${FILE.content}and more\n`]],
    ]);
    const refs = (gh.bodiesOf('POST', `${R}/git/refs`) as { ref: string }[]).map((r) => r.ref).sort();
    expect(refs).toEqual([
      expect.stringMatching(/^refs\/heads\/agent\/1-.*-claude$/),
      expect.stringMatching(/-codex$/),
    ]);
    const prs = gh.bodiesOf('POST', `${R}/pulls`) as { head: string; body: string }[];
    expect(prs).toHaveLength(1);
    expect(prs[0]!.head).toMatch(/-codex$/);
    expect(prs[0]!.body).toMatch(/\| codex 🏆 \| default \| changed files \| none configured \| 1 \| \+1 −0 \|/);
    expect(prs[0]!.body).toMatch(/\| claude \| [^|]+ \| changed files \| none configured \| 1 \| \+2 −0 \|/);

    // Both agents' model calls were metered on the group's job: its cost is the sum.
    const final = statusEdits(gh).at(-1)!;
    expect(final).toMatch(/✅ Opened pull request #42 in \d+ s with codex's result/);
    // Per agent, the cost its CLI reported (Codex reports tokens only: n/a); the group's cost is
    // the broker's meter of both agents' calls, every token of both included.
    expect(prs[0]!.body).toMatch(/\| claude \|(?:[^|]*\|){5} \$0\.\d+ \|/);
    expect(prs[0]!.body).toMatch(/\| codex 🏆 \|(?:[^|]*\|){5} n\/a \|/);
    const group = await h.app.store.latestCompareFor('codertocat/hello-world#1');
    expect(group?.state).toBe('succeeded');
    expect(group?.usage?.costUsd).toBeGreaterThan(0);
    expect(final).toContain(`💰 ${formatCost(group!.usage!.costUsd)} (`);
    expect(final).toMatch(/💰 \$[\d.]+ \([\d,]+ input, [\d,]+ output tokens/);
    await h.close();
  });
});
