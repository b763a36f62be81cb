import { describe, expect, it } from 'vitest';
import { guardContent, SecretNeedles } from '../../src/security/content-guard.js';
import { Redactor } from '../../src/security/redactor.js';

const KEY = 'sk-ant-api03-theKeyTheAppHolds??????-0000';
const TOKEN = 'ghs_minted-for-a-clone-1234';

const bytes = (text: string) => new TextEncoder().encode(text);
const file = (path: string, content: string | Uint8Array) => ({
  path,
  content: typeof content === 'string' ? bytes(content) : content,
});

/** A redactor that knows the key and the token, as the app's does. */
function redactor(): Redactor {
  const r = new Redactor();
  r.add(KEY);
  r.add(TOKEN);
  return r;
}

/** `env` as an agent would dump it: the secret somewhere inside a longer text. */
const env = (secret: string, before = '') => `HOME=/home/user\n${before}ANTHROPIC_API_KEY=${secret}\nPATH=/usr/bin\n`;

describe('content guard: a secret the app holds, in the files to commit', () => {
  it('finds a secret verbatim, and names the file, never the value', () => {
    const verdict = guardContent([file('src/a.ts', 'ok'), file('env.txt', env(KEY))], redactor());
    expect(verdict).toEqual({
      ok: false,
      files: [{ path: 'env.txt', encoding: 'verbatim' }],
      reason: '`env.txt` contains a secret the app holds (in plain text); nothing was committed',
    });
  });

  it.each([0, 1, 2])('finds it base64-encoded inside a longer text, at offset %i within a 3-byte group', (pad) => {
    for (const secret of [KEY, TOKEN]) {
      const encoded = Buffer.from(env(secret, 'x'.repeat(pad))).toString('base64');
      expect(redactor().findSecretIn(bytes(encoded))).toBe('base64');
      // The same text whatever comes before it in the file.
      expect(redactor().findSecretIn(bytes(`data: ${encoded}`))).toBe('base64');
    }
  });

  it('finds it base64-encoded with the line breaks `base64` puts every 76 characters', () => {
    const wrapped = Buffer.from(env(KEY).repeat(3)).toString('base64').replace(/.{76}/g, '$&\n');
    expect(wrapped).toContain('\n');
    expect(redactor().findSecretIn(bytes(wrapped))).toBe('base64');
    expect(redactor().findSecretIn(bytes(wrapped.replace(/\n/g, '\r\n')))).toBe('base64');
  });

  it.each([0, 1, 2])('finds it base64url-encoded, at offset %i', (pad) => {
    const encoded = Buffer.from(env(KEY, 'y'.repeat(pad))).toString('base64url');
    // "???" is "Pz8/" in base64: the key's run of six holds a whole "???" group at every offset,
    // so its base64url form differs from its base64 form wherever it sits.
    expect(encoded).not.toContain('/');
    expect(redactor().findSecretIn(bytes(encoded))).toBe('base64url');
  });

  it('finds it hex-encoded, lower and upper case, wrapped as `xxd -p` does', () => {
    const hex = Buffer.from(env(TOKEN)).toString('hex');
    expect(redactor().findSecretIn(bytes(hex))).toBe('hex');
    expect(redactor().findSecretIn(bytes(hex.toUpperCase()))).toBe('hex');
    expect(redactor().findSecretIn(bytes(hex.replace(/.{60}/g, '$&\n')))).toBe('hex');
  });

  it('finds it inside a binary file', () => {
    const binary = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, ...bytes(KEY), 0, 0xfe]);
    expect(redactor().findSecretIn(binary)).toBe('verbatim');
    const encodedInBinary = new Uint8Array([0, 1, 2, ...bytes(Buffer.from(`k=${TOKEN}`).toString('base64')), 0]);
    expect(redactor().findSecretIn(encodedInBinary)).toBe('base64');
  });

  it('lets through files without a known secret: other text, credential shapes it does not know, pieces', () => {
    const fixture = `const token = 'ghp_${'aB3dE6gH9kM2'.repeat(3)}';\n`;
    const verdict = guardContent(
      [
        file('src/a.ts', 'export const a = 1;\n'),
        file('test/fixtures.ts', fixture),
        file('half.txt', KEY.slice(0, 12)),
        file('empty', new Uint8Array()),
      ],
      redactor(),
    );
    expect(verdict).toEqual({ ok: true });
  });

  it('names every file and how each holds a secret; quotes a path with a backtick', () => {
    const verdict = guardContent(
      [file('a.txt', KEY), file('b`c.txt', Buffer.from(TOKEN).toString('hex')), file('clean.txt', 'nothing here')],
      redactor(),
    );
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toBe(
      '`a.txt` (in plain text), `"b`c.txt"` (hex-encoded) contain secrets the app holds; nothing was committed',
    );
    expect(verdict.reason).not.toContain(KEY);
    expect(verdict.reason).not.toContain(TOKEN);
  });

  it('lists at most ten files, then a count', () => {
    const files = Array.from({ length: 12 }, (_, i) => file(`f${i}.txt`, KEY));
    const verdict = guardContent(files, redactor());
    expect(verdict.ok || verdict.reason).toMatch(/`f9\.txt` \(in plain text\) and 2 more contain secrets/);
  });

  it('checks against the secrets known now: one learned after a check counts from then on', () => {
    const r = new Redactor();
    r.add(KEY);
    const later = 'ghs_minted-after-the-first-check';
    expect(r.findSecretIn(bytes(later))).toBeUndefined();
    r.add(later);
    expect(r.findSecretIn(bytes(later))).toBe('verbatim');
    expect(new Redactor().findSecretIn(bytes(KEY))).toBeUndefined();
  });

  it('builds encoded forms only long enough not to match by chance', () => {
    // An 8-character secret (the shortest the Redactor keeps) still gives 8-character base64 forms.
    const needles = new SecretNeedles(['p4ssw0rd']);
    expect(needles.findSecretIn(bytes(Buffer.from('pw: p4ssw0rd!').toString('base64')))).toBe('base64');
    expect(needles.findSecretIn(bytes(Buffer.from('an ordinary text of some length').toString('base64')))).toBe(
      undefined,
    );
  });
});
