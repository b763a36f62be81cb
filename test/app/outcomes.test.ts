import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import {
  SandboxCapacityError,
  SandboxError,
  type Sandbox,
  type SandboxProvider,
  type SandboxSpec,
} from '../../src/sandbox/types.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload, labeledPayload } from '../helpers/payloads.js';
import {
  claudeLines,
  enqueue,
  happyGitHub,
  jobsCreated,
  makeJob,
  R,
  resetNock,
  startApp,
  statusEdits,
} from './harness.js';

let liveOf: Set<string> | undefined;

/** Wraps a provider to count live sandboxes: every run must end with none left. */
function tracking(inner: SandboxProvider) {
  const live = new Set<string>();
  const provider: SandboxProvider = {
    name: inner.name,
    async create(spec: SandboxSpec): Promise<Sandbox> {
      const sb = await inner.create(spec);
      live.add(sb.id);
      return {
        id: sb.id,
        home: sb.home,
        run: (c, o) => sb.run(c, o),
        readFile: (p) => sb.readFile(p),
        writeFile: (p, d) => sb.writeFile(p, d),
        setTimeout: (ms) => sb.setTimeout(ms),
        pause: () => sb.pause(),
        kill: async () => {
          live.delete(sb.id);
          await sb.kill();
        },
      };
    },
  };
  return { provider, live };
}

async function runLabel(
  script: Parameters<typeof startApp>[0],
  opts: Parameters<typeof startApp>[1] = {},
  config?: string,
) {
  const remote = makeRemote({ 'a.txt': 'a\n' });
  let tracked: ReturnType<typeof tracking> | undefined;
  const h = await startApp(script, {
    provider: (bin) => (tracked = tracking(new LocalSandboxProvider({ pathPrefix: [bin] }))).provider,
    ...opts,
  });
  const gh = happyGitHub(
    config === undefined ? {} : { [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] },
  );
  await h.probot.receive({
    id: 'd',
    name: 'issues',
    payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
  });
  await h.app.idle();
  return { gh, live: tracked?.live ?? new Set<string>(), h };
}

