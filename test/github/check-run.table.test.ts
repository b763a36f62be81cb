import { describe, expect, it } from 'vitest';
import { CHECK_TEXT_LIMIT, checkConclusion, truncate, type CheckConclusion } from '../../src/github/check-run.js';
import type { Outcome } from '../../src/domain/outcome.js';

describe('checkConclusion', () => {
  const pr: Outcome = {
    kind: 'pr',
    number: 12,
    url: 'https://github.com/acme/widgets/pull/12',
    branch: 'agent/5-fix',
    files: ['a.ts'],
  };
  const pushed: Outcome = { ...pr, kind: 'pushed', commitSha: 'abc1234', rebased: false, summary: 'Done.' };

  it.each<{ name: string; outcome: Outcome; conclusion: CheckConclusion }>([
    { name: 'a PR: success', outcome: pr, conclusion: 'success' },
    { name: 'a PR whose checks passed: success', outcome: { ...pr, checksFailed: false }, conclusion: 'success' },
    { name: 'a PR whose checks failed: failure', outcome: { ...pr, checksFailed: true }, conclusion: 'failure' },
    { name: 'a push: success', outcome: pushed, conclusion: 'success' },
    { name: 'a push after a rebase: success', outcome: { ...pushed, rebased: true }, conclusion: 'success' },
    { name: 'a push whose checks passed: success', outcome: { ...pushed, checksFailed: false }, conclusion: 'success' },
    { name: 'a push whose checks failed: failure', outcome: { ...pushed, checksFailed: true }, conclusion: 'failure' },
    { name: 'no changes: neutral', outcome: { kind: 'no-changes', answer: 'Nothing to do.' }, conclusion: 'neutral' },
    { name: 'failed: failure', outcome: { kind: 'failed', reason: 'boom' }, conclusion: 'failure' },
    { name: 'cancelled: cancelled', outcome: { kind: 'cancelled', by: 'bob' }, conclusion: 'cancelled' },
  ])('$name', ({ outcome, conclusion }) => {
    expect(checkConclusion(outcome)).toBe(conclusion);
  });
});

describe('truncate', () => {
  const NOTE = '\n\n… (cut to fit GitHub’s limit)';
  const x = (n: number) => 'x'.repeat(n);
  const smile = '😀'; // two UTF-16 units

  it.each<{ name: string; text: string; limit: number; expected: string }>([
    { name: 'empty text', text: '', limit: 10, expected: '' },
    { name: 'shorter than the limit: unchanged', text: 'abc', limit: 100, expected: 'abc' },
    { name: 'exactly the limit: unchanged', text: x(100), limit: 100, expected: x(100) },
    {
      name: 'one over: cut, with the note, to exactly the limit',
      text: x(101),
      limit: 100,
      expected: x(100 - NOTE.length) + NOTE,
    },
    {
      name: 'the note is used from a limit over twice its length',
      text: x(100),
      limit: 2 * NOTE.length + 1,
      expected: x(NOTE.length + 1) + NOTE,
    },
    {
      name: 'at twice the note’s length, a bare ellipsis instead',
      text: x(100),
      limit: 2 * NOTE.length,
      expected: `${x(2 * NOTE.length - 1)}…`,
    },
    { name: 'a tiny limit: a bare ellipsis', text: 'abc', limit: 2, expected: 'a…' },
    { name: 'a limit of one: only the ellipsis', text: 'abc', limit: 1, expected: '…' },
    {
      name: 'a pair the cut would split is left out whole',
      text: x(100 - NOTE.length - 1) + smile + x(50),
      limit: 100,
      expected: x(100 - NOTE.length - 1) + NOTE,
    },
    {
      name: 'a pair that ends right at the cut is kept',
      text: x(100 - NOTE.length - 2) + smile + x(50),
      limit: 100,
      expected: x(100 - NOTE.length - 2) + smile + NOTE,
    },
    {
      name: 'a pair split at a bare-ellipsis cut is left out whole',
      text: `ab${smile}cd`,
      limit: 4,
      expected: 'ab…',
    },
    {
      name: 'GitHub’s limit for check-run text',
      text: x(CHECK_TEXT_LIMIT + 1),
      limit: CHECK_TEXT_LIMIT,
      expected: x(CHECK_TEXT_LIMIT - NOTE.length) + NOTE,
    },
  ])('$name', ({ text, limit, expected }) => {
    const out = truncate(text, limit);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(limit);
  });
});
