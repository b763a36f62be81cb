import { describe, expect, it } from 'vitest';
import { branchName } from '../../src/github/branch-name.js';

const letters = 'abcdefghij';

describe('branchName', () => {
  describe.each<{ name: string; title: string; slug: string }>([
    { name: 'a plain title becomes lower-case words joined by hyphens', title: 'Fix the pager', slug: 'fix-the-pager' },
    { name: 'capitals are lowered', title: 'README Typo In API Docs', slug: 'readme-typo-in-api-docs' },
    {
      name: 'digits are kept, dots between them become hyphens',
      title: 'Upgrade to Node 22.1',
      slug: 'upgrade-to-node-22-1',
    },
    {
      name: 'a run of punctuation and spaces becomes one hyphen',
      title: 'Crash:  on "empty" -- input?!',
      slug: 'crash-on-empty-input',
    },
    { name: 'leading and trailing punctuation is dropped', title: '  [Bug] ... pager!!! ', slug: 'bug-pager' },
    {
      name: 'underscores and slashes are separators too',
      title: 'src/pager_view.ts fails',
      slug: 'src-pager-view-ts-fails',
    },
    { name: 'an accent on a word’s last letter is dropped', title: 'Café menu', slug: 'cafe-menu' },
    {
      name: 'accents inside a word are dropped, not turned into hyphens',
      title: 'Résumé upload',
      slug: 'resume-upload',
    },
    { name: 'full-width letters become ASCII', title: 'ＡＢＣ test', slug: 'abc-test' },
    { name: 'a ligature is spelled out', title: 'ﬁx the ﬂag', slug: 'fix-the-flag' },
    { name: 'letters without an ASCII form are dropped, the others kept', title: '修复 pager バグ', slug: 'pager' },
    { name: 'emoji are separators', title: 'Rocket🚀launch', slug: 'rocket-launch' },
    { name: 'a long title is cut to 40 characters', title: letters.repeat(5), slug: letters.repeat(4) },
    {
      name: 'a cut that ends on a separator drops the hyphen',
      title: `${letters.repeat(3)}abcdefghi next words`,
      slug: `${letters.repeat(3)}abcdefghi`,
    },
    {
      name: 'a cut may end inside a word',
      title: `${letters.repeat(3)}abcdefgh nextword`,
      slug: `${letters.repeat(3)}abcdefgh-n`,
    },
    {
      name: 'leading separators do not count towards the 40 characters',
      title: `${'-'.repeat(30)}${letters.repeat(4)}`,
      slug: letters.repeat(4),
    },
  ])('$name', ({ title, slug }) => {
    it.each<{ kind: '' | 'pr-'; expected: string }>([
      { kind: '', expected: `agent/5-${slug}` },
      { kind: 'pr-', expected: `agent/pr-5-${slug}` },
    ])('kind "$kind" → $expected', ({ kind, expected }) => {
      expect(branchName('agent/', 5, title, kind)).toBe(expected);
    });
  });

  it.each<{ name: string; title: string; kind: '' | 'pr-'; expected: string }>([
    { name: 'an empty title leaves only the number', title: '', kind: '', expected: 'agent/5' },
    { name: 'a punctuation-only title leaves only the number', title: '!!! ??? ...', kind: '', expected: 'agent/5' },
    {
      name: 'a title of non-Latin script only leaves only the number',
      title: '修复分页器',
      kind: '',
      expected: 'agent/5',
    },
    { name: 'an emoji-only title leaves only the number', title: '🚀🔥', kind: '', expected: 'agent/5' },
    { name: 'a PR follow-up with an empty title keeps its pr- marker', title: '', kind: 'pr-', expected: 'agent/pr-5' },
  ])('$name', ({ title, kind, expected }) => {
    expect(branchName('agent/', 5, title, kind)).toBe(expected);
  });

  it.each<{ name: string; prefix: string; issue: number; expected: string }>([
    { name: 'the default prefix', prefix: 'agent/', issue: 5, expected: 'agent/5-fix-the-pager' },
    { name: 'an empty prefix', prefix: '', issue: 5, expected: '5-fix-the-pager' },
    {
      name: 'a prefix is used as written, capitals and all',
      prefix: 'Bots/Issue-Agent_',
      issue: 5,
      expected: 'Bots/Issue-Agent_5-fix-the-pager',
    },
    {
      name: 'a nested prefix without a trailing slash',
      prefix: 'team/bot-',
      issue: 5,
      expected: 'team/bot-5-fix-the-pager',
    },
    { name: 'a large issue number', prefix: 'agent/', issue: 123456, expected: 'agent/123456-fix-the-pager' },
  ])('$name', ({ prefix, issue, expected }) => {
    expect(branchName(prefix, issue, 'Fix the pager')).toBe(expected);
  });

  it('defaults to an issue branch (no pr- marker)', () => {
    expect(branchName('agent/', 5, 'Fix the pager')).toBe(branchName('agent/', 5, 'Fix the pager', ''));
    expect(branchName('agent/', 5, 'Fix the pager')).not.toContain('pr-');
  });
});