describe('every run ends in one final status, with the sandbox killed', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('no changes: no PR, and the status quotes the agent answer', async () => {
    const { gh, live } = await runLabel({ lines: claudeLines('The pager is already correct; nothing to change.') });
    expect(gh.lines().filter((l) => /git\/|pulls/.test(l))).toEqual([]);
    expect(statusEdits(gh).at(-1)).toMatch(
      /without changing any files.*\n\n> The pager is already correct; nothing to change\.\n/s,
    );
    expect(live.size).toBe(0);
  });

  it('agent error (is_error with subtype success) fails the run with its message, even when the CLI exits 0', async () => {
    const { gh, live } = await runLabel({
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines('Invalid API key · Please run /login', { isError: true }),
      exitCode: 0,
    });
    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
    expect(statusEdits(gh).at(-1)).toMatch(/❌ Failed in \d+ s: claude failed: Invalid API key · Please run \/login/);
    expect(live.size).toBe(0);
  });

  it('agent timeout: stopped at the deadline, nothing committed', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    let tracked: ReturnType<typeof tracking> | undefined;
    const h = await startApp(
      { writes: { 'a.txt': 'b\n' }, sleep: 60 },
      {
        provider: (bin) => (tracked = tracking(new LocalSandboxProvider({ pathPrefix: [bin] }))).provider,
      },
    );
    const gh = happyGitHub();
    // The deadline counts from the trigger: a job accepted 50 s ago with a 1-minute limit has
    // 10 s left, ample for the sandbox and the clone on a loaded machine, so the deadline
    // falls while the agent runs (which alone would take 60 s).
    await enqueue(h, makeJob(remote.url, { createdAt: Date.now() - 50_000, config: { timeoutMinutes: 1 } }));
    const t0 = Date.now();
    await h.app.idle();
    expect(Date.now() - t0).toBeLessThan(25_000);
    // The agent had started (once): the deadline stopped it, not the queue or the clone ...
    expect(
      readFileSync(join(h.agentBin, 'record', 'starts'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    // ... and the status says so (a job expired in the queue says "... while waiting in the queue; it never started").
    expect(statusEdits(gh).at(-1)).toMatch(
      /❌ Failed in \d+ s: timed out after 1 minute \(`timeoutMinutes`\); partial changes were not committed/,
    );
    expect(tracked!.live.size).toBe(0);
  });

  it('sandbox creation failure ends as failed with the provider message', async () => {
    const failing: SandboxProvider = {
      name: 'e2b',
      create: () => Promise.reject(new SandboxError('E2B rejected the API key: check E2B_API_KEY')),
    };
    const { gh } = await runLabel({}, { provider: () => failing });
    expect(statusEdits(gh)).toEqual([
      expect.stringContaining('Starting the sandbox'),
      expect.stringMatching(/❌ Failed in \d+ s: E2B rejected the API key: check E2B_API_KEY$/),
    ]);
  });

  it('a sandbox capacity limit is waited out, not failed', async () => {
    let refusals = 1;
    const { gh, live } = await runLabel(
      { writes: { 'a.txt': 'b\n' }, lines: claudeLines('done') },
      {
        provider: (bin) => {
          const inner = tracking(new LocalSandboxProvider({ pathPrefix: [bin] }));
          liveOf = inner.live;
          return {
            name: 'e2b',
            create: (spec) =>
              refusals-- > 0
                ? Promise.reject(new SandboxCapacityError("E2B's limit of concurrent sandboxes is reached"))
                : inner.provider.create(spec),
          };
        },
      },
    );
    const edits = statusEdits(gh);
    expect(edits).toContainEqual(expect.stringContaining('waiting for sandbox capacity, attempt 2'));
    expect(edits.at(-1)).toMatch(/Opened pull request #42/);
    expect(live.size + liveOf!.size).toBe(0);
  });

  it('a change under .git/ is rejected and not committed', async () => {
    const { gh, live } = await runLabel({
      writes: { '.git/hooks/pre-commit': '#!/bin/sh\nexit 0\n', 'a.txt': 'b\n' },
      lines: claudeLines('done'),
    });
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    expect(statusEdits(gh).at(-1)).toMatch(/❌ Failed in \d+ s: the changes were rejected: .*\.git/);
    expect(live.size).toBe(0);
  });
});

describe('triggers that start no run', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  async function noRun(payload: Record<string, unknown>, role = 'admin') {
    const h = await startApp({ writes: { 'a.txt': 'b\n' } });
    const gh = happyGitHub({
      [`GET ${R}/collaborators/Codertocat/permission`]: () => [
        200,
        { permission: role === 'maintain' ? 'write' : role, role_name: role, user: { login: 'Codertocat' } },
      ],
    });
    await h.probot.receive({ id: 'd', name: 'issue_comment', payload: payload as never });
    await h.app.idle();
    expect(gh.lines()).not.toContain(`POST ${R}/git/trees`);
    expect(await jobsCreated(h)).toBe(0);
    return gh;
  }
  const cloneUrl = makeRemote({ 'a.txt': 'a\n' }).url;

  it('a read-only user gets one short reply, once per issue', async () => {
    const h = await startApp({});
    const gh = happyGitHub({
      [`GET ${R}/collaborators/Codertocat/permission`]: () => [
        200,
        { permission: 'read', role_name: 'read', user: { login: 'Codertocat' } },
      ],
    });
    for (const id of ['d1', 'd2']) {
      await h.probot.receive({
        id,
        name: 'issue_comment',
        payload: commentPayload('/agent do it', { cloneUrl }) as never,
      });
    }
    expect(await jobsCreated(h)).toBe(0);
    const replies = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toMatch(/only people with `write` access or higher/);
    expect(gh.lines()).not.toContain(`POST ${R}/issues/comments/492700400/reactions`);
  });

  it('a Bot sender (this app included) is ignored without any API call', async () => {
    const gh = await noRun(
      commentPayload('/agent do it', { cloneUrl, sender: { type: 'Bot', login: 'issue-agent[bot]' } }),
    );
    expect(gh.lines()).toEqual([]);
  });

  it('an edited comment is ignored', async () => {
    const gh = await noRun(commentPayload('/agent do it', { cloneUrl, action: 'edited' }));
    expect(gh.lines()).toEqual([]);
  });

  it('a command inside a code block or a quote is ignored', async () => {
    for (const body of ['```\n/agent do it\n```', '> /agent do it', '    /agent do it', 'please\n/agent do it']) {
      const gh = await noRun(commentPayload(body, { cloneUrl }));
      expect(gh.lines().filter((l) => l.startsWith('POST'))).toEqual([]);
      resetNock();
    }
  });

  it('a maintain role passes `permission: maintain`, a write role does not', async () => {
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('ok') });
    const gh = happyGitHub({
      [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, 'permission: maintain\n'],
      [`GET ${R}/collaborators/Codertocat/permission`]: () => [
        200,
        { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } },
      ],
    });
    await h.probot.receive({
      id: 'd',
      name: 'issue_comment',
      payload: commentPayload('/agent go', { cloneUrl }) as never,
    });
    await h.app.idle();
    expect(gh.lines()).not.toContain(`POST ${R}/issues/comments/492700400/reactions`);
    expect((gh.bodiesOf('POST', `${R}/issues/1/comments`)[0] as { body: string }).body).toMatch(/`maintain` access/);
  });
});

