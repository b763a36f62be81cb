import { describe, expect, it } from 'vitest';
import { imageSource, imageUrls } from '../../src/github/image-links.js';

const REPO = { owner: 'acme', name: 'widgets' };
const ASSET = 'https://github.com/user-attachments/assets/0a1b2c3d-0000-4000-8000-123456789abc';

describe('imageUrls', () => {
  it.each<[string, string, string[]]>([
    ['a Markdown image', `Look: ![screenshot](${ASSET})`, [ASSET]],
    ['with a title', `![s](${ASSET} "the title")`, [ASSET]],
    ['in angle brackets', `![s](<${ASSET}>)`, [ASSET]],
    ['an HTML img', `<img width="300" alt="x" src="${ASSET}">`, [ASSET]],
    ['single quotes', `<img src='${ASSET}' />`, [ASSET]],
    [
      'both, in order, once each',
      `<img src="https://a.test/2.png"> ![](https://a.test/1.png) ![](https://a.test/2.png)`,
      ['https://a.test/2.png', 'https://a.test/1.png'],
    ],
    ['a plain link is no image', `[see](${ASSET})`, []],
    ['entities in src', '<img src="https://a.test/x.png?a=1&amp;b=2">', ['https://a.test/x.png?a=1&b=2']],
  ])('%s', (_name, markdown, urls) => {
    expect(imageUrls(markdown)).toEqual(urls);
  });
});

describe('imageSource', () => {
  it.each<[string, ReturnType<typeof imageSource>]>([
    [ASSET, { kind: 'attachment', url: ASSET }],
    [
      'https://user-images.githubusercontent.com/1/2-abc.png',
      { kind: 'attachment', url: 'https://user-images.githubusercontent.com/1/2-abc.png' },
    ],
    [
      'https://private-user-images.githubusercontent.com/1/2.png?jwt=x',
      { kind: 'attachment', url: 'https://private-user-images.githubusercontent.com/1/2.png?jwt=x' },
    ],
    [
      'https://github.com/acme/widgets/raw/main/docs/shot.png',
      {
        kind: 'repository',
        url: 'https://github.com/acme/widgets/raw/main/docs/shot.png',
        ref: 'main',
        path: 'docs/shot.png',
      },
    ],
    [
      'https://github.com/Acme/Widgets/blob/v2/a%20b.png?raw=true',
      {
        kind: 'repository',
        url: 'https://github.com/Acme/Widgets/blob/v2/a%20b.png?raw=true',
        ref: 'v2',
        path: 'a b.png',
      },
    ],
    [
      'https://raw.githubusercontent.com/acme/widgets/abc123/img/x.gif',
      {
        kind: 'repository',
        url: 'https://raw.githubusercontent.com/acme/widgets/abc123/img/x.gif',
        ref: 'abc123',
        path: 'img/x.gif',
      },
    ],
    ['https://github.com/other/repo/raw/main/x.png', undefined],
    ['https://raw.githubusercontent.com/acme/widgets/main/../../etc/passwd', undefined],
    ['https://github.com/acme/widgets/raw/main/', undefined],
    ['http://user-images.githubusercontent.com/1/2.png', undefined],
    ['https://user:pw@user-images.githubusercontent.com/1/2.png', undefined],
    ['https://user-images.githubusercontent.com:8443/1/2.png', undefined],
    ['https://evil.test/user-attachments/assets/x', undefined],
    ['https://github.com/user-attachments/assets/', undefined],
    ['https://img.shields.io/badge/x-y-green', undefined],
    ['data:image/png;base64,iVBOR', undefined],
    ['/relative.png', undefined],
  ])('%s', (url, source) => {
    expect(imageSource(url, REPO)).toEqual(source);
  });
});
