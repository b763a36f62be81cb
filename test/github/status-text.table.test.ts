import { describe, expect, it } from 'vitest';
import { formatDuration, quoteBlock, renderStatus, type StatusView } from '../../src/github/status-text.js';
import type { Outcome, Phase } from '../../src/domain/outcome.js';

const HEADER = '**issue-agent** · codex';
const PR_URL = 'https://github.com/acme/widgets/pull/12';

describe('renderStatus: phases', () => {
  it.each<{ phase: Phase; line: string }>([
    { phase: 'queued', line: '⏳ Queued…' },
    { phase: 'starting', line: '🚀 Starting the sandbox…' },
    { phase: 'cloning', line: '📥 Cloning the repository…' },
    { phase: 'setup', line: '🔧 Running the setup commands…' },
    { phase: 'running', line: '🤖 Running codex…' },
    { phase: 'verifying', line: '🧪 Running the verify commands…' },
    { phase: 'fixing', line: '🔁 codex is fixing what the verify commands reported…' },
    { phase: 'committing', line: '📝 Committing the changes…' },
  ])('$phase: $line', ({ phase, line }) => {
    expect(renderStatus({ phase, agent: 'codex' })).toBe(`${HEADER}\n\n${line}`);
  });

  it.each<{ name: string; view: StatusView; line: string }>([
    {
      name: 'nobody ahead (0) says nothing of a queue',
      view: { phase: 'queued', agent: 'codex', queuedBehind: 0 },
      line: '⏳ Queued…',
    },
    {
      name: 'one run ahead is singular',
      view: { phase: 'queued', agent: 'codex', queuedBehind: 1 },
      line: '⏳ Queued behind 1 other run…',
    },
    {
      name: 'two runs ahead is plural',
      view: { phase: 'queued', agent: 'codex', queuedBehind: 2 },
      line: '⏳ Queued behind 2 other runs…',
    },
    {
      name: 'many runs ahead',
      view: { phase: 'queued', agent: 'codex', queuedBehind: 12 },
      line: '⏳ Queued behind 12 other runs…',
    },
    {
      name: 'a note goes in parentheses before the ellipsis',
      view: { phase: 'queued', agent: 'codex', note: 'the app restarted; this run starts again shortly' },
      line: '⏳ Queued (the app restarted; this run starts again shortly)…',
    },
    {
      name: 'a note on a later phase',
      view: { phase: 'running', agent: 'codex', note: 'picked up again after the app restarted' },
      line: '🤖 Running codex (picked up again after the app restarted)…',
    },
    {
      name: 'an empty note adds nothing',
      view: { phase: 'setup', agent: 'codex', note: '' },
      line: '🔧 Running the setup commands…',
    },
    {
      name: 'queue position first, then the note',
      view: { phase: 'queued', agent: 'codex', queuedBehind: 3, note: 'waiting for sandbox capacity' },
      line: '⏳ Queued behind 3 other runs (waiting for sandbox capacity)…',
    },
  ])('$name', ({ view, line }) => {
    expect(renderStatus(view)).toBe(`${HEADER}\n\n${line}`);
  });

  it.each(['claude', 'opencode', 'amp'])('the header and agent-named lines use the agent "%s"', (agent) => {
    expect(renderStatus({ phase: 'fixing', agent })).toBe(
      `**issue-agent** · ${agent}\n\n🔁 ${agent} is fixing what the verify commands reported…`,
    );
  });
});

