import { describe, expect, it } from 'vitest';
import { claudeDriver, parseClaudeLine } from '../../src/agents/claude.js';
import { codexDriver, parseCodexLine } from '../../src/agents/codex.js';
import { drivers } from '../../src/agents/index.js';
import { finishOpenclaw, openclawDriver } from '../../src/agents/openclaw.js';
import { opencodeDriver, parseOpencodeLine } from '../../src/agents/opencode.js';
import type { AgentInput, McpServerSpec } from '../../src/agents/types.js';
import { parseRepoConfig } from '../../src/config/repo-config.js';
import { agentMcpServers, gatewaySettings } from '../../src/pipeline/mcp-servers.js';

const SECRET = 'Bearer docs-secret-value-0001';
const servers: McpServerSpec[] = [
  {
    name: 'docs',
    url: 'https://app.example.com/broker/mcp/docs',
    headers: [{ name: 'Authorization', env: 'ISSUE_AGENT_MCP_DOCS_1', value: SECRET }],
  },
  {
    name: 'e2b-gateway',
    url: 'https://50005-sbx.e2b.app/mcp',
    headers: [{ name: 'Authorization', env: 'ISSUE_AGENT_MCP_E2B_GATEWAY_1', value: 'Bearer gw-token' }],
  },
];
const DRIVERS = Object.values(drivers);
const input: AgentInput = {
  cwd: '/home/user/repo',
  promptFile: '/home/user/.issue-agent/prompt.md',
  stateDir: '/home/user/.issue-agent',
  mcp: servers,
};

describe('each agent registers the MCP servers in its own configuration', () => {
  it('Claude Code: an --mcp-config file of http servers whose headers name variables', () => {
    const files = claudeDriver.files(input, {});
    expect(files).toEqual([{ path: '/home/user/.issue-agent/claude-mcp.json', content: expect.any(String) }]);
    expect(JSON.parse(files[0]!.content)).toEqual({
      mcpServers: {
        docs: {
          type: 'http',
          url: 'https://app.example.com/broker/mcp/docs',
          headers: { Authorization: '${ISSUE_AGENT_MCP_DOCS_1}' },
        },
        'e2b-gateway': {
          type: 'http',
          url: 'https://50005-sbx.e2b.app/mcp',
          headers: { Authorization: '${ISSUE_AGENT_MCP_E2B_GATEWAY_1}' },
        },
      },
    });
    expect(claudeDriver.command(input)).toContain('--mcp-config /home/user/.issue-agent/claude-mcp.json');
    expect(claudeDriver.command({ ...input, mcp: [] })).not.toContain('--mcp-config');
    expect(claudeDriver.files({ ...input, mcp: [] }, {})).toEqual([]);
  });

  it('Codex: [mcp_servers.<name>] with url and env_http_headers in config.toml', () => {
    const toml = codexDriver.files(input, {}).find((f) => f.path.endsWith('config.toml'))!.content;
    expect(toml).toBe(
      [
        '# Written by issue-agent for one run. Keys stay in the environment.',
        '',
        '[mcp_servers."docs"]',
        'url = "https://app.example.com/broker/mcp/docs"',
        'env_http_headers = { "Authorization" = "ISSUE_AGENT_MCP_DOCS_1" }',
        '',
        '[mcp_servers."e2b-gateway"]',
        'url = "https://50005-sbx.e2b.app/mcp"',
        'env_http_headers = { "Authorization" = "ISSUE_AGENT_MCP_E2B_GATEWAY_1" }',
        '',
      ].join('\n'),
    );
  });

  it('OpenCode: remote entries under mcp in its inline config, headers as {env:NAME}', () => {
    const config = JSON.parse(opencodeDriver.env(input, {}).OPENCODE_CONFIG_CONTENT!) as { mcp: unknown };
    expect(config.mcp).toEqual({
      docs: {
        type: 'remote',
        url: 'https://app.example.com/broker/mcp/docs',
        enabled: true,
        headers: { Authorization: '{env:ISSUE_AGENT_MCP_DOCS_1}' },
      },
      'e2b-gateway': {
        type: 'remote',
        url: 'https://50005-sbx.e2b.app/mcp',
        enabled: true,
        headers: { Authorization: '{env:ISSUE_AGENT_MCP_E2B_GATEWAY_1}' },
      },
    });
  });

  it.each(DRIVERS.filter((d) => d.mcp).map((d) => [d.name, d] as const))(
    '%s: no file, variable or command line holds a header value',
    (_name, driver) => {
      const written = JSON.stringify([driver.files(input, {}), driver.env(input, {}), driver.command(input)]);
      expect(written).not.toContain(SECRET);
      expect(written).not.toContain('gw-token');
    },
  );

  it('OpenClaw: mcp.servers entries over streamable HTTP in its config, headers as ${VAR}', () => {
    const file = openclawDriver.files(input, {}).find((f) => f.path.endsWith('openclaw.json'))!;
    expect((JSON.parse(file.content) as { mcp: unknown }).mcp).toEqual({
      servers: {
        docs: {
          url: 'https://app.example.com/broker/mcp/docs',
          transport: 'streamable-http',
          headers: { Authorization: '${ISSUE_AGENT_MCP_DOCS_1}' },
        },
        'e2b-gateway': {
          url: 'https://50005-sbx.e2b.app/mcp',
          transport: 'streamable-http',
          headers: { Authorization: '${ISSUE_AGENT_MCP_E2B_GATEWAY_1}' },
        },
      },
    });
  });

  it('Amp takes none (the pipeline says so in the action log)', () => {
    expect(DRIVERS.filter((d) => !d.mcp).map((d) => d.name)).toEqual(['amp']);
  });
});

