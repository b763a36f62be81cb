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
});
