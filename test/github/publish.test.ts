import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, type PublishInput } from '../../src/github/publish.js';
import { githubMock } from '../helpers/github-mock.js';
import { testGitHub } from './client.js';

const R = '/repos/acme/widgets';
const INPUT: PublishInput = {
  owner: 'acme',
  repo: 'widgets',
  base: { sha: 'base000', treeSha: 'basetree' },
  baseBranch: 'main',
  changes: [
    {
      kind: 'write',
      path: 'src/pager.ts',
      mode: '100644',
      content: new TextEncoder().encode('export const PAGE = 20;\n'),
    },
  ],
  branch: 'agent/5-pager',
  commitMessage: 'Pager (#5)',
  title: 'Pager',
  body: 'Closes #5',
  draft: true,
  reviewer: 'alice',
};

/** The commit routes every publish uses, plus the ones a test adds. */
function routes(extra: Parameters<typeof githubMock>[0]) {
  return githubMock({
    [`POST ${R}/git/trees`]: () => [201, { sha: 'tree1' }],
    [`POST ${R}/git/commits`]: () => [201, { sha: 'commit1' }],
    [`POST ${R}/pulls`]: () => [201, { number: 7, html_url: 'https://github.com/acme/widgets/pull/7' }],
    [`POST ${R}/pulls/7/requested_reviewers`]: () => [201, {}],
    ...extra,
  });
}

describe('publish', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('takes the next free branch name when the name exists (422), and opens the PR from it as asked (draft)', async () => {
    const tried: string[] = [];
    const gh = routes({
      [`POST ${R}/git/refs`]: (body) => {
        const ref = (body as { ref: string }).ref;
        tried.push(ref);
        return ref === 'refs/heads/agent/5-pager-3' ? [201, {}] : [422, { message: 'Reference already exists' }];
      },
    });
    const branches: string[] = [];
    const out = await publish(testGitHub(), { ...INPUT, onBranch: async (b) => void branches.push(b) });
    expect(tried).toEqual(['refs/heads/agent/5-pager', 'refs/heads/agent/5-pager-2', 'refs/heads/agent/5-pager-3']);
    expect(out).toEqual({
      branch: 'agent/5-pager-3',
      commitSha: 'commit1',
      number: 7,
      url: 'https://github.com/acme/widgets/pull/7',
    });
    expect(branches).toEqual(['agent/5-pager-3']);
    expect(gh.bodiesOf('POST', `${R}/pulls`)).toEqual([
      { head: 'agent/5-pager-3', base: 'main', title: 'Pager', body: 'Closes #5', draft: true },
    ]);
    expect(gh.bodiesOf('POST', `${R}/pulls/7/requested_reviewers`)).toEqual([{ reviewers: ['alice'] }]);
  });

  it('a rerun reuses its own branch (moved, not suffixed) and finds the PR an earlier attempt opened', async () => {
    const gh = routes({
      [`PATCH ${R}/git/refs/heads%2Fagent%2F5-pager`]: () => [200, {}],
      [`GET ${R}/pulls`]: () => [200, [{ number: 6, html_url: 'https://github.com/acme/widgets/pull/6' }]],
    });
    const out = await publish(testGitHub(), { ...INPUT, reuseBranch: true });
    expect(out).toEqual({
      branch: 'agent/5-pager',
      commitSha: 'commit1',
      number: 6,
      url: 'https://github.com/acme/widgets/pull/6',
    });
    expect(gh.bodiesOf('PATCH', `${R}/git/refs/heads%2Fagent%2F5-pager`)).toEqual([{ sha: 'commit1', force: true }]);
    expect(gh.lines()).not.toContain(`POST ${R}/pulls`);
    expect(gh.lines()).not.toContain(`POST ${R}/git/refs`);
  });

  it('a review request GitHub refuses does not lose the PR', async () => {
    routes({
      [`POST ${R}/git/refs`]: () => [201, {}],
      [`POST ${R}/pulls/7/requested_reviewers`]: () => [
        422,
        { message: 'Review cannot be requested from pull request author.' },
      ],
    });
    await expect(publish(testGitHub(), INPUT)).resolves.toMatchObject({ number: 7, branch: 'agent/5-pager' });
  });
});
