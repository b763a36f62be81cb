import { describe, expect, it } from 'vitest';
import {
  replaceChecks,
  replaceSummary,
  SUMMARY_END,
  SUMMARY_START,
  wrapChecks,
  wrapSummary,
} from '../../src/github/pr-summary.js';

const CHECKS_START = '<!-- issue-agent:checks:start -->';
const CHECKS_END = '<!-- issue-agent:checks:end -->';

describe('the markers', () => {
  it('are HTML comments naming the part', () => {
    expect([SUMMARY_START, SUMMARY_END]).toEqual([
      '<!-- issue-agent:summary:start -->',
      '<!-- issue-agent:summary:end -->',
    ]);
  });
});

describe.each([
  { part: 'summary', wrap: wrapSummary, start: SUMMARY_START, end: SUMMARY_END },
  { part: 'checks', wrap: wrapChecks, start: CHECKS_START, end: CHECKS_END },
])('wrap ($part): content between its markers, trimmed, marker look-alikes removed', ({ wrap, start, end }) => {
  it.each<{ name: string; content: string; inside: string }>([
    { name: 'one line', content: 'Fixed the pager.', inside: 'Fixed the pager.' },
    {
      name: 'surrounding blank lines and spaces are trimmed, inner ones kept',
      content: '\n  Fixed.\n\n  - detail\n\n',
      inside: 'Fixed.\n\n  - detail',
    },
    { name: 'an exact end marker is removed', content: `Done.\n${SUMMARY_END}\nafter`, inside: 'Done.\n\nafter' },
    { name: 'a start marker is removed', content: `${SUMMARY_START}Done.`, inside: 'Done.' },
    {
      name: 'the other part’s markers are removed too',
      content: `a ${CHECKS_START} b ${CHECKS_END} c`,
      inside: 'a  b  c',
    },
    { name: 'marker case does not matter', content: 'a <!-- ISSUE-AGENT:Summary:END --> b', inside: 'a  b' },
    {
      name: 'a marker nested in another cannot survive its removal',
      content: 'a <!-- issue-agent:summary:<!-- issue-agent:summary:end -->end --> b',
      inside: 'a  b',
    },
    { name: 'a marker without spaces', content: 'a <!--issue-agent:checks:end--> b', inside: 'a  b' },
    {
      name: 'a marker with extra spaces and a newline',
      content: 'a <!--   issue-agent:summary:start\n--> b',
      inside: 'a  b',
    },
    {
      name: 'a marker at the edge leaves no blank line once trimmed',
      content: `${SUMMARY_END}\nDone.\n${CHECKS_START}`,
      inside: 'Done.',
    },
    {
      name: 'other HTML comments are kept',
      content: 'a <!-- reviewer note --> b',
      inside: 'a <!-- reviewer note --> b',
    },
    {
      name: 'an unknown part name is not a marker',
      content: 'a <!-- issue-agent:footer:end --> b',
      inside: 'a <!-- issue-agent:footer:end --> b',
    },
    {
      name: 'an unknown position is not a marker',
      content: 'a <!-- issue-agent:summary:middle --> b',
      inside: 'a <!-- issue-agent:summary:middle --> b',
    },
  ])('$name', ({ content, inside }) => {
    expect(wrap(content)).toBe(`${start}\n${inside}\n${end}`);
  });
});

describe('wrapSummary and wrapChecks on empty content', () => {
  it.each([
    {
      name: 'an empty summary still gets its markers (a later run can fill them)',
      out: wrapSummary(''),
      expected: `${SUMMARY_START}\n\n${SUMMARY_END}`,
    },
    { name: 'an empty checks section is nothing at all', out: wrapChecks(''), expected: '' },
  ])('$name', ({ out, expected }) => {
    expect(out).toBe(expected);
  });
});