describe('renderStatus: outcomes', () => {
  const pr: Outcome = { kind: 'pr', number: 12, url: PR_URL, branch: 'agent/5-fix', files: ['a.ts'] };
  const pushed: Outcome = {
    kind: 'pushed',
    number: 12,
    url: PR_URL,
    branch: 'agent/5-fix',
    files: ['a.ts'],
    commitSha: '0123456789abcdef0123456789abcdef01234567',
    rebased: false,
    summary: 'Renamed the flag.',
  };

  it.each<{ name: string; outcome: Outcome; durationMs?: number; body: string }>([
    { name: 'pr', outcome: pr, body: `✅ Opened pull request #12: ${PR_URL}` },
    {
      name: 'pr, with its duration',
      outcome: pr,
      durationMs: 65_000,
      body: `✅ Opened pull request #12 in 1 min 5 s: ${PR_URL}`,
    },
    {
      name: 'pr whose checks passed (checksFailed false)',
      outcome: { ...pr, checksFailed: false },
      body: `✅ Opened pull request #12: ${PR_URL}`,
    },
    {
      name: 'pr whose checks failed: says it is a draft',
      outcome: { ...pr, checksFailed: true },
      durationMs: 3_000,
      body: `✅ Opened pull request #12 in 3 s: ${PR_URL}\n\n⚠️ The verify commands still fail: the pull request is a draft.`,
    },
    {
      name: 'pushed: short sha, branch, PR, and the summary quoted',
      outcome: pushed,
      body: `✅ Pushed 0123456 to \`agent/5-fix\` (#12): ${PR_URL}\n\n> Renamed the flag.`,
    },
    {
      name: 'pushed after a rebase, with its duration',
      outcome: { ...pushed, rebased: true },
      durationMs: 42_000,
      body: `✅ Pushed 0123456 to \`agent/5-fix\` (#12) in 42 s, on top of commits pushed meanwhile: ${PR_URL}\n\n> Renamed the flag.`,
    },
    {
      name: 'pushed with failing checks: the warning comes before the summary',
      outcome: { ...pushed, checksFailed: true },
      body: `✅ Pushed 0123456 to \`agent/5-fix\` (#12): ${PR_URL}\n\n⚠️ The verify commands still fail.\n\n> Renamed the flag.`,
    },
    {
      name: 'pushed with a multi-line summary: every line quoted',
      outcome: { ...pushed, summary: 'Renamed the flag.\n\n- kept the old name as an alias\n' },
      body: `✅ Pushed 0123456 to \`agent/5-fix\` (#12): ${PR_URL}\n\n> Renamed the flag.\n> \n> - kept the old name as an alias`,
    },
    {
      name: 'pushed without a summary',
      outcome: { ...pushed, summary: '' },
      body: `✅ Pushed 0123456 to \`agent/5-fix\` (#12): ${PR_URL}\n\n> (no summary)`,
    },
    {
      name: 'no-changes: the agent’s answer quoted',
      outcome: { kind: 'no-changes', answer: 'The pager already works.\nSee test/pager.test.ts.' },
      durationMs: 90_000,
      body: "💬 Finished in 1 min 30 s without changing any files. The agent's answer:\n\n> The pager already works.\n> See test/pager.test.ts.",
    },
    {
      name: 'no-changes without an answer',
      outcome: { kind: 'no-changes', answer: '' },
      body: "💬 Finished without changing any files. The agent's answer:\n\n> (no answer)",
    },
    {
      name: 'pushed: closing keywords and mentions in the summary are quoted, not acted on',
      outcome: { ...pushed, summary: 'Fixes #3, thanks @octocat and @acme/team' },
      body: `✅ Pushed 0123456 to \`agent/5-fix\` (#12): ${PR_URL}\n\n> \`F\u200Dixes #3\`, thanks \`@\u200Doctocat\` and \`@\u200Dacme/team\``,
    },
    {
      name: 'no-changes: closing keywords and mentions in the answer are quoted, not acted on',
      outcome: { kind: 'no-changes', answer: 'Already resolved: o/r#9. @octocat' },
      body: "💬 Finished without changing any files. The agent's answer:\n\n> Already `r\u200Desolved: o/r#9`. `@\u200Doctocat`",
    },
    {
      name: 'failed: the agent’s words in the reason are quoted, not acted on',
      outcome: { kind: 'failed', reason: 'claude failed: closes #4 @team' },
      body: '❌ Failed: claude failed: `c\u200Dloses #4` `@\u200Dteam`',
    },
    {
      name: 'failed: the reason',
      outcome: { kind: 'failed', reason: 'npm ci exited with 1' },
      body: '❌ Failed: npm ci exited with 1',
    },
    {
      name: 'failed, with a zero duration (still shown)',
      outcome: { kind: 'failed', reason: 'the run was interrupted' },
      durationMs: 0,
      body: '❌ Failed in 0 s: the run was interrupted',
    },
    { name: 'cancelled: by whom', outcome: { kind: 'cancelled', by: 'bob' }, body: '🛑 Cancelled by @bob.' },
    {
      name: 'cancelled, with its duration',
      outcome: { kind: 'cancelled', by: 'bob' },
      durationMs: 7_400,
      body: '🛑 Cancelled by @bob in 7 s.',
    },
  ])('$name', ({ outcome, durationMs, body }) => {
    const view: StatusView =
      durationMs === undefined ? { outcome, agent: 'codex' } : { outcome, agent: 'codex', durationMs };
    expect(renderStatus(view)).toBe(`${HEADER}\n\n${body}`);
  });
});

describe('formatDuration', () => {
  it.each<{ name: string; ms: number; text: string }>([
    { name: 'zero', ms: 0, text: '0 s' },
    { name: 'just under half a second rounds down', ms: 499, text: '0 s' },
    { name: 'half a second rounds up', ms: 500, text: '1 s' },
    { name: 'seconds only', ms: 42_000, text: '42 s' },
    { name: 'the last value shown in seconds', ms: 59_499, text: '59 s' },
    { name: 'rounding up to a minute shows minutes', ms: 59_500, text: '1 min 0 s' },
    { name: 'exactly one minute', ms: 60_000, text: '1 min 0 s' },
    { name: 'minutes and seconds', ms: 61_000, text: '1 min 1 s' },
    { name: 'just under two minutes', ms: 119_499, text: '1 min 59 s' },
    { name: 'rounds up into the next minute', ms: 119_500, text: '2 min 0 s' },
    { name: 'an hour stays in minutes', ms: 3_600_000, text: '60 min 0 s' },
    { name: 'over an hour', ms: 3_661_000, text: '61 min 1 s' },
  ])('$name: $ms ms → $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('quoteBlock', () => {
  it.each<{ name: string; text: string; quoted: string }>([
    { name: 'one line', text: 'Done.', quoted: '> Done.' },
    { name: 'each line', text: 'one\ntwo', quoted: '> one\n> two' },
    { name: 'blank lines inside stay in the quote', text: 'one\n\ntwo', quoted: '> one\n> \n> two' },
    { name: 'surrounding blank lines and spaces are trimmed', text: '\n\n  one\ntwo  \n\n', quoted: '> one\n> two' },
    { name: 'indentation inside is kept', text: 'list:\n  - item', quoted: '> list:\n>   - item' },
    { name: 'a line that is already a quote is nested', text: '> said', quoted: '> > said' },
  ])('$name', ({ text, quoted }) => {
    expect(quoteBlock(text)).toBe(quoted);
  });
});
