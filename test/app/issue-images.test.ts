import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRemote } from '../helpers/git-remote.js';
import { commentPayload } from '../helpers/payloads.js';
import { callsOfARun, claudeLines, happyGitHub, R, resetNock, startApp, statusEdits } from './harness.js';

/** Images from the issue and the trigger's words, through the whole app: downloaded, in the sandbox, in the prompt. */
describe('issue images, comment to PR', () => {
  beforeEach(resetNock);
  afterEach(resetNock);

  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
  const PUBLIC = 'https://github.com/user-attachments/assets/11111111-aaaa-4bbb-8ccc-000000000001';
  const PRIVATE = 'https://github.com/user-attachments/assets/22222222-aaaa-4bbb-8ccc-000000000002';
  // The stand-in agent keeps a copy of what it was given (the sandbox is gone after the run).
  const KEEP_IMAGES = 'cp -r "$HOME/.issue-agent/images" "$rec/images" 2>/dev/null || true';

  it('gives the agent the images it could download, by path, and lists the one it could not', async () => {
    const remote = makeRemote({ 'a.txt': 'a\n' });
    const h = await startApp({
      writes: { 'a.txt': 'b\n' },
      lines: claudeLines('Matched the mockup.'),
      extra: KEEP_IMAGES,
    });
    const gh = happyGitHub();
    const attachments = nock('https://github.com')
      .get(new URL(PUBLIC).pathname)
      .reply(200, PNG, { 'content-type': 'image/png' })
      .get(new URL(PRIVATE).pathname)
      .reply(404, 'Not Found');

    await h.probot.receive({
      id: 'delivery-images',
      name: 'issue_comment',
      payload: commentPayload(`/agent match this mockup\n\n![mockup](${PUBLIC})\n<img src="${PRIVATE}">`, {
        cloneUrl: remote.url,
      }) as never,
    });
    await h.app.idle();

    expect(attachments.isDone()).toBe(true);
    expect([...gh.lines()].sort()).toEqual(callsOfARun(gh, `POST ${R}/issues/comments/492700400/reactions`));
    const prompt = readFileSync(join(h.agentBin, 'record', 'stdin'), 'utf8');
    expect(prompt).toMatch(/## Images\n\n.*\n\n- \/.*\/\.issue-agent\/images\/image-1\.png\n/);
    expect(readFileSync(join(h.agentBin, 'record', 'images', 'image-1.png'))).toEqual(PNG);
    // Outside the repository: nothing of it is committed.
    expect(gh.bodiesOf('POST', `${R}/git/trees`)).toEqual([
      { base_tree: remote.tree, tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'b\n' }] },
    ]);
    const last = statusEdits(gh).at(-1)!;
    expect(last).toMatch(/Opened pull request #42/);
    expect(last).toContain(`🖼️ Images: 1 given to the agent; not downloaded: \`${PRIVATE}\` (HTTP 404)`);
  });
});