describe('replies', () => {
  beforeEach(resetNock);
  afterEach(resetNock);
  const cloneUrl = makeRemote({ 'a.txt': 'a\n' }).url;

  it('an invalid config file gets a comment naming the field, and no run', async () => {
    const h = await startApp({});
    const gh = happyGitHub({ [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, 'timeoutMinutes: 5000\n'] });
    await h.probot.receive({
      id: 'd',
      name: 'issue_comment',
      payload: commentPayload('/agent go', { cloneUrl }) as never,
    });
    const [c] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(c!.body).toContain('timeoutMinutes');
    expect(await jobsCreated(h)).toBe(0);
  });

  it.each([
    ['read', false],
    ['triage', false],
    ['write', true],
  ])(
    'a config error is answered only to users who could trigger under the defaults: %s → %s',
    async (role, answered) => {
      const h = await startApp({});
      const gh = happyGitHub({
        [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, 'timeoutMinutes: 5000\n'],
        [`GET ${R}/collaborators/Codertocat/permission`]: () => [
          200,
          { permission: role === 'triage' ? 'read' : role, role_name: role, user: { login: 'Codertocat' } },
        ],
      });
      await h.probot.receive({
        id: 'd',
        name: 'issue_comment',
        payload: commentPayload('/agent go', { cloneUrl }) as never,
      });
      const replies = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
      expect(replies.map((c) => c.body.includes('timeoutMinutes'))).toEqual(answered ? [true] : []);
      expect(gh.lines()).toContain(`GET ${R}/collaborators/Codertocat/permission`);
      expect(await jobsCreated(h)).toBe(0);
    },
  );

  it('`/agent help` lists usage and exactly the agents that can run with the app env and the repo models', async () => {
    async function agentsLine(config?: string): Promise<string | undefined> {
      resetNock();
      // The harness's ANTHROPIC_API_KEY and a CODEX_API_KEY: no OPENAI_API_KEY, no AMP_API_KEY.
      const h = await startApp({}, { env: { CODEX_API_KEY: 'sk-codex-key' } });
      const gh = happyGitHub(
        config === undefined ? {} : { [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] },
      );
      await h.probot.receive({
        id: 'd',
        name: 'issue_comment',
        payload: commentPayload('/agent help', { cloneUrl }) as never,
      });
      const [c] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
      expect(c!.body).toContain('| `/agent help` | Show this help |');
      return c!.body.split('\n').find((line) => line.startsWith('**Agents:**'));
    }
    // OpenCode and OpenClaw run Anthropic models with ANTHROPIC_API_KEY; Amp has no key.
    expect(await agentsLine()).toBe('**Agents:** `claude`, `codex`, `opencode`, `openclaw`.');
    // With an OpenAI model configured, OpenCode lacks OPENAI_API_KEY and OpenClaw cannot run it.
    expect(await agentsLine('model:\n  opencode: openai/gpt-5\n  openclaw: openai/gpt-5\n')).toBe(
      '**Agents:** `claude`, `codex`.',
    );
  });

  it('an unknown agent in a label gets a reply listing the allowed ones', async () => {
    const h = await startApp({});
    const gh = happyGitHub();
    await h.probot.receive({ id: 'd', name: 'issues', payload: labeledPayload('agent:gpt9', { cloneUrl }) as never });
    const [c] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(c!.body).toContain('gpt9');
    expect(c!.body).toContain('claude');
    expect(await jobsCreated(h)).toBe(0);
  });

  it('a missing API key is named in the reply and no sandbox starts', async () => {
    const h = await startApp({}, { env: { ANTHROPIC_API_KEY: '' } });
    const gh = happyGitHub();
    await h.probot.receive({
      id: 'd',
      name: 'issue_comment',
      payload: commentPayload('/agent go', { cloneUrl }) as never,
    });
    const [c] = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(c!.body).toContain('ANTHROPIC_API_KEY');
    expect(await jobsCreated(h)).toBe(0);
  });
});
