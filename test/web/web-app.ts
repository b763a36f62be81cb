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
