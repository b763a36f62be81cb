import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetNock, startApp } from '../app/harness.js';
import { serveLater } from '../app/harness.js';
import { addJob, startWebApp, type WebApp } from './web-app.js';

/** A browser's cookie jar over fetch, redirects followed by hand (so each hop is seen). */
class Client {
  readonly cookies = new Map<string, string>();
  readonly setCookies: string[] = [];
  constructor(private readonly base: string) {}

  async get(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.base), {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || /Max-Age=0/.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects (across the app and the GitHub stand-in) to the final answer. */
  async follow(path: string): Promise<Response> {
    let res = await this.get(path);
    for (let i = 0; i < 10 && res.status === 302; i++) res = await this.get(res.headers.get('location')!);
    return res;
  }

  async signIn(): Promise<Response> {
    return this.follow('/ui/auth/start?return=%2Fui%2F');
  }
}

describe('web view over HTTP', () => {
  let w: WebApp;
  beforeEach(async () => {
    resetNock();
    w = await startWebApp();
    // The jobs below stay queued: no worker takes them.
    await w.h.app.runner.stop(0);
    w.github.readers.set('codertocat/hello-world', new Set(['octocat']));
    await addJob(
      w.h,
      'run-visible',
      { owner: 'Codertocat', name: 'Hello-World' },
      { number: 1, title: 'Pager <b>bug</b>' },
    );
    await addJob(w.h, 'run-secret', { owner: 'acme', name: 'secret' }, { number: 2, title: 'Secret plans' });
  });
  afterEach(async () => {
    await w.close();
    resetNock();
  });

  it('sends the unauthenticated to the login page, and API routes get 401', async () => {
    const c = new Client(w.url);
    const page = await c.get('/ui/runs/run-visible');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/ui/login?return=%2Fui%2Fruns%2Frun-visible');
    const api = await c.get('/ui/api/runs/run-visible/events');
    expect(api.status).toBe(401);
    const login = await c.get('/ui/login');
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('Sign in with GitHub');
  });

  it('signs in through GitHub with a state, sets a sealed HttpOnly SameSite=Lax cookie, and signs out', async () => {
    const c = new Client(w.url);
    const start = await c.get('/ui/auth/start?return=%2Fui%2Fspend');
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.host}${authorize.pathname}`).toBe(`${w.github.host}/login/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(w.github.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${w.url}/ui/auth/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{32}$/);

    const back = await c.get(authorize.toString());
    const callback = await c.get(back.headers.get('location')!);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/ui/spend');
    const session = c.setCookies.find((s) => s.startsWith('ia_session='))!;
    expect(session).toMatch(/; Path=\/ui; Max-Age=28800; HttpOnly; SameSite=Lax$/);
    // Sealed: the GitHub token is not readable from the cookie.
    const token = [...w.github.tokens.keys()][0]!;
    expect(session).not.toContain(token);
    expect(Buffer.from(c.cookies.get('ia_session')!, 'base64url').toString('latin1')).not.toContain(token);

    expect((await c.get('/ui/spend')).status).toBe(200);
    const out = await c.get('/ui/logout', { method: 'POST' });
    expect(out.headers.get('location')).toBe('/ui/login');
    expect(c.cookies.has('ia_session')).toBe(false);
    expect((await c.get('/ui/spend')).status).toBe(302);
  });

  it('refuses a callback whose state this browser did not start (login CSRF), and a forged cookie', async () => {
    const attacker = new Client(w.url);
    const start = await attacker.get('/ui/auth/start');
    const back = await attacker.get(start.headers.get('location')!);
    const victim = new Client(w.url);
    const res = await victim.get(back.headers.get('location')!);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('sign in again');
    expect(victim.cookies.has('ia_session')).toBe(false);

    const declined = await victim.get('/ui/auth/callback?error=access_denied&state=x');
    expect(declined.status).toBe(400);
    expect(await declined.text()).toContain('GitHub did not allow the sign-in.');

    victim.cookies.set('ia_session', Buffer.from(JSON.stringify({ login: 'the-admin' })).toString('base64url'));
    expect((await victim.get('/ui/')).status).toBe(302);
  });

  it('shows a run only to those GitHub lets read its repository: 404 alike for unknown and forbidden', async () => {
    const c = new Client(w.url);
    await c.signIn();
    const visible = await c.get('/ui/runs/run-visible');
    expect(visible.status).toBe(200);
    const html = await visible.text();
    expect(html).toContain('Pager &lt;b>bug&lt;/b>');
    expect(html).not.toContain('<b>bug</b>');

    const forbidden = await c.get('/ui/runs/run-secret');
    const unknown = await c.get('/ui/runs/no-such-run');
    expect([forbidden.status, unknown.status]).toEqual([404, 404]);
    expect(await forbidden.text()).toBe(await unknown.text());
    expect((await c.get('/ui/api/runs/run-secret/events')).status).toBe(404);

    const list = await (await c.get('/ui/')).text();
    expect(list).toContain('run-visi');
    expect(list).not.toContain('Secret plans');
    // One read check per repository, then from the cache.
    const checks = w.github.requests.filter((r) => r.startsWith('GET /api/v3/repos/'));
    expect(new Set(checks)).toEqual(
      new Set(['GET /api/v3/repos/codertocat/hello-world', 'GET /api/v3/repos/acme/secret']),
    );
    expect(checks).toHaveLength(2);
  });

  it('an admin sees every run without asking GitHub about repositories', async () => {
    w.github.user = 'The-Admin';
    const c = new Client(w.url);
    await c.signIn();
    const list = await (await c.get('/ui/')).text();
    expect(list).toContain('Secret plans');
    expect(list).toContain('queued, #1 in line');
    expect(list).toContain('queued, #2 in line');
    expect((await c.get('/ui/runs/run-secret')).status).toBe(200);
    expect(w.github.requests.filter((r) => r.startsWith('GET /api/v3/repos/'))).toEqual([]);
  });

  it('serves every page with a strict Content-Security-Policy and the assets from the app', async () => {
    const c = new Client(w.url);
    await c.signIn();
    for (const path of ['/ui/', '/ui/spend', '/ui/runs/run-visible', '/ui/login'])
      expect((await c.get(path)).headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      );
    const css = await c.get('/ui/assets/ui.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await c.get('/ui/assets/run.js')).status).toBe(200);
    expect((await c.get('/ui/assets/..%2Fui.css')).status).toBe(404);
    expect((await c.get('/ui/assets/__proto__')).status).toBe(404);
  });

  it('streams a run’s transcript as Server-Sent Events, resumes after Last-Event-ID, ends on shutdown', async () => {
    const c = new Client(w.url);
    await c.signIn();
    await w.h.app.store.appendTranscript('run-visible', [
      { at: 1, kind: 'message', text: 'first <script>' },
      { at: 2, kind: 'message', text: 'second' },
    ]);
    const [first] = await w.h.app.store.transcript('run-visible');
    const res = await c.get('/ui/api/runs/run-visible/events', { headers: { 'last-event-id': String(first!.seq) } });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    };
    await readUntil('second');
    expect(text).not.toContain('first');
    // The run is still queued: the stream stays open for what comes next.
    await w.h.app.store.appendTranscript('run-visible', [{ at: 3, kind: 'message', text: 'third' }]);
    await readUntil('third');
    expect(text).toMatch(/id: \d+\nevent: entry\ndata: \{"seq":\d+,"at":3,"kind":"message","text":"third"\}\n\n/);
    // Shutting down ends it, so the server can close.
    w.h.app.closeWebStreams();
    for (;;) if ((await reader.read()).done) break;
  });

  it('a return address off the web view is never followed (no open redirect)', async () => {
    const c = new Client(w.url);
    const start = await c.get('/ui/auth/start?return=https%3A%2F%2Fevil.example%2F');
    const back = await c.get(start.headers.get('location')!);
    expect((await c.get(back.headers.get('location')!)).headers.get('location')).toBe('/ui/');
  });
});

describe('web view without OAuth credentials', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it('is off and says how to turn it on', async () => {
    const h = await startApp({});
    const server = await serveLater();
    server.handler = h.app.webHandler;
    try {
      const res = await fetch(`${server.url}/ui/`);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).toContain('The web view is off');
      expect(text).toContain('GITHUB_CLIENT_ID');
      expect(text).toContain('/ui/auth/callback');
    } finally {
      await server.close();
    }
  });
});
