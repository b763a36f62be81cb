import { describe, expect, it } from 'vitest';
import { mcpEnvProblems, resolveValue, type McpPolicy } from '../../src/config/mcp-config.js';
import { parseRepoConfig } from '../../src/config/repo-config.js';

const E2B: McpPolicy = { allowedEnv: ['DOCS_MCP_TOKEN', 'BROWSERBASE_API_KEY'], sandboxProvider: 'e2b' };
const LOCAL: McpPolicy = { ...E2B, sandboxProvider: 'local' };

const docs = {
  url: 'https://mcp.example.com/mcp',
  headers: { Authorization: { env: 'DOCS_MCP_TOKEN', prefix: 'Bearer ' }, 'X-Client': 'issue-agent' },
};

describe('mcp in the repository config', () => {
  it('reads gateway and remote servers whose variables the app allows', () => {
    const mcp = {
      gateway: { browserbase: { apiKey: { env: 'BROWSERBASE_API_KEY' }, stealth: true } },
      remote: { docs },
    };
    expect(parseRepoConfig({ mcp }, E2B)).toMatchObject({ ok: true, config: { mcp } });
  });

  it('fills in empty sections and leaves no mcp when the file has none', () => {
    expect(parseRepoConfig({ mcp: {} }, E2B)).toMatchObject({ ok: true, config: { mcp: { gateway: {}, remote: {} } } });
    const none = parseRepoConfig({}, E2B);
    expect(none.ok && none.config.mcp).toBeUndefined();
  });

  it('accepts http on loopback with the local provider (development)', () => {
    const mcp = { remote: { dev: { url: 'http://127.0.0.1:8931/mcp' } } };
    expect(parseRepoConfig({ mcp }, LOCAL)).toMatchObject({ ok: true });
  });

  it.each<[string, unknown, McpPolicy, string[]]>([
    [
      'a variable the app does not allow',
      { remote: { docs: { ...docs, headers: { Authorization: { env: 'GITHUB_TOKEN' } } } } },
      E2B,
      [
        '`mcp.remote.docs.headers.Authorization.env`: `GITHUB_TOKEN` is not one of the variables this app allows for MCP servers (its `MCP_ALLOWED_ENV`: `DOCS_MCP_TOKEN`, `BROWSERBASE_API_KEY`)',
      ],
    ],
    [
      'any variable when the app allows none',
      { gateway: { browserbase: { apiKey: { env: 'BROWSERBASE_API_KEY' } } } },
      { allowedEnv: [], sandboxProvider: 'e2b' },
      [
        '`mcp.gateway.browserbase.apiKey.env`: `BROWSERBASE_API_KEY` is not one of the variables this app allows for MCP servers (its `MCP_ALLOWED_ENV` is empty)',
      ],
    ],
    [
      'plain http',
      { remote: { docs: { url: 'http://mcp.example.com/mcp' } } },
      LOCAL,
      ['`mcp.remote.docs.url`: must be https (got `http://mcp.example.com/mcp`)'],
    ],
    [
      'http on loopback with E2B',
      { remote: { dev: { url: 'http://localhost:8931/mcp' } } },
      E2B,
      [
        '`mcp.remote.dev.url`: must be https: plain http is allowed only on a loopback host with the `local` sandbox provider (development)',
      ],
    ],
    [
      'credentials in the URL',
      { remote: { docs: { url: 'https://user:secret@mcp.example.com/mcp' } } },
      E2B,
      ['`mcp.remote.docs.url`: must not hold a user name or password; put credentials in `headers`'],
    ],
    [
      'the gateway with the local provider',
      { gateway: { browserbase: { stealth: true } } },
      LOCAL,
      [
        "`mcp.gateway`: E2B's MCP gateway runs only in E2B sandboxes, and this app runs agents with the `local` sandbox provider; use `mcp.remote` instead",
      ],
    ],
    [
      'a misspelt key of a remote server',
      { remote: { docs: { url: docs.url, header: {} } } },
      E2B,
      ['`mcp.remote.docs.header`: unknown setting (did you mean `headers`?)'],
    ],
    [
      'an unknown section',
      { servers: {} },
      E2B,
      ['`mcp.servers`: unknown setting (expected one of `gateway`, `remote`)'],
    ],
    [
      'a misspelt key of a secret',
      { remote: { docs: { url: docs.url, headers: { Authorization: { env: 'DOCS_MCP_TOKEN', prefx: 'Bearer ' } } } } },
      E2B,
      ['`mcp.remote.docs.headers.Authorization.prefx`: unknown setting (did you mean `prefix`?)'],
    ],
    [
      'a server name with `_`',
      { remote: { my_docs: { url: docs.url } } },
      E2B,
      [
        '`mcp.remote.my_docs`: must start with a letter and hold only letters, digits and `-` (at most 40 characters) (got `my_docs`)',
      ],
    ],
    [
      'a header the app sets itself',
      { remote: { docs: { url: docs.url, headers: { 'Mcp-Session-Id': 'x' } } } },
      E2B,
      ['`mcp.remote.docs.headers.Mcp-Session-Id`: is set by the app itself and cannot be configured'],
    ],
    [
      'a URL that is not http(s)',
      { remote: { docs: { url: 'ftp://mcp.example.com' } } },
      E2B,
      ['`mcp.remote.docs.url`: must be an https URL, e.g. https://mcp.example.com/mcp'],
    ],
    [
      'a remote server without a URL',
      { remote: { docs: { headers: {} } } },
      E2B,
      ['`mcp.remote.docs.url`: is required'],
    ],
  ])('refuses %s, naming the field', (_name, mcp, policy, errors) => {
    expect(parseRepoConfig({ mcp }, policy)).toEqual({ ok: false, errors });
  });

  it('refuses every variable by default (no policy given)', () => {
    expect(parseRepoConfig({ mcp: { remote: { docs } } }).ok).toBe(false);
  });
});

describe('mcpEnvProblems', () => {
  const parsed = parseRepoConfig(
    { mcp: { gateway: { browserbase: { apiKey: { env: 'BROWSERBASE_API_KEY' } } }, remote: { docs } } },
    E2B,
  );
  const mcp = parsed.ok ? parsed.config.mcp! : undefined;

  it('is empty when every variable is allowed and set', () => {
    const env = {
      MCP_ALLOWED_ENV: 'DOCS_MCP_TOKEN, BROWSERBASE_API_KEY',
      DOCS_MCP_TOKEN: 't',
      BROWSERBASE_API_KEY: 'k',
    };
    expect(mcpEnvProblems(mcp!, env)).toEqual([]);
  });

  it('names unset and not allowed variables with their fields', () => {
    const env = { MCP_ALLOWED_ENV: 'DOCS_MCP_TOKEN', DOCS_MCP_TOKEN: '' };
    expect(mcpEnvProblems(mcp!, env)).toEqual([
      { field: 'mcp.gateway.browserbase.apiKey', variable: 'BROWSERBASE_API_KEY', problem: 'not-allowed' },
      { field: 'mcp.remote.docs.headers.Authorization', variable: 'DOCS_MCP_TOKEN', problem: 'unset' },
    ]);
  });
});

describe('resolveValue', () => {
  it('fills a reference with its prefix and leaves plain values alone', () => {
    expect(resolveValue({ env: 'T', prefix: 'Bearer ' }, { T: 'abc' })).toBe('Bearer abc');
    expect(resolveValue('plain', {})).toBe('plain');
    expect(() => resolveValue({ env: 'T' }, {})).toThrow("the app's variable T is not set");
  });
});
