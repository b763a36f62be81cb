import nock from 'nock';

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

type Reply = [number, unknown] | [number, unknown, Record<string, string>];
/** A route's answer; a promise holds the response back (e.g. until the test lets it go on). */
export type Handler = (body: unknown, path: string) => Reply | Promise<Reply>;

/**
 * nock for api.github.com that records every request the app makes, in order, with its parsed
 * body. Routes are `"METHOD /path"` (path as Octokit sends it, query excluded); a request with
 * no route fails the test through nock's unmatched-request error.
 */
export function githubMock(routes: Record<string, Handler>, base = 'https://api.github.com') {
  const calls: Recorded[] = [];
  const scope = nock(base).persist();
  for (const [route, handler] of Object.entries(routes)) {
    const [method, path] = route.split(' ') as [string, string];
    const matcher = (uri: string) => uri.split('?')[0] === path;
    const interceptor = scope.intercept(matcher, method);
    // nock's callback form, so a handler may answer later.
    interceptor.reply(function (uri, body, callback) {
      const parsed = typeof body === 'string' && body ? safeJson(body) : body;
      calls.push({ method, path: uri.split('?')[0]!, body: parsed === '' ? undefined : parsed });
      Promise.resolve(handler(parsed, uri)).then(
        (reply) => callback(null, reply as Parameters<typeof callback>[1]),
        (err: Error) => callback(err, [500, {}]),
      );
    });
  }
  return {
    calls,
    /** The recorded calls as "METHOD /path" lines, for asserting the whole conversation. */
    lines: () => calls.map((c) => `${c.method} ${c.path}`),
    bodiesOf: (method: string, path: string) =>
      calls.filter((c) => c.method === method && c.path === path).map((c) => c.body),
    done: () => scope.persist(false),
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** The token the app's installation client gets, and the read-only clone token. */
export const INSTALLATION_TOKEN = 'ghs_installationTokenForTheAppItself000';
export const READ_TOKEN = 'ghs_readOnlyCloneTokenForOneRepository00';

/** The installation-token route: the app's own token, or the narrowed read-only one when asked. */
export function accessTokenRoute(): (body: unknown) => [number, unknown] {
  return (body) => {
    const narrowed = !!body && typeof body === 'object' && 'repositories' in body;
    return [
      201,
      {
        token: narrowed ? READ_TOKEN : INSTALLATION_TOKEN,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: {},
      },
    ];
  };
}
