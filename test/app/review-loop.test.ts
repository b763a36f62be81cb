import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { labeledPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, phaseLines, R, resetNock, startApp, statusEdits } from './harness.js';

const toolLine = (i: number) =>
  JSON.stringify({
    type: 'assistant',
    message: { content: [{ type: 'tool_use', id: `t${i}`, name: 'Bash', input: { command: `echo step ${i}` } }] },
  });

async function run(
  script: Parameters<typeof startApp>[0],
  config: string,
  options: Parameters<typeof startApp>[1] = {},
) {
  const remote = makeRemote({ 'a.txt': 'a\n' });
  const h = await startApp(script, options);
  const gh = happyGitHub({ [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, config] });
  const started = Date.now();
  await h.probot.receive({
    id: 'd',
    name: 'issues',
    payload: labeledPayload('agent', { cloneUrl: remote.url }) as never,
  });
  await h.app.idle();
  return { h, gh, elapsedMs: Date.now() - started };
}

describe('live progress', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('a chatty agent gets throttled edits: at most one per interval, and the final one last', async () => {
    // 60 actions over about 3 s with a 1 s interval: a handful of edits, not 60.
    const interval = 1_000;
    const lines = [...Array.from({ length: 60 }, (_, i) => toolLine(i)), ...claudeLines('done')];
    const { gh, elapsedMs } = await run({ writes: { 'a.txt': 'b\n' }, lines, lineDelay: 0.05 }, 'draft: false\n', {
      progressIntervalMs: interval,
    });
    const edits = statusEdits(gh);
    // At most one throttled edit per interval the run lasted, plus the first and the final edit
    // (and one to spare), however long a loaded machine made the run take. Without throttling
    // every action is an edit: 60+, more than this allows even for a run as long as the 30 s
    // test timeout.
    expect(edits.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / interval) + 3);
    // While it ran, an edit showed the phase, the time elapsed and the last actions.
    // The first throttled edit may come when only a few actions were seen (timing): the first with five.
    const live = edits.find((e) => Number(/Last actions \((\d+) in all\)/.exec(e)?.[1] ?? 0) >= 5);
    expect(live).toMatch(/🤖 Running claude…/);
    expect(live).toMatch(/⏱️ \d+ s elapsed/);
    expect(live).toMatch(/Last actions \(\d+ in all\):\n\n(- \*\*Bash\*\* `` ran `echo step \d+` ``\n?){5}$/);
    expect(edits.at(-1)).toMatch(/Opened pull request #42/);
    expect(edits.at(-1)).toMatch(/<details><summary>/);
    expect(edits.at(-1)).toContain('ran `echo step 59`');
  });
});

describe('live progress of a quiet agent', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('a silent stretch still shows time passing (an edit every six intervals)', async () => {
    // One action, then 4 s of silence; with a 500 ms interval the ticker edits every 3 s.
    const { gh } = await run({ writes: { 'a.txt': 'b\n' }, lines: [toolLine(1)], sleep: 4 }, 'draft: false\n', {
      progressIntervalMs: 500,
    });
    const running = statusEdits(gh).filter((e) => e.includes('🤖 Running claude…') && e.includes('ran `echo step 1`'));
    const elapsed = new Set(running.map((e) => /⏱️ (.+) elapsed/.exec(e)?.[1]));
    expect(elapsed.size).toBeGreaterThanOrEqual(2);
  });
});

describe('verification', () => {
  beforeEach(resetNock);
  afterEach(resetNock);
  // The stand-in "fixes" the code only when resumed: the second run gets --resume <session>.
  const fixOnResume = `if printf '%s\\n' "$@" | grep -q -- '--resume'; then echo ok > fixed.txt; fi`;

  it('passing checks: a ready PR whose body shows each command passed; the check run succeeds', async () => {
    const { gh } = await run(
      { writes: { 'a.txt': 'b\n' }, lines: claudeLines('done') },
      "verify:\n  - 'test -f a.txt'\n",
    );
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { draft: boolean; body: string }[];
    expect(pr!.draft).toBe(false);
    expect(pr!.body).toMatch(/✅.*test -f a\.txt/);
    expect(phaseLines(statusEdits(gh))).toContain('🧪 Running the verify commands…');
    expect(gh.bodiesOf('POST', `${R}/check-runs`)).toEqual([
      { name: 'issue-agent', head_sha: 'new-commit-sha', status: 'in_progress', external_id: expect.any(String) },
    ]);
    expect(gh.bodiesOf('PATCH', `${R}/check-runs/77`)).toEqual([
      expect.objectContaining({
        status: 'completed',
        conclusion: 'success',
        output: expect.objectContaining({ summary: expect.stringContaining('Opened pull request #42') }),
      }),
    ]);
  });

  it('fail, then fixed: the failure goes back to the agent in its session and the PR is ready', async () => {
    const { h, gh } = await run(
      { writes: { 'a.txt': 'b\n' }, lines: claudeLines('done'), extra: fixOnResume },
      "verify:\n  - 'test -f fixed.txt'\n",
    );
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { draft: boolean; body: string }[];
    expect(pr!.draft).toBe(false);
    expect(pr!.body).toMatch(/✅.*test -f fixed\.txt/);
    expect(phaseLines(statusEdits(gh))).toEqual(
      expect.arrayContaining(['🔁 claude is fixing what the verify commands reported…']),
    );
    // The feedback prompt went to the resumed session and named the failing command.
    expect(readFileSync(join(h.agentBin, 'record', 'argv'), 'utf8')).toContain('sess-123');
    expect(readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8')).toContain('test -f fixed.txt');
    expect((gh.bodiesOf('POST', `${R}/git/trees`)[0] as { tree: { path: string }[] }).tree.map((t) => t.path)).toEqual([
      'a.txt',
      'fixed.txt',
    ]);
  });

  it('still failing after the last attempt: a draft PR that shows the failure, and a failed check run', async () => {
    const { h, gh } = await run(
      { writes: { 'a.txt': 'b\n' }, lines: claudeLines('done') },
      "verify:\n  - 'echo boom >&2; exit 3'\nfixAttempts: 2\n",
    );
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as { draft: boolean; body: string }[];
    expect(pr!.draft).toBe(true);
    expect(pr!.body).toMatch(/❌/);
    expect(pr!.body).toContain('boom');
    expect(pr!.body).toMatch(/draft because checks still failed/);
    expect(statusEdits(gh).at(-1)).toMatch(/the pull request is a draft/);
    expect(
      readFileSync(join(h.agentBin, 'record', 'starts'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(3); // the run and two fixes
    expect(pr!.body).toMatch(/after 2 attempts/);
    expect(gh.bodiesOf('PATCH', `${R}/check-runs/77`)).toEqual([expect.objectContaining({ conclusion: 'failure' })]);
  });
});
