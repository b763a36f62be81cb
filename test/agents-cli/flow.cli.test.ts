import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentName } from '../../src/agents/types.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.js';
import { happyGitHub, R, resetNock, startApp, statusEdits } from '../app/harness.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { requireCli, startFlowFake as startFake, type Fake } from './harness.js';
import { FILE, STRUCTURED, SUMMARY, TEST_KEY, type ScenarioAgent } from './scenarios.js';

/**
 * Trigger to pull request with the REAL agent CLIs: a `/agent <name>` comment goes through
 * probot.receive, the pinned CLI runs in the local provider and calls the model through the
 * app's broker (the fake model server is the broker's upstream), writes hello.txt with its own
 * file tool, and the file lands in the tree the app commits. The real key never enters the
 * sandbox: not in any command's environment, not in any file the app or the agent wrote there.
 */

const AGENTS: AgentName[] = ['claude', 'codex', 'opencode', 'openclaw'];

describe.each(AGENTS)('%s: trigger to pull request with the real CLI', (agent) => {
  let fake: Fake | undefined;
  beforeEach(resetNock);
  afterEach(async () => {
    resetNock();
    await fake?.close();
    fake = undefined;
  });

  it('commits the file the CLI wrote and opens the PR with its summary', async () => {
    const bin = requireCli(agent as ScenarioAgent);
    // The model's scripted tool call needs the absolute repo path, known once the sandbox exists.
    const probe = await startFake(agent, '/probe');
    const model = probe.model;
    await probe.close();
    const seen = { envs: [] as string[], files: [] as string[], left: [] as string[] };
    const h = await startApp(
      {},
      {
        broker: true,
        env: { ANTHROPIC_API_KEY: TEST_KEY, OPENAI_API_KEY: TEST_KEY },
        provider: (): SandboxProvider => {
          const local = new LocalSandboxProvider({ pathPrefix: [bin] });
          return {
            name: 'local',
            create: async (spec) => {
              const sb = await local.create(spec);
              fake = await startFake(agent, `${sb.home}/repo`);
              Object.assign(h.agentEnv, fake.env);
              return watched(sb, seen);
            },
          };
        },
      },
    );
    const remote = makeRemote({ 'README.md': '# Hello\n' });
    const gh = happyGitHub({
      [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [
        200,
        model ? `model:\n  ${agent}: ${model}\n` : 'draft: false\n',
      ],
    });

    await h.probot.receive({
      id: `flow-${agent}`,
      name: 'issue_comment',
      payload: commentPayload(`/agent ${agent} write hello.txt`, { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();

    expect(statusEdits(gh).at(-1)).toMatch(/✅ Opened pull request #42/);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      { base_tree: remote.tree, tree: [{ path: FILE.path, mode: '100644', type: 'blob', content: FILE.content }] },
    ]);
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { body: string; title: string }[];
    expect(pr!.body).toContain(SUMMARY);
    // Claude's structured output gives the title; the others' scripts end without one (the issue's).
    if (agent === 'claude') expect(pr!.title).toBe(STRUCTURED.title);
    expect(pr!.body).toContain(`| Agent | ${agent} |`);
    // Metered by the broker: every agent's cost, with its tokens.
    expect(pr!.body.split('\n').find((l) => l.startsWith('| Cost'))).toMatch(
      /\| Cost \| \$[\d.]+ \([\d,]+ input, [\d,]+ output/,
    );

    expect(seen.envs.length).toBeGreaterThan(0);
    expect(seen.envs.join('\n')).toContain(`${h.brokerUrl}/broker/`);
    expect(seen.envs.join('\n')).not.toContain(TEST_KEY);
    expect(seen.files.join('\n')).not.toContain(TEST_KEY);
    expect(seen.left).toEqual([]);
    await h.close();
  });
});

/**
 * The sandbox, watched: the environment of every command and every file the app writes into it,
 * and before it is killed, each file under its home (the agent's own state and config
 * included) that holds the key.
 */
function watched(sb: Sandbox, seen: { envs: string[]; files: string[]; left: string[] }): Sandbox {
  return {
    id: sb.id,
    home: sb.home,
    run: (cmd, opts = {}) => {
      seen.envs.push(JSON.stringify(opts.env ?? {}));
      return sb.run(cmd, opts);
    },
    readFile: (path) => sb.readFile(path),
    writeFile: (path, data) => {
      seen.files.push(typeof data === 'string' ? data : Buffer.from(data).toString());
      return sb.writeFile(path, data);
    },
    setTimeout: (ms) => sb.setTimeout(ms),
    pause: () => sb.pause(),
    kill: async () => {
      const grep = spawnSync('grep', ['-rlF', '--', TEST_KEY, sb.home], { encoding: 'utf8' });
      seen.left.push(...grep.stdout.split('\n').filter(Boolean));
      return sb.kill();
    },
  };
}
