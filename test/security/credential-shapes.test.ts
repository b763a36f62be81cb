import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/security/redactor.js';
import { createLogger } from '../../src/telemetry/logger.js';

/** Random-looking bodies built here, so no scanner mistakes this file for a leak. */
const base62 = (n: number) => 'aB3dE6gH9kM2'.repeat(Math.ceil(n / 12)).slice(0, n);
const pemBody = [
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  'l4v5c3Q2u0Zz9c0wX4H1p5J9pQ0aZ8k7kXh0bJc2pV3r8Yt1qWm',
];

const TOKENS: [string, string][] = [
  ['GitHub classic PAT', `ghp_${base62(36)}`],
  ['GitHub OAuth token', `gho_${base62(36)}`],
  ['GitHub user-to-server token', `ghu_${base62(36)}`],
  ['GitHub installation token (longer than today)', `ghs_${base62(60)}`],
  ['GitHub refresh token', `ghr_${base62(76)}`],
  ['GitHub fine-grained PAT', `github_pat_${base62(22)}_${base62(59)}`],
  ['Anthropic key', `sk-ant-api03-${base62(40)}-${base62(50)}_AA`],
  ['Anthropic admin key', `sk-ant-admin01-${base62(90)}`],
  ['OpenAI legacy key', `sk-${base62(48)}`],
  ['OpenAI project key', `sk-proj-${base62(60)}-${base62(40)}_${base62(50)}`],
  ['OpenAI service account key', `sk-svcacct-${base62(100)}`],
  ['a hex model key (32 lower-case hex)', `sk-${'0a1b2c3d4e5f6789'.repeat(2)}`],
  ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
  [
    'capability token of this app',
    'iacap_0b8e7f52-3c1d-4a9e-9b7a-2f1c5d6e7a8b_kJolJgAXS9LAaPS6n8bK6vKlNth_IZX1x-y2Z3a4b5c',
  ],
  ['AWS temporary access key id', 'ASIAY34FZKBOKMUTVV7A'],
];

const LOOK_ALIKES = [
  'pip install scikit-learn; import sklearn as sk-learn',
  'sk-learn-compatible-estimators-for-everyone',
  'sk-2024-quarterly-report-for-the-whole-team',
  'the task-force-Alpha-2024-planning-doc2 is ready',
  `a risk-${base62(40)} in a word`, // "sk-" inside a word
  'ghp_short and gho_ and ghs_12345',
  `ghp_${base62(35)}`, // one too short
  'github_pat_ is the prefix of fine-grained tokens',
  'AKIAIOSFODNN7EXAMPLE2', // 21 characters: not a key id
  'akiaiosfodnn7example',
  'XAKIAIOSFODNN7EXAMPLE',
  '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
  'sk-ant- and sk-proj- are prefixes; so is sk-',
];

