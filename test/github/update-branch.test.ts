import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BranchMovedConflictError, commitOnBranch, overlappingPaths } from '../../src/github/update-branch.js';
import type { FileChange } from '../../src/workspace/types.js';
import { githubMock } from '../helpers/github-mock.js';
import { testGitHub } from './client.js';

const R = '/repos/acme/widgets';
const BRANCH = 'issue-agent/5-pager';
const REF = `${R}/git/ref/heads%2Fissue-agent%2F5-pager`;
const UPDATE = `${R}/git/refs/heads%2Fissue-agent%2F5-pager`;
const BASE = { sha: 'base000', treeSha: 'basetree' };
const text = (s: string) => new TextEncoder().encode(s);
const CHANGES: FileChange[] = [
  { kind: 'write', path: 'src/pager.ts', mode: '100644', content: text('export const PAGE = 20;\n') },
  { kind: 'delete', path: 'src/old.ts' },
];
const INPUT = {
  owner: 'acme',
  repo: 'widgets',
  branch: BRANCH,
  base: BASE,
  changes: CHANGES,
  message: 'Address review (#5)',
};
const TREE_ENTRIES = [
  { path: 'src/pager.ts', mode: '100644', type: 'blob', content: 'export const PAGE = 20;\n' },
  { path: 'src/old.ts', mode: '100644', type: 'blob', sha: null },
];

const ref = (sha: string) => (): [number, unknown] => [
  200,
  { ref: `refs/heads/${BRANCH}`, object: { sha, type: 'commit' } },
];
const file = (filename: string, extra: Record<string, unknown> = {}) => ({ filename, status: 'modified', ...extra });

