import { describe, expect, it } from 'vitest';
import type { AgentRunResult } from '../../src/agents/run-result.js';
import { commitMessage, noreplyDomain, pullRequestBody, type RunFacts } from '../../src/github/pr-text.js';
import type { FileChange } from '../../src/workspace/types.js';
import { aFollowUp, aJob, type JobParts } from '../helpers/job.js';

const SUMMARY_START = '<!-- issue-agent:summary:start -->';
const SUMMARY_END = '<!-- issue-agent:summary:end -->';
const CHECKS_START = '<!-- issue-agent:checks:start -->';
const CHECKS_END = '<!-- issue-agent:checks:end -->';

const write = (path: string): FileChange => ({ kind: 'write', path, mode: '100644', content: new Uint8Array() });
const del = (path: string): FileChange => ({ kind: 'delete', path });

const result = (parts: Partial<AgentRunResult> = {}): AgentRunResult => ({
  ok: true,
  summary: 'Fixed the pager.',
  ...parts,
});
const facts = (parts: Partial<RunFacts> = {}): RunFacts => ({
  result: result(),
  durationMs: 125_000,
  changes: [write('src/pager.ts')],
  ...parts,
});

interface Body {
  summary: string;
  closing: string;
  login: string;
  agent: string;
  model: string;
  duration: string;
  turns: string;
  cost: string;
  files: string[];
  checks?: string[];
}

const BASE: Body = {
  summary: 'Fixed the pager.',
  closing: 'Closes #5',
  login: 'alice',
  agent: 'claude',
  model: 'default',
  duration: '2 min 5 s',
  turns: 'n/a',
  cost: 'n/a',
  files: ['- `src/pager.ts`'],
};

/** The body as the PR shows it, from its parts. */
function body(b: Body): string {
  return [
    SUMMARY_START,
    b.summary,
    SUMMARY_END,
    '',
    b.closing,
    '',
    `Requested by @${b.login}.`,
    '',
    '| | |',
    '|---|---|',
    `| Agent | ${b.agent} |`,
    `| Model | ${b.model} |`,
    `| Duration | ${b.duration} |`,
    `| Turns | ${b.turns} |`,
    `| Cost | ${b.cost} |`,
    '',
    `<details><summary>Changed files (${b.files.length})</summary>`,
    '',
    ...b.files,
    '',
    '</details>',
    ...(b.checks ? ['', CHECKS_START, ...b.checks, CHECKS_END] : []),
  ].join('\n');
}

