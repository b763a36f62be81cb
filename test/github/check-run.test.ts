import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECK_TEXT_LIMIT,
  checkConclusion,
  completeCheckRun,
  startCheckRun,
  truncate,
} from '../../src/github/check-run.js';
import { githubMock } from '../helpers/github-mock.js';
import { testGitHub } from './client.js';

const R = '/repos/acme/widgets';

describe('check run', () => {
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('starts an in-progress check run named issue-agent on the head commit', async () => {
    const gh = githubMock({ [`POST ${R}/check-runs`]: () => [201, { id: 77 }] });
    const id = await startCheckRun(testGitHub(), {
      owner: 'acme',
      repo: 'widgets',
      headSha: 'abc123',
      detailsUrl: 'https://github.com/acme/widgets/issues/5#issuecomment-1',
      externalId: 'job-1',
    });
    expect(id).toBe(77);
    expect(gh.calls).toEqual([
      {
        method: 'POST',
        path: `${R}/check-runs`,
        body: {
          name: 'issue-agent',
          head_sha: 'abc123',
          status: 'in_progress',
          details_url: 'https://github.com/acme/widgets/issues/5#issuecomment-1',
          external_id: 'job-1',
        },
      },
    ]);
  });

  it('sends no details_url when there is none', async () => {
    const gh = githubMock({ [`POST ${R}/check-runs`]: () => [201, { id: 78 }] });
    await startCheckRun(testGitHub(), { owner: 'acme', repo: 'widgets', headSha: 'abc123' });
    expect(gh.calls[0]!.body).toEqual({ name: 'issue-agent', head_sha: 'abc123', status: 'in_progress' });
  });

  it('completes it with conclusion and output', async () => {
    const gh = githubMock({ [`PATCH ${R}/check-runs/77`]: () => [200, { id: 77 }] });
    await completeCheckRun(testGitHub(), {
      owner: 'acme',
      repo: 'widgets',
      id: 77,
      conclusion: 'failure',
      summary: '❌ Failed: the token was rejected',
      text: '<details>log</details>',
    });
    expect(gh.calls).toEqual([
      {
        method: 'PATCH',
        path: `${R}/check-runs/77`,
        body: {
          status: 'completed',
          conclusion: 'failure',
          output: {
            title: 'The agent run failed',
            summary: '❌ Failed: the token was rejected',
            text: '<details>log</details>',
          },
        },
      },
    ]);
  });

  it("cuts a long text to GitHub's limit", async () => {
    const gh = githubMock({ [`PATCH ${R}/check-runs/77`]: () => [200, { id: 77 }] });
    await completeCheckRun(testGitHub(), {
      owner: 'acme',
      repo: 'widgets',
      id: 77,
      conclusion: 'success',
      title: 'Opened #12',
      summary: 'ok',
      text: 'x'.repeat(100_000),
    });
    const body = gh.calls[0]!.body as { output: { title: string; text: string } };
    expect(body.output.title).toBe('Opened #12');
    expect(body.output.text.length).toBe(CHECK_TEXT_LIMIT);
    expect(body.output.text.endsWith('… (cut to fit GitHub’s limit)')).toBe(true);
  });

  it('passes API errors on', async () => {
    githubMock({ [`POST ${R}/check-runs`]: () => [403, { message: 'Resource not accessible by integration' }] });
    await expect(startCheckRun(testGitHub(), { owner: 'acme', repo: 'widgets', headSha: 'abc' })).rejects.toMatchObject(
      { status: 403 },
    );
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('never splits a surrogate pair', () => {
    const t = truncate('a'.repeat(26) + '😀'.repeat(10), 30);
    expect(t).toBe('a'.repeat(26) + '😀…');
    expect(t).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('checkConclusion', () => {
  it('maps every outcome, a PR whose checks failed included', () => {
    const pr = { kind: 'pr' as const, number: 1, url: 'u', branch: 'b', files: [] };
    expect(checkConclusion(pr)).toBe('success');
    expect(checkConclusion({ ...pr, checksFailed: true })).toBe('failure');
    expect(checkConclusion({ kind: 'no-changes', answer: 'a' })).toBe('neutral');
    expect(checkConclusion({ kind: 'failed', reason: 'r' })).toBe('failure');
    expect(checkConclusion({ kind: 'cancelled', by: 'x' })).toBe('cancelled');
  });
});
