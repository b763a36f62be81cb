import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubMock, type Handler } from '../helpers/github-mock.js';
import { commentPayload, labeledPayload, pushPayload } from '../helpers/payloads.js';
import { happyRoutes, jobsCreated, OWNER, R, resetNock, startApp, type Harness } from './harness.js';

const cloneUrl = 'https://github.com/Codertocat/Hello-World.git';
const CONFIG = `GET ${R}/contents/.github%2Fissue-agent.yml`;
const ORG_CONFIG = `GET /repos/${OWNER}/.github/contents/.github%2Fissue-agent.yml`;
const PERMISSION = `GET ${R}/collaborators/Codertocat/permission`;
const TOKEN = 'POST /app/installations/1/access_tokens';
const CONFIG_PATH = '.github/issue-agent.yml';

/** Routes that answer the config reads only: any other call (the permission, say) fails the test. */
function configOnly(repoFile?: string): Record<string, Handler> {
  const routes = happyRoutes();
  return {
    [TOKEN]: routes[TOKEN]!,
    [CONFIG]: () =>
      repoFile === undefined ? [404, { message: 'Not Found' }] : [200, repoFile, { 'content-type': 'text/plain' }],
    [ORG_CONFIG]: routes[ORG_CONFIG]!,
  };
}

/** The GitHub calls `send` makes, with nock refusing every call but the config reads. */
async function callsOf(send: () => Promise<void>, repoFile?: string): Promise<string[]> {
  resetNock();
  const gh = githubMock(configOnly(repoFile));
  await send();
  return gh.lines();
}

let delivery = 0;
const label = (h: Harness, name: string) => () =>
  h.probot.receive({ id: `d${++delivery}`, name: 'issues', payload: labeledPayload(name, { cloneUrl }) as never });
const comment = (h: Harness, body: string) => () =>
  h.probot.receive({
    id: `d${++delivery}`,
    name: 'issue_comment',
    payload: commentPayload(body, { cloneUrl }) as never,
  });
const push = (h: Harness, o: Parameters<typeof pushPayload>[0]) => () =>
  h.probot.receive({ id: `d${++delivery}`, name: 'push', payload: pushPayload(o) as never });

describe('the config cache through the app', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('a non-trigger label reads the config once (never the permission), then makes no GitHub call', async () => {
    const h = await startApp({});
    // The first event of the repository: the config (the repository's, then the org-wide one).
    expect((await callsOf(label(h, 'bug'))).sort()).toEqual([TOKEN, ORG_CONFIG, CONFIG].sort());
    // From now on nock has no route at all: any request would fail the delivery.
    resetNock();
    const gh = githubMock({});
    await label(h, 'bug')();
    await label(h, 'agent:')();
    await label(h, 'agentx')();
    await comment(h, '/agentx go')();
    await comment(h, '/lgtm')();
    expect(gh.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(0);
  });

  it("drops what is not a trigger under the repository's own config: its label and command, not the defaults", async () => {
    const h = await startApp({});
    const file = 'label: bot\ncommand: /bot\n';
    await callsOf(label(h, 'bug'), file);
    resetNock();
    const gh = githubMock({});
    await label(h, 'agent')();
    await comment(h, '/agent fix it')();
    expect(gh.lines()).toEqual([]);
    expect(await jobsCreated(h)).toBe(0);
  });

  it('a push that changes the config drops it: the next event reads it again', async () => {
    const h = await startApp({});
    await callsOf(label(h, 'bug'));
    const calls = await callsOf(async () => {
      await push(h, { files: { modified: [CONFIG_PATH] } })();
      await label(h, 'bug')();
    });
    expect(calls.sort()).toEqual([ORG_CONFIG, CONFIG].sort()); // the token is still Probot's cached one
  });

  it('the config read after a push is the new one', async () => {
    const h = await startApp({});
    await callsOf(label(h, 'bug'));
    await callsOf(push(h, { files: { added: [CONFIG_PATH] } }));
    // The new file makes `bug` the trigger label: the sender's permission is read (and falls short).
    resetNock();
    const gh = githubMock({
      ...configOnly('label: bug\n'),
      [PERMISSION]: () => [200, { permission: 'read', role_name: 'read' }],
      [`POST ${R}/issues/1/comments`]: () => [201, { id: 1 }],
    });
    await label(h, 'bug')();
    expect(gh.lines()).toEqual([CONFIG, PERMISSION, `POST ${R}/issues/1/comments`]);
  });

  it('a push that does not touch the config, or not on the default branch, keeps it cached', async () => {
    const h = await startApp({});
    await callsOf(label(h, 'bug'));
    const calls = await callsOf(async () => {
      await push(h, { files: { modified: ['README.md', 'src/issue-agent.yml'] } })();
      await push(h, { ref: 'refs/heads/feature', files: { modified: [CONFIG_PATH] } })();
      await push(h, { repo: 'Other-Repo', files: { modified: [CONFIG_PATH] } })();
      await label(h, 'bug')();
    });
    expect(calls).toEqual([]);
  });

  it("a push that changes the config in the owner's `.github` repository drops the owner's repositories", async () => {
    const h = await startApp({});
    await callsOf(label(h, 'bug'));
    const calls = await callsOf(async () => {
      await push(h, { repo: '.github', files: { modified: [CONFIG_PATH] } })();
      await label(h, 'bug')();
    });
    expect(calls.sort()).toEqual([ORG_CONFIG, CONFIG].sort());
  });

  it('after the TTL the config is read again', async () => {
    const h = await startApp({}, { configTtlMs: 200 });
    await callsOf(label(h, 'bug'));
    expect(await callsOf(label(h, 'bug'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 250));
    expect((await callsOf(label(h, 'bug'))).sort()).toEqual([ORG_CONFIG, CONFIG].sort());
  });
});
