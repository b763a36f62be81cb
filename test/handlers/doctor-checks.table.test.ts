import { describe, expect, it } from 'vitest';
import { parseRepoConfig, type RepoConfig } from '../../src/config/repo-config.js';
import {
  allows,
  doctorChecks,
  renderDoctor,
  setupRegistries,
  type CheckLine,
  type DoctorFacts,
} from '../../src/handlers/doctor-checks.js';

function config(raw: Record<string, unknown>): RepoConfig {
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.config;
}

const REPO_FILE = { name: 'acme/widgets:.github/issue-agent.yml', found: true };

/** A healthy E2B installation through the broker, for one agent; each case changes one fact. */
function facts(
  overrides: Partial<DoctorFacts> = {},
  raw: Record<string, unknown> = { agents: ['claude'] },
): DoctorFacts {
  return {
    config: { ok: true, config: config(raw) },
    sources: [REPO_FILE],
    env: { ANTHROPIC_API_KEY: 'sk-ant-x' },
    provider: 'e2b',
    e2bKey: true,
    templates: { claude: true },
    brokerUrl: 'https://agent.example.com',
    brokerHealth: 'ok',
    gitHost: 'github.com',
    ...overrides,
  };
}

const lines = (f: DoctorFacts) => doctorChecks(f);
const find = (f: DoctorFacts, part: string): CheckLine | undefined => lines(f).find((l) => l.text.includes(part));

