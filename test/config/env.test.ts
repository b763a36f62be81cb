import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ENV_DOCS,
  ENV_NAMES,
  EnvError,
  loadEnv,
  PRODUCTION_WITHOUT_APP_ID,
  webViewHalfConfigured,
} from '../../src/config/env.js';

/** A GitHub App key is RSA; GitHub hands it out as PKCS#1, Probot accepts PKCS#8 too. */
const rsa = (type: 'pkcs1' | 'pkcs8') =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type, format: 'pem' },
  }).privateKey;
const pkcs1 = rsa('pkcs1');
const pkcs8 = rsa('pkcs8');
const ecKey = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).privateKey;

const keyDir = mkdtempSync(join(tmpdir(), 'issue-agent-env-'));
const keyFile = join(keyDir, 'app.pem');
writeFileSync(keyFile, pkcs1);
const badKeyFile = join(keyDir, 'not-a-key.pem');
writeFileSync(badKeyFile, '-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n');

const configured = {
  APP_ID: '123',
  PRIVATE_KEY: pkcs1,
  WEBHOOK_SECRET: 'whsec',
  E2B_API_KEY: 'e2b_key',
};

function problemsOf(raw: NodeJS.ProcessEnv): string[] {
  try {
    loadEnv(raw);
  } catch (error) {
    if (error instanceof EnvError) return [...error.problems];
    throw error;
  }
  throw new Error('expected loadEnv to throw');
}