describe('MCP tool calls in the action log', () => {
  const assistant = (name: string) =>
    JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'tool_use', id: 't', name, input: { query: 'x' } }] },
    });

  it('Claude Code: mcp__<server>__<tool>', () => {
    expect(parseClaudeLine(assistant('mcp__docs__search'))).toEqual([
      { kind: 'tool', name: 'mcp', description: 'called docs.search' },
    ]);
    expect(parseClaudeLine(assistant('mcp__e2b-gateway__browserbase_navigate'))).toEqual([
      { kind: 'tool', name: 'mcp', description: 'called e2b-gateway.browserbase_navigate' },
    ]);
  });

  it('Claude Code: a server its init event lists as failed', () => {
    const init = JSON.stringify({
      type: 'system',
      subtype: 'init',
      session_id: 's1',
      mcp_servers: [
        { name: 'docs', status: 'failed' },
        { name: 'e2b-gateway', status: 'connected' },
        { name: 'other', status: 'needs-auth' },
      ],
    });
    expect(parseClaudeLine(init)).toEqual([
      { kind: 'session', sessionId: 's1' },
      { kind: 'tool', name: 'mcp', description: 'MCP server docs is unavailable (failed); continuing without it' },
      { kind: 'tool', name: 'mcp', description: 'MCP server other is unavailable (needs-auth); continuing without it' },
    ]);
  });

  it('Codex: an mcp_tool_call item', () => {
    const line = JSON.stringify({
      type: 'item.completed',
      item: { id: 'i', type: 'mcp_tool_call', server: 'docs', tool: 'search', status: 'completed' },
    });
    expect(parseCodexLine(line)).toEqual([{ kind: 'tool', name: 'mcp', description: 'called docs.search' }]);
  });

  it('OpenClaw: <server>__<tool> in its tool summary', () => {
    const doc = JSON.stringify({
      ok: true,
      status: 'ok',
      final: 'Done.',
      toolSummary: { tools: ['docs__search', 'tool_call'] },
    });
    expect(finishOpenclaw(doc, 0, '').filter((e) => e.kind === 'tool')).toEqual([
      { kind: 'tool', name: 'mcp', description: 'called docs.search' },
      { kind: 'tool', name: 'tool_call', description: 'used tool_call' },
    ]);
  });

  it('OpenCode: <server>_<tool> of a registered server', () => {
    const line = (tool: string, status = 'completed') =>
      JSON.stringify({ type: 'tool_use', sessionID: 's', part: { tool, state: { status, input: { query: 'x' } } } });
    const context = { cwd: '/home/user/repo', mcpServers: ['docs', 'e2b-gateway'] };
    expect(parseOpencodeLine(line('docs_search'), context)).toEqual([
      { kind: 'tool', name: 'mcp', description: 'called docs.search' },
    ]);
    expect(parseOpencodeLine(line('e2b-gateway_browserbase_navigate', 'error'), context)).toEqual([
      { kind: 'tool', name: 'mcp', description: 'called e2b-gateway.browserbase_navigate (failed)' },
    ]);
    // Not a registered server: a tool like any other.
    expect(parseOpencodeLine(line('apply_patch'), context)).toEqual([
      { kind: 'tool', name: 'apply_patch', description: 'applied a patch' },
    ]);
  });
});

