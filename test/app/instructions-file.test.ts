import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { labeledPayload } from '../helpers/payloads.js';
import { callsOfARun, claudeLines, happyGitHub, R, resetNock, startApp, statusEdits } from './harness.js';

/** The repository's instructions file through the whole app: which file, how the agent gets it, what the status says. */
describe('the instructions file, label to PR', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  const CONFIG = `GET ${R}/contents/.github%2Fissue-agent.yml`;
  // The sandbox is gone after the run: the stand-in keeps a copy of the file the flag names.
  const KEEP_SYSTEM_PROMPT =
    'prev=; for a in "$@"; do [ "$prev" = --append-system-prompt-file ] && cp "$a" "$rec/system-prompt"; prev=$a; done';
  const ORG_CONFIG = 'GET /repos/Codertocat/.github/contents/.github%2Fissue-agent.yml';

  async function trigger(files: Record<string, string>, config?: string) {
    const remote = makeRemote({ 'a.txt': 'a\n', ...files });
    const h = await startApp({
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines('Changed a to b.'),
      extra: KEEP_SYSTEM_PROMPT,
    });
    const gh = happyGitHub(
      config === undefined ? {} : { [CONFIG]: () => [200, config, { 'content-type': 'text/plain' }] },
    );
    await h.probot.receive({
      id: 'delivery-instructions',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
    const argv = readFileSync(join(h.agentBin, 'record', 'argv'), 'utf8').split('\n');
    const prompt = readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8');
    return { h, gh, argv, prompt };
  }

  it('gives Claude Code AGENTS.md (the default) as a system prompt file and says so in the status comment', async () => {
    const { h, gh, argv, prompt } = await trigger({
      'AGENTS.md': 'Always write tests.\n',
      'CLAUDE.md': 'Claude only.\n',
    });
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh));
    const flag = argv.indexOf('--append-system-prompt-file');
    expect(flag).toBeGreaterThan(0);
    // The file the flag names holds the repository's text; the text itself is on no command line.
    expect(argv[flag + 1]).toMatch(/\/\.issue-agent\/instructions\.md$/);
    expect(readFileSync(join(h.agentBin, 'record', 'system-prompt'), 'utf8')).toBe('Always write tests.\n');
    expect(argv.join(' ')).not.toContain('Always write tests');
    expect(prompt).not.toContain('Always write tests');
    const last = statusEdits(gh).at(-1)!;
    expect(last).toMatch(/Opened pull request #42/);
    expect(last).toContain("📄 Instructions: `AGENTS.md` (added to claude's system prompt)");
  });

  it('leaves CLAUDE.md to Claude Code, which reads it itself', async () => {
    const { gh, argv, prompt } = await trigger({ 'CLAUDE.md': 'Claude only.\n' });
    expect(argv).not.toContain('--append-system-prompt-file');
    expect(prompt).not.toContain('Claude only.');
    expect(statusEdits(gh).at(-1)).toContain('📄 Instructions: `CLAUDE.md` (claude reads it itself)');
  });

  it('says nothing about instructions when the repository has none', async () => {
    const { gh, argv } = await trigger({});
    expect(argv).not.toContain('--append-system-prompt-file');
    expect(statusEdits(gh).join('\n')).not.toContain('Instructions:');
  });

  it('fails before the agent starts when the configured file is missing, naming the field', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('never') });
    const gh = happyGitHub({
      [CONFIG]: () => [200, 'instructionsFile: docs/agents.md\n', { 'content-type': 'text/plain' }],
    });
    await h.probot.receive({
      id: 'delivery-missing',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
    });
    await h.app.idle();
    const edits = statusEdits(gh);
    expect(edits.at(-1)).toContain(
      '❌ Failed in ', // the time it took, then the reason
    );
    expect(edits.at(-1)).toContain(
      'the configuration is invalid, so the agent was not started: `instructionsFile`: `docs/agents.md` does not exist in the repository',
    );
    expect(() => readFileSync(join(h.agentBin, 'record', 'argv'))).toThrow();
    expect([...gh.lines()].sort()).toEqual(
      [
        'POST /app/installations/1/access_tokens',
        CONFIG,
        `GET ${R}/collaborators/Codertocat/permission`,
        `POST ${R}/issues/1/reactions`,
        `POST ${R}/issues/1/comments`,
        ...Array<string>(edits.length).fill(`PATCH ${R}/issues/comments/1001`),
        'POST /app/installations/1/access_tokens',
      ].sort(),
    );
    expect(gh.lines()).not.toContain(ORG_CONFIG);
  });

  it('refuses an instructionsFile outside the repository as a config error, before any run', async () => {
    const h = await startApp({ writes: {}, lines: claudeLines('never') });
    const gh = happyGitHub({
      [CONFIG]: () => [200, 'instructionsFile: ../secrets.md\n', { 'content-type': 'text/plain' }],
    });
    await h.probot.receive({
      id: 'delivery-outside',
      name: 'issues',
      payload: labeledPayload('agent', { cloneUrl: 'file:///nowhere' }) as never,
    });
    await h.app.idle();
    const bodies = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.body).toContain('is invalid, so no run was started');
    expect(bodies[0]!.body).toContain('`instructionsFile`: must be a path inside the repository');
    expect(gh.lines()).not.toContain(`POST ${R}/issues/1/reactions`);
  });
});
