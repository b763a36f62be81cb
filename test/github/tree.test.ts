import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { treeEntries, treeEntry, utf8 } from '../../src/github/tree.js';
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

describe('treeEntries', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('uploads blobs one at a time and keeps large text out of the tree request', async () => {
    let sha = 0;
    const gh = githubMock({ 'POST /repos/o/r/git/blobs': () => [201, { sha: `blob${++sha}` }] });
    const client = testGitHub();
    let inFlight = 0;
    let most = 0;
    const createBlob = client.rest.git.createBlob;
    client.rest.git.createBlob = (async (...args: Parameters<typeof createBlob>) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 20));
        return await createBlob(...args);
      } finally {
        inFlight--;
      }
    }) as typeof createBlob;
    const write = (path: string, content: Uint8Array) => ({
      kind: 'write' as const,
      path,
      mode: '100644' as const,
      content,
    });
    const smallText = new TextEncoder().encode('x'.repeat(60 * 1024));
    const entries = await treeEntries(client, 'o', 'r', [
      write('a.bin', new Uint8Array([0, 1, 2])),
      write('big.txt', new TextEncoder().encode('y'.repeat(65 * 1024))),
      write('b.bin', new Uint8Array([0, 3])),
      { kind: 'delete', path: 'gone.txt' },
      // Small text goes inline until the tree request holds about 1 MB of it.
      ...Array.from({ length: 20 }, (_, i) => write(`t${i}.txt`, smallText)),
    ]);
    expect(most).toBe(1);
    expect(entries.slice(0, 4).map((e) => e.sha)).toEqual(['blob1', 'blob2', 'blob3', null]);
    const inline = entries.filter((e) => e.content !== undefined);
    expect(inline).toHaveLength(17);
    expect(
      entries
        .slice(4)
        .filter((e) => e.sha)
        .map((e) => e.path),
    ).toEqual(['t17.txt', 't18.txt', 't19.txt']);
    expect(gh.calls.filter((c) => c.path === '/repos/o/r/git/blobs')).toHaveLength(6);
  });
});
