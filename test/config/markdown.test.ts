import { describe, expect, it } from 'vitest';
import { inlineCode } from '../../src/config/markdown.js';

describe('inlineCode', () => {
  it.each([
    ['plain', 'agent', '`agent`'],
    ['a mention stays literal', '@octo', '`@octo`'],
    ['inner backtick', 'a`b', '``a`b``'],
    ['run of backticks', 'a``b', '```a``b```'],
    ['leading backtick is padded', '`a', '`` `a ``'],
    ['trailing backtick is padded', 'a`', '`` a` ``'],
    ['leading space is padded', ' a', '`  a `'],
    ['newlines become spaces', 'a\nb', '`a b`'],
    ['long text is cut', 'abcdefghij', '`abcd…`'],
  ])('%s', (_name, text, expected) => {
    expect(inlineCode(text, 5)).toBe(expected);
  });
});
