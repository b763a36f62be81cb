import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CiPermissionError,
  failedActionsJobs,
  failureSignature,
  LOG_TAIL_CHARS,
  LOG_TAIL_LINES,
  logTail,
  MAX_FAILURES,
  rerunFailedJobs,
} from '../../src/github/ci-checks.js';
import { githubMock } from '../helpers/github-mock.js';
import { testGitHub } from './client.js';

const R = '/repos/acme/widgets';
const repo = { owner: 'acme', repo: 'widgets' };

describe('logTail', () => {
  it('keeps the last lines only, without the timestamps Actions puts in front of each', () => {
    const log = Array.from({ length: 500 }, (_, i) => `2026-12-03T10:00:00.1234567Z line ${i}`).join('\r\n');
    const tail = logTail(log).split('\n');
    expect(tail).toHaveLength(LOG_TAIL_LINES);
    expect(tail[0]).toBe(`line ${500 - LOG_TAIL_LINES}`);
    expect(tail.at(-1)).toBe('line 499');
  });

  it('cuts a tail of long lines to the character bound, keeping its end', () => {
    const tail = logTail(`${'x'.repeat(LOG_TAIL_CHARS * 2)}\nthe error`);
    expect(tail.length).toBe(LOG_TAIL_CHARS + 1);
    expect(tail.startsWith('…')).toBe(true);
    expect(tail.endsWith('\nthe error')).toBe(true);
  });
});

describe('failureSignature', () => {
  it('is the failing checks in name order and the first line that looks like an error', () => {
    const signature = failureSignature([
      { name: 'test', log: 'npm test\n##[error]TypeError: x is undefined\nexit 1' },
      { name: 'lint', log: 'eslint .\n  3 problems' },
    ]);
    expect(signature).toBe('lint, test: TypeError: x is undefined');
  });

  it('falls back to the last line when no line looks like an error', () => {
    expect(failureSignature([{ name: 'build', log: 'compiling\nkilled\n' }])).toBe('build: killed');
  });
});

describe('the Actions API', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('reads the log of each failed job, up to the bound; the rest are named without one', async () => {
    const jobs = Array.from({ length: MAX_FAILURES + 1 }, (_, i) => ({
      id: 100 + i,
      name: `job ${i}`,
      conclusion: i === 0 ? 'success' : 'failure',
      html_url: `https://github.com/acme/widgets/actions/runs/9/job/${100 + i}`,
    }));
    jobs.push({ id: 200, name: 'slow', conclusion: 'timed_out', html_url: 'https://github.com/x' });
    const routes: Parameters<typeof githubMock>[0] = {
      [`GET ${R}/actions/runs/9/jobs`]: () => [200, { total_count: jobs.length, jobs }],
    };
    for (const j of jobs) routes[`GET ${R}/actions/jobs/${j.id}/logs`] = () => [200, `log of ${j.name}`];
    const gh = githubMock(routes);

    const failures = await failedActionsJobs(testGitHub(), repo, 9);
    expect(failures.map((f) => [f.name, f.log])).toEqual([
      ...jobs.slice(1, MAX_FAILURES + 1).map((j) => [j.name, `log of ${j.name}`]),
      ['slow', '(log not read: too many failing jobs)'],
    ]);
    expect(gh.lines()).not.toContain(`GET ${R}/actions/jobs/100/logs`); // the job that passed
  });

  it('a 403 names the permission the app lacks', async () => {
    githubMock({ [`POST ${R}/actions/runs/9/rerun-failed-jobs`]: () => [403, { message: 'Resource not accessible' }] });
    const err = await rerunFailedJobs(testGitHub(), repo, 9).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CiPermissionError);
    expect((err as CiPermissionError).message).toBe(
      'the app cannot re-run the failed jobs: it needs the `actions: write` permission',
    );
  });
});
