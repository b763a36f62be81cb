import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMcpServer, type FakeMcpServer } from '../fakes/mcp-server.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { claudeLines, happyGitHub, R, resetNock, startApp, statusEdits, type Harness } from './harness.js';

/**
 * A remote MCP server of the repository's config, end to end: the stand-in Claude Code reads
 * the `--mcp-config` file the app wrote and calls the server's tool the way the CLI does
 * (streamable HTTP, the header from the variable the file names). With the broker the call goes
 * through the app, which adds the secret; the sandbox never holds it.
 */

const DOCS_TOKEN = 'docs-mcp-secret-of-the-app-0042';

/** Shell for the stand-in: initialize and tools/call against the first server of its --mcp-config file. */
const CALL_THE_TOOL = `
cfg=$(printf '%s\\n' "$@" | awk 'f{print;exit} $0=="--mcp-config"{f=1}')
cp "$cfg" "$rec/mcp.json"
node -e '
const cfg = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const [name, server] = Object.entries(cfg.mcpServers)[0];
const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
for (const [h, v] of Object.entries(server.headers)) headers[h] = v.replace(/\\$\\{(\\w+)\\}/g, (_, n) => process.env[n] ?? "");
const post = async (body, session) => {
  const res = await fetch(server.url, { method: "POST", headers: { ...headers, ...(session && { "mcp-session-id": session }) }, body: JSON.stringify(body) });
  return { status: res.status, session: res.headers.get("mcp-session-id"), text: await res.text() };
};
(async () => {
  const init = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "stand-in" } } });
  await post({ jsonrpc: "2.0", method: "notifications/initialized" }, init.session);
  const call = await post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "search", arguments: { query: "pager" } } }, init.session);
  require("fs").writeFileSync(process.argv[2], name + " " + call.status + " " + call.text);
})();
' "$cfg" "$rec/mcp-call"
`;

/** Claude Code's stream: the MCP tool call, then the usual lines. */
function linesWithMcpCall(): string[] {
  const [init, ...rest] = claudeLines('Done.');
  const call = JSON.stringify({
    type: 'assistant',
    message: {
      content: [{ type: 'tool_use', id: 'm1', name: 'mcp__docs__search', input: { query: 'pager' } }],
      usage: { input_tokens: 5, output_tokens: 5 },
    },
    session_id: 'sess-123',
  });
  return [init!, call, ...rest];
}

const configYaml = (url: string, variable = 'DOCS_MCP_TOKEN') =>
  [
    'mcp:',
    '  remote:',
    '    docs:',
    `      url: ${url}`,
    `      headers: { Authorization: { env: ${variable}, prefix: 'Bearer ' } }`,
    '',
  ].join('\n');

let h: Harness | undefined;
let mcp: FakeMcpServer | undefined;
beforeEach(resetNock);
afterEach(async () => {
  resetNock();
  await h?.close();
  await mcp?.close();
  h = mcp = undefined;
});

async function start(broker: boolean): Promise<Harness> {
  mcp = await startFakeMcpServer({ authorization: `Bearer ${DOCS_TOKEN}` });
  h = await startApp(
    { writes: { 'a.txt': 'b\n' }, extra: CALL_THE_TOOL, lines: linesWithMcpCall() },
    {
      broker,
      env: { DOCS_MCP_TOKEN: DOCS_TOKEN, MCP_ALLOWED_ENV: 'DOCS_MCP_TOKEN' },
      appEnv: { MCP_ALLOWED_ENV: 'DOCS_MCP_TOKEN' },
    },
  );
  return h;
}

async function trigger(app: Harness, cloneUrl: string): Promise<void> {
  await app.probot.receive({
    id: 'd1',
    name: 'issue_comment',
    payload: commentPayload('/agent fix it', { cloneUrl }) as never,
  });
  await app.app.idle();
}

const recorded = (app: Harness, file: string) => readFileSync(join(app.agentBin, 'record', file), 'utf8');
const configFile = (yaml: string) => ({
  [`GET ${R}/contents/.github%2Fissue-agent.yml`]: () => [200, yaml] as [number, unknown],
});