describe('commitOnBranch', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('fast-forwards when the branch is still at the base', async () => {
    const gh = githubMock({
      [`GET ${REF}`]: ref('base000'),
      [`POST ${R}/git/trees`]: () => [201, { sha: 'tree1' }],
      [`POST ${R}/git/commits`]: () => [201, { sha: 'commit1' }],
      [`PATCH ${UPDATE}`]: () => [200, { object: { sha: 'commit1' } }],
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).resolves.toEqual({ sha: 'commit1', rebased: false });
    expect(gh.calls).toEqual([
      { method: 'GET', path: REF, body: undefined },
      { method: 'POST', path: `${R}/git/trees`, body: { base_tree: 'basetree', tree: TREE_ENTRIES } },
      {
        method: 'POST',
        path: `${R}/git/commits`,
        body: { message: 'Address review (#5)', tree: 'tree1', parents: ['base000'] },
      },
      { method: 'PATCH', path: UPDATE, body: { sha: 'commit1', force: false } },
    ]);
  });

  it('rebases onto the new head through the API when the new commits touch other files', async () => {
    const gh = githubMock({
      [`GET ${REF}`]: ref('head111'),
      [`GET ${R}/compare/base000...head111`]: () => [
        200,
        {
          status: 'ahead',
          ahead_by: 2,
          behind_by: 0,
          files: [
            file('README.md'),
            file('src/pager.test.ts'),
            file('docs/new.md', { previous_filename: 'docs/old.md', status: 'renamed' }),
          ],
        },
      ],
      [`GET ${R}/git/commits/head111`]: () => [200, { sha: 'head111', tree: { sha: 'headtree' } }],
      [`POST ${R}/git/trees`]: () => [201, { sha: 'tree2' }],
      [`POST ${R}/git/commits`]: () => [201, { sha: 'commit2' }],
      [`PATCH ${UPDATE}`]: () => [200, { object: { sha: 'commit2' } }],
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).resolves.toEqual({ sha: 'commit2', rebased: true });
    expect(gh.lines()).toEqual([
      `GET ${REF}`,
      `GET ${R}/compare/base000...head111`,
      `GET ${R}/git/commits/head111`,
      `POST ${R}/git/trees`,
      `POST ${R}/git/commits`,
      `PATCH ${UPDATE}`,
    ]);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([{ base_tree: 'headtree', tree: TREE_ENTRIES }]);
    expect(gh.bodiesOf('POST', `${R}/git/commits`)).toEqual([
      { message: 'Address review (#5)', tree: 'tree2', parents: ['head111'] },
    ]);
    expect(gh.bodiesOf('PATCH', UPDATE)).toEqual([{ sha: 'commit2', force: false }]);
  });

  it('fails, naming the files, when the new commits changed a file the agent changed too; nothing is written', async () => {
    const gh = githubMock({
      [`GET ${REF}`]: ref('head111'),
      [`GET ${R}/compare/base000...head111`]: () => [
        200,
        { status: 'ahead', files: [file('README.md'), file('src/pager.ts')] },
      ],
    });
    const err = await commitOnBranch(testGitHub(), INPUT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BranchMovedConflictError);
    expect((err as BranchMovedConflictError).files).toEqual(['src/pager.ts']);
    expect((err as Error).message).toBe(
      "someone pushed to issue-agent/5-pager meanwhile and changed src/pager.ts; the agent's change was not applied",
    );
    expect(gh.lines()).toEqual([`GET ${REF}`, `GET ${R}/compare/base000...head111`]);
  });

  it('counts a rename away from a changed file as a conflict', async () => {
    githubMock({
      [`GET ${REF}`]: ref('head111'),
      [`GET ${R}/compare/base000...head111`]: () => [
        200,
        {
          status: 'ahead',
          files: [file('src/old-renamed.ts', { previous_filename: 'src/old.ts', status: 'renamed' })],
        },
      ],
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).rejects.toMatchObject({
      name: 'BranchMovedConflictError',
      files: ['src/old.ts'],
    });
  });

  it('finds its own change already on the branch (a rerun after a crash between push and record) and pushes nothing', async () => {
    const gh = githubMock({
      [`GET ${REF}`]: ref('ours333'),
      [`GET ${R}/compare/base000...ours333`]: () => [
        200,
        { status: 'ahead', ahead_by: 1, files: [file('src/pager.ts'), file('src/old.ts', { status: 'removed' })] },
      ],
      [`GET ${R}/git/commits/ours333`]: () => [200, { sha: 'ours333', tree: { sha: 'tree1' } }],
      [`POST ${R}/git/trees`]: () => [201, { sha: 'tree1' }],
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).resolves.toEqual({ sha: 'ours333', rebased: false });
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([{ base_tree: 'basetree', tree: TREE_ENTRIES }]);
    expect(gh.lines().filter((l) => l.startsWith('POST') || l.startsWith('PATCH'))).toEqual([`POST ${R}/git/trees`]);
  });

  it('still sees a conflict when one new commit changed the same files differently', async () => {
    const gh = githubMock({
      [`GET ${REF}`]: ref('head111'),
      [`GET ${R}/compare/base000...head111`]: () => [
        200,
        { status: 'ahead', ahead_by: 1, files: [file('src/pager.ts'), file('src/old.ts', { status: 'removed' })] },
      ],
      [`GET ${R}/git/commits/head111`]: () => [200, { sha: 'head111', tree: { sha: 'someone-elses-tree' } }],
      [`POST ${R}/git/trees`]: () => [201, { sha: 'tree1' }],
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).rejects.toMatchObject({
      name: 'BranchMovedConflictError',
      files: ['src/old.ts', 'src/pager.ts'],
    });
    expect(
      gh.lines().filter((l) => l.startsWith('POST /repos/acme/widgets/git/commits') || l.startsWith('PATCH')),
    ).toEqual([]);
  });

  it('refuses a branch that was rewritten (force-push)', async () => {
    const gh = githubMock({
      [`GET ${REF}`]: ref('other222'),
      [`GET ${R}/compare/base000...other222`]: () => [
        200,
        { status: 'diverged', ahead_by: 1, behind_by: 1, files: [] },
      ],
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).rejects.toThrow(
      "someone rewrote issue-agent/5-pager meanwhile (force-push: the commit the agent worked from is no longer on it); the agent's change was not applied",
    );
    expect(gh.calls.map((c) => c.method)).toEqual(['GET', 'GET']);
  });

  it('looks again when the branch moves between reading and updating it', async () => {
    let reads = 0;
    let updates = 0;
    const gh = githubMock({
      [`GET ${REF}`]: () => ref(++reads === 1 ? 'base000' : 'head111')(),
      [`GET ${R}/compare/base000...head111`]: () => [200, { status: 'ahead', files: [file('README.md')] }],
      [`GET ${R}/git/commits/head111`]: () => [200, { sha: 'head111', tree: { sha: 'headtree' } }],
      [`POST ${R}/git/trees`]: (body) => [
        201,
        { sha: (body as { base_tree: string }).base_tree === 'headtree' ? 'tree2' : 'tree1' },
      ],
      [`POST ${R}/git/commits`]: (body) => [
        201,
        { sha: (body as { tree: string }).tree === 'tree2' ? 'commit2' : 'commit1' },
      ],
      [`PATCH ${UPDATE}`]: () => (++updates === 1 ? [422, { message: 'Update is not a fast forward' }] : [200, {}]),
    });
    await expect(commitOnBranch(testGitHub(), INPUT)).resolves.toEqual({ sha: 'commit2', rebased: true });
    expect(gh.bodiesOf('PATCH', UPDATE)).toEqual([
      { sha: 'commit1', force: false },
      { sha: 'commit2', force: false },
    ]);
  });

  it('uploads binary files once as blobs', async () => {
    const gh = githubMock({
      [`POST ${R}/git/blobs`]: () => [201, { sha: 'blob9' }],
      [`GET ${REF}`]: ref('base000'),
      [`POST ${R}/git/trees`]: () => [201, { sha: 'tree1' }],
      [`POST ${R}/git/commits`]: () => [201, { sha: 'commit1' }],
      [`PATCH ${UPDATE}`]: () => [200, {}],
    });
    await commitOnBranch(testGitHub(), {
      ...INPUT,
      changes: [{ kind: 'write', path: 'logo.png', mode: '100644', content: new Uint8Array([0, 1, 2]) }],
    });
    expect(gh.bodiesOf('POST', `${R}/git/blobs`)).toEqual([{ content: 'AAEC', encoding: 'base64' }]);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      { base_tree: 'basetree', tree: [{ path: 'logo.png', mode: '100644', type: 'blob', sha: 'blob9' }] },
    ]);
  });

  it('refuses an empty change set without calling GitHub', async () => {
    const gh = githubMock({});
    await expect(commitOnBranch(testGitHub(), { ...INPUT, changes: [] })).rejects.toThrow(
      'there are no changes to commit',
    );
    expect(gh.calls).toEqual([]);
  });
});

describe('overlappingPaths', () => {
  it.each<[string[], string[], string[]]>([
    [['a.ts', 'b.ts'], ['c.ts'], []],
    [
      ['a.ts', 'b.ts'],
      ['b.ts', 'a.ts'],
      ['a.ts', 'b.ts'],
    ],
    [['src/x/y.ts'], ['src/x'], ['src/x/y.ts']],
    [['src/x'], ['src/x/y.ts'], ['src/x']],
    [['src/xy.ts'], ['src/x'], []],
  ])('%j vs %j → %j', (changed, touched, expected) => {
    expect(overlappingPaths(changed, touched)).toEqual(expected);
  });
});
