import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { E2BSandboxProvider } from '../../src/sandbox/e2b.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { SandboxError } from '../../src/sandbox/types.js';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { providerFor, spec } from './e2b-helpers.js';

/** E2B's MCP gateway through the real SDK and our provider, against the local E2B stand-in. */

let fake: FakeE2B;
let provider: E2BSandboxProvider;

beforeAll(async () => {
  fake = await startFakeE2B();
  provider = providerFor(fake);
});
afterAll(() => fake.close());

const servers = { browserbase: { apiKey: 'bb-secret-value', projectId: 'proj-1', stealth: true } };

describe("E2B's MCP gateway", () => {
  it('is started with the servers, and its URL and token are read back', async () => {
    const sandbox = await provider.create(spec({ mcp: servers }));
    try {
      const create = fake.requests.findLast((r) => r.plane === 'api' && r.path === '/v2/sandboxes');
      expect(create?.body).toMatchObject({ mcp: servers });
      const started = fake.sandbox(sandbox.id)?.mcpGateway;
      expect(started?.config).toEqual(servers);
      const gateway = await sandbox.mcpGateway?.();
      expect(gateway).toEqual({ url: `https://50005-${sandbox.id}.e2b.app/mcp`, token: started?.token });
      expect(gateway?.token).toMatch(/^[0-9a-f-]{36}$/);

      // A sandbox connected again (a resumed follow-up) reads the token the gateway keeps.
      const again = await provider.connect(sandbox.id);
      expect(await again.mcpGateway?.()).toEqual(gateway);
    } finally {
      await sandbox.kill();
    }
  });

  it('is not started without servers', async () => {
    const sandbox = await provider.create(spec());
    try {
      const create = fake.requests.findLast((r) => r.plane === 'api' && r.path === '/v2/sandboxes');
      expect(create?.body).not.toHaveProperty('mcp');
      expect(fake.sandbox(sandbox.id)?.mcpGateway).toBeUndefined();
      expect(await sandbox.mcpGateway?.()).toBeUndefined();
    } finally {
      await sandbox.kill();
    }
  });

  it('is refused by the local provider', async () => {
    await expect(new LocalSandboxProvider().create(spec({ mcp: servers }))).rejects.toThrow(
      new SandboxError(
        "E2B's MCP gateway (`mcp.gateway`) runs only in E2B sandboxes; the local provider cannot start it (use `mcp.remote`)",
      ),
    );
  });
});
