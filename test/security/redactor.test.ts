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
    expect(r.redact('ghs_first_job_token ghs_second_job_token sk-ant-never-expires')).toBe('ghs_first_job_token *** ***');
  });
});
