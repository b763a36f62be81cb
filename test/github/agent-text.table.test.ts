import { describe, expect, it } from 'vitest';
import { neutralizeAgentText } from '../../src/github/agent-text.js';

/** The zero width joiner, written visibly in the table. */
const Z = '\u200D';

describe('neutralizeAgentText', () => {
  it.each<{ name: string; text: string; expected: string }>([
    { name: 'a closing keyword with an issue number', text: 'Fixes #123', expected: `\`F${Z}ixes #123\`` },
    { name: 'in a sentence', text: 'This fixes #12.', expected: `This \`f${Z}ixes #12\`.` },
    {
      name: 'another repository',
      text: 'closes owner/repo#5',
      expected: `\`c${Z}loses owner/repo#5\``,
    },
    {
      name: 'an issue URL',
      text: 'resolves https://github.com/o/r/issues/5',
      expected: `\`r${Z}esolves https://github.com/o/r/issues/5\``,
    },
    {
      name: 'a pull request URL on GitHub Enterprise',
      text: 'Closed http://ghe.local:8080/o/r/pull/9',
      expected: `\`C${Z}losed http://ghe.local:8080/o/r/pull/9\``,
    },
    { name: 'with a colon', text: 'Fixed: #7', expected: `\`F${Z}ixed: #7\`` },
    { name: 'GH- references', text: 'RESOLVED GH-7', expected: `\`R${Z}ESOLVED GH-7\`` },
    {
      name: 'a list of references',
      text: 'Fixes #1, #2 and #3; fix #4',
      expected: `\`F${Z}ixes #1, #2 and #3\`; \`f${Z}ix #4\``,
    },
    { name: 'emphasis between keyword and reference', text: '**Fixes** #1', expected: `**\`F${Z}ixes** #1\`` },
    {
      name: 'across a line break',
      text: 'This closes\n#8 for good',
      expected: `This c${Z}loses\n#8 for good`,
    },
    { name: 'a user mention', text: 'Thanks @octocat!', expected: `Thanks \`@${Z}octocat\`!` },
    { name: 'a team mention', text: 'cc @acme/security-team.', expected: `cc \`@${Z}acme/security-team\`.` },
    { name: 'a mention after punctuation', text: '(@a-b)', expected: `(\`@${Z}a-b\`)` },
    {
      name: 'inside a code span: only the invisible joiner, the span is kept',
      text: 'run `git commit -m "Fixes #1"` and ask `@bob`',
      expected: `run \`git commit -m "F${Z}ixes #1"\` and ask \`@${Z}bob\``,
    },
    {
      name: 'inside a fenced block: only the invisible joiner',
      text: 'Done.\n\n```js\n@Component()\n// fixes #3\n```\nThanks @x',
      expected: `Done.\n\n\`\`\`js\n@${Z}Component()\n// f${Z}ixes #3\n\`\`\`\nThanks \`@${Z}x\``,
    },
    {
      name: 'keyword in prose, reference in a code span',
      text: 'Fixes `#1`',
      expected: `F${Z}ixes \`#1\``,
    },
    {
      name: 'an unmatched backtick does not hide text',
      text: 'a ` b Fixes #1',
      expected: `a \` b \`F${Z}ixes #1\``,
    },
    { name: 'an e-mail address is no mention', text: 'mail a.b@example.com', expected: 'mail a.b@example.com' },
    { name: 'a bare reference stays a link', text: 'See #123 and o/r#4.', expected: 'See #123 and o/r#4.' },
    {
      name: 'a keyword without a reference',
      text: 'Fix the pager; it closes early',
      expected: 'Fix the pager; it closes early',
    },
    { name: 'a word containing a keyword', text: 'prefix #1, suffixes #2', expected: 'prefix #1, suffixes #2' },
    { name: 'an @ alone', text: 'a @ b, @-x', expected: 'a @ b, @-x' },
    {
      name: 'nothing to do',
      text: 'Fixed the off-by-one in the pager.',
      expected: 'Fixed the off-by-one in the pager.',
    },
  ])('$name', ({ text, expected }) => {
    expect(neutralizeAgentText(text)).toBe(expected);
  });

  it.each(['Fixes #123 and thanks @octocat', 'run `npm i @types/node`\n```\nfix #1\n```', '**Closes** o/r#1, #2'])(
    'is idempotent: %j',
    (text) => {
      const once = neutralizeAgentText(text);
      expect(neutralizeAgentText(once)).toBe(once);
    },
  );
});
