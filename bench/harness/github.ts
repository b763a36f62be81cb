import { startFakeGitHub, type FakeGitHub, type GitHubRequest } from '../../test/fakes/github-server.js';

/** The installations of the benchmark: installation `i` (1-based) owns `bench-org-<i>/repo`. */
export function ownerOf(installationId: number): string {
  return `bench-org-${installationId}`;
}
export const REPO_NAME = 'repo';

/** Token routes answer with one of these; requests carrying them are the installation's. */
const TOKEN_ROUTE = /^\/app\/installations\/(\d+)\/access_tokens$/;
const REPO_PATH = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/;

export interface BenchGitHub extends FakeGitHub {
  /** Requests from `from` on (an index into `requests`), for one phase of the benchmark. */
  since(from: number): GitHubRequest[];
}

/**
 * GitHub as a run of the app needs it, for any number of installations, over real HTTP with a
 * fixed latency per request and one installation's writes refused when they come sooner than
 * `writeSpacingMs` after its previous one. No repository has `.github/issue-agent.yml` (the
 * defaults apply), every sender is an admin, and every write succeeds with fresh ids.
 */
export async function startBenchGitHub(options: { latencyMs: number; writeSpacingMs: number }): Promise<BenchGitHub> {
  let seq = 0;
  const next = () => ++seq;
  const fake = await startFakeGitHub(
    {},
    {
      ...options,
      fallback: (method, path, body) => {
        const token = TOKEN_ROUTE.exec(path);
        if (token && method === 'POST') {
          // The narrowed read-only clone token names its repository; the app's own token does not.
          const narrowed = !!body && typeof body === 'object' && 'repositories' in body;
          return [
            201,
            {
              token: `ghs_bench${narrowed ? 'Read' : ''}${token[1]}x${next()}`,
              expires_at: new Date(Date.now() + 3_600_000).toISOString(),
              permissions: {},
            },
          ];
        }
        const repo = REPO_PATH.exec(path);
        if (!repo) return undefined;
        const [, owner, name, rest = ''] = repo;
        const html = `https://github.com/${owner}/${name}`;
        const route = `${method} ${rest.replace(/\/\d+(?=\/|$)/g, '/:n')}`;
        if (method === 'GET') {
          if (rest.startsWith('/contents/')) return [404, { message: 'Not Found' }];
          const sender = /^\/collaborators\/([^/]+)\/permission$/.exec(rest)?.[1];
          if (sender) return [200, { permission: 'admin', role_name: 'admin', user: { login: sender } }];
          return rest === '/pulls' ? [200, []] : undefined;
        }
        switch (route) {
          case 'POST /issues/:n/reactions':
          case 'POST /issues/comments/:n/reactions':
          case 'POST /pulls/comments/:n/reactions':
            return [201, { id: next(), content: 'eyes' }];
          case 'POST /issues/:n/comments': {
            const id = next();
            return [201, { id, html_url: `${html}/issues/1#issuecomment-${id}` }];
          }
          case 'PATCH /issues/comments/:n':
            return [200, { id: Number(rest.split('/').pop()) }];
          case 'POST /git/blobs':
            return [201, { sha: `blob-${next()}` }];
          case 'POST /git/trees':
            return [201, { sha: `tree-${next()}` }];
          case 'POST /git/commits':
            return [201, { sha: `commit-${next()}` }];
          case 'POST /git/refs': {
            const { ref, sha } = body as { ref: string; sha: string };
            return [201, { ref, object: { sha } }];
          }
          case 'POST /pulls': {
            const number = next();
            return [201, { number, html_url: `${html}/pull/${number}` }];
          }
          case 'POST /pulls/:n/requested_reviewers':
            return [201, {}];
          case 'POST /check-runs':
            return [201, { id: next() }];
          case 'PATCH /check-runs/:n':
            return [200, { id: Number(rest.split('/').pop()) }];
        }
        if (method === 'PATCH' && rest.startsWith('/git/refs/')) return [200, {}];
        return undefined;
      },
    },
  );
  return { ...fake, since: (from) => fake.requests.slice(from) };
}

/** Whether a request is a write GitHub paces per token (the token requests are the app's own, not an installation's). */
export function isWrite(r: GitHubRequest): boolean {
  return r.method !== 'GET' && r.method !== 'HEAD' && !TOKEN_ROUTE.test(r.path);
}

/** The kind of a request, for a breakdown: method and path with owner, repository and numbers generalised. */
export function routeOf(r: GitHubRequest): string {
  return `${r.method} ${r.path
    .replace(/^\/repos\/[^/]+\/\.github\//, '/repos/:owner/.github/')
    .replace(/^\/repos\/[^/]+\/[^/]+\//, '/repos/:owner/:repo/')
    .replace(/\/\d+(?=\/|$)/g, '/:n')
    .replace(/\/git\/refs\/.+$/, '/git/refs/:ref')}`;
}
