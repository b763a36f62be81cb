import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeE2B, type FakeE2B } from '../fakes/e2b-server/index.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-server.js';
import { deliver, startAppProcess, waitFor } from '../helpers/app-process.js';
import { fakeAgentBin } from '../helpers/fake-agent.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { freePort, privateKey } from '../helpers/probot.js';
import { API_KEY, claudeLines, happyRoutes, R } from './harness.js';

/**
 * SANDBOX_PROVIDER=e2b as an operator sets it: the real app process (src/main.ts) picks the E2B
 * provider from its environment and sweeps for orphans at start; the real `e2b` SDK reaches the
 * local E2B stand-in through the SDK's own E2B_API_URL / E2B_SANDBOX_URL.
 */
const SECRET = 'e2b-main-secret';

describe('the app process with SANDBOX_PROVIDER=e2b', () => {
  let gh: FakeGitHub | undefined;
  let e2b: FakeE2B | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await gh?.close();
    await e2b?.close();
  });

  it('runs a `/agent` comment to a PR in an E2B sandbox it kills at the end, after sweeping its tagged sandboxes at start', async () => {
    gh = await startFakeGitHub(happyRoutes());
    const bin = fakeAgentBin('claude', { writes: { 'a.txt': 'b\n' }, lines: claudeLines('Done.') });
    e2b = await startFakeE2B({ templates: ['claude'], pathPrefix: [bin] });
    const port = await freePort();
    const app = await startAppProcess({
      APP_ID: '1',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      SANDBOX_PROVIDER: 'e2b',
      E2B_API_KEY: e2b.apiKey,
      E2B_API_URL: e2b.apiUrl,
      E2B_SANDBOX_URL: e2b.sandboxUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-e2b-main-')),
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: gh.host,
      GHE_PROTOCOL: 'http',
      ANTHROPIC_API_KEY: API_KEY,
    });
    child = app.child;
    expect(app.output()).not.toMatch(/UNISOLATED/);

    // The orphan sweep at start lists this app's sandboxes (by its app tag) with the key given.
    const lists = () =>
      e2b!.requests.filter((r) => r.plane === 'api' && r.method === 'GET' && r.path.startsWith('/v2/sandboxes'));
    await waitFor('the orphan sweep at start', () => lists().length > 0);
    expect(decodeURIComponent(lists()[0]!.path)).toContain('app=1');
    expect(lists()[0]!.headers['x-api-key']).toBe(e2b.apiKey);

    expect(
      await deliver(
        port,
        SECRET,
        commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url }),
        'e2b-1',
      ),
    ).toBe(200);
    await waitFor('the final status', () =>
      (gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).some((b) =>
        /Opened pull request #42/.test(b.body),
      ),
    );

    const creates = e2b.requests.filter((r) => r.plane === 'api' && r.method === 'POST' && r.path === '/v2/sandboxes');
    expect(creates.map((c) => (c.body as { templateID: string }).templateID)).toEqual(['claude']);
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      expect.objectContaining({ tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'b\n' }] }),
    ]);
    await waitFor('the sandbox to be killed', () => e2b!.sandboxes().length === 0);
  }, 60_000);
});