describe('loadEnv', () => {
  it('applies defaults when nothing is set (registration mode)', () => {
    expect(loadEnv({})).toEqual({
      port: 3000,
      logLevel: 'info',
      logFormat: 'json',
      webhookPath: '/api/github/webhooks',
      sandboxProvider: 'e2b',
      dataDir: '.data',
      maxConcurrentJobs: 4,
      maxJobsPerInstallation: 4,
      shutdownGraceSeconds: 60,
      adminUsers: [],
      transcriptRetentionDays: 30,
      mcpAllowedEnv: [],
    });
  });

  it('reads MCP_ALLOWED_ENV as a list of names', () => {
    expect(loadEnv({ MCP_ALLOWED_ENV: ' DOCS_MCP_TOKEN, BROWSERBASE_API_KEY ,' }).mcpAllowedEnv).toEqual([
      'DOCS_MCP_TOKEN',
      'BROWSERBASE_API_KEY',
    ]);
  });

  it.each([
    [
      'a name with a space',
      'DOCS TOKEN',
      ['MCP_ALLOWED_ENV: must be variable names separated by commas, e.g. DOCS_MCP_TOKEN,BROWSERBASE_API_KEY'],
    ],
    [
      "the app's own keys",
      'DOCS_MCP_TOKEN,E2B_API_KEY,OPENAI_API_KEY',
      [
        "MCP_ALLOWED_ENV: E2B_API_KEY, OPENAI_API_KEY are of the app's own variables and cannot be given to MCP servers",
      ],
    ],
  ])('refuses MCP_ALLOWED_ENV with %s', (_name, value, problems) => {
    expect(problemsOf({ MCP_ALLOWED_ENV: value })).toEqual(problems);
  });

  it('reads the web view: both OAuth credentials, admins in lower case, the retention', () => {
    const env = loadEnv({
      ...configured,
      GITHUB_CLIENT_ID: 'Iv1.abc',
      GITHUB_CLIENT_SECRET: 'shh-secret-value',
      ADMIN_USERS: ' Alice, bob-2 ,',
      TRANSCRIPT_RETENTION_DAYS: '7',
    });
    expect(env).toMatchObject({
      githubClientId: 'Iv1.abc',
      githubClientSecret: 'shh-secret-value',
      adminUsers: ['alice', 'bob-2'],
      transcriptRetentionDays: 7,
    });
  });

  it('starts with half of the OAuth credentials (an older registration), saying the web view stays off', () => {
    const half = loadEnv({ ...configured, GITHUB_CLIENT_ID: 'Iv1.abc' });
    expect(webViewHalfConfigured(half)).toBe(
      'GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not: the web view at /ui/ stays off until both are set',
    );
    expect(webViewHalfConfigured(loadEnv({ ...configured, GITHUB_CLIENT_SECRET: 'shh-secret-value' }))).toMatch(
      /^GITHUB_CLIENT_SECRET is set but GITHUB_CLIENT_ID is not/,
    );
    expect(webViewHalfConfigured(loadEnv(configured))).toBeUndefined();
  });

  it('names a bad admin list or retention', () => {
    expect(() => loadEnv({ ...configured, ADMIN_USERS: 'alice;bob' })).toThrow(
      'ADMIN_USERS: must be GitHub logins separated by commas',
    );
    expect(() => loadEnv({ ...configured, TRANSCRIPT_RETENTION_DAYS: '0' })).toThrow(
      'TRANSCRIPT_RETENTION_DAYS: must be a positive whole number',
    );
  });

  it('reads a full configuration', () => {
    const env = loadEnv({
      ...configured,
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      GHE_HOST: 'github.example.com:8443',
      GHE_PROTOCOL: 'http',
      WEBHOOK_PATH: '/hooks',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: 'https://gateway.example.com/anthropic',
      DATA_DIR: '/var/lib/issue-agent',
      MAX_CONCURRENT_JOBS: '2',
      E2B_DOMAIN: 'e2b.example.com',
      OPENAI_API_KEY: 'ignored: read by the codex driver',
    });
    expect(env).toMatchObject({
      appId: '123',
      privateKey: configured.PRIVATE_KEY,
      webhookSecret: 'whsec',
      e2bApiKey: 'e2b_key',
      e2bDomain: 'e2b.example.com',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      logFormat: 'pretty',
      gheHost: 'github.example.com:8443',
      gheProtocol: 'http',
      webhookPath: '/hooks',
      anthropicApiKey: 'sk-ant',
      anthropicBaseUrl: 'https://gateway.example.com/anthropic',
      dataDir: '/var/lib/issue-agent',
      maxConcurrentJobs: 2,
    });
    expect(env).not.toHaveProperty('openaiApiKey');
  });

  it.each([
    ['PRIVATE_KEY_PATH instead of PRIVATE_KEY', { ...configured, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: keyFile }],
    ['no APP_ID outside production (registration page)', { NODE_ENV: 'development' }],
    ['local provider without E2B_API_KEY', { ...configured, E2B_API_KEY: undefined, SANDBOX_PROVIDER: 'local' }],
    ['empty values count as unset', { ...configured, HOST: '', PORT: '  ' }],
  ])('accepts %s', (_name, raw) => {
    expect(() => loadEnv(raw)).not.toThrow();
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be a whole number'],
    ['PORT', '70000', 'PORT: must be between 1 and 65535'],
    ['APP_ID', 'my-app', 'APP_ID: must be a number'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent'],
    ['LOG_FORMAT', 'xml', 'LOG_FORMAT: must be one of json, pretty'],
    [
      'GHE_HOST',
      'https://github.example.com',
      'GHE_HOST: must be a host name without protocol or path, e.g. github.example.com',
    ],
    ['GHE_PROTOCOL', 'ftp', 'GHE_PROTOCOL: must be http or https'],
    ['WEBHOOK_PATH', 'hooks', 'WEBHOOK_PATH: must start with /'],
    ['SANDBOX_PROVIDER', 'docker', 'SANDBOX_PROVIDER: must be one of e2b, local'],
    ['ANTHROPIC_BASE_URL', 'not a url', 'ANTHROPIC_BASE_URL: must be an http(s) URL'],
    ['ANTHROPIC_BASE_URL', 'file:///etc/passwd', 'ANTHROPIC_BASE_URL: must be an http(s) URL'],
    ['MAX_CONCURRENT_JOBS', '0', 'MAX_CONCURRENT_JOBS: must be a positive whole number'],
    ['MAX_CONCURRENT_JOBS', '1.5', 'MAX_CONCURRENT_JOBS: must be a positive whole number'],
  ])('rejects %s=%j', (name, value, problem) => {
    expect(problemsOf({ ...configured, [name]: value })).toEqual([problem]);
  });

  it.each([
    ['PRIVATE_KEY', 'PRIVATE_KEY: PRIVATE_KEY or PRIVATE_KEY_PATH is required when APP_ID is set'],
    ['WEBHOOK_SECRET', 'WEBHOOK_SECRET: is required when APP_ID is set'],
    ['E2B_API_KEY', 'E2B_API_KEY: is required when APP_ID is set and SANDBOX_PROVIDER is e2b'],
  ])('requires %s once APP_ID is set', (name, problem) => {
    expect(problemsOf({ ...configured, [name]: undefined })).toEqual([problem]);
  });

  it.each([
    ['a missing file', join(keyDir, 'missing-secret-name.pem'), 'PRIVATE_KEY_PATH: no such file'],
    ['a directory', keyDir, 'PRIVATE_KEY_PATH: is a directory, not a file'],
  ])('rejects a PRIVATE_KEY_PATH naming %s, without the path', (_what, path, problem) => {
    expect(problemsOf({ ...configured, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: path })).toEqual([problem]);
    expect(problemsOf({ PRIVATE_KEY_PATH: path })).toEqual([problem]); // registration mode too: Probot would print a stack trace
  });

  it.each([
    ['a PKCS#1 PEM', pkcs1, pkcs1],
    ['a PKCS#8 PEM', pkcs8, pkcs8],
    ['the PEM in base64', Buffer.from(pkcs1).toString('base64'), pkcs1],
    ['the PEM with escaped newlines (as .env holds it)', pkcs1.replace(/\n/g, '\\n'), pkcs1],
    ['the PEM flattened to one line', pkcs8.replace(/\n/g, ' '), pkcs8],
  ])('accepts a PRIVATE_KEY that is %s, and gives it as a PEM', (_what, value, pem) => {
    expect(loadEnv({ ...configured, PRIVATE_KEY: value }).privateKeyPem?.trim()).toBe(pem.trim());
  });

  it('gives the PRIVATE_KEY_PATH file as the PEM', () => {
    expect(loadEnv({ ...configured, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: keyFile }).privateKeyPem).toBe(pkcs1);
  });

  const PRIVATE_KEY_PROBLEM =
    'PRIVATE_KEY: is not an RSA private key in PEM form (paste the whole .pem file GitHub gave you, or its base64)';
  it.each([
    ['garbage', 'garbage'],
    ['the markers around nothing', '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'],
    ['a PEM cut short', pkcs1.slice(0, 400) + '\n-----END RSA PRIVATE KEY-----'],
    ['a public key', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'],
    ['an EC key', ecKey],
  ])('rejects a PRIVATE_KEY that is %s, in one line without the value', (_what, value) => {
    expect(problemsOf({ ...configured, PRIVATE_KEY: value })).toEqual([PRIVATE_KEY_PROBLEM]);
    let message = '';
    try {
      loadEnv({ ...configured, PRIVATE_KEY: value });
    } catch (error) {
      message = (error as EnvError).message;
    }
    expect(message).toBe(`Invalid environment: ${PRIVATE_KEY_PROBLEM}`);
  });

  it('rejects a PRIVATE_KEY_PATH file that holds no RSA private key', () => {
    expect(problemsOf({ ...configured, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: badKeyFile })).toEqual([
      'PRIVATE_KEY_PATH: the file does not hold an RSA private key in PEM form (the .pem file GitHub gave you)',
    ]);
  });

  it('in production, no APP_ID is one problem saying what to set and where the registration page is', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([PRODUCTION_WITHOUT_APP_ID]);
    expect(problemsOf({ NODE_ENV: 'production', APP_ID: ' ' })).toEqual([PRODUCTION_WITHOUT_APP_ID]); // empty counts as unset
    for (const name of [
      'APP_ID',
      'PRIVATE_KEY',
      'PRIVATE_KEY_PATH',
      'WEBHOOK_SECRET',
      'NODE_ENV=production',
      'npm start',
    ]) {
      expect(PRODUCTION_WITHOUT_APP_ID).toContain(name);
    }
    expect(() => loadEnv({ ...configured, NODE_ENV: 'production' })).not.toThrow();
  });

  it('names every bad variable in one message and never a value', () => {
    const secret = 'sk-ant-hunter2-value';
    let message = '';
    try {
      const raw: Record<string, string> = { APP_ID: '1', PORT: secret, ANTHROPIC_BASE_URL: secret, LOG_LEVEL: secret };
      loadEnv({ ...raw, GHE_HOST: `https://${secret}`, E2B_DOMAIN: `https://${secret}` });
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      message = (error as EnvError).message;
    }
    for (const name of [
      'PORT',
      'ANTHROPIC_BASE_URL',
      'LOG_LEVEL',
      'GHE_HOST',
      'E2B_DOMAIN',
      'PRIVATE_KEY',
      'WEBHOOK_SECRET',
      'E2B_API_KEY',
    ]) {
      expect(message).toContain(`${name}:`);
    }
    expect(message).not.toContain('hunter2');
  });
});

describe('ENV_DOCS', () => {
  it('documents exactly the variables the schema reads', () => {
    expect(ENV_DOCS.map((d) => d.name).sort()).toEqual([...ENV_NAMES].sort());
  });

  it('states the defaults loadEnv applies', () => {
    const defaults = loadEnv({});
    const byName: Record<string, unknown> = {
      PORT: defaults.port,
      LOG_LEVEL: defaults.logLevel,
      LOG_FORMAT: defaults.logFormat,
      WEBHOOK_PATH: defaults.webhookPath,
      SANDBOX_PROVIDER: defaults.sandboxProvider,
      DATA_DIR: defaults.dataDir,
      MAX_CONCURRENT_JOBS: defaults.maxConcurrentJobs,
      SHUTDOWN_GRACE_SECONDS: defaults.shutdownGraceSeconds,
      TRANSCRIPT_RETENTION_DAYS: defaults.transcriptRetentionDays,
    };
    const documented = Object.fromEntries(ENV_DOCS.filter((d) => d.default !== null).map((d) => [d.name, d.default]));
    expect(documented).toEqual(Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, String(v)])));
  });
});
