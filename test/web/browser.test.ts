import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeLines, happyGitHub, R, resetNock, statusEdits } from '../app/harness.js';
import { makeRemote } from '../helpers/git-remote.js';
import { labeledPayload } from '../helpers/payloads.js';
import { addPastRun, startWebApp, type WebApp } from './web-app.js';

/** Debian's Chromium, installed by `npm test`'s pretest (scripts/chromium-for-tests.sh). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every page, for people to look at (gitignored). */
const SHOTS = resolve('test-output/web');

const XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/** Claude Code's stream, one line every ~1.5 s: a run a viewer can watch. */
function slowClaudeLines(): string[] {
  const [init, , result] = claudeLines('Fixed the pager.');
  const assistant = (content: unknown[]) => JSON.stringify({ type: 'assistant', message: { content } });
  return [
    init!,
    assistant([{ type: 'text', text: 'Looking at the pager first.' }]),
    assistant([{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'grep -rn last src/' } }]),
    JSON.stringify({
      type: 'user',
      message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: `src/pager.ts:1: ${XSS}` }] },
    }),
    assistant([{ type: 'text', text: `The file mentions ${XSS} in a comment; it is only text.` }]),
    ...[1, 2, 3, 4].map((n) => assistant([{ type: 'text', text: `Step ${n} of 4: still working.` }])),
    assistant([
      { type: 'tool_use', id: 't2', name: 'Write', input: { file_path: 'src/pager.ts', content: 'export {};\n' } },
    ]),
    result!,
  ];
}

describe('the web view in a real browser', () => {
  let w: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Chromium's own sandbox refuses to start as root (CI runs as root).
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
    resetNock();
  });

  async function signIn(page: Page, user: string, path = '/ui/'): Promise<number | undefined> {
    w.github.user = user;
    const res = await page.goto(`${w.url}${path}`);
    if (!page.url().includes('/ui/login')) return res?.status();
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/ui/login'));
    return (await page.reload())?.status();
  }

  it('signs in, lists the runs, follows a run live, escapes agent output, keeps others out', async () => {
    resetNock();
    const remote = makeRemote({ 'README.md': '# Hello\n', 'src/pager.ts': 'export const last = 1;\n' });
    w = await startWebApp(
      { writes: { 'src/pager.ts': 'export {};\n' }, lines: slowClaudeLines(), lineDelay: 1.5 },
      { MONTHLY_COST_USD_PER_INSTALLATION: '25' },
    );
    w.github.readers.set('codertocat/hello-world', new Set(['octocat']));
    const gh = happyGitHub();
    await addPastRun(w.h, 'past-1', { daysAgo: 9, costUsd: 1.25, issue: 11 });
    await addPastRun(w.h, 'past-2', { daysAgo: 4, costUsd: 3.1, issue: 12, agent: 'codex' });
    await addPastRun(w.h, 'past-3', { daysAgo: 1, costUsd: 0.8, issue: 13 });

    await w.h.probot.receive({
      id: 'delivery-web',
      name: 'issues',
      payload: labeledPayload('agent', {
        cloneUrl: remote.url,
        title: 'Pager skips the last page',
        body: 'The last page is never shown.',
      }) as never,
    });

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Any script that runs from agent output would set this; none may.
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    // Not signed in: the login page, then GitHub (the stand-in) and back.
    await page.goto(`${w.url}/ui/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.screenshot({ path: join(SHOTS, 'login.png') });
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.waitForURL(`${w.url}/ui/`);
    expect(await page.locator('header .who').textContent()).toContain('octocat');

    // The runs list: the running job with its phase and elapsed time.
    await expect.poll(async () => (await page.reload(), await page.locator('tr.state-running').count())).toBe(1);
    expect(await page.locator('tr.state-running .state').textContent()).toMatch(/^running: \w+.*, \d+ s$/);
    await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });

    // The run page while it works: entries arrive over SSE without a reload.
    await page.locator('tr.state-running a').click();
    await page.waitForURL(/\/ui\/runs\//);
    const runUrl = page.url();
    await page.evaluate(() => ((window as unknown as { __loaded: number }).__loaded = 1));
    const atLoad = await page.locator('#transcript li').count();
    expect(await page.getByText('Step 4 of 4: still working.').count()).toBe(0);
    await page.getByText('Step 4 of 4: still working.').waitFor({ timeout: 30_000 });
    expect(await page.locator('#transcript li').count()).toBeGreaterThan(atLoad);
    expect(await page.evaluate(() => (window as unknown as { __loaded?: number }).__loaded)).toBe(1); // no reload
    await page.screenshot({ path: join(SHOTS, 'run-live.png'), fullPage: true });

    // The run ends: the stream says so; reloaded, the page shows the outcome and keeps the transcript.
    await page.locator('#live-status.ended').waitFor({ timeout: 60_000 });
    await w.h.app.idle();
    await page.reload();
    expect(await page.locator('.outcome').textContent()).toBe('opened pull request #42');
    // Agent output is text: the markup shows as written and never ran.
    const message = page.locator('.entry.kind-message', { hasText: 'only text' });
    expect(await message.locator('.text').textContent()).toBe(
      `The file mentions ${XSS} in a comment; it is only text.`,
    );
    expect(await message.locator('script, img').count()).toBe(0);
    const output = page.locator('.entry.kind-output');
    await output.locator('summary').click();
    expect(await output.locator('pre').textContent()).toBe(`src/pager.ts:1: ${XSS}`);
    expect(await page.locator('.entry.kind-tool pre').first().textContent()).toContain(
      '"command": "grep -rn last src/"',
    );
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'run.png'), fullPage: true });
    // The status comment and the PR body link to this page (PUBLIC_URL is set, the web view on).
    const edits = statusEdits(gh);
    expect(edits.some((e) => e.includes(`[🔎 live transcript](${runUrl})`))).toBe(true);
    expect(edits.at(-1)).toContain(`[🔎 transcript and details](${runUrl})`);
    expect((gh.bodiesOf('POST', `${R}/pulls`)[0] as { body: string }).body).toContain(
      `| Run | [transcript and details](${runUrl}) |`,
    );

    // Spend: the chart and the tables, and the installation's budget (octocat is not an admin: none).
    await page.goto(`${w.url}/ui/spend`);
    expect(await page.locator('svg.chart rect.bar').count()).toBe(30);
    expect(await page.locator('table.spend').first().textContent()).toContain('Codertocat/Hello-World');
    await page.screenshot({ path: join(SHOTS, 'spend.png'), fullPage: true });
    await context.close();

    // An admin sees the installation's budget with what is left.
    const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const adminPage = await admin.newPage();
    await signIn(adminPage, 'the-admin', '/ui/spend');
    const budget = adminPage.locator('table.budgets tbody tr');
    expect(await budget.count()).toBe(1);
    expect(await budget.textContent()).toMatch(/installation of Codertocat.*\$25\.00/);
    await adminPage.screenshot({ path: join(SHOTS, 'spend-admin.png'), fullPage: true });
    await admin.close();

    // Someone GitHub does not let read the repository: the same 404 as for no run at all.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    expect(await signIn(otherPage, 'mallory', new URL(runUrl).pathname)).toBe(404);
    expect(await otherPage.locator('h1').textContent()).toBe('Not found');
    await otherPage.screenshot({ path: join(SHOTS, 'not-found.png') });
    expect((await otherPage.goto(`${w.url}/ui/runs/no-such-run`))?.status()).toBe(404);
    expect(await otherPage.locator('tr.state-succeeded').count()).toBe(0);
    await other.close();
  }, 120_000);
});
