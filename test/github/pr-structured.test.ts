import { describe, expect, it } from 'vitest';
import type { AgentRunResult } from '../../src/agents/run-result.js';
import { agentSections, pullRequestTitle } from '../../src/github/pr-text.js';

const ZWJ = '\u200D';

describe('pullRequestTitle', () => {
  it.each([
    ['Show the last page', 'Show the last page'],
    ['  two\nlines\tand\u0007 a bell ', 'two lines and a bell'],
    ['Fix pager, closes #12, thanks @octocat', `Fix pager, \`c${ZWJ}loses #12\`, thanks \`@${ZWJ}octocat\``],
  ])('%j becomes %j', (title, expected) => {
    expect(pullRequestTitle(title, 'Issue title')).toBe(expected);
  });

  it('cuts a long title at 120 characters with an ellipsis', () => {
    const title = pullRequestTitle('word '.repeat(60), 'Issue title');
    expect(Array.from(title)).toHaveLength(120);
    expect(title.endsWith('word…') || title.endsWith('wor…')).toBe(true);
  });

  it('falls back to the app title when the agent gives none', () => {
    expect(pullRequestTitle(undefined, 'Issue title')).toBe('Issue title');
    expect(pullRequestTitle(' \n ', 'Issue title')).toBe('Issue title');
  });

  it('stays within the 256 characters GitHub takes, however many mentions it holds', () => {
    expect(Array.from(pullRequestTitle('@a '.repeat(60), 'Issue title')).length).toBeLessThanOrEqual(256);
  });
});

const result = (structured?: AgentRunResult['structured']): AgentRunResult => ({
  ok: true,
  summary: 'The text, fixes #3.',
  structured,
});
const output = { title: 't', summary: 'Did it.', testing: 'Ran it.', risks: '', threads: [] };

describe('agentSections', () => {
  it('without structured output: the text, neutralized, as before', () => {
    expect(agentSections(result())).toBe(`The text, \`f${ZWJ}ixes #3\`.`);
    expect(agentSections({ ok: true, summary: '' })).toBe('_The agent gave no summary._');
  });

  it('the sections that have text, each under its heading, neutralized', () => {
    expect(agentSections(result({ ...output, risks: 'Pings @team.' }))).toBe(
      `### Summary\n\nDid it.\n\n### Testing\n\nRan it.\n\n### Risks\n\nPings \`@${ZWJ}team\`.`,
    );
    expect(agentSections(result(output))).toBe('### Summary\n\nDid it.\n\n### Testing\n\nRan it.');
  });

  it('only a summary: no heading, as the text was shown before', () => {
    expect(agentSections(result({ ...output, testing: ' ' }))).toBe('Did it.');
  });

  it('with a template: the summary is the filled template, on its own', () => {
    expect(agentSections(result({ ...output, summary: '## What\n\nDid it.' }), { template: true })).toBe(
      '## What\n\nDid it.',
    );
  });
});
