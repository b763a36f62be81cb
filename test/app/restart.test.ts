import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-server.js';
import { fakeAgentBin, type FakeAgentScript } from '../helpers/fake-agent.js';
import { deliver, startAppProcess, waitFor } from '../helpers/app-process.js';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { freePort, privateKey } from '../helpers/probot.js';
import { API_KEY, claudeLines, happyRoutes, R } from './harness.js';

/**
 * The app as a real process (src/main.ts), against GitHub over real HTTP (GHE_HOST pointing at
 * a local fake), killed and restarted around a running job.
 */
const SECRET = 'restart-test-secret';

const starts = (bin: string) =>
  existsSync(join(bin, 'record/starts'))
    ? readFileSync(join(bin, 'record/starts'), 'utf8').trim().split('\n').map(Number)
    : [];

describe('restarts lose nothing (the app as a child process)', () => {
  let gh: FakeGitHub | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    children.length = 0;
    await gh?.close();
  });

  async function setup(agentSleep: number, script?: FakeAgentScript) {
    gh = await startFakeGitHub(happyRoutes());
    const bin = fakeAgentBin(
      'claude',
      script ?? { writes: { 'a.txt': 'b\n' }, lines: claudeLines('Done.'), sleep: agentSleep },
    );
    const port = await freePort();
    const env = {
      APP_ID: '1',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      SANDBOX_PROVIDER: 'local',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'issue-agent-restart-')),
      PORT: String(port),
      HOST: '127.0.0.1',
      GHE_HOST: gh.host,
      GHE_PROTOCOL: 'http',
      ANTHROPIC_API_KEY: API_KEY,
      PATH: `${bin}:${process.env.PATH}`,
    };
    const payload = commentPayload('/agent go', { cloneUrl: makeRemote({ 'a.txt': 'a\n' }).url });
    return { bin, port, env, payload };
  }

  it('SIGKILL while the agent runs: after a restart the job re-attaches to the running agent and finishes with exactly one PR and one final status', async () => {
    const { bin, port, env, payload } = await setup(3);
    const first = await startAppProcess(env);
    children.push(first.child);
    expect(await deliver(port, SECRET, payload, 'kill-1')).toBe(200);
    await waitFor('the agent to start', () => starts(bin).length === 1);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;

    const second = await startAppProcess(env);
    children.push(second.child);
    // The agent kept running in its sandbox while no app was there: the new process re-attaches to it.
    await waitFor('the job to be picked up again', () => /re-attached to the sandbox/.test(second.output()));
    console.log(`SIGKILL to the job running again: ${Date.now() - killedAt} ms (includes the new process starting)`);
    // A redelivery of the same comment after the restart does not make a second job.
    expect(await deliver(port, SECRET, payload, 'kill-2')).toBe(200);
    await waitFor('the PR', () => gh!.lines().includes(`POST ${R}/pulls`));
    await waitFor('the final status', () =>
      (gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).some((b) =>
        /Opened pull request/.test(b.body),
      ),
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    expect(gh!.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(1);
    expect(gh!.lines().filter((l) => l === `POST ${R}/issues/1/comments`)).toHaveLength(1);
    const finals = (gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).filter((b) =>
      /✅|❌|💬|🛑/.test(b.body),
    );
    expect(finals).toHaveLength(1);
    expect(starts(bin)).toHaveLength(1); // the agent ran once: its work was not thrown away
    expect(gh!.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      expect.objectContaining({ tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'b\n' }] }),
    ]);
  }, 90_000);

  it('SIGTERM with a job running: it finishes within the grace period and the process exits 0', async () => {
    const { bin, port, env, payload } = await setup(2);
    const app = await startAppProcess({ ...env, SHUTDOWN_GRACE_SECONDS: '30' });
    children.push(app.child);
    expect(await deliver(port, SECRET, payload, 'term-1')).toBe(200);
    await waitFor('the agent to start', () => starts(bin).length === 1);
    const t0 = Date.now();
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(gh!.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(1);
    expect((gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).at(-1)!.body).toMatch(
      /Opened pull request #42/,
    );
  }, 60_000);

  it('SIGTERM past the grace period hands the job back, the agent left running; the next process re-attaches to it', async () => {
    const { bin, port, env, payload } = await setup(4);
    const first = await startAppProcess({ ...env, SHUTDOWN_GRACE_SECONDS: '0' });
    children.push(first.child);
    expect(await deliver(port, SECRET, payload, 'grace-1')).toBe(200);
    await waitFor('the agent to start', () => starts(bin).length === 1);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(gh!.lines()).not.toContain(`POST ${R}/pulls`);
    expect((gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).at(-1)!.body).toMatch(
      /the app restarted/,
    );

    const second = await startAppProcess(env);
    children.push(second.child);
    await waitFor('the PR', () => gh!.lines().includes(`POST ${R}/pulls`));
    await waitFor('the final status', () =>
      /Opened pull request/.test(
        (gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).at(-1)!.body,
      ),
    );
    // One agent run: the one the first process started, finished under the second.
    expect(starts(bin)).toHaveLength(1);
  }, 60_000);

  /**
   * A machine or container restart: the app and every process it started are killed. The
   * stand-in agent, the first time, prints its session and then works (sleeps) until killed;
   * run again it finishes at once, so a PR within seconds shows the restart did not wait.
   */
  describe.each([
    { name: 'with a session: resumed', session: true, note: /resuming the agent's session/ },
    { name: 'without a session: run again', session: false, note: /the agent had stopped, so it runs again/ },
  ])('SIGKILL of the app and the agent ($name)', ({ session, note }) => {
    it('the restarted app notices within seconds that the agent is gone and finishes the job with one PR', async () => {
      const [init, ...rest] = claudeLines('Done.');
      const quoted = (line: string) => `'${line.replace(/'/g, `'\\''`)}'`;
      const { bin, port, env, payload } = await setup(0, {
        writes: { 'a.txt': 'b\n' },
        // First run: (the session,) then work until killed. Any later run: the rest, at once.
        extra: [
          'if [ -e "$rec/ran" ]; then',
          ...(session ? [] : [`  printf '%s\\n' ${quoted(init!)}`]),
          ...rest.map((l) => `  printf '%s\\n' ${quoted(l)}`),
          '  exit 0',
          'fi',
          'touch "$rec/ran"',
          ...(session ? [`printf '%s\\n' ${quoted(init!)}`] : []),
          'sleep 0.5; touch "$rec/working"; sleep 60',
        ].join('\n'),
      });
      const first = await startAppProcess(env);
      children.push(first.child);
      expect(await deliver(port, SECRET, payload, `gone-${session}`)).toBe(200);
      await waitFor('the agent to start', () => starts(bin).length === 1);
      await waitFor('the agent to be at work', () => existsSync(join(bin, 'record/working')));
      // Everything the app started goes too, all at once as in a container restart: the runner
      // process first (it would otherwise see its agent die and act on it), the agent's whole
      // process group, then the app.
      const runnerPid = execFileSync('pgrep', ['-P', String(first.child.pid)], { encoding: 'utf8' }).trim();
      process.kill(Number(runnerPid), 'SIGKILL');
      const agentPid = execFileSync('pgrep', ['-f', join(bin, 'claude')], { encoding: 'utf8' })
        .trim()
        .split('\n')[0]!;
      const group = execFileSync('ps', ['-o', 'pgid=', '-p', agentPid], { encoding: 'utf8' }).trim();
      process.kill(-Number(group), 'SIGKILL');
      first.child.kill('SIGKILL');
      await first.exited;

      const restartedAt = Date.now();
      const second = await startAppProcess(env);
      children.push(second.child);
      await waitFor(
        'the final status',
        () =>
          (gh!.bodiesOf('PATCH', `${R}/issues/comments/1001`) as { body: string }[]).some((b) =>
            /Opened pull request/.test(b.body),
          ),
        30_000,
      );
      const tookMs = Date.now() - restartedAt;
      console.log(`restart to PR with the agent killed too (${session ? 'resumed' : 'run again'}): ${tookMs} ms`);
      expect(tookMs).toBeLessThan(20_000); // seconds, not the job's 30-minute deadline
      expect(second.output()).toMatch(/the re-attached agent is gone; running it again/);
      expect(second.output()).toMatch(note);
      expect(gh!.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(1);
      expect(starts(bin)).toHaveLength(2);
      const argv = readFileSync(join(bin, 'record/argv'), 'utf8');
      if (session) expect(argv).toMatch(/--resume\nsess-123/);
      else expect(argv).not.toMatch(/--resume/);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }, 90_000);
  });
});