describe('credential-shaped strings: masked whether the app knows them or not', () => {
  const r = new Redactor(); // knows no secret at all

  it.each(TOKENS)('%s', (_, token) => {
    expect(r.redact(`token=${token}`)).toBe('token=***');
    expect(r.redact(`Bearer ${token}\nnext line`)).toBe('Bearer ***\nnext line');
    expect(r.redact(JSON.stringify({ body: `"${token}"` }))).toBe(JSON.stringify({ body: '"***"' }));
  });

  it.each(LOOK_ALIKES)('leaves a look-alike alone: %s', (text) => {
    expect(r.redact(text)).toBe(text);
  });

  it('masks a PEM private key block whole, and leaves the text around it', () => {
    for (const kind of ['', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ']) {
      const pem = `-----BEGIN ${kind}PRIVATE KEY-----\n${pemBody.join('\n')}\n-----END ${kind}PRIVATE KEY-----`;
      expect(r.redact(`key:\n${pem}\ndone.`)).toBe('key:\n***\ndone.');
      // As JSON and .env files hold it: escaped line breaks, indented in YAML.
      expect(r.redact(`"${pem.replace(/\n/g, '\\n')}"`)).toBe('"***"');
      expect(r.redact(`key: |\n  ${pem.replace(/\n/g, '\n  ')}\nnext: 1`)).toBe('key: |\n  ***\nnext: 1');
    }
    const legacy = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C\n\n${pemBody[0]}\n-----END RSA PRIVATE KEY-----`;
    expect(r.redact(legacy)).toBe('***');
  });

  it('masks a PEM block cut short, as far as its body goes', () => {
    const cut = `-----BEGIN PRIVATE KEY-----\n${pemBody[0]}\n${pemBody[1]!.slice(0, 20)}`;
    expect(r.redact(`${cut}… (cut to fit)`)).toBe('***… (cut to fit)');
    expect(r.redact(`${cut}`)).toBe('***');
  });

  it('masks the start of a token cut short by a renderer, next to the cut mark', () => {
    expect(r.redact(`curl -H "Authorization: token ghp_${base62(12)}…`)).toBe('curl -H "Authorization: token ***…');
    expect(r.redact(`x-api-key: sk-ant-api03-${base62(10)}...`)).toBe('x-api-key: ***...');
    expect(r.redact(`ghp_${base62(12)} is not cut`)).toBe(`ghp_${base62(12)} is not cut`);
  });

  it('masks known secrets first, so a shape next to one cannot take a part of it and leave the rest', () => {
    const known = new Redactor();
    known.add('Known.Secret-Value-42');
    expect(known.redact(`ghp_${base62(40)}Known.Secret-Value-42`)).toBe('******');
  });

  it('leaves shapes in file contents when asked to (shapes: false), still masking known secrets', () => {
    const known = new Redactor();
    known.add('sk-ant-the-one-the-app-holds-0000');
    const fixture = `const fake = 'ghp_${base62(36)}'; const real = 'sk-ant-the-one-the-app-holds-0000';`;
    expect(known.redact(fixture, { shapes: false })).toBe(`const fake = 'ghp_${base62(36)}'; const real = '***';`);
    expect(known.redactValue({ tree: [{ content: fixture }] }, { shapes: false }).tree[0]!.content).toContain(
      `ghp_${base62(36)}`,
    );
  });

  it('masks inside null-prototype objects too (Octokit builds request bodies so, and Probot logs them)', () => {
    const body = Object.assign(Object.create(null) as Record<string, unknown>, { tree: [{ content: TOKENS[0]![1] }] });
    expect(new Redactor().redactValue(body)).toEqual({ tree: [{ content: '***' }] });
  });

  it('masks shapes in every string of a log line, message and fields', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: 'info', destination, redactor: new Redactor() });
    const [github, anthropic, aws] = [TOKENS[0]![1], TOKENS[6]![1], TOKENS[12]![1]];
    log.info({ output: `printed ${anthropic}`, nested: { list: [aws] } }, `the agent ran with ${github}`);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { msg: string; output: string; nested: { list: string[] } };
    expect(line).toMatchObject({ msg: 'the agent ran with ***', output: 'printed ***', nested: { list: ['***'] } });
  });
});

describe('credential shapes: linear on adversarial input', () => {
  const MB = 1024 * 1024;
  // A backtracking pattern takes minutes on a megabyte of these; linear ones take milliseconds.
  // The bound is generous so a loaded machine cannot fail it, and far below quadratic time.
  it.each([
    ['"sk-" repeated', 'sk-'],
    ['"sk-ant-" repeated', 'sk-ant-'],
    ['"sk-" with a body one short, repeated', `sk-${base62(19)} `],
    ['"ghp_a-" repeated (prefixes inside one run)', 'ghp_a-'],
    ['"ghp_" followed by underscores', 'ghp_a_'],
    ['"github_pat_" repeated', 'github_pat_'],
    ['"AKIA" repeated', 'AKIA'],
    ['PEM headers with no body', '-----BEGIN RSA PRIVATE KEY-----'],
    ['"-----BEGIN" with no PRIVATE KEY', '-----BEGIN '],
    ['a token start with no cut mark', `ghp_${base62(20)} `],
    ['cut marks after short pieces', 'sk-ant-abcdefgh…'],
  ])('%s', (_, unit) => {
    const text = unit.repeat(Math.ceil(MB / unit.length));
    const r = new Redactor();
    const started = performance.now();
    const out = r.redact(text);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(out.length).toBeGreaterThan(0);
  });

  it('one PEM block a megabyte long, line by line', () => {
    const text = `-----BEGIN PRIVATE KEY-----\n${`${pemBody[0]}\n`.repeat(MB / 64)}`;
    const started = performance.now();
    expect(new Redactor().redact(text)).toBe('***');
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
