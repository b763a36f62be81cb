import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJobStore } from '../../src/jobs/store/open.js';
import { commentPayload } from '../helpers/payloads.js';
import { makeRemote } from '../helpers/git-remote.js';
import { claudeLines, happyGitHub, R, resetNock, startApp, statusEdits } from './harness.js';

/**
 * With the inbox (as main.ts runs the app), a trigger's webhook is answered once its delivery
 * is recorded: the config and permission reads, the job and the acknowledgement come after.
 */
describe('the webhook inbox', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  it("answers a trigger's webhook before any GitHub call of it, then runs the trigger to a PR and empties the inbox", async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-inbox-')) });
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Done.') }, { inbox: true, store });
    // GitHub does not answer the sender's permission until the webhook has been answered.
    let answered!: () => void;
    const webhookAnswered = new Promise<void>((r) => (answered = r));
    const gh = happyGitHub({
      [`GET ${R}/collaborators/Codertocat/permission`]: async () => {
        await webhookAnswered;
        return [200, { permission: 'admin', role_name: 'admin', user: { login: 'Codertocat' } }];
      },
    });

    await h.probot.receive({
      id: 'inbox-1',
      name: 'issue_comment',
      payload: commentPayload('/agent go', { cloneUrl: remote.url }) as never,
    });
    // Answered (or the test would hang here: the permission waits for it) with no job yet: it
    // cannot be recorded before the permission is read.
    const atAnswer = await store.stats();
    expect(atAnswer.queueDepth + atAnswer.running).toBe(0);
    answered();
    await h.app.idle();

    expect(gh.lines()).toContain(`POST ${R}/pulls`);
    expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
    expect(await store.inboxTakeStale(Number.MAX_SAFE_INTEGER, 'test', Date.now())).toEqual([]);
  });

  it('runs a delivery that a process which died left in the inbox, once, when the app starts', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const store = await openJobStore({ dataDir: mkdtempSync(join(tmpdir(), 'issue-agent-inbox-')) });
    const payload = commentPayload('/agent go', { cloneUrl: remote.url });
    // Recorded two minutes ago by a process that answered the webhook and died.
    await store.inboxAdd({
      deliveryId: 'left-1',
      name: 'issue_comment',
      payload,
      receivedAt: Date.now() - 120_000,
      owner: 'gone:1:x',
    });
    const gh = happyGitHub();
    const h = await startApp({ writes: { 'a.txt': 'b\n' }, lines: claudeLines('Done.') }, { inbox: true, store });
    // The left delivery is taken at start; wait for it to be recorded as a job, then for the run.
    for (let i = 0; i < 200 && !gh.lines().includes(`POST ${R}/issues/1/comments`); i++)
      await new Promise((r) => setTimeout(r, 25));
    await h.app.idle();

    expect(gh.lines().filter((l) => l === `POST ${R}/pulls`)).toHaveLength(1);
    expect(gh.lines().filter((l) => l === `POST ${R}/issues/1/comments`)).toHaveLength(1);
    expect(statusEdits(gh).at(-1)).toMatch(/Opened pull request #42/);
    expect(h.logLines.some((l) => l.includes('processing a delivery a stopped process left'))).toBe(true);
    expect(await store.inboxTakeStale(Number.MAX_SAFE_INTEGER, 'test', Date.now())).toEqual([]);
  });
});
