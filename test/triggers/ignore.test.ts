import { describe, expect, it } from 'vitest';
import { ignoreReason } from '../../src/triggers/ignore.js';

const user = { type: 'User', login: 'octocat' };

describe('ignoreReason', () => {
  it.each<[string, string, { type: string; login: string }, string | null]>([
    ['comment created by a user', 'created', user, null],
    ['label added by a user', 'labeled', user, null],
    ['review submitted by a user', 'submitted', user, null],
    ['review dismissed', 'dismissed', user, 'action dismissed does not trigger runs'],
    ['edited comment', 'edited', user, 'action edited does not trigger runs'],
    ['deleted comment', 'deleted', user, 'action deleted does not trigger runs'],
    ['label removed', 'unlabeled', user, 'action unlabeled does not trigger runs'],
    ['another bot', 'created', { type: 'Bot', login: 'dependabot[bot]' }, 'sender dependabot[bot] is a bot'],
    ['this app', 'created', { type: 'Bot', login: 'issue-agent[bot]' }, 'sender is this app'],
    ['this app, other case', 'labeled', { type: 'Bot', login: 'Issue-Agent[bot]' }, 'sender is this app'],
    // The slug check does not rely on the type field.
    ['this app typed as user', 'created', { type: 'User', login: 'issue-agent[bot]' }, 'sender is this app'],
  ])('%s', (_name, action, sender, expected) => {
    expect(ignoreReason({ action, sender }, 'issue-agent')).toBe(expected);
  });

  it('still ignores bots when the app slug is unknown', () => {
    expect(ignoreReason({ action: 'created', sender: { type: 'Bot', login: 'issue-agent[bot]' } })).toBe(
      'sender issue-agent[bot] is a bot',
    );
  });
});
