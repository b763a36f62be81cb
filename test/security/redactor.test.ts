import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/security/redactor.js';

describe('Redactor', () => {
  it('masks every secret it knows, the longest first, and ignores values too short to hide', () => {
    const r = new Redactor();
    r.add('ghs_short_token');
    r.add('ghs_short_token_with_more');
    r.add('abc');
    expect(r.redact('a ghs_short_token_with_more b ghs_short_token c abc')).toBe('a *** b *** c abc');
  });

  it('forgets a token once it has expired (with a margin for clock skew), so the list does not grow with every job', () => {
    let now = Date.parse('2026-11-26T12:00:00Z');
    const r = new Redactor(() => now);
    r.add('sk-ant-never-expires');
    r.add('ghs_first_job_token', now + 60 * 60_000);
    now += 65 * 60_000; // expired 5 minutes ago: still within the margin
    r.add('ghs_second_job_token', now + 60 * 60_000);
    expect(r.size).toBe(3);
    expect(r.redact('ghs_first_job_token')).toBe('***');
    now += 10 * 60_000;
    r.add('ghs_third_job_token', now + 60 * 60_000);
    expect(r.size).toBe(3);
    expect(r.redact('ghs_first_job_token ghs_second_job_token sk-ant-never-expires')).toBe(
      'ghs_first_job_token *** ***',
    );
  });
});

describe('Redactor: secrets cut short', () => {
  const key = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789';
  const r = new Redactor();
  r.add(key);
  r.add('whsec_webhook_secret_value');

  it.each([
    [
      'the start of a secret before an ellipsis',
      `ran curl -H "x-api-key: ${key.slice(0, 30)}…`,
      'ran curl -H "x-api-key: ***…',
    ],
    ['the start of a secret before three dots', `token=${key.slice(0, 20)}...`, 'token=***...'],
    [
      'the start before a cut note on the next lines',
      `${key.slice(0, 25)}\n\n… (cut to fit GitHub’s limit)`,
      '***\n\n… (cut to fit GitHub’s limit)',
    ],
    [
      'the end of a secret after a leading ellipsis (an output tail)',
      `…${key.slice(12)} was printed`,
      '…*** was printed',
    ],
    ['a whole secret and a cut one in one text', `${key} and whsec_webhook_se…`, '*** and ***…'],
    ['pieces shorter than 8 characters stay (they match ordinary words)', `${key.slice(0, 7)}…`, `${key.slice(0, 7)}…`],
    ['text that merely ends in an ellipsis', 'and so on…', 'and so on…'],
    [
      'a piece not at a cut mark stays (it is not a secret)',
      `${key.slice(0, 20)} is a prefix`,
      `${key.slice(0, 20)} is a prefix`,
    ],
  ])('%s', (_, text, expected) => {
    expect(r.redact(text)).toBe(expected);
  });

  it('stays fast on long text with many cut marks', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(1_600)}\n-----END PRIVATE KEY-----`;
    const big = new Redactor();
    big.add(pem);
    big.add(key);
    const text = 'word… '.repeat(20_000);
    const started = performance.now();
    expect(big.redact(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