describe('the servers a run gives its agent', () => {
  const parsed = parseRepoConfig(
    {
      mcp: {
        gateway: { browserbase: { apiKey: { env: 'BB_KEY' }, stealth: true } },
        remote: {
          docs: {
            url: 'https://mcp.example.com/mcp',
            headers: { Authorization: { env: 'DOCS_MCP_TOKEN', prefix: 'Bearer ' }, 'X-Client': 'issue-agent' },
          },
        },
      },
    },
    { allowedEnv: ['BB_KEY', 'DOCS_MCP_TOKEN'], sandboxProvider: 'e2b' },
  );
  const mcp = parsed.ok ? parsed.config.mcp : undefined;
  const env = { BB_KEY: 'bb-1', DOCS_MCP_TOKEN: 'docs-1' };

  it('fills the gateway settings for E2B', () => {
    expect(gatewaySettings(mcp, env)).toEqual({ browserbase: { apiKey: 'bb-1', stealth: true } });
    expect(gatewaySettings(undefined, env)).toBeUndefined();
    expect(() => gatewaySettings(mcp, {})).toThrow(
      "`mcp.gateway.browserbase.apiKey`: the app's variable BB_KEY is not set",
    );
  });

  it('with the broker: its endpoint and the capability, no configured value', () => {
    const specs = agentMcpServers({
      mcp,
      env,
      broker: (name) => ({ url: `https://app.example.com/broker/mcp/${name}`, authorization: 'Bearer iacap_x' }),
      gateway: { url: 'https://50005-sbx.e2b.app/mcp', token: 'gw' },
    });
    expect(specs).toEqual([
      {
        name: 'e2b-gateway',
        url: 'https://50005-sbx.e2b.app/mcp',
        headers: [{ name: 'Authorization', env: 'ISSUE_AGENT_MCP_E2B_GATEWAY_1', value: 'Bearer gw' }],
      },
      {
        name: 'docs',
        url: 'https://app.example.com/broker/mcp/docs',
        headers: [{ name: 'Authorization', env: 'ISSUE_AGENT_MCP_DOCS_1', value: 'Bearer iacap_x' }],
      },
    ]);
  });

  it('without the broker: the server itself and every header filled', () => {
    expect(agentMcpServers({ mcp, env })).toEqual([
      {
        name: 'docs',
        url: 'https://mcp.example.com/mcp',
        headers: [
          { name: 'Authorization', env: 'ISSUE_AGENT_MCP_DOCS_1', value: 'Bearer docs-1' },
          { name: 'X-Client', env: 'ISSUE_AGENT_MCP_DOCS_2', value: 'issue-agent' },
        ],
      },
    ]);
  });
});
