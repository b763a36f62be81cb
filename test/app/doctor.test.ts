import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { E2BSandboxProvider } from '../../src/sandbox/e2b.js';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { githubMock } from '../helpers/github-mock.js';
import { commentPayload } from '../helpers/payloads.js';
import { API_KEY, happyRoutes, jobsCreated, OWNER, R, resetNock, startApp, type Harness } from './harness.js';
import { makeRemote } from '../helpers/git-remote.js';

/**
 * `/agent doctor` through the whole app: the checklist for a healthy and a broken repository,
 * every GitHub request asserted, and no agent started.
 */

const CONFIG = `GET ${R}/contents/.github%2Fissue-agent.yml`;
const ORG_CONFIG = `GET /repos/${OWNER}/.github/contents/.github%2Fissue-agent.yml`;
const text = (body: string) =>
  [200, body, { 'content-type': 'text/plain' }] as [number, unknown, Record<string, string>];

let fake: FakeE2B;
beforeAll(async () => {
  fake = await startFakeE2B({ templates: ['claude', 'codex'] });
});
afterAll(() => fake.close());
let h: Harness | undefined;
beforeEach(resetNock);
afterEach(async () => {
  resetNock();
  await h?.close();
  h = undefined;
});

/** The only routes a doctor may use: the token, the config files, the sender's role, one comment. */
function doctorGitHub(routes: Record<string, () => [number, unknown, Record<string, string>?]>) {
  const happy = happyRoutes();
  return githubMock({
    'POST /app/installations/1/access_tokens': happy['POST /app/installations/1/access_tokens']!,
    [`GET ${R}/collaborators/Codertocat/permission`]: happy[`GET ${R}/collaborators/Codertocat/permission`]!,
    [`POST ${R}/issues/1/comments`]: () => [201, { id: 2000 }],
    ...routes,
  });
}

async function askDoctor(body = '/agent doctor'): Promise<void> {
  await h!.probot.receive({
    id: `delivery-${Math.random()}`,
    name: 'issue_comment',
    payload: commentPayload(body, { cloneUrl: 'file:///never-cloned' }) as never,
  });
  await h!.app.idle();
}

