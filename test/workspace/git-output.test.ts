import { describe, expect, it } from 'vitest';
import { parseBatchCheck, parseCatFileBatch, parseRawDiff } from '../../src/workspace/git-output.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const enc = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: (string | Uint8Array)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? enc(p) : p)));

describe('parseRawDiff', () => {
  it('reads modes, status and NUL-terminated paths holding spaces, newlines and unicode', () => {
    const out = concat(
      `:100644 100755 ${A} ${B} M\0a b\nc.txt\0`,
      `:000000 120000 ${Z} ${B} A\0naïve/文件\0`,
      `:100644 000000 ${A} ${Z} D\0gone\0`,
    );
    expect(parseRawDiff(out)).toEqual([
      { oldMode: '100644', newMode: '100755', newSha: B, status: 'M', path: 'a b\nc.txt' },
      { oldMode: '000000', newMode: '120000', newSha: B, status: 'A', path: 'naïve/文件' },
      { oldMode: '100644', newMode: '000000', newSha: Z, status: 'D', path: 'gone' },
    ]);
  });

  it('refuses output it does not understand and paths that are not UTF-8', () => {
    expect(() => parseRawDiff(concat(`R100 x\0y\0`))).toThrow('unexpected git diff output');
    expect(() => parseRawDiff(concat(`:100644 100644 ${A} ${B} M\0`, new Uint8Array([0xff, 0x41, 0])))).toThrow(
      'not valid UTF-8',
    );
  });
});

describe('parseCatFileBatch', () => {
  it('splits objects by their sizes, so content may hold newlines and NULs', () => {
    const binary = new Uint8Array([0, 0x0a, 0xff, 0x0a, 0x0a]);
    const out = concat(`${A} blob 5\n`, binary, '\n', `${B} blob 0\n`, '\n');
    const objects = parseCatFileBatch(out);
    expect([...objects.keys()]).toEqual([A, B]);
    expect(Buffer.from(objects.get(A)!).equals(Buffer.from(binary))).toBe(true);
    expect(objects.get(B)).toEqual(new Uint8Array());
  });

  it('refuses truncated output and missing objects', () => {
    expect(() => parseCatFileBatch(concat(`${A} blob 10\nshort\n`))).toThrow('truncated');
    expect(() => parseCatFileBatch(concat(`${A} missing\n`))).toThrow('unexpected git cat-file output');
  });
});

describe('parseBatchCheck', () => {
  it('maps object ids to sizes', () => {
    expect(parseBatchCheck(`${A} blob 12\n${B} blob 0\n`)).toEqual(
      new Map([
        [A, 12],
        [B, 0],
      ]),
    );
  });
});
