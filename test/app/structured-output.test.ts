import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labeledPayload } from '../helpers/payloads.js';
import { makeRemote } from '../helpers/git-remote.js';
import { callsOfARun, claudeLines, happyGitHub, R, resetNock, startApp, type Harness } from './harness.js';

/**
 * Structured output through the whole app: the stand-in Claude Code prints a result with
 * `structured_output` (or without), and the PR is opened with the agent's title and sections.
 */

const record = (h: Harness, file: string) => readFileSync(join(h.agentBin, 'record', file), 'utf8');
const runs = (h: Harness) => record(h, 'starts').trim().split('\n').length;

async function labelIssue(h: Harness, cloneUrl: string): Promise<void> {
  await h.probot.receive({
    id: 'delivery-structured',
    name: 'issues',
    payload: labeledPayload('agent', { cloneUrl, title: 'Pager skips the last page', body: 'Fix it.' }) as never,
  });
  await h.app.idle();
}

interface PullBody {
  title: string;
  body: string;
}

describe('structured output to the pull request', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it("opens the PR with the agent's title (neutralized) and Summary / Testing / Risks sections", async () => {
    const remote = makeRemote({ 'src/pager.ts': 'export const last = (n: number) => n;\n' });
    const h = await startApp({
      writes: { 'src/pager.ts': 'export const last = (n: number) => n - 1;\n' },
      lines: claudeLines('Fixed the off-by-one in the pager.', {
        structured: {
          title: 'Show the last page, fixes #9 for @octocat',
          testing: 'Ran `npm test`.',
          risks: 'Callers that relied on the old count.',
        },
      }),
    });
    const gh = happyGitHub();
    await labelIssue(h, remote.url);

    // One run, nothing more to the GitHub conversation than any run.
    expect(runs(h)).toBe(1);
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh));
    expect(record(h, 'argv')).toContain('--json-schema');
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as PullBody[];
    expect(pr!.title).toBe('Show the last page, `f\u200Dixes #9` for `@\u200Doctocat`');
    expect(pr!.body).toContain(
      [
        '<!-- issue-agent:summary:start -->',
        '### Summary',
        '',
        'Fixed the off-by-one in the pager.',
        '',
        '### Testing',
        '',
        'Ran `npm test`.',
        '',
        '### Risks',
        '',
        'Callers that relied on the old count.',
        '<!-- issue-agent:summary:end -->',
        '',
        'Closes #1',
      ].join('\n'),
    );
    // The prompt asked for it, field by field.
    expect(record(h, 'stdin')).toContain('`testing`: how the change was tested');
  });

  it('without valid structured output: asked once more in its session, then the text and the issue title', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines('Changed a to b.', { structured: false }),
    });
    const gh = happyGitHub();
    await labelIssue(h, remote.url);

    expect(runs(h)).toBe(2);
    // The second run is the retry: the same session, a prompt asking for just the output.
    expect(record(h, 'argv')).toMatch(/--resume\nsess-123\n--json-schema\n/);
    expect(record(h, 'stdin')).toMatch(/^Your last answer did not give the structured output that was asked for/);
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh));
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as PullBody[];
    expect(pr!.title).toBe('Pager skips the last page');
    expect(pr!.body).toMatch(/^<!-- issue-agent:summary:start -->\nChanged a to b\.\n<!-- issue-agent:summary:end -->/);
    expect(h.logLines.join('\n')).toContain('still no valid structured output; the PR gets the text of the run');
  });

  it("a repository with a PR template: the agent is given it, and the body is the filled template with the app's table below", async () => {
    const template = '## What\n\n<!-- what changed -->\n\n## How it was tested\n';
    const remote = makeRemote({ 'a.txt': 'a\n', '.github/PULL_REQUEST_TEMPLATE.md': template });
    const filled = '## What\n\nChanged a to b.\n\n## How it was tested\n\nRead a.txt back.';
    const h = await startApp({
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines('Changed a to b.', {
        structured: { title: 'Change a to b', summary: filled, testing: 'Read a.txt back.' },
      }),
    });
    const gh = happyGitHub();
    await labelIssue(h, remote.url);

    const prompt = record(h, 'stdin');
    expect(prompt).toContain("## The repository's pull request template");
    expect(prompt).toContain(template.trim());
    expect(prompt).toContain("`summary`: the repository's pull request template above, with its sections filled in");
    const [pr] = gh.bodiesOf('POST', `${R}/pulls`) as PullBody[];
    expect(pr!.title).toBe('Change a to b');
    expect(pr!.body).toMatch(
      /^<!-- issue-agent:summary:start -->\n## What\n\nChanged a to b\.\n\n## How it was tested\n\nRead a\.txt back\.\n<!-- issue-agent:summary:end -->\n\nCloses #1\n/,
    );
    expect(pr!.body).not.toContain('### Testing');
    expect(pr!.body).toMatch(/\| Agent \| claude \|/);
    expect(pr!.body).toMatch(/\| Cost \| \$0\.04 \|/);
    expect(pr!.body).toMatch(/\| Duration \| /);
  });
});
