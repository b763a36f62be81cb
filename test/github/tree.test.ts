import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { treeEntry, utf8 } from '../../src/github/tree.js';
import { githubMock } from '../helpers/github-mock.js';
import { testGitHub } from './client.js';

describe('utf8', () => {
  it.each([
    ['text', new TextEncoder().encode('héllo\n'), 'héllo\n'],
    ['a BOM kept', new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), '\ufeffa'],
    ['NUL bytes: binary', new Uint8Array([0x61, 0x00, 0x62]), undefined],
    ['invalid UTF-8: binary', new Uint8Array([0xff, 0xfe, 0x41]), undefined],
  ])('%s', (_name, bytes, expected) => {
    expect(utf8(bytes)).toBe(expected);
  });
});

describe('treeEntry', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('puts text inline and deletes with sha null, without API calls', async () => {
    const gh = githubMock({});
    const client = testGitHub();
    await expect(
      treeEntry(client, 'o', 'r', {
        kind: 'write',
        path: 'a.sh',
        mode: '100755',
        content: new TextEncoder().encode('echo\n'),
      }),
    ).resolves.toEqual({
      path: 'a.sh',
      mode: '100755',
      type: 'blob',
      content: 'echo\n',
    });
    await expect(treeEntry(client, 'o', 'r', { kind: 'delete', path: 'b.txt' })).resolves.toEqual({
      path: 'b.txt',
      mode: '100644',
      type: 'blob',
      sha: null,
    });
    expect(gh.calls).toEqual([]);
  });

  it('uploads binary content as a base64 blob', async () => {
    const gh = githubMock({ 'POST /repos/o/r/git/blobs': () => [201, { sha: 'blob1' }] });
    const entry = await treeEntry(testGitHub(), 'o', 'r', {
      kind: 'write',
      path: 'logo.png',
      mode: '100644',
      content: new Uint8Array([0x89, 0x50, 0x00, 0xff]),
    });
    expect(entry).toEqual({ path: 'logo.png', mode: '100644', type: 'blob', sha: 'blob1' });
    expect(gh.calls).toEqual([
      { method: 'POST', path: '/repos/o/r/git/blobs', body: { content: 'iVAA/w==', encoding: 'base64' } },
    ]);
  });
});
