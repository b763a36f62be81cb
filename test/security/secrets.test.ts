import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/security/redactor.js';
import { registerSecrets } from '../../src/security/secrets.js';

describe('registerSecrets', () => {
  it('learns keys, tokens, secrets and the password inside a database URL; leaves the rest', () => {
    const r = new Redactor();
    registerSecrets(
      {
        ANTHROPIC_API_KEY: 'sk-ant-0123456789',
        WEBHOOK_SECRET: 'whsec-0123456789',
        DATABASE_URL: 'postgres://app:p%40ss-w0rd-long@db.internal:5432/jobs',
        ANTHROPIC_BASE_URL: 'https://gateway.example.com',
        PORT: '3000000000',
      },
      r,
    );
    expect(r.redact('sk-ant-0123456789 whsec-0123456789 p@ss-w0rd-long https://gateway.example.com 3000000000')).toBe(
      '*** *** *** https://gateway.example.com 3000000000',
    );
  });

  it('masks a PEM private key line by line, as it may be logged', () => {
    const r = new Redactor();
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
    registerSecrets({ PRIVATE_KEY: `-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----` }, r);
    expect(r.redact(`key: ${body}`)).toBe('key: ***');
  });

  it('masks the private key in the file PRIVATE_KEY_PATH names, whole and line by line', () => {
    const r = new Redactor();
    const body = [
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
      'l4v5c3Q2u0Zz9c0wX4H1p5J9pQ0aZ8k7kXh0bJc2pV3r8Yt1qWm',
    ];
    const pem = `-----BEGIN PRIVATE KEY-----\n${body.join('\n')}\n-----END PRIVATE KEY-----\n`;
    const path = join(mkdtempSync(join(tmpdir(), 'issue-agent-key-')), 'app.pem');
    writeFileSync(path, pem);
    registerSecrets({ PRIVATE_KEY_PATH: path }, r);
    expect(r.redact(`key: ${body[1]}`)).toBe('key: ***');
    expect(r.redact(`key: ${pem.trim()}.`)).toBe('key: ***.');
    expect(r.redact(JSON.stringify({ key: pem }))).not.toMatch(new RegExp(body.join('|')));
    // The path is where the key is, not the key: a file mentioning it may be committed.
    expect(r.redact(`key file: ${path}`)).toBe(`key file: ${path}`);
    expect(r.findSecretIn(new TextEncoder().encode(`PRIVATE_KEY_PATH=${path}\n`))).toBeUndefined();
    expect(r.findSecretIn(new TextEncoder().encode(pem))).toBe('verbatim');
  });

  it('a PRIVATE_KEY_PATH that cannot be read adds nothing and throws nothing (env validation reports it)', () => {
    const r = new Redactor();
    registerSecrets({ PRIVATE_KEY_PATH: join(tmpdir(), 'no-such-dir', 'a.pem') }, r);
    expect(r.size).toBe(0); // nor the path itself: where a key is is not a secret
  });
});