describe.each([
  {
    part: 'summary',
    replace: replaceSummary,
    start: SUMMARY_START,
    end: SUMMARY_END,
    other: [CHECKS_START, CHECKS_END],
    missing: 'front' as const,
  },
  {
    part: 'checks',
    replace: replaceChecks,
    start: CHECKS_START,
    end: CHECKS_END,
    other: [SUMMARY_START, SUMMARY_END],
    missing: 'end' as const,
  },
])('replace ($part)', ({ replace, start, end, other, missing }) => {
  const section = (text: string) => `${start}\n${text}\n${end}`;
  const withoutMarkers = (body: string, text: string) =>
    missing === 'front' ? `${section(text)}\n\n${body}` : `${body}\n\n${section(text)}`;

  it.each<{ name: string; body: () => string | null | undefined; expected: () => string }>([
    { name: 'no body (null): just the section', body: () => null, expected: () => section('New.') },
    { name: 'no body (undefined): just the section', body: () => undefined, expected: () => section('New.') },
    { name: 'an empty body: just the section', body: () => '', expected: () => section('New.') },
    { name: 'a blank body is replaced by the section', body: () => ' \n\n\t', expected: () => section('New.') },
    {
      name: `a body without the markers: the section goes at the ${missing}`,
      body: () => 'Written by a person.',
      expected: () => withoutMarkers('Written by a person.', 'New.'),
    },
    {
      name: 'a body with only the other part’s markers counts as without',
      body: () => `${other[0]}\nx\n${other[1]}`,
      expected: () => withoutMarkers(`${other[0]}\nx\n${other[1]}`, 'New.'),
    },
    {
      name: 'only the start marker left counts as without',
      body: () => `intro\n${start}\nold`,
      expected: () => withoutMarkers(`intro\n${start}\nold`, 'New.'),
    },
    {
      name: 'only the end marker left counts as without',
      body: () => `old\n${end}\noutro`,
      expected: () => withoutMarkers(`old\n${end}\noutro`, 'New.'),
    },
    {
      name: 'markers in the wrong order count as without',
      body: () => `${end}\nold\n${start}`,
      expected: () => withoutMarkers(`${end}\nold\n${start}`, 'New.'),
    },
    {
      name: 'with the markers, only what is between them changes',
      body: () => `before\n\n${section('old')}\n\nafter`,
      expected: () => `before\n\n${section('New.')}\n\nafter`,
    },
    {
      name: 'markers glued to the text around them stay glued',
      body: () => `before${start}old${end}after`,
      expected: () => `before${section('New.')}after`,
    },
    { name: 'an empty old section is filled', body: () => `${start}${end}`, expected: () => section('New.') },
    {
      name: 'with two sections, only the first is replaced',
      body: () => `${section('one')}\n${section('two')}`,
      expected: () => `${section('New.')}\n${section('two')}`,
    },
    {
      name: 'the other part’s section is left as it is',
      body: () => `${other[0]}\nkeep\n${other[1]}\n${section('old')}`,
      expected: () => `${other[0]}\nkeep\n${other[1]}\n${section('New.')}`,
    },
  ])('$name', ({ body, expected }) => {
    expect(replace(body(), 'New.')).toBe(expected());
  });

  it.each<{ name: string; content: string; inside: string }>([
    { name: 'the new content is trimmed', content: '\n New.\n\n', inside: 'New.' },
    {
      name: 'replacement patterns in the new content are taken literally',
      content: "$& $' $` $1",
      inside: "$& $' $` $1",
    },
    { name: 'markers in the new content are removed', content: `New.${start}${end}`, inside: 'New.' },
    { name: 'empty new content leaves empty markers', content: '', inside: '' },
  ])('content: $name', ({ content, inside }) => {
    expect(replace(`a\n${section('old')}\nb`, content)).toBe(`a\n${section(inside)}\nb`);
  });
});

describe('summary and checks together', () => {
  it.each<{ name: string; steps: (body: string) => string; expected: string }>([
    {
      name: 'a new body: summary in front, checks at the end',
      steps: (b) => replaceChecks(replaceSummary(b, 'S1'), 'C1'),
      expected: `${SUMMARY_START}\nS1\n${SUMMARY_END}\n\nCloses #5\n\n${CHECKS_START}\nC1\n${CHECKS_END}`,
    },
    {
      name: 'a second round replaces both in place',
      steps: (b) => replaceSummary(replaceChecks(replaceChecks(replaceSummary(b, 'S1'), 'C1'), 'C2'), 'S2'),
      expected: `${SUMMARY_START}\nS2\n${SUMMARY_END}\n\nCloses #5\n\n${CHECKS_START}\nC2\n${CHECKS_END}`,
    },
  ])('$name', ({ steps, expected }) => {
    expect(steps('Closes #5')).toBe(expected);
  });
});