describe('/agent doctor', () => {
  it('a healthy repository on E2B through the broker: every line passes, templates looked up, no sandbox', async () => {
    h = await startApp(
      { lines: [] },
      {
        broker: true,
        env: { OPENAI_API_KEY: 'sk-openai-test-key-000000000000' },
        appEnv: { SANDBOX_PROVIDER: 'e2b', E2B_API_KEY: fake.apiKey },
        provider: () =>
          new E2BSandboxProvider({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, sandboxUrl: fake.sandboxUrl }),
      },
    );
    const config = [
      'agents: [claude, codex]',
      'model: { claude: claude-sonnet-4-5 }',
      'setup: [npm ci]',
      'network: { allowOut: [127.0.0.1, registry.npmjs.org] }',
    ].join('\n');
    const gh = doctorGitHub({ [CONFIG]: () => text(config) });
    const health = nock(h.brokerUrl!).get('/healthz').reply(200, { status: 'ok' });
    const before = fake.requests.length;

    await askDoctor();

    // The trigger's config read, then the doctor's own fresh read and its list of files.
    expect([...gh.lines()].sort()).toEqual(
      [
        'POST /app/installations/1/access_tokens',
        CONFIG,
        CONFIG,
        CONFIG,
        `GET ${R}/collaborators/Codertocat/permission`,
        `POST ${R}/issues/1/comments`,
      ].sort(),
    );
    const [reply] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    const broker = `\`${h.brokerUrl}\``;
    expect(reply!.body).toBe(
      [
        '**issue-agent doctor**: everything checked is in order.',
        '',
        '- ✅ Configuration is valid (read from `Codertocat/Hello-World:.github/issue-agent.yml`).',
        '- ✅ `claude`: key set; model `claude-sonnet-4-5` known.',
        "- ✅ `codex`: key set; the CLI's default model.",
        '- ✅ `SANDBOX_PROVIDER` is `e2b` and `E2B_API_KEY` is set.',
        "- ✅ `claude`'s E2B template `claude` exists.",
        "- ✅ `codex`'s E2B template `codex` exists.",
        '- ✅ Network: `127.0.0.1` allowed (git, `claude`, `codex`).',
        '- ✅ Network: `registry.npmjs.org` allowed (setup (npm)).',
        `- ✅ Broker: ${broker} answers its health check (fetched from the app).`,
        '',
        'No agent was started.',
      ].join('\n'),
    );
    expect(health.isDone()).toBe(true);
    const e2b = fake.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(e2b.sort()).toEqual(['GET /templates/aliases/claude', 'GET /templates/aliases/codex']);
    expect(await jobsCreated(h)).toBe(0);
  });

  it('a broken repository: missing key, unknown model, blocked hosts, no broker; the config extended from the org', async () => {
    h = await startApp({ lines: [] });
    const repoConfig = '_extends: .github\nagents: [claude, codex, opencode]\n';
    const orgConfig = [
      'model: { claude: claude-sonnet-9 }',
      'setup: [pip install -r requirements.txt]',
      'network: { allowOut: [github.com, pypi.org] }',
    ].join('\n');
    const gh = doctorGitHub({ [CONFIG]: () => text(repoConfig), [ORG_CONFIG]: () => text(orgConfig) });

    await askDoctor();

    expect([...gh.lines()].sort()).toEqual(
      [
        'POST /app/installations/1/access_tokens',
        CONFIG,
        ORG_CONFIG,
        CONFIG,
        ORG_CONFIG,
        CONFIG,
        ORG_CONFIG,
        `GET ${R}/collaborators/Codertocat/permission`,
        `POST ${R}/issues/1/comments`,
      ].sort(),
    );
    const [reply] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(reply!.body).toBe(
      [
        '**issue-agent doctor**: 4 problems to fix before runs can work, 3 warnings.',
        '',
        '- ✅ Configuration is valid (read from `Codertocat/Hello-World:.github/issue-agent.yml`, extending `Codertocat/.github:.github/issue-agent.yml`).',
        "- ⚠️ `claude`: key set; the model `claude-sonnet-9` is not in the price table, so it is priced like its provider's dearest model. **Fix:** check the name, or give its price in `pricing`.",
        '- ❌ `codex`: the app has no `CODEX_API_KEY` or `OPENAI_API_KEY` set. **Fix:** whoever runs the app sets it, or remove `codex` from `agents`.',
        "- ✅ `opencode`: key set; the CLI's default model.",
        '- ⚠️ `SANDBOX_PROVIDER` is `local`: agents run unisolated on the app’s machine (development only). **Fix:** in production set `SANDBOX_PROVIDER=e2b` and `E2B_API_KEY`.',
        '- ✅ Network: `github.com` allowed (git).',
        '- ❌ Network: `api.anthropic.com` is not in `network.allowOut`, and `claude`, `opencode` need it. **Fix:** add `api.anthropic.com` to `network.allowOut`.',
        '- ❌ Network: `api.openai.com` is not in `network.allowOut`, and `codex` needs it. **Fix:** add `api.openai.com` to `network.allowOut`.',
        '- ✅ Network: `pypi.org` allowed (setup (pip)).',
        '- ❌ Network: `files.pythonhosted.org` is not in `network.allowOut`, and setup (pip) needs it. **Fix:** add `files.pythonhosted.org` to `network.allowOut`.',
        '- ⚠️ Broker: no `PUBLIC_URL`, so sandboxes cannot reach the app: model keys and a read-only GitHub token enter the sandbox, and spending is neither metered nor limited. **Fix:** whoever runs the app sets `PUBLIC_URL` to the address sandboxes reach it at.',
        '',
        'No agent was started.',
      ].join('\n'),
    );
  });

  it('an invalid configuration is reported in the checklist, not as a refusal', async () => {
    h = await startApp({ lines: [] });
    const gh = doctorGitHub({ [CONFIG]: () => text('timeoutMinutes: 0\n') });

    await askDoctor();

    expect([...gh.lines()].sort()).toEqual(
      [
        'POST /app/installations/1/access_tokens',
        CONFIG,
        CONFIG,
        CONFIG,
        `GET ${R}/collaborators/Codertocat/permission`,
        `POST ${R}/issues/1/comments`,
      ].sort(),
    );
    const [reply] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(reply!.body.split('\n').slice(0, 3)).toEqual([
      '**issue-agent doctor**: 1 problem to fix before runs can work, 2 warnings.',
      '',
      '- ❌ Configuration is invalid (read from `Codertocat/Hello-World:.github/issue-agent.yml`): `timeoutMinutes`: must be at least 1 (got `0`). **Fix:** correct `.github/issue-agent.yml` on the default branch (or the file its `_extends` names).',
    ]);
  });

  it('answers only users with write access', async () => {
    h = await startApp({ lines: [] });
    const gh = doctorGitHub({
      [CONFIG]: () => [404, { message: 'Not Found' }],
      [ORG_CONFIG]: () => [404, { message: 'Not Found' }],
      [`GET ${R}/collaborators/Codertocat/permission`]: () => [
        200,
        { permission: 'read', role_name: 'read', user: { login: 'Codertocat' } },
      ],
    });

    await askDoctor();

    const bodies = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(bodies.map((b) => b.body)).toEqual([
      '@Codertocat only people with `write` access or higher can start issue-agent here.',
    ]);
    expect(gh.lines().filter((l) => l === CONFIG)).toHaveLength(1);
  });

  describe('--setup', () => {
    async function doctorSetup(setup: string[], files: Record<string, string> = {}) {
      const remote = makeRemote({ 'a.txt': 'a\n', ...files });
      h = await startApp({ lines: [] });
      const gh = githubMock({
        ...happyRoutes(),
        [CONFIG]: () => text(`setup: ${JSON.stringify(setup)}\n`),
        [`POST ${R}/issues/1/comments`]: (() => {
          let id = 2000;
          return () => [201, { id: ++id }] as [number, unknown];
        })(),
        [`PATCH ${R}/issues/comments/2002`]: () => [200, { id: 2002 }],
      });
      await h.probot.receive({
        id: 'delivery-setup',
        name: 'issue_comment',
        payload: commentPayload('/agent doctor --setup', { cloneUrl: remote.url }) as never,
      });
      await h.app.idle();
      const comments = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
      const edits = gh.bodiesOf('PATCH', `${R}/issues/comments/2002`) as { body: string }[];
      return { gh, checklist: comments[0]!.body, status: comments[1]?.body, final: edits.at(-1)?.body };
    }

    it('runs the setup commands in a sandbox and reports the end of their output, redacted; no agent', async () => {
      const { gh, checklist, status, final } = await doctorSetup([
        'echo installing',
        `cat a.txt && echo leaked ${API_KEY}`,
      ]);
      expect(checklist).toContain(
        'Running the 2 setup commands in a sandbox now (at most 10 minutes); a status comment follows it.',
      );
      expect(status).toContain('⏳ Queued');
      expect(final).toMatch(
        /^\*\*issue-agent\*\* · claude\n\n✅ The 2 setup commands succeeded in a fresh sandbox in \d+ s\. The end of the output:\n\n```text\na\nleaked \*\*\*\n```$/,
      );
      expect(() => readFileSync(join(h!.agentBin, 'record', 'argv'))).toThrow();
      // The doctor's reply, then a run's conversation up to the sandbox: nothing is committed.
      expect([...gh.lines()].sort()).toEqual(
        [
          'POST /app/installations/1/access_tokens',
          CONFIG,
          CONFIG,
          CONFIG,
          `GET ${R}/collaborators/Codertocat/permission`,
          `POST ${R}/issues/1/comments`,
          `POST ${R}/issues/comments/492700400/reactions`,
          `POST ${R}/issues/1/comments`,
          ...Array<string>(gh.bodiesOf('PATCH', `${R}/issues/comments/2002`).length).fill(
            `PATCH ${R}/issues/comments/2002`,
          ),
          'POST /app/installations/1/access_tokens',
        ].sort(),
      );
    });

    it('a failing setup command fails the check with its exit code and output', async () => {
      const { final } = await doctorSetup(['echo boom >&2; exit 3']);
      expect(final).toContain('❌ Failed in ');
      expect(final).toContain('the setup command `echo boom >&2; exit 3` exited with code 3:\n\n```\nboom\n```');
    });

    it('without setup commands, says so and starts nothing', async () => {
      h = await startApp({ lines: [] });
      const gh = doctorGitHub({ [CONFIG]: () => text('draft: true\n') });
      await askDoctor('/agent doctor --setup');
      const [reply] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
      expect(reply!.body.endsWith('No agent was started.\n\nThere are no `setup` commands to run.')).toBe(true);
      expect(gh.lines().filter((l) => l === `POST ${R}/issues/1/comments`)).toHaveLength(1);
      expect(await jobsCreated(h)).toBe(0);
    });
  });
});