describe('doctorChecks', () => {
  describe('MCP servers', () => {
    const raw = {
      agents: ['claude'],
      mcp: {
        remote: { docs: { url: 'https://mcp.example.com/mcp', headers: { Authorization: { env: 'DOCS_TOKEN' } } } },
      },
    };
    // The config as the app parsed it (DOCS_TOKEN allowed then); the environment of the doctor's run varies.
    const parsed = parseRepoConfig(raw, { allowedEnv: ['DOCS_TOKEN'], sandboxProvider: 'e2b' });
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const withMcp = (env: Record<string, string>) =>
      facts({ config: { ok: true, config: parsed.config }, env: { ANTHROPIC_API_KEY: 'sk-ant-x', ...env } });

    it('every variable allowed and set: one line that says so', () => {
      expect(find(withMcp({ MCP_ALLOWED_ENV: 'DOCS_TOKEN', DOCS_TOKEN: 't' }), 'MCP')).toEqual({
        level: 'ok',
        text: 'MCP servers `docs`: every variable they name is set.',
      });
    });

    it.each([
      ['unset', { MCP_ALLOWED_ENV: 'DOCS_TOKEN' }, /`DOCS_TOKEN`, which is not set where the app runs/],
      ['no longer allowed', { DOCS_TOKEN: 't' }, /`DOCS_TOKEN`, which is not in the app's `MCP_ALLOWED_ENV`/],
    ])('a variable %s: a failing line naming the field and the variable', (_, env, text) => {
      const line = find(withMcp(env), 'MCP');
      expect(line?.level).toBe('fail');
      expect(line?.text).toMatch(text);
      expect(line?.text).toContain('`mcp.remote.docs.headers.Authorization`');
    });

    it('no MCP servers: no MCP line', () => {
      expect(find(facts(), 'MCP')).toBeUndefined();
    });
  });

  it('a healthy installation: every line passes', () => {
    expect(lines(facts())).toEqual([
      { level: 'ok', text: 'Configuration is valid (read from `acme/widgets:.github/issue-agent.yml`).' },
      { level: 'ok', text: "`claude`: key set; the CLI's default model." },
      { level: 'ok', text: '`SANDBOX_PROVIDER` is `e2b` and `E2B_API_KEY` is set.' },
      { level: 'ok', text: "`claude`'s E2B template `claude` exists." },
      { level: 'ok', text: 'Network: unrestricted (no `network.allowOut`), so every host is reachable.' },
      { level: 'ok', text: 'Broker: `https://agent.example.com` answers its health check (fetched from the app).' },
    ]);
  });

  it.each<[string, DoctorFacts, string, CheckLine['level'], string | undefined]>([
    [
      'no config file anywhere',
      facts({
        sources: [
          { ...REPO_FILE, found: false },
          { name: 'acme/.github:.github/issue-agent.yml', found: false },
        ],
      }),
      'Configuration',
      'ok',
      undefined,
    ],
    [
      'config extended',
      facts({
        sources: [REPO_FILE, { name: 'acme/.github:.github/base.yml', found: true }],
      }),
      'extending `acme/.github:.github/base.yml`',
      'ok',
      undefined,
    ],
    [
      'config invalid',
      facts({ config: { ok: false, errors: ['`timeoutMinutes`: must be at least 1 (got `0`)'] } }),
      'Configuration is invalid',
      'fail',
      'correct `.github/issue-agent.yml` on the default branch (or the file its `_extends` names).',
    ],
    [
      'key missing',
      facts({ env: {} }),
      '`claude`: the app has no `ANTHROPIC_API_KEY` or `ANTHROPIC_AUTH_TOKEN` set.',
      'fail',
      'whoever runs the app sets it, or remove `claude` from `agents`.',
    ],
    [
      'model known',
      facts({}, { agents: ['claude'], model: { claude: 'claude-sonnet-4-5-20250929' } }),
      'model `claude-sonnet-4-5-20250929` known',
      'ok',
      undefined,
    ],
    [
      'model priced by the repository',
      facts(
        {},
        { agents: ['claude'], model: { claude: 'my-model' }, pricing: { 'my-model': { input: 1, output: 2 } } },
      ),
      'model `my-model` known',
      'ok',
      undefined,
    ],
    [
      'model unknown',
      facts({}, { agents: ['claude'], model: { claude: 'claude-sonnet-9' } }),
      'the model `claude-sonnet-9` is not in the price table',
      'warn',
      'check the name, or give its price in `pricing`.',
    ],
    [
      'model the agent cannot run',
      facts({}, { agent: 'openclaw', agents: ['openclaw'], model: { openclaw: 'openai/gpt-5' } }),
      '`openclaw` with the model `openai/gpt-5`',
      'fail',
      'change `model.openclaw`.',
    ],
    [
      'local provider',
      facts({ provider: 'local', templates: undefined }),
      '`SANDBOX_PROVIDER` is `local`',
      'warn',
      'in production set `SANDBOX_PROVIDER=e2b` and `E2B_API_KEY`.',
    ],
    [
      'no E2B key',
      facts({ e2bKey: false, templates: undefined }),
      '`E2B_API_KEY` is not set',
      'fail',
      'whoever runs the app sets `E2B_API_KEY`.',
    ],
    [
      'template missing',
      facts({ templates: { claude: false } }),
      "`claude`'s E2B template `claude` does not exist",
      'fail',
      'build it (`npm run templates:build -- claude`, docs/e2b.md) or correct `templates.claude`.',
    ],
    [
      'own template missing',
      facts({ templates: { 'my-claude': false } }, { agents: ['claude'], templates: { claude: 'my-claude' } }),
      "`claude`'s E2B template `my-claude` does not exist",
      'fail',
      'build it (`npm run templates:build -- claude --name my-claude`, docs/e2b.md) or correct `templates.claude`.',
    ],
    [
      'template lookup failed',
      facts({ templates: { claude: 'E2B rejected the API key: check E2B_API_KEY' } }),
      'could not be looked up: E2B rejected the API key',
      'warn',
      undefined,
    ],
    [
      'no PUBLIC_URL',
      facts({ brokerUrl: undefined, brokerHealth: undefined }),
      'Broker: no `PUBLIC_URL`',
      'warn',
      'whoever runs the app sets `PUBLIC_URL` to the address sandboxes reach it at.',
    ],
    [
      'broker not answering',
      facts({ brokerHealth: 'HTTP 502' }),
      '`https://agent.example.com`/healthz did not answer the app (HTTP 502)',
      'warn',
      '`PUBLIC_URL` must be the address at which E2B sandboxes reach this app over the internet.',
    ],
    [
      'local provider reaches the broker on loopback',
      facts({ provider: 'local', brokerUrl: 'http://127.0.0.1:3000', brokerHealth: undefined }),
      'Broker: sandboxes reach the app at `http://127.0.0.1:3000` (local provider).',
      'ok',
      undefined,
    ],
  ])('%s', (_name, f, part, level, fix) => {
    const line = find(f, part);
    expect(line).toBeDefined();
    expect(line!.level).toBe(level);
    expect(line!.fix).toBe(fix);
  });

  it('an invalid config is the only config-dependent line', () => {
    const f = facts({ config: { ok: false, errors: ['x'] } });
    expect(lines(f).map((l) => l.text.split(':')[0])).toEqual([
      'Configuration is invalid (read from `acme/widgets',
      '`SANDBOX_PROVIDER` is `e2b` and `E2B_API_KEY` is set.',
      'Broker',
    ]);
  });
});

describe('network checks', () => {
  const net = (allowOut: string[], extra: Record<string, unknown> = {}, over: Partial<DoctorFacts> = {}) =>
    lines(facts(over, { agents: ['claude'], network: { allowOut }, ...extra })).filter((l) =>
      l.text.startsWith('Network'),
    );

  it('through the broker, git and the model need only the app’s host', () => {
    expect(net(['agent.example.com'])).toEqual([
      { level: 'ok', text: 'Network: `agent.example.com` allowed (git, `claude`).' },
    ]);
  });

  it('without the broker, the model API and GitHub (or the GHE host) are needed', () => {
    const f = { brokerUrl: undefined, gitHost: 'ghe.example.com' };
    expect(net(['api.anthropic.com'], {}, f)).toEqual([
      {
        level: 'fail',
        text: 'Network: `ghe.example.com` is not in `network.allowOut`, and git needs it.',
        fix: 'add `ghe.example.com` to `network.allowOut`.',
      },
      { level: 'ok', text: 'Network: `api.anthropic.com` allowed (`claude`).' },
    ]);
  });

  it('a base URL moves the model host; Amp always needs its own server', () => {
    const f = {
      brokerUrl: undefined,
      env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'https://llm.corp.example/v1', AMP_API_KEY: 'a' },
      templates: { claude: true, amp: true },
    };
    const out = lines(
      facts(f, { agents: ['claude', 'amp'], network: { allowOut: ['github.com', 'llm.corp.example'] } }),
    )
      .filter((l) => l.text.startsWith('Network'))
      .map((l) => [l.level, l.text.split(' is ')[0]!.split(' allowed')[0]]);
    expect(out).toEqual([
      ['ok', 'Network: `github.com`'],
      ['ok', 'Network: `llm.corp.example`'],
      ['fail', 'Network: `ampcode.com`'],
    ]);
  });

  it('the setup commands need their registries', () => {
    const out = net(['agent.example.com', 'registry.npmjs.org', 'pypi.org'], {
      setup: ['npm ci', 'python3 -m pip install -r requirements.txt'],
    });
    expect(out.map((l) => [l.level, l.text])).toEqual([
      ['ok', 'Network: `agent.example.com` allowed (git, `claude`).'],
      ['ok', 'Network: `registry.npmjs.org` allowed (setup (npm)).'],
      ['ok', 'Network: `pypi.org` allowed (setup (pip)).'],
      ['fail', 'Network: `files.pythonhosted.org` is not in `network.allowOut`, and setup (pip) needs it.'],
    ]);
  });
});