describe('MCP servers of the repository config', () => {
  it('with the broker: the agent calls the tool through the app, which adds the secret', async () => {
    const app = await start(true);
    const gh = happyGitHub(configFile(configYaml(mcp!.url)));
    await trigger(app, makeRemote({ 'a.txt': 'a\n' }).url);

    expect(recorded(app, 'mcp-call')).toMatch(
      /^docs 200 \{"jsonrpc":"2.0","id":2,"result":\{"content":\[\{"type":"text","text":"found: the docs"/,
    );
    expect(mcp!.calls).toEqual([{ name: 'search', arguments: { query: 'pager' } }]);
    // The server saw the app's secret; the sandbox saw only the broker and its capability.
    expect(mcp!.requests.every((r) => r.headers.authorization === `Bearer ${DOCS_TOKEN}`)).toBe(true);
    const file = JSON.parse(recorded(app, 'mcp.json')) as unknown;
    expect(file).toEqual({
      mcpServers: {
        docs: {
          type: 'http',
          url: `${app.brokerUrl}/broker/mcp/docs`,
          headers: { Authorization: '${ISSUE_AGENT_MCP_DOCS_1}' },
        },
      },
    });
    const env = recorded(app, 'env');
    expect(env).not.toContain(DOCS_TOKEN);
    expect(env).toMatch(/^ISSUE_AGENT_MCP_DOCS_1=Bearer iacap_\S+$/m);

    const final = statusEdits(gh).at(-1)!;
    expect(final).toContain('✅ Opened pull request #42');
    expect(final).toContain('called docs.search');
  });

  it('without the broker: the agent gets the server itself and the header value in its environment', async () => {
    const app = await start(false);
    const gh = happyGitHub(configFile(configYaml(mcp!.url)));
    await trigger(app, makeRemote({ 'a.txt': 'a\n' }).url);

    expect(mcp!.calls).toEqual([{ name: 'search', arguments: { query: 'pager' } }]);
    const file = JSON.parse(recorded(app, 'mcp.json')) as { mcpServers: { docs: { url: string } } };
    expect(file.mcpServers.docs.url).toBe(mcp!.url);
    expect(recorded(app, 'mcp.json')).not.toContain(DOCS_TOKEN);
    expect(recorded(app, 'env')).toContain(`ISSUE_AGENT_MCP_DOCS_1=Bearer ${DOCS_TOKEN}\n`);
    expect(app.logLines.join('\n')).toContain("NO BROKER: the MCP servers' secret headers enter the sandbox");
    expect(statusEdits(gh).at(-1)).toContain('✅ Opened pull request #42');
  });

  it('refuses a config naming a variable the app does not allow, naming the field; no run', async () => {
    const app = await start(true);
    const gh = happyGitHub(configFile(configYaml(mcp!.url, 'GITHUB_TOKEN')));
    await trigger(app, makeRemote({ 'a.txt': 'a\n' }).url);

    const replies = gh.bodiesOf('POST', `${R}/issues/1/comments`) as { body: string }[];
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain(
      '- `mcp.remote.docs.headers.Authorization.env`: `GITHUB_TOKEN` is not one of the variables this app allows for MCP servers (its `MCP_ALLOWED_ENV`: `DOCS_MCP_TOKEN`)',
    );
    expect(mcp!.requests).toEqual([]);
  });

  it('fails the run before a sandbox starts when an allowed variable is not set', async () => {
    const app = await start(true);
    delete app.agentEnv.DOCS_MCP_TOKEN;
    const gh = happyGitHub(configFile(configYaml(mcp!.url)));
    await trigger(app, makeRemote({ 'a.txt': 'a\n' }).url);

    expect(statusEdits(gh).at(-1)).toMatch(
      /❌ .*`mcp\.remote\.docs\.headers\.Authorization` names the app's variable `DOCS_MCP_TOKEN`, which is not set/,
    );
    expect(mcp!.requests).toEqual([]);
  });
});
