import { Readable } from 'node:stream';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchIssueImages, imageType, IMAGE_LIMITS, type ImageLimits } from '../../src/github/issue-images.js';
import { testGitHub } from './client.js';

/** Downloads of the issue's images against nock: GitHub's attachment hosts and the contents API. */

const REPO = { owner: 'acme', name: 'widgets' };
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(50, 2)]);
const ASSETS = 'https://github.com';
const asset = (id: string) => `${ASSETS}/user-attachments/assets/${id}`;
const img = (url: string) => `![shot](${url})`;

beforeEach(() => {
  nock.cleanAll();
  nock.disableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

const fetchAll = (texts: string[], limits?: Partial<ImageLimits>) =>
  fetchIssueImages(texts, { repo: REPO, gh: testGitHub(), limits: { ...IMAGE_LIMITS, ...limits } });

describe('fetchIssueImages', () => {
  it('follows GitHub’s redirect to the asset host and keeps a PNG and a JPEG, typed by their bytes', async () => {
    nock(ASSETS)
      .get('/user-attachments/assets/a1')
      .reply(302, '', { location: 'https://private-user-images.githubusercontent.com/1/a1.png?jwt=x' });
    nock('https://private-user-images.githubusercontent.com').get('/1/a1.png').query({ jwt: 'x' }).reply(200, PNG);
    nock('https://user-images.githubusercontent.com').get('/1/b.jpg').reply(200, JPEG);
    const result = await fetchAll([img(asset('a1')), `<img src="https://user-images.githubusercontent.com/1/b.jpg">`]);
    expect(result.failed).toEqual([]);
    expect(result.images.map((i) => [i.url, i.type, i.bytes.length])).toEqual([
      [asset('a1'), 'png', PNG.length],
      ['https://user-images.githubusercontent.com/1/b.jpg', 'jpeg', JPEG.length],
    ]);
  });

  it('lists a private attachment (404) and a file that is no image, and keeps going', async () => {
    nock(ASSETS).get('/user-attachments/assets/private').reply(404, 'Not Found');
    nock(ASSETS)
      .get('/user-attachments/assets/html')
      .reply(200, '<html>sign in</html>', { 'content-type': 'image/png' });
    nock(ASSETS).get('/user-attachments/assets/ok').reply(200, PNG);
    const result = await fetchAll([img(asset('private')), img(asset('html')), img(asset('ok'))]);
    expect(result.images.map((i) => i.url)).toEqual([asset('ok')]);
    expect(result.failed).toEqual([
      { url: asset('private'), reason: 'HTTP 404' },
      { url: asset('html'), reason: 'not a PNG, JPEG, GIF or WebP image' },
    ]);
  });

  it('caps each image: by its declared length, and while it streams without one', async () => {
    nock(ASSETS)
      .get('/user-attachments/assets/declared')
      .reply(200, PNG, { 'content-length': String(PNG.length) });
    nock(ASSETS)
      .get('/user-attachments/assets/streamed')
      .reply(200, () => {
        return Readable.from([PNG.subarray(0, 60), PNG.subarray(60)]);
      });
    const result = await fetchAll([img(asset('declared')), img(asset('streamed'))], { bytesEach: 100 });
    expect(result.images).toEqual([]);
    expect(result.failed).toEqual([
      { url: asset('declared'), reason: 'larger than 100 bytes' },
      { url: asset('streamed'), reason: 'larger than 100 bytes' },
    ]);
  });

  it('caps the total and the count', async () => {
    for (const id of ['1', '2']) nock(ASSETS).get(`/user-attachments/assets/${id}`).reply(200, PNG);
    const total = await fetchAll([img(asset('1')), img(asset('2'))], { bytesTotal: PNG.length + 10 });
    expect(total.images.map((i) => i.url)).toEqual([asset('1')]);
    expect(total.failed).toEqual([{ url: asset('2'), reason: 'the images together are over 118 bytes' }]);

    nock(ASSETS).get('/user-attachments/assets/3').reply(200, PNG);
    const count = await fetchAll([img(asset('3')), img(asset('4'))], { count: 1 });
    expect(count.images.map((i) => i.url)).toEqual([asset('3')]);
    expect(count.failed).toEqual([{ url: asset('4'), reason: 'more than 1 images: not downloaded' }]);
  });

  it('bounds redirects and refuses to leave https', async () => {
    nock(ASSETS)
      .get('/user-attachments/assets/loop')
      .times(3)
      .reply(302, '', { location: `${ASSETS}/user-attachments/assets/loop` });
    nock(ASSETS).get('/user-attachments/assets/plain').reply(301, '', { location: 'http://example.com/x.png' });
    const result = await fetchAll([img(asset('loop')), img(asset('plain'))], { redirects: 2 });
    expect(result.failed).toEqual([
      { url: asset('loop'), reason: 'more than 2 redirects' },
      { url: asset('plain'), reason: 'redirected away from https' },
    ]);
  });

  it('reads a repository image through the contents API, and lists one that is not there', async () => {
    nock('https://api.github.com')
      .get('/repos/acme/widgets/contents/docs%2Fshot.png')
      .query({ ref: 'main' })
      .reply(200, { type: 'file', size: PNG.length, encoding: 'base64', content: PNG.toString('base64') })
      .get('/repos/acme/widgets/contents/gone.png')
      .query({ ref: 'main' })
      .reply(404, { message: 'Not Found' });
    const result = await fetchAll([
      img('https://github.com/acme/widgets/raw/main/docs/shot.png'),
      img('https://raw.githubusercontent.com/acme/widgets/main/gone.png'),
    ]);
    expect(result.images.map((i) => [i.type, i.bytes.length])).toEqual([['png', PNG.length]]);
    expect(result.failed).toEqual([
      { url: 'https://raw.githubusercontent.com/acme/widgets/main/gone.png', reason: 'not found in the repository' },
    ]);
  });

  it('requests nothing for links it does not fetch (other hosts, other repositories, plain links)', async () => {
    const result = await fetchAll([
      '![badge](https://img.shields.io/badge/a-b-green) [link](https://github.com/user-attachments/assets/x) ![x](https://github.com/other/repo/raw/main/x.png)',
    ]);
    expect(result).toEqual({ images: [], failed: [] });
  });
});

describe('imageType', () => {
  it.each<[string, number[] | string, string | undefined]>([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], 'png'],
    ['jpeg', [0xff, 0xd8, 0xff, 0xdb], 'jpeg'],
    ['gif87a', 'GIF87a....', 'gif'],
    ['gif89a', 'GIF89a....', 'gif'],
    ['webp', 'RIFF\u0000\u0000\u0000\u0000WEBPVP8 ', 'webp'],
    ['riff but wave', 'RIFF\u0000\u0000\u0000\u0000WAVEfmt ', undefined],
    ['svg', '<svg xmlns="http://www.w3.org/2000/svg"/>', undefined],
    ['empty', [], undefined],
    ['short png', [0x89, 0x50, 0x4e], undefined],
  ])('%s', (_name, bytes, type) => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Uint8Array.from(bytes);
    expect(imageType(b)).toBe(type);
  });
});
