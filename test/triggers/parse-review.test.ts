import { describe, expect, it } from 'vitest';
import { defaultRepoConfig } from '../../src/config/repo-config.js';
import { parseReview } from '../../src/triggers/parse-review.js';

describe('parseReview', () => {
  const off = defaultRepoConfig();
  const on = { ...off, followUps: { ...off.followUps, onReview: 'changes_requested' as const } };

  it('a body that is a command is a trigger in any state, with the same rules as a comment', () => {
    expect(parseReview({ body: '/agent codex keep the API', state: 'commented' }, off)).toEqual({
      kind: 'run',
      agent: 'codex',
      instructions: 'keep the API',
      named: true,
    });
    expect(parseReview({ body: '/agent stop', state: 'approved' }, off)).toEqual({ kind: 'stop' });
    expect(parseReview({ body: 'see below\n/agent', state: 'commented' }, on)).toBeNull();
  });

  it('a review requesting changes starts a run only with `onReview: changes_requested`', () => {
    expect(parseReview({ body: 'A few things.', state: 'changes_requested' }, off)).toBeNull();
    expect(parseReview({ body: null, state: 'CHANGES_REQUESTED' }, on)).toEqual({
      kind: 'run',
      agent: 'claude',
      instructions: '',
      byReviewState: true,
    });
    expect(parseReview({ body: null, state: 'approved' }, on)).toBeNull();
    expect(parseReview({ body: 'Hm.', state: 'commented' }, on)).toBeNull();
  });
});