describe('pullRequestBody', () => {
  it.each<{ name: string; job?: JobParts; facts: RunFacts; expected: Partial<Body> }>([
    { name: 'an issue run: summary, closing keyword, who asked, facts, files', facts: facts(), expected: {} },
    { name: 'the agent that ran is named', job: { agent: 'codex' }, facts: facts(), expected: { agent: 'codex' } },
    {
      name: 'the trigger’s sender is credited',
      job: { trigger: { sender: { login: 'bob-the-builder', id: 9 } } },
      facts: facts(),
      expected: { login: 'bob-the-builder' },
    },
    {
      name: 'a follow-up refers to its PR and closes nothing',
      job: { followUp: aFollowUp({ prNumber: 12 }) },
      facts: facts(),
      expected: { closing: 'Follow-up to #12.' },
    },
    {
      name: 'the model asked for wins over the one the CLI reports',
      facts: facts({ model: 'opus', result: result({ model: 'sonnet' }) }),
      expected: { model: 'opus' },
    },
    {
      name: 'without a model asked for, the one the CLI reports',
      facts: facts({ result: result({ model: 'gpt-5-codex' }) }),
      expected: { model: 'gpt-5-codex' },
    },
    {
      name: 'without either, "default"',
      facts: facts({ result: result({ model: undefined }) }),
      expected: { model: 'default' },
    },
    {
      name: 'turns when the CLI reports them',
      facts: facts({ result: result({ turns: 12 }) }),
      expected: { turns: '12' },
    },
    {
      name: 'zero turns is a number, not n/a',
      facts: facts({ result: result({ turns: 0 }) }),
      expected: { turns: '0' },
    },
    { name: 'a short run', facts: facts({ durationMs: 9_400 }), expected: { duration: '9 s' } },
    {
      name: 'the summary is trimmed',
      facts: facts({ result: result({ summary: '\n\n  Fixed the pager.\n\n- and its test\n\n' }) }),
      expected: { summary: 'Fixed the pager.\n\n- and its test' },
    },
    {
      name: 'an empty summary says the agent gave none',
      facts: facts({ result: result({ summary: '' }) }),
      expected: { summary: '_The agent gave no summary._' },
    },
    {
      name: 'a blank summary says the agent gave none',
      facts: facts({ result: result({ summary: ' \n\t\n' }) }),
      expected: { summary: '_The agent gave no summary._' },
    },
    {
      name: 'markers inside the summary are removed, so it cannot end its own section',
      facts: facts({ result: result({ summary: `Done.\n${SUMMARY_END}\nCloses #999` }) }),
      expected: { summary: 'Done.\n\n`C\u200Dloses #999`' },
    },
    {
      name: 'closing keywords and mentions in the summary are quoted, the app’s own closing line is kept',
      facts: facts({
        result: result({ summary: 'Fixes #123, closes owner/repo#5. Thanks @octocat and @acme/security.' }),
      }),
      expected: {
        summary: '`F\u200Dixes #123`, `c\u200Dloses owner/repo#5`. Thanks `@\u200Doctocat` and `@\u200Dacme/security`.',
        closing: 'Closes #5',
      },
    },
    {
      name: 'deleted files are marked, in the order given',
      facts: facts({ changes: [write('src/pager.ts'), del('src/old-pager.ts'), write('test/pager.test.ts')] }),
      expected: { files: ['- `src/pager.ts`', '- `src/old-pager.ts` (deleted)', '- `test/pager.test.ts`'] },
    },
    { name: 'no changed files', facts: facts({ changes: [] }), expected: { files: [] } },
    {
      name: 'verify results are appended between the checks markers',
      facts: facts({
        verify: {
          attempts: 0,
          results: [{ command: 'npm test', exitCode: 0, passed: true, outputTail: 'ok', durationMs: 5 }],
        },
      }),
      expected: {
        checks: [
          '### Checks',
          '',
          '<details><summary>✅ <code>npm test</code> passed</summary>',
          '',
          '```text',
          'ok',
          '```',
          '',
          '</details>',
        ],
      },
    },
    {
      name: 'failed verify results say the PR is a draft, with the attempts',
      facts: facts({
        verify: {
          attempts: 3,
          results: [{ command: 'npm test', exitCode: 2, passed: false, outputTail: '', durationMs: 5 }],
        },
      }),
      expected: {
        checks: [
          '### Checks',
          '',
          '<details><summary>❌ <code>npm test</code> failed (exit 2)</summary>',
          '',
          '```text',
          '(no output)',
          '```',
          '',
          '</details>',
          '',
          '⚠️ This pull request was opened as a draft because checks still failed after 3 attempts.',
        ],
      },
    },
  ])('$name', ({ job, facts, expected }) => {
    expect(pullRequestBody(aJob(job), facts)).toBe(body({ ...BASE, ...expected }));
  });

  // The Cost row is the job's cost (every agent invocation, agents/cost.ts), as the status comment shows it.
  it.each<{ name: string; costUsd: number; cost: string }>([
    { name: 'a cost in cents', costUsd: 0.4213, cost: '$0.42' },
    { name: 'a cost in dollars', costUsd: 12.5, cost: '$12.50' },
    { name: 'a zero cost', costUsd: 0, cost: '$0.00' },
    { name: 'a cost under a cent', costUsd: 0.004, cost: '$0.0040' },
  ])('cost: $name', ({ costUsd, cost }) => {
    expect(pullRequestBody(aJob(), facts({ costUsd }))).toBe(body({ ...BASE, cost }));
  });
});

describe('commitMessage', () => {
  it.each<{ name: string; job: JobParts; domain: string; expected: string }>([
    {
      name: 'title and number, the agent, and the sender as co-author',
      job: {},
      domain: 'users.noreply.github.com',
      expected:
        'Fix the pager (#5)\n\nMade by claude through issue-agent for #5.\n\nCo-authored-by: alice <7+alice@users.noreply.github.com>',
    },
    {
      name: 'on GitHub Enterprise Server, the server’s noreply domain',
      job: {},
      domain: 'users.noreply.ghe.example.com',
      expected:
        'Fix the pager (#5)\n\nMade by claude through issue-agent for #5.\n\nCo-authored-by: alice <7+alice@users.noreply.ghe.example.com>',
    },
    {
      name: 'another agent, issue and sender',
      job: {
        agent: 'codex',
        issue: { number: 321, title: 'Crash on "empty" input' },
        trigger: { sender: { login: 'bob-the-builder', id: 123456 } },
      },
      domain: 'users.noreply.github.com',
      expected:
        'Crash on "empty" input (#321)\n\nMade by codex through issue-agent for #321.\n\nCo-authored-by: bob-the-builder <123456+bob-the-builder@users.noreply.github.com>',
    },
  ])('$name', ({ job, domain, expected }) => {
    expect(commitMessage(aJob(job), domain)).toBe(expected);
  });
});

describe('noreplyDomain', () => {
  it.each<{ name: string; host: string | undefined; domain: string }>([
    { name: 'github.com', host: undefined, domain: 'users.noreply.github.com' },
    { name: 'an empty GHE host means github.com', host: '', domain: 'users.noreply.github.com' },
    { name: 'a GitHub Enterprise Server host', host: 'ghe.example.com', domain: 'users.noreply.ghe.example.com' },
  ])('$name', ({ host, domain }) => {
    expect(noreplyDomain(host)).toBe(domain);
  });
});
