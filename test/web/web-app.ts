import { issueKey } from '../../src/domain/issue-key.js';
import { startFakeGitHubOAuth, type FakeGitHubOAuth } from '../fakes/github-oauth-server.js';
import { makeJob, serveLater, startApp, type Harness } from '../app/harness.js';
import type { FakeAgentScript } from '../helpers/fake-agent.js';

export interface WebApp {
  h: Harness;
  github: FakeGitHubOAuth;
  /** The app's server: `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The real app with the web view on, its OAuth pointed at the GitHub stand-in as a GitHub
 * Enterprise host (GHE_HOST, GHE_PROTOCOL=http: the URLs are derived as for the app's own
 * Octokit), served on a local port like Probot's server serves `/ui/`.
 */
export async function startWebApp(script: FakeAgentScript = {}, appEnv: Record<string, string> = {}): Promise<WebApp> {
  const github = await startFakeGitHubOAuth();
  const server = await serveLater();
  const h = await startApp(script, {
    appEnv: {
      GITHUB_CLIENT_ID: github.clientId,
      GITHUB_CLIENT_SECRET: github.clientSecret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      ADMIN_USERS: 'the-admin',
      PUBLIC_URL: server.url,
      ...appEnv,
    },
  });
  server.handler = h.app.webHandler;
  return {
    h,
    github,
    url: server.url,
    close: async () => {
      await server.close();
      await github.close();
    },
  };
}

/** A job of `owner/name` recorded as the handler would, with no run started. */
export async function addJob(
  h: Harness,
  id: string,
  repo: { owner: string; name: string },
  issue: { number: number; title: string },
): Promise<void> {
  const job = makeJob(`https://github.com/${repo.owner}/${repo.name}.git`, {
    id,
    repo: { owner: repo.owner, name: repo.name, defaultBranch: 'main', cloneUrl: '' },
    issue: { ...issue, body: '', isPullRequest: false },
  });
  await h.app.store.enqueue(job, `web:${id}`);
}

/**
 * A finished run of the past with its cost, for the Spend page: created long enough ago that no
 * worker takes it, and cancelled at once.
 */
export async function addPastRun(
  h: Harness,
  id: string,
  o: { daysAgo: number; costUsd: number; issue: number; agent?: 'claude' | 'codex' },
): Promise<void> {
  const job = makeJob('https://github.com/Codertocat/Hello-World.git', {
    id,
    agent: o.agent ?? 'claude',
    issue: { number: o.issue, title: `Earlier issue ${o.issue}`, body: '', isPullRequest: false },
    createdAt: Date.now() - o.daysAgo * 86_400_000,
  });
  await h.app.store.enqueue(job, `web:${id}`);
  await h.app.store.requestCancel(issueKey(job), 'Codertocat');
  await h.app.store.addUsage(id, {
    inputTokens: 1000,
    outputTokens: 100,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: o.costUsd,
  });
}
