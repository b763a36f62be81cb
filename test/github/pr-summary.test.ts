import { describe, expect, it } from 'vitest';
import {
  replaceChecks,
  replaceSummary,
  SUMMARY_END,
  SUMMARY_START,
  wrapChecks,
  wrapSummary,
} from '../../src/github/pr-summary.js';

const body = [SUMMARY_START, 'Old summary.', SUMMARY_END, '', 'Closes #5', '', '| Agent | claude |'].join('\n');

describe('wrapSummary', () => {
  it('puts the summary between the markers', () => {
    expect(wrapSummary('  Fixed the pager.\n')).toBe(`${SUMMARY_START}\nFixed the pager.\n${SUMMARY_END}`);
  });
});

describe('replaceSummary', () => {
  it('replaces only the text between the markers', () => {
    expect(replaceSummary(body, 'New summary.\n\nWith a second paragraph.')).toBe(
      [
        SUMMARY_START,
        'New summary.',
        '',
        'With a second paragraph.',
        SUMMARY_END,
        '',
        'Closes #5',
        '',
        '| Agent | claude |',
      ].join('\n'),
    );
  });

  it('keeps what people wrote before and after the markers, CRLF included', () => {
    const edited = `Reviewer note\r\n\r\n${SUMMARY_START}\r\nOld\r\n${SUMMARY_END}\r\nFooter $& $1`;
    expect(replaceSummary(edited, 'New $& summary')).toBe(
      `Reviewer note\r\n\r\n${SUMMARY_START}\nNew $& summary\n${SUMMARY_END}\r\nFooter $& $1`,
    );
  });

  it('is stable when applied twice', () => {
    expect(replaceSummary(replaceSummary(body, 'A'), 'B')).toBe(replaceSummary(body, 'B'));
  });

  it('prepends the summary when the markers are missing', () => {
    expect(replaceSummary('Someone rewrote the body.', 'New.')).toBe(
      `${SUMMARY_START}\nNew.\n${SUMMARY_END}\n\nSomeone rewrote the body.`,
    );
  });

  it('prepends when only one marker is left, or they are in the wrong order', () => {
    expect(replaceSummary(`${SUMMARY_START}\nhalf`, 'New.')).toBe(`${wrapSummary('New.')}\n\n${SUMMARY_START}\nhalf`);
    expect(replaceSummary(`${SUMMARY_END} x ${SUMMARY_START}`, 'New.')).toBe(
      `${wrapSummary('New.')}\n\n${SUMMARY_END} x ${SUMMARY_START}`,
    );
  });

  it('handles an empty or missing body', () => {
    expect(replaceSummary(null, 'New.')).toBe(wrapSummary('New.'));
    expect(replaceSummary('', 'New.')).toBe(wrapSummary('New.'));
  });

  it('does not let the summary forge markers', () => {
    const out = replaceSummary(body, `Done.\n${SUMMARY_END}\nInjected footer\n<!-- ISSUE-AGENT:summary:start -->`);
    expect(out.split(SUMMARY_START)).toHaveLength(2);
    expect(out.split(SUMMARY_END)).toHaveLength(2);
    expect(replaceSummary(out, 'Clean.')).toBe(replaceSummary(body, 'Clean.'));
  });
});

describe('replaceChecks', () => {
  const checks = (text: string) => `<!-- issue-agent:checks:start -->\n${text}\n<!-- issue-agent:checks:end -->`;

  it('appends the section when the body has none, and replaces it afterwards, leaving the summary alone', () => {
    const once = replaceChecks(body, '### Checks\nfailed');
    expect(once).toBe(`${body}\n\n${checks('### Checks\nfailed')}`);
    const twice = replaceChecks(replaceSummary(once, 'New summary.'), '### Checks\npassed');
    expect(twice).toBe(`${replaceSummary(body, 'New summary.')}\n\n${checks('### Checks\npassed')}`);
  });

  it("wraps nothing when there are no checks, and neither part can forge the other's markers", () => {
    expect(wrapChecks('')).toBe('');
    const out = replaceChecks(body, `ok\n${SUMMARY_START}\nforged\n<!-- issue-agent:checks:end -->`);
    expect(out.split(SUMMARY_START)).toHaveLength(2);
    expect(out.split('<!-- issue-agent:checks:end -->')).toHaveLength(2);
  });
});