describe('setupRegistries', () => {
  it.each<[string[], string[]]>([
    [['npm ci'], ['npm']],
    [['pnpm install --frozen-lockfile', 'yarn build'], ['npm']],
    [['CI=1 npx playwright install'], ['npm']],
    [['pip install -r requirements.txt'], ['pip']],
    [['python -m pip install .'], ['pip']],
    [['poetry install && uv sync'], ['pip']],
    [['cargo fetch'], ['cargo']],
    [['go mod download'], ['go']],
    [['/usr/local/go/bin/go build ./...'], ['go']],
    [['npm ci; cargo build | tee log'], ['npm', 'cargo']],
    [['echo go npm cargo pip'], []],
    [['make setup'], []],
    [['sudo npm ci'], ['npm']],
  ])('%j uses %j', (commands, names) => {
    expect(setupRegistries(commands).map((r) => r.name)).toEqual(names);
  });
});

describe('allows', () => {
  it.each<[string[], string, boolean]>([
    [['github.com'], 'github.com', true],
    [['GitHub.com'], 'github.com', true],
    [['github.com'], 'api.github.com', false],
    [['*.example.com'], 'agent.example.com', true],
    [['*.example.com'], 'example.com', false],
    [['10.0.0.0/8'], '10.2.3.4', true],
    [['10.0.0.0/8'], '11.2.3.4', false],
    [['127.0.0.1'], '127.0.0.1', true],
    [['0.0.0.0/0'], '8.8.8.8', true],
    [['10.0.0.0/8'], 'example.com', false],
  ])('%j allows %s: %s', (allowOut, host, expected) => {
    expect(allows(allowOut, host)).toBe(expected);
  });
});

describe('renderDoctor', () => {
  it('heads the list with the verdict and gives each line its mark and fix', () => {
    expect(
      renderDoctor([
        { level: 'ok', text: 'A.' },
        { level: 'warn', text: 'B.', fix: 'do b.' },
        { level: 'fail', text: 'C.', fix: 'do c.' },
      ]),
    ).toBe(
      [
        '**issue-agent doctor**: 1 problem to fix before runs can work, 1 warning.',
        '',
        '- ✅ A.',
        '- ⚠️ B. **Fix:** do b.',
        '- ❌ C. **Fix:** do c.',
        '',
        'No agent was started.',
      ].join('\n'),
    );
    expect(renderDoctor([{ level: 'ok', text: 'A.' }])).toMatch(
      /^\*\*issue-agent doctor\*\*: everything checked is in order\./,
    );
    expect(renderDoctor([{ level: 'warn', text: 'A.' }])).toMatch(/runs can start; 1 warning\./);
  });
});
